"""Block templates: a tiny, escaping-only template language, and assembling a sanitised page.

Syntax (a small Jinja-like subset; no filters, no custom tags, no expressions):

    {{ title }}                              a text, number, url or image slot, HTML-escaped
    {{ body }}                               a rich_text slot: cleaned to <b>, <i>, <br>, <p>, lists, links
    {% for item in features %}{{ item }}{% endfor %}           a list slot
    {% for row in specs %}{{ row.key }}: {{ row.value }}{% endfor %}      a pairs slot
    {% for q in faq %}{{ q.question }} {{ q.answer }}{% endfor %}          a qa slot
    {{ loop.index }}                         1, 2, 3 … inside a for
    {% if image %}<img src="{{ image }}">{% else %}…{% endif %}             optional slots

Every value is escaped. What a template may do with slots is checked when it is saved
(`template_check`): every slot used is declared and every declared slot is used; slots never
appear in <style>, in style="" or on* attributes, or unquoted in a tag; URL attributes (href,
src) take only url/image slots, whole. `page_assemble` then sanitises the whole page with nh3
as a second line of defence: no script, no event handlers, no javascript: URLs.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from config.lazy import lazy_module
from templates_app.css import css_problems
from templates_app.page_html import page_assemble
from templates_app.slots import (
    ITEM_FIELDS,
    LIST_TYPES,
    slot_type,
    slots_schema_errors,
    slots_validate_content,
)

if TYPE_CHECKING:
    import nh3
else:  # nh3 only when a template is rendered (a web worker mostly serves polls and lists)
    nh3 = lazy_module("nh3")

_TOKEN = re.compile(r"({{.*?}}|{%.*?%})", re.DOTALL)
_NAME = r"[a-z][a-z0-9_]*"
_VAR = re.compile(rf"^({_NAME})(?:\.({_NAME}))?$")
_FOR = re.compile(rf"^for\s+({_NAME})\s+in\s+({_NAME})$")
_IF = re.compile(rf"^if\s+(not\s+)?({_NAME}(?:\.{_NAME})?)$")
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "poster",
        "background",
        "cite",
        "data",
        "xlink:href",
        "manifest",
        "ping",
    }
)


class TemplateSyntaxError(ValueError):
    pass


# --- parsing --------------------------------------------------------------------------------


@dataclass
class Text:
    text: str


@dataclass
class Var:
    name: str
    attr: str | None
    line: int


@dataclass
class For:
    var: str
    iterable: str
    line: int
    body: list = field(default_factory=list)


@dataclass
class If:
    name: str
    attr: str | None
    negate: bool
    line: int
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def template_parse(source: str) -> list:
    """The template as a node tree, or TemplateSyntaxError naming the line."""
    root: list = []
    stack: list[tuple[For | If | None, list]] = [(None, root)]  # (open tag, where nodes go); root first
    position = 0
    for match in _TOKEN.finditer(source):
        if match.start() > position:
            stack[-1][1].append(Text(source[position : match.start()]))
        position = match.end()
        token, line = match.group(0), _line(source, match.start())
        inner = token[2:-2].strip()
        if token.startswith("{{"):
            found = _VAR.match(inner)
            if not found:
                raise TemplateSyntaxError(
                    f"line {line}: {token} is not a slot reference; write "
                    "{{ name }} or {{ item.key }} (no filters or expressions)."
                )
            stack[-1][1].append(Var(found.group(1), found.group(2), line))
            continue
        words = inner.split()
        keyword = words[0] if words else ""
        if keyword == "for":
            found = _FOR.match(inner)
            if not found:
                raise TemplateSyntaxError(f"line {line}: write {{% for item in slot %}}, not {token}.")
            loop = For(found.group(1), found.group(2), line)
            stack[-1][1].append(loop)
            stack.append((loop, loop.body))
        elif keyword == "if":
            found = _IF.match(inner)
            if not found:
                raise TemplateSyntaxError(
                    f"line {line}: write {{% if slot %}} or {{% if not slot %}}, not {token}."
                )
            name, _, attr = found.group(2).partition(".")
            branch = If(name, attr or None, bool(found.group(1)), line)
            stack[-1][1].append(branch)
            stack.append((branch, branch.body))
        elif keyword == "else" and len(words) == 1:
            owner, body = stack[-1]
            if not isinstance(owner, If) or body is owner.orelse:
                raise TemplateSyntaxError(f"line {line}: {{% else %}} outside an {{% if %}}.")
            stack[-1] = (owner, owner.orelse)
        elif keyword in ("endfor", "endif") and len(words) == 1:
            owner = stack[-1][0]
            expected = For if keyword == "endfor" else If
            if not isinstance(owner, expected):
                raise TemplateSyntaxError(
                    f"line {line}: {{% {keyword} %}} without a matching {{% {keyword[3:]} %}}."
                )
            stack.pop()
        else:
            raise TemplateSyntaxError(
                f"line {line}: unknown tag {token}; the tags are for, if, else, endfor and endif."
            )
    unclosed = stack[-1][0]  # None: only the root is left
    if unclosed is not None:
        kind = "for" if isinstance(unclosed, For) else "if"
        raise TemplateSyntaxError(
            f"line {unclosed.line}: {{% {kind} %}} is never closed with {{% end{kind} %}}."
        )
    if position < len(source):
        root.append(Text(source[position:]))
    return root


# --- checking a template against its slots ----------------------------------------------------


@dataclass
class _Use:
    slot: str
    kind: str  # "value" (printed whole) | "item" (printed via a loop variable) | "test" | "loop"
    line: int


def _collect(
    nodes: list,
    slots: dict,
    loops: dict[str, str],
    uses: list[_Use],
    errors: list[str],
    placeholders: list[tuple[str, Var, dict[str, str]]],
    out: list[str],
) -> None:
    """Walk the tree: record slot uses and errors, and write the source with each {{ }} replaced
    by a placeholder and tags removed, for the HTML context check."""
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Var):
            out.append(f"__SLOT{len(placeholders)}__")
            placeholders.append((f"__SLOT{len(placeholders)}__", node, dict(loops)))
            _check_var(node, slots, loops, uses, errors)
        elif isinstance(node, For):
            if node.iterable in loops:
                errors.append(
                    f"line {node.line}: loops go over slots, not over the loop variable '{node.iterable}'."
                )
            elif node.iterable not in slots:
                errors.append(f"line {node.line}: uses slot '{node.iterable}' that is not declared in slots.")
            elif slot_type(slots[node.iterable]) not in LIST_TYPES:
                kind = slot_type(slots[node.iterable])
                errors.append(
                    f"line {node.line}: '{node.iterable}' is a {kind} slot; "
                    "only list, pairs and qa slots can be looped over."
                )
            else:
                uses.append(_Use(node.iterable, "loop", node.line))
            if node.var in slots or node.var == "loop":
                errors.append(f"line {node.line}: the loop variable '{node.var}' hides a slot of that name.")
            _collect(node.body, slots, {**loops, node.var: node.iterable}, uses, errors, placeholders, out)
        elif isinstance(node, If):
            if node.name in loops:
                pass
            elif node.name == "loop":
                errors.append(f"line {node.line}: {{% if loop… %}} is not supported.")
            elif node.name not in slots:
                errors.append(f"line {node.line}: uses slot '{node.name}' that is not declared in slots.")
            else:
                uses.append(_Use(node.name, "test", node.line))
            _collect(node.body, slots, loops, uses, errors, placeholders, out)
            _collect(node.orelse, slots, loops, uses, errors, placeholders, out)


def _check_var(node: Var, slots: dict, loops: dict[str, str], uses: list[_Use], errors: list[str]) -> None:
    ref = f"{{{{ {node.name}{'.' + node.attr if node.attr else ''} }}}}"
    if node.name == "loop":
        if not loops:
            errors.append(f"line {node.line}: {ref} is only available inside a {{% for %}}.")
        elif node.attr != "index":
            errors.append(f"line {node.line}: {ref}: only loop.index is available.")
        return
    if node.name in loops:
        kind = slot_type(slots.get(loops[node.name], {}))
        fields = ITEM_FIELDS.get(kind)
        if kind == "list" and node.attr:
            errors.append(
                f"line {node.line}: {ref}: items of the list '{loops[node.name]}' are plain text; "
                f"write {{{{ {node.name} }}}}."
            )
        elif fields and node.attr not in fields:
            errors.append(
                f"line {node.line}: {ref}: items of the {kind} slot '{loops[node.name]}' have "
                f"{fields[0]} and {fields[1]}."
            )
        return
    if node.name not in slots:
        errors.append(f"line {node.line}: uses slot '{node.name}' that is not declared in slots.")
        return
    kind = slot_type(slots[node.name])
    if node.attr:
        errors.append(f"line {node.line}: {ref}: '{node.name}' is a {kind} slot and has no '.{node.attr}'.")
    elif kind in LIST_TYPES:
        errors.append(
            f"line {node.line}: '{node.name}' is a {kind} slot: loop over it with "
            f"{{% for item in {node.name} %}}."
        )
    uses.append(_Use(node.name, "value", node.line))


class _ContextChecker(HTMLParser):
    """Where each placeholder landed in the HTML, and what the template itself contains."""

    def __init__(self, source: str, placeholders: dict[str, tuple[Var, dict[str, str]]], slots: dict):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.placeholders = placeholders
        self.slots = slots
        self.errors: list[str] = []
        self.raw_text_tag: str | None = None

    def _slot_kind(self, placeholder: str) -> str:
        var, loops = self.placeholders[placeholder]
        name = loops.get(var.name, var.name)
        return slot_type(self.slots.get(name, {})) if var.name != "loop" else "number"

    def _ref(self, placeholder: str) -> str:
        var = self.placeholders[placeholder][0]
        return f"{{{{ {var.name}{'.' + var.attr if var.attr else ''} }}}} (line {var.line})"

    def _found(self, text: str) -> list[str]:
        return re.findall(r"__SLOT\d+__", text or "")

    def handle_starttag(self, tag, attrs):
        for placeholder in re.findall(r"=\s*(__SLOT\d+__)", self.get_starttag_text() or ""):
            self.errors.append(f"put {self._ref(placeholder)} inside quotes: it is an attribute value.")
        if tag == "script":
            self.errors.append("templates may not contain <script> elements.")
        for placeholder in self._found(tag):
            self.errors.append(f"{self._ref(placeholder)} cannot be used as a tag name.")
        for name, value in attrs:
            for placeholder in self._found(name):
                self.errors.append(f"{self._ref(placeholder)} cannot be used as an attribute name.")
            if name.startswith("on"):
                self.errors.append(f"<{tag} {name}=…>: event handler attributes are not allowed.")
                continue
            found = self._found(value)
            if name == "style" and value and not found:
                for bad in css_problems(value):
                    self.errors.append(
                        f"<{tag} style>: may not contain '{bad}' (no url(), imports or "
                        "expressions: pages load nothing from elsewhere)."
                    )
            if (
                name in URL_ATTRIBUTES
                and value
                and not found
                and re.match(r"\s*(javascript|vbscript|data):", value, re.IGNORECASE)
            ):
                self.errors.append(f'<{tag} {name}="{value[:40]}">: script and data URLs are not allowed.')
            for placeholder in found:
                kind = self._slot_kind(placeholder)
                if name == "style":
                    self.errors.append(f"{self._ref(placeholder)} cannot be used in a style attribute.")
                elif kind == "rich_text":
                    self.errors.append(
                        f"{self._ref(placeholder)} is rich text and cannot be used in an attribute."
                    )
                elif name in URL_ATTRIBUTES and (
                    kind not in ("url", "image") or value.strip() != placeholder
                ):
                    self.errors.append(
                        f"<{tag} {name}>: {self._ref(placeholder)} — URL attributes take a "
                        "single url or image slot and nothing else."
                    )
        if tag in ("style", "script", "textarea", "title"):
            self.raw_text_tag = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.raw_text_tag = None

    def handle_endtag(self, tag):
        if tag == self.raw_text_tag:
            self.raw_text_tag = None

    def handle_data(self, data):
        if self.raw_text_tag in ("style", "script"):
            for placeholder in self._found(data):
                self.errors.append(f"{self._ref(placeholder)} cannot be used inside <{self.raw_text_tag}>.")
            if self.raw_text_tag == "style":
                for bad in css_problems(data):
                    self.errors.append(
                        f"<style> may not contain '{bad}' (no imports, url(), "
                        "expressions or markup: pages load nothing from elsewhere)."
                    )


def template_check(*, html: str, slots: object) -> dict[str, list[str]]:
    """Problems with a template's HTML and slot schema, by field ({"html": [...], "slots": [...]})."""
    schema_errors = slots_schema_errors(slots)
    if schema_errors:
        return {"slots": schema_errors}
    assert isinstance(slots, dict)
    try:
        tree = template_parse(html)
    except TemplateSyntaxError as exc:
        return {"html": [str(exc)]}
    uses: list[_Use] = []
    html_errors: list[str] = []
    placeholders: list[tuple[str, Var, dict[str, str]]] = []
    out: list[str] = []
    _collect(tree, slots, {}, uses, html_errors, placeholders, out)
    flat = "".join(out)
    checker = _ContextChecker(flat, {key: (var, loops) for key, var, loops in placeholders}, slots)
    checker.feed(flat)
    checker.close()
    html_errors.extend(checker.errors)
    used = {use.slot for use in uses if use.kind != "test"} | {
        use.slot for use in uses if use.kind == "test" and slot_type(slots[use.slot]) not in LIST_TYPES
    }
    tested_lists = {use.slot for use in uses if use.kind == "test"} - used
    for name in sorted(tested_lists):
        html_errors.append(f"slot '{name}' is only tested with {{% if %}}; loop over it to show it.")
    slot_errors = [
        f"declares slot '{name}' that the HTML does not use."
        for name in slots
        if name not in used and name not in tested_lists
    ]
    errors: dict[str, list[str]] = {}
    if html_errors:
        errors["html"] = list(dict.fromkeys(html_errors))
    if slot_errors:
        errors["slots"] = slot_errors
    return errors


def slots_infer(html_source: str) -> dict:
    """A slot schema guessed from how the HTML uses its slots (for imports without one)."""
    tree = template_parse(html_source)
    slots: dict[str, dict] = {}
    attrs_by_loop: dict[str, set[str]] = {}

    def walk(nodes: list, loops: dict[str, str]) -> None:
        for node in nodes:
            if isinstance(node, Var) and node.name != "loop":
                if node.name in loops:
                    attrs_by_loop.setdefault(loops[node.name], set()).add(node.attr or "")
                else:
                    slots.setdefault(node.name, {"type": "text"})
            elif isinstance(node, For):
                slots[node.iterable] = {"type": "list"}
                walk(node.body, {**loops, node.var: node.iterable})
            elif isinstance(node, If):
                if node.name not in loops:
                    slots.setdefault(node.name, {"type": "text", "required": False})
                    slots[node.name]["required"] = False
                walk(node.body, loops)
                walk(node.orelse, loops)

    walk(tree, {})
    for iterable, attrs in attrs_by_loop.items():
        if attrs & {"key", "value"}:
            slots[iterable] = {"type": "pairs"}
        elif attrs & {"question", "answer"}:
            slots[iterable] = {"type": "qa"}
    for match in re.finditer(r"""(?:src|href)\s*=\s*["']\s*{{\s*([a-z][a-z0-9_]*)\s*}}""", html_source):
        name = match.group(1)
        if name in slots and slots[name]["type"] == "text":
            slots[name] = {"type": "image" if "src" in match.group(0)[:4] else "url", "required": False}
    for declaration in slots.values():
        if declaration["type"] == "image":
            declaration.pop("required", None)
    return slots


# --- rendering ------------------------------------------------------------------------------


@functools.cache
def _rich_text() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags={"b", "strong", "i", "em", "u", "br", "p", "ul", "ol", "li", "a", "small", "mark"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        clean_content_tags={"script", "style"},
    )


def _format(value: object, kind: str) -> str:
    if kind == "rich_text":
        return _rich_text().clean(str(value))
    if isinstance(value, float):
        value = f"{value:.2f}".rstrip("0").rstrip(".")
    return html.escape(str(value), quote=True)


def _render(
    nodes: list, slots: dict, content: dict, loops: dict[str, tuple[str, Any, int]], out: list[str]
) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Var):
            if node.name == "loop":
                out.append(str(next(iter(loops.values()))[2]) if loops else "")
            elif node.name in loops:
                _, item, _ = loops[node.name]
                value = item[node.attr] if node.attr else item
                out.append(_format(value, "text"))
            elif node.name in content:
                out.append(_format(content[node.name], slot_type(slots[node.name])))
        elif isinstance(node, For):
            for index, item in enumerate(content.get(node.iterable) or [], start=1):
                inner = {
                    node.var: (node.iterable, item, index),
                    **{k: v for k, v in loops.items() if k != node.var},
                }
                # loop.index refers to the innermost loop: keep it first.
                _render(node.body, slots, content, inner, out)
        elif isinstance(node, If):
            if node.name in loops:
                _, item, _ = loops[node.name]
                value = item.get(node.attr) if node.attr and isinstance(item, dict) else item
            else:
                value = content.get(node.name)
            truthy = value not in (None, "", [], {})
            _render(node.body if truthy != node.negate else node.orelse, slots, content, loops, out)


def template_render(*, template, content: dict) -> str:
    """A block's HTML: `content` validated against the template's slots, every value escaped.

    Raises django ValidationError naming the slots that are wrong."""
    slots = template.slots or {}
    cleaned = slots_validate_content(slots=slots, content=content)
    out: list[str] = []
    _render(template_parse(template.html), slots, cleaned, {}, out)
    return "".join(out)


# --- previews -------------------------------------------------------------------------------

PREVIEW_IMAGE_URL = "/static/templates_app/preview-image.svg"


def template_preview(*, template, title: str = "") -> str:
    """A standalone page showing one template filled with sample content from its slot schema."""
    from templates_app.slots import slots_sample_content

    content = slots_sample_content(template.slots or {}, image_url=PREVIEW_IMAGE_URL)
    block = template_render(template=template, content=content)
    return page_assemble(
        blocks_html=[block],
        title=title or f"Preview: {template.name}",
        language=(template.metadata or {}).get("language", "ko"),
    )


def templates_preview(*, templates: list, title: str) -> str:
    """A whole set's templates, in order, as one sample page."""
    from templates_app.slots import slots_sample_content

    blocks = [
        template_render(
            template=template, content=slots_sample_content(template.slots or {}, image_url=PREVIEW_IMAGE_URL)
        )
        for template in templates
    ]
    return page_assemble(blocks_html=blocks, title=title, language="ko")
