// Drag the rows of a template set's items to reorder them; positions are renumbered 1, 2, 3 …
// in the order shown after a drag. Typed positions are kept as typed (rows are saved in position order).
"use strict";
window.addEventListener("load", function () {
  var group = document.querySelector("#items-group tbody");
  if (!group) return;
  var dragged = null;
  function rows() {
    return Array.prototype.filter.call(group.querySelectorAll("tr.form-row"), function (row) {
      return !row.classList.contains("empty-form");
    });
  }
  function renumber() {
    var position = 1;
    rows().forEach(function (row) {
      var input = row.querySelector("input.pp-position");
      var template = row.querySelector("select");
      if (input && template && template.value) input.value = position++;
    });
  }
  function prepare(row) {
    if (row.dataset.ppDraggable) return;
    row.dataset.ppDraggable = "1";
    row.draggable = true;
    row.style.cursor = "move";
    row.title = "Drag to reorder";
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      row.style.opacity = "0.4";
      event.dataTransfer.effectAllowed = "move";
    });
    row.addEventListener("dragend", function () {
      row.style.opacity = "";
      dragged = null;
      renumber();
    });
    row.addEventListener("dragover", function (event) {
      if (!dragged || dragged === row) return;
      event.preventDefault();
      var box = row.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      group.insertBefore(dragged, after ? row.nextSibling : row);
    });
  }
  function fillEmpty() {
    // A newly chosen template goes to the end unless a position was typed for it.
    var highest = 0;
    rows().forEach(function (row) {
      var input = row.querySelector("input.pp-position");
      if (input && input.value) highest = Math.max(highest, parseInt(input.value, 10) || 0);
    });
    rows().forEach(function (row) {
      var input = row.querySelector("input.pp-position");
      var template = row.querySelector("select");
      if (input && !input.value && template && template.value) input.value = ++highest;
    });
  }
  rows().forEach(prepare);
  group.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") fillEmpty();
  });
  document.addEventListener("formset:added", function (event) {
    var row = event.target.closest ? event.target.closest("tr") : event.target;
    if (row) prepare(row);
  });
});
