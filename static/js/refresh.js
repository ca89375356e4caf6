/* The refresh pages: ask before applying or restoring (the question is the form's
   data-confirm, written by the server); the deletion choices of the apply form exclude each
   other (keep the missing records, or delete them one by one or all). No inline handlers. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });
  var keep = document.getElementById("rf-keep-missing");
  var all = document.getElementById("rf-delete-all");
  var ones = document.querySelectorAll(".rf-delete-one");
  if (!keep || !all) return;
  function sync(source) {
    if (source === keep && keep.checked) {
      all.checked = false;
      ones.forEach(function (box) { box.checked = false; });
    }
    if (source === all) ones.forEach(function (box) { box.checked = all.checked; });
    if (source !== keep && (all.checked || Array.prototype.some.call(ones, function (b) { return b.checked; }))) {
      keep.checked = false;
    }
  }
  keep.addEventListener("change", function () { sync(keep); });
  all.addEventListener("change", function () { sync(all); });
  ones.forEach(function (box) { box.addEventListener("change", function () { sync(box); }); });
})();
