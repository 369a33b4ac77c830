// Preview width switches: the sandboxed frame at the available width (desktop), 768 px (tablet)
// or 390 px (phone); the stage scrolls when the window is narrower than the chosen width.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-preview-width]") : null;
  if (!button) return;
  var preview = button.closest("[data-preview]");
  var frame = preview && preview.querySelector("iframe");
  if (!frame) return;
  var width = button.getAttribute("data-preview-width");
  frame.style.width = width ? width + "px" : "";
  if (width) frame.setAttribute("data-width", width); else frame.removeAttribute("data-width");
  preview.querySelectorAll("[data-preview-width]").forEach(function (other) {
    other.setAttribute("aria-pressed", other === button ? "true" : "false");
  });
});
