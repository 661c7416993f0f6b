/* Every page: after a failed submit, move the focus to the error summary so that keyboard
 * and screen-reader users land on what to correct. The page works without it. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
})();
