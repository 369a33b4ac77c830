// A template set's items: reorder by dragging the ⠿ handle or with the ↑ ↓ buttons (keyboard
// friendly); positions are renumbered 1, 2, 3 … in the order shown and the set's preview follows
// the order on screen before it is saved. A typed position is kept as typed.
"use strict";
window.addEventListener("load", function () {
  var group = document.querySelector("#items-group tbody");
  if (!group) return;
  var holder = document.querySelector("[data-set-preview]");
  var frame = holder && holder.querySelector("iframe");
  var dragged = null;
  var timer = null;
  function rows() {
    return Array.prototype.filter.call(group.querySelectorAll("tr.form-row"), function (row) {
      return !row.classList.contains("empty-form");
    });
  }
  function chosen(row) {
    var select = row.querySelector("select[name$='-template']");
    var remove = row.querySelector("input[name$='-DELETE']");
    return select && select.value && !(remove && remove.checked) ? select.value : "";
  }
  function refreshPreview() {
    if (!frame) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var ids = rows().map(chosen).filter(Boolean);
      var title = document.getElementById("id_name");
      frame.src = holder.getAttribute("data-set-preview") + "?ids=" + ids.join(",") +
        "&title=" + encodeURIComponent(title ? title.value : "");
      frame.setAttribute("data-ids", ids.join(","));
    }, 250);
  }
  function renumber() {
    var position = 1;
    rows().forEach(function (row) {
      var input = row.querySelector("input.pp-position");
      if (input && chosen(row)) input.value = position++;
    });
    refreshPreview();
  }
  function move(row, step) {
    var all = rows();
    var index = all.indexOf(row) + step;
    if (index < 0 || index >= all.length) return;
    group.insertBefore(row, step < 0 ? all[index] : all[index].nextSibling);
    renumber();
  }
  function button(label, text, step, row) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button pp-move";
    element.textContent = text;
    element.setAttribute("aria-label", label);
    element.addEventListener("click", function () { move(row, step); element.focus(); });
    return element;
  }
  function prepare(row) {
    if (row.dataset.ppReorder || row.classList.contains("empty-form")) return;
    row.dataset.ppReorder = "1";
    var cell = row.querySelector("td.field-position");
    if (!cell) return;
    var handle = document.createElement("span");
    handle.className = "pp-handle";
    handle.textContent = "⠿";
    handle.title = "Drag to reorder";
    handle.setAttribute("aria-hidden", "true");
    cell.insertBefore(handle, cell.firstChild);
    cell.appendChild(button("Move up", "↑", -1, row));
    cell.appendChild(button("Move down", "↓", 1, row));
    // Only the handle starts a drag, so the selects and inputs stay usable.
    handle.addEventListener("mousedown", function () { row.draggable = true; });
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      row.classList.add("pp-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "");
    });
    row.addEventListener("dragend", function () {
      row.classList.remove("pp-dragging");
      row.draggable = false;
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
      if (input && !input.value && chosen(row)) input.value = ++highest;
    });
  }
  rows().forEach(prepare);
  group.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") fillEmpty();
    refreshPreview();
  });
  document.addEventListener("formset:added", function (event) {
    var row = event.target.closest ? event.target.closest("tr") : event.target;
    if (row) prepare(row);
  });
});
