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
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("[data-label]").forEach(function (item) {
        var checked = item.querySelector("input:checked");
        item.hidden = needle !== "" && !checked && item.dataset.label.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
})();
