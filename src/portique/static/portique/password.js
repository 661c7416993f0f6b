/* Password fields: the live rule checklist and the show-password button.
 * The page works without this script; the server judges the password either way. */
(function () {
  "use strict";

  function setUpChecklist(form) {
    var list = document.getElementById(form.dataset.passwordRules);
    var status = document.getElementById("password-rules-status");
    var input = form.querySelector('input[autocomplete="new-password"]');
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!list || !input || !token || !window.fetch) return;
    var timer = null;
    var sequence = 0;

    function reset() {
      list.querySelectorAll(".rule").forEach(function (item) {
        item.classList.remove("rule--ok", "rule--ko");
        item.querySelector(".rule__state").textContent = "";
      });
      if (status) status.textContent = "";
    }

    function check() {
      var mine = ++sequence;
      if (!input.value) { reset(); return; }
      fetch(form.dataset.passwordRulesUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ password: input.value })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (report) {
        if (!report || mine !== sequence) return;
        report.rules.forEach(function (rule) {
          var item = list.querySelector('[data-rule="' + rule.id + '"]');
          if (!item) return;
          item.classList.toggle("rule--ok", rule.ok);
          item.classList.toggle("rule--ko", !rule.ok);
          item.querySelector(".rule__state").textContent = " (" + rule.state + ")";
        });
        if (status) status.textContent = report.summary;
      }).catch(function () { /* Offline or refused: the form still works, the server judges. */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 200);
    });
  }

  function setUpReveal(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--link reveal";
    button.textContent = input.dataset.revealLabel;
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      input.focus();
    });
    input.insertAdjacentElement("afterend", button);
  }

  document.querySelectorAll("form[data-password-rules-url]").forEach(setUpChecklist);
  document.querySelectorAll("input[data-reveal-label]").forEach(setUpReveal);
})();
