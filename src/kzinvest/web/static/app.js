// kzinvest dashboard: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (form) {
    // Submit the filter form as soon as a drop-down changes.
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (sel) {
      sel.addEventListener("change", function () { form.submit(); });
    });
    // Drop empty fields so shared links stay short.
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !el.value) { el.disabled = true; }
      });
    });
  }
})();
