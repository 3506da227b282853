// Activities form: counts of ticked boxes, group headings that follow the filter, the Online switch, and the
// pickers' extras (chosen items as removable chips, a whole region at once, matches ranked by the server).
(function () {
  "use strict";
  // Hide a group's heading when none of its items is left visible.
  var syncGroups = function (list) {
    list.querySelectorAll("[data-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-label]:not([hidden])");
    });
  };
  // A message the page wrote in the reader's language (a data-text-* attribute), with {name} slots filled in; the
  // English fallback keeps the widget working on a page that does not carry it.
  var text = function (element, key, fallback, values) {
    var message = (element && element.dataset[key]) || fallback;
    Object.keys(values || {}).forEach(function (name) { message = message.split("{" + name + "}").join(values[name]); });
    return message;
  };
  var labelOf = function (box) {
    var label = document.querySelector("label[for='" + box.id + "']");
    return label ? label.textContent.trim() : box.value;
  };
  // The ticked items of a list as chips; a chip's button unticks its item.
  document.querySelectorAll("[data-chips-for]").forEach(function (holder) {
    var list = document.getElementById(holder.dataset.chipsFor);
    var ul = holder.querySelector("ul");
    if (!list || !ul) { return; }
    // Chips keep the list's own order (region, then city), even while a search has moved the matches to the top.
    var position = {};
    list.querySelectorAll("input[type=checkbox]").forEach(function (box, index) { position[box.id] = index; });
    var render = function () {
      ul.textContent = "";
      var ticked = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]:checked"));
      ticked.sort(function (a, b) { return position[a.id] - position[b.id]; });
      if (!ticked.length) {
        var none = document.createElement("li");
        none.className = "small text-body-secondary";
        none.textContent = text(ul, "textNone", "None chosen yet.");
        ul.appendChild(none);
      }
      ticked.forEach(function (box) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm picker-chip";
        button.dataset.chipFor = box.id;
        button.setAttribute("aria-label", text(ul, "textRemove", "Remove {name}", { name: labelOf(box) }));
        button.textContent = labelOf(box) + " ";
        var cross = document.createElement("span");
        cross.setAttribute("aria-hidden", "true");
        cross.textContent = "×";
        button.appendChild(cross);
        li.appendChild(button);
        ul.appendChild(li);
      });
    };
    ul.addEventListener("click", function (event) {
      var button = event.target.closest("[data-chip-for]");
      if (!button) { return; }
      var box = document.getElementById(button.dataset.chipFor);
      var next = button.parentNode.nextElementSibling || button.parentNode.previousElementSibling;
      var nextId = next && next.querySelector("button") ? next.querySelector("button").dataset.chipFor : null;
      box.checked = false;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      // Keep the keyboard where it was: on the neighbouring chip, or on the filter box when none is left.
      var target = nextId ? ul.querySelector("[data-chip-for='" + nextId + "']") :
        document.querySelector("[data-filter-for='" + list.id + "']");
      if (target) { target.focus(); }
    });
    list.addEventListener("change", render);
    holder.hidden = false;
    render();
  });
  // Tick (or untick) every member of a region in one go.
  document.querySelectorAll("[data-regions-for]").forEach(function (tools) {
    var list = document.getElementById(tools.dataset.regionsFor);
    var select = tools.querySelector("select");
    var status = tools.querySelector("[data-region-status]");
    if (!list || !select) { return; }
    var setRegion = function (checked) {
      var changed = 0;
      list.querySelectorAll("[data-region]").forEach(function (item) {
        var box = item.querySelector("input[type=checkbox]");
        if (item.dataset.region === select.value && box.checked !== checked) {
          box.checked = checked;
          changed += 1;
        }
      });
      list.dispatchEvent(new Event("change", { bubbles: true }));
      var key = (checked ? "textAdded" : "textRemoved") + (changed === 1 ? "One" : "Other");
      var fallback = (checked ? "Added " : "Removed ") + "{count} member" + (changed === 1 ? "" : "s") + " of {region}.";
      status.textContent = text(status, key, fallback, { count: changed, region: select.value });
    };
    tools.querySelector("[data-region-add]").addEventListener("click", function () { setRegion(true); });
    tools.querySelector("[data-region-remove]").addEventListener("click", function () { setRegion(false); });
    tools.hidden = false;
  });
  // Rank the matches as the server does (city names before country matches): the best ones move to the top.
  document.querySelectorAll("[data-rank-url]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterFor);
    if (!list || !window.fetch) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-value]"));
    var homes = items.map(function (item) { return item.parentNode; });
    var top = document.createElement("div");
    top.className = "checklist-group checklist-ranked";
    var heading = document.createElement("p");
    heading.className = "checklist-heading small fw-semibold mb-1";
    heading.textContent = text(input, "textBest", "Best matches");
    top.appendChild(heading);
    var asked = 0;
    var timer = null;
    var restore = function () {
      items.forEach(function (item, index) { homes[index].appendChild(item); });
      if (top.parentNode) { top.parentNode.removeChild(top); }
    };
    var rank = function () {
      var needle = input.value.trim();
      var ticket = ++asked;
      if (!needle) { restore(); syncGroups(list); return; }
      fetch(input.dataset.rankUrl + "?q=" + encodeURIComponent(needle), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) {
          if (ticket !== asked) { return; }  // an older answer arriving late
          restore();
          found.forEach(function (entry) {
            var item = list.querySelector("[data-value='" + entry.id + "']");
            if (item) { top.appendChild(item); }
          });
          if (found.length) { list.insertBefore(top, list.firstChild); }
          syncGroups(list);
          list.dataset.ranked = needle;
        })
        .catch(function () { /* the plain filter still works */ });
    };
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(rank, 120);
    });
  });
  // Keep each "N selected" badge in step with its checkbox list.
  document.querySelectorAll("[data-count-for]").forEach(function (badge) {
    var list = document.getElementById(badge.dataset.countFor);
    if (!list) { return; }
    var update = function () {
      badge.textContent = text(badge, "text", "{count} selected",
        { count: list.querySelectorAll("input[type=checkbox]:checked").length });
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
      window.setTimeout(function () { syncGroups(list); }, 0);
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
