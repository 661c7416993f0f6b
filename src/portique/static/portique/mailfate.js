/* Steps 4 and 8: the fate of the mail just sent, brought up to date without a reload by
 * asking the flow's JSON endpoint, until the mail has left, been refused or failed. Without
 * this script, a reload shows the same sentence, rendered by the server. */
(function () {
  "use strict";

  var region = document.getElementById("mail-fate");
  if (!region || !window.fetch || region.dataset.settled === "true") return;
  var text = region.querySelector(".mail-fate__text");
  var correction = document.getElementById("mail-fate-correction");
  var delay = 1500;
  var left = 200;

  function show(fate) {
    if (text.textContent !== fate.text) text.textContent = fate.text;
    region.className = "mail-fate mail-fate--" + fate.status;
    if (fate.status === "refused" && correction && correction.hidden) {
      var input = correction.querySelector('input[type="email"]');
      if (input && fate.address) input.value = fate.address;
      correction.hidden = false;
    }
    if (fate.status === "refused") {
      // Sending again to the address its server refused would only be refused again.
      document.querySelectorAll("form[data-mail-resend]").forEach(function (form) {
        form.hidden = true;
      });
    }
  }

  function later() {
    if (--left <= 0) return;
    window.setTimeout(ask, delay);
    // A mail the server is slow to take: ask less and less often, up to every 15 seconds.
    delay = Math.min(Math.round(delay * 1.3), 15000);
  }

  function ask() {
    fetch(region.dataset.mailFateUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      // 404 (no flow any more) or 409 (the step is done): nothing left to wait for.
      return response.ok ? response.json() : null;
    }).then(function (fate) {
      if (!fate) return;
      show(fate);
      if (!fate.settled) later();
    }).catch(later);
  }

  later();
})();
