// The slot table: "Add a slot" appends a row (numbered past the last one), ✕ removes one; the
// form reads the rows up to slots-rows. Every change is an "input" on the table, which the live
// preview listens to.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-slot-table]").forEach(function (table) {
    var name = table.getAttribute("data-slot-table");
    var count = table.querySelector('input[name="' + name + '-rows"]');
    var body = table.querySelector("tbody");
    var blank = table.querySelector("template[data-slot-row]");
    function changed() { table.dispatchEvent(new Event("input", {bubbles: true})); }
    table.querySelector("[data-slot-add]").addEventListener("click", function () {
      var index = parseInt(count.value, 10) || 0;
      var row = blank.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name]").forEach(function (field) {
        field.name = field.name.replace("__index__", index);
      });
      body.appendChild(row);
      count.value = index + 1;
      row.querySelector("input[type=text]").focus();
    });
    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-slot-remove]");
      if (!button) return;
      button.closest("tr").remove();  // its index is simply missing from the rows read
      changed();
    });
    body.addEventListener("change", changed);
  });
});
