/* Every page: after a failed submit, move the focus to the error summary so that keyboard
 * and screen-reader users land on what to correct; a link of the summary then puts the focus
 * in the field it names, its label in view. The page works without it. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector('label[for="' + field.id + '"]');
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
