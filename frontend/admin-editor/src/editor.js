// The template admin's HTML editor: CodeMirror 6 over a <textarea data-code-editor>.
// The textarea stays the form field (hidden, kept in step, an "input" event per change, so the
// live preview and the form see every edit). Template errors name a line ("line 7: …"): an
// "pp:error-lines" event on the textarea with {detail: [7]} marks those lines and shows the first.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { LRLanguage, LanguageSupport, bracketMatching, defaultHighlightStyle, indentOnInput,
  syntaxHighlighting } from "@codemirror/language";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import { parser as cssParser } from "@lezer/css";
import { configureNesting, parser } from "@lezer/html";
import { Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  keymap, lineNumbers } from "@codemirror/view";

// HTML with its <style> blocks as CSS: block templates carry styles but never scripts, so the
// JavaScript parser of @codemirror/lang-html (two thirds of its size) is left out.
const html = () => new LanguageSupport(LRLanguage.define({
  name: "html",
  parser: parser.configure({ wrap: configureNesting([{ tag: "style", parser: cssParser }]) }),
}));

const setErrorLines = StateEffect.define();
const errorLine = Decoration.line({ class: "pp-error-line" });

const errorLines = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    marks = marks.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (!effect.is(setErrorLines)) continue;
      const doc = transaction.state.doc;
      const numbers = [...new Set(effect.value)].filter((n) => n >= 1 && n <= doc.lines).sort((a, b) => a - b);
      marks = Decoration.set(numbers.map((n) => errorLine.range(doc.line(n).from)));
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const theme = EditorView.theme({
  "&": { border: "1px solid var(--border-color, #ccc)", borderRadius: "6px", fontSize: "13px",
    background: "var(--body-bg, #fff)", color: "var(--body-fg, #333)" },
  ".cm-scroller": { fontFamily: "ui-monospace, Menlo, Consolas, monospace", minHeight: "22em",
    maxHeight: "70vh", overflow: "auto" },
  ".cm-gutters": { background: "var(--darkened-bg, #f8f8f8)", borderRight: "1px solid var(--hairline-color, #ddd)" },
  ".pp-error-line": { background: "rgba(220, 38, 38, 0.14)", boxShadow: "inset 3px 0 0 #dc2626" },
  "&.cm-focused": { outline: "2px solid var(--primary, #79aec8)" },
});

function attach(textarea) {
  const view = new EditorView({
    parent: textarea.parentNode,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(),
        indentOnInput(), bracketMatching(), highlightActiveLine(), html(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.lineWrapping, errorLines, theme,
        EditorView.contentAttributes.of({ "aria-label": textarea.getAttribute("aria-label") || "HTML",
          "data-editor-for": textarea.id }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        }),
      ],
    }),
  });
  textarea.parentNode.insertBefore(view.dom, textarea);
  textarea.hidden = true;
  textarea.addEventListener("pp:error-lines", (event) => {
    const lines = Array.isArray(event.detail) ? event.detail : [];
    view.dispatch({ effects: setErrorLines.of(lines) });
    if (lines.length && lines[0] <= view.state.doc.lines) {
      view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.line(lines[0]).from, { y: "center" }) });
    }
  });
  textarea.codeEditor = view;
  textarea.dispatchEvent(new CustomEvent("pp:editor-ready", { bubbles: true }));
}

function start() {
  document.querySelectorAll("textarea[data-code-editor]").forEach(attach);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
