// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Confirm destructive posts (forms carry data-confirm="...").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Filter boxes for long checkbox lists (outcomes, members, partners): type to narrow the list.
  document.querySelectorAll("[data-filter-for]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterFor);
    if (!list) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("[data-label]").forEach(function (item) {
        var checked = item.querySelector("input:checked");
        item.hidden = needle !== "" && !checked && item.dataset.label.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  // Stacked tables (table.table-stack): name each cell after its column header, for the cards of narrow screens.
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    if (!table.tHead || !table.tHead.rows.length) { return; }
    var labels = [];  // one per column, a header spanning columns repeated
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var copy = th.cloneNode(true);  // words only screen readers hear are not written on the card
      copy.querySelectorAll(".visually-hidden").forEach(function (hidden) { hidden.remove(); });
      for (var i = 0; i < (th.colSpan || 1); i += 1) { labels.push(copy.textContent.replace(/\s+/g, " ").trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (column < labels.length && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", labels[column]); }
          column += cell.colSpan || 1;
        });
      });
    });
  });
})();
