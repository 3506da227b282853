// Activities form: counts of ticked boxes, group headings that follow the filter, the Online switch.
(function () {
  "use strict";
  // Keep each "N selected" badge in step with its checkbox list.
  document.querySelectorAll("[data-count-for]").forEach(function (badge) {
    var list = document.getElementById(badge.dataset.countFor);
    if (!list) { return; }
    var update = function () {
      badge.textContent = list.querySelectorAll("input[type=checkbox]:checked").length + " selected";
    };
    list.addEventListener("change", update);
    update();
  });
  // app.js hides items that do not match the filter; hide a group's heading when none of its items is left.
  document.querySelectorAll("[data-filter-for]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterFor);
    if (!list) { return; }
    input.addEventListener("input", function () {
      // After app.js's own listener (registered later) has hidden the items.
      window.setTimeout(function () {
        list.querySelectorAll("[data-group]").forEach(function (group) {
          group.hidden = !group.querySelector("[data-label]:not([hidden])");
        });
      }, 0);
    });
    // Enter in a filter box must not submit the whole form.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  });
  // An online activity has no place: disable the place input while Online is ticked.
  var online = document.getElementById("online");
  var place = document.getElementById("place");
  if (online && place) {
    var sync = function () {
      place.disabled = online.checked;
      if (online.checked) { place.value = ""; }
    };
    online.addEventListener("change", sync);
    sync();
  }
})();
