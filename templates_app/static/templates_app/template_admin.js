// Live preview on the template change form: the unsaved form (HTML and the slot table) is
// rendered by the server (same escaping and sanitising as real pages) and shown in the
// sandboxed iframe. The lines a problem names are marked in the code editor (editor.js), from
// the preview's X-Template-Error-Lines and from the form's own errors after a save.
"use strict";
window.addEventListener("load", function () {
  var holder = document.querySelector("[data-live-preview]");
  var html = document.getElementById("id_html");
  if (!holder || !html) return;
  var form = html.form;
  var frame = holder.querySelector("iframe");
  var timer = null;
  var sequence = 0;
  function markLines(lines) {
    html.dispatchEvent(new CustomEvent("pp:error-lines", {detail: lines}));
  }
  function linesIn(text) {
    var found = [], pattern = /\bline (\d+)/g, match;
    while ((match = pattern.exec(text))) found.push(parseInt(match[1], 10));
    return found;
  }
  function refresh() {
    var mine = ++sequence;
    var body = new FormData(form);
    fetch(holder.getAttribute("data-live-preview"), {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": body.get("csrfmiddlewaretoken") || ""}
    }).then(function (response) {
      var lines = (response.headers.get("X-Template-Error-Lines") || "").split(",").filter(Boolean).map(Number);
      return response.text().then(function (text) {
        if (mine !== sequence) return;  // only the newest answer wins
        frame.srcdoc = text;
        frame.setAttribute("data-state", lines.length || /cannot be previewed yet/.test(text) ? "problems" : "ok");
        markLines(lines);
      });
    });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  html.addEventListener("input", schedule);
  var slots = document.querySelector("[data-slot-table]") || document.getElementById("id_slots");
  if (slots) slots.addEventListener("input", schedule);
  var errors = document.querySelector(".field-html .errorlist");
  if (errors) markLines(linesIn(errors.textContent));
  if (frame.getAttribute("src") === "about:blank" || errors) refresh();
});
