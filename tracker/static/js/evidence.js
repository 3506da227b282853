// Evidence forms: show only the input the chosen kind needs (file, link address or note).
// Without this script every input stays visible and the server uses the one that matches the kind.
(function () {
  "use strict";
  if (window.evidenceFormsReady) { return; }  // the panel may include this script more than once
  window.evidenceFormsReady = true;

  function update(form) {
    var checked = form.querySelector("input[name='kind']:checked");
    var kind = checked ? checked.value : "file";
    form.querySelectorAll("[data-evidence-kind]").forEach(function (group) {
      group.hidden = group.dataset.evidenceKind !== kind;
    });
  }

  function init() {
    document.querySelectorAll("form[data-evidence-form]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "kind") { update(form); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
