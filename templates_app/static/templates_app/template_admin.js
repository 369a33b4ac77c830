// Live preview on the template change form: the unsaved HTML and slots are rendered by the
// server (same escaping and sanitising as real pages) and shown in the sandboxed iframe.
"use strict";
window.addEventListener("load", function () {
  var holder = document.querySelector("[data-live-preview]");
  var html = document.getElementById("id_html");
  var slots = document.getElementById("id_slots");
  if (!holder || !html || !slots) return;
  var frame = holder.querySelector("iframe");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var sequence = 0;
  function refresh() {
    var mine = ++sequence;
    var body = new URLSearchParams();
    body.append("html", html.value);
    body.append("slots", slots.value);
    var name = document.getElementById("id_name");
    if (name) body.append("name", name.value);
    fetch(holder.getAttribute("data-live-preview"), {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": csrf ? csrf.value : ""}
    }).then(function (response) { return response.text(); }).then(function (text) {
      if (mine === sequence) frame.srcdoc = text;  // only the newest answer wins
    });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }
  html.addEventListener("input", schedule);
  slots.addEventListener("input", schedule);
  if (frame.getAttribute("src") === "about:blank") refresh();
});
