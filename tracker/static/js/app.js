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
  // The confirmation of a save is shown beside its form: move the focus there, so that it is read and seen.
  var saved = document.querySelector("[data-focus-on-load]");
  if (saved) { saved.focus(); }
  // Filter boxes for long checkbox lists (outcomes, members, partners): type to narrow the list.
  document.querySelectorAll("[data-filter-for]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterFor);
    if (!list) { return; }
    var count = input.dataset.filterCount ? document.getElementById(input.dataset.filterCount) : null;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var words = needle === "" ? [] : needle.split(/\s+/);  // every word, in any order: "report march"
      var items = list.querySelectorAll("[data-label]");
      var shown = 0;
      items.forEach(function (item) {
        var checked = item.querySelector("input:checked");
        var label = item.dataset.label.toLowerCase();
        item.hidden = !checked && !words.every(function (word) { return label.indexOf(word) !== -1; });
        shown += item.hidden ? 0 : 1;
      });
      if (count) { count.textContent = needle === "" ? "" : shown + " of " + items.length + " shown"; }
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
