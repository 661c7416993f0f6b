/* The end of the session, announced in time (WCAG 2.2.1). base.html loads this script only on
 * pages served with a session, and gives it the seconds left and every text. Before the idle
 * timeout, a warning takes the focus and offers to extend the session; before the absolute
 * lifetime, which nothing extends, it says so instead. When the time is up, the page says that
 * the session has ended and stays as it is: a redirect would throw away what was typed. */
(function () {
  "use strict";
  var texts = document.getElementById("session-timeout");
  var main = document.getElementById("main");
  var data = document.body.dataset;
  if (!texts || !texts.content || !main || !data.sessionSecondsLeft || !window.fetch) return;

  // The tabs of one browser share one session: each tells the others when it ends.
  var SHARED = "portique.session";
  var warnMs = Number(data.sessionWarnSeconds) * 1000;
  var endsAt = Date.now() + Number(data.sessionSecondsLeft) * 1000;
  var final = data.sessionFinal === "true";
  var state = "running"; // or "warning", "final", "acknowledged" (the final one read), "ended"
  var box = null; // the warning or the notice, at the top of <main>
  var returnFocusTo = null;
  var timer = null;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  main.appendChild(status);

  function message(name) {
    return texts.content.querySelector('[data-session-message="' + name + '"]').textContent;
  }

  // Whole minutes rounded down, give or take the few seconds a timer may fire late, then
  // seconds: the text never promises more time than is left.
  function duration(seconds) {
    var unit = seconds >= 60 ? "minute" : "second";
    var value = seconds >= 60 ? Math.floor((seconds + 5) / 60) : seconds;
    try {
      return new Intl.NumberFormat(document.documentElement.lang, {
        style: "unit", unit: unit, unitDisplay: "long"
      }).format(value);
    } catch (error) {
      return value + (unit === "minute" ? " min" : " s");
    }
  }

  function show(name) {
    var hadFocus = box !== null && box.contains(document.activeElement);
    if (box === null) returnFocusTo = document.activeElement;
    if (box !== null) box.remove();
    box = texts.content.querySelector('[data-session-state="' + name + '"]').cloneNode(true);
    main.insertBefore(box, main.firstChild);
    state = name;
    status.textContent = "";
    // Written once, not counted down: text that changes every second distracts (WCAG 2.2.2).
    var slot = box.querySelector("[data-session-duration]");
    if (slot) slot.textContent = duration(Math.max(0, Math.ceil((endsAt - Date.now()) / 1000)));
    var button = box.querySelector("button");
    if (button) {
      button.addEventListener("click", name === "warning" ? extend : acknowledge);
      button.focus();
    } else if (hadFocus) {
      box.focus(); // the warning held the focus: it goes to what replaces it
    }
  }

  // The warning is done with: the focus goes back where it was when the warning took it.
  function close() {
    var hadFocus = box !== null && box.contains(document.activeElement);
    if (box !== null) box.remove();
    box = null;
    if (hadFocus) {
      var back = returnFocusTo;
      (back && back !== document.body && document.contains(back) ? back : main).focus();
    }
    returnFocusTo = null;
  }

  function tick() {
    window.clearTimeout(timer);
    if (state === "ended") return;
    var left = endsAt - Date.now();
    if (left <= 0) {
      show("ended");
      return;
    }
    if (state === "running" && left <= warnMs) show(final ? "final" : "warning");
    timer = window.setTimeout(tick, state === "running" ? left - warnMs : left);
  }

  function share() {
    try {
      window.localStorage.setItem(SHARED, JSON.stringify({ endsAt: endsAt, final: final }));
    } catch (error) { /* No storage: each tab keeps its own count, never a later one. */ }
  }

  function extended(answer) {
    if (!answer.active) {
      show("ended");
      return;
    }
    endsAt = Date.now() + answer.seconds_left * 1000;
    final = answer.final === true;
    state = "running";
    share();
    close();
    status.textContent = message("extended");
    tick();
  }

  function extend(event) {
    var button = event.currentTarget;
    var error = box.querySelector("[data-session-error]");
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    error.textContent = "";
    fetch(texts.dataset.extendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": texts.content.querySelector("[name=csrfmiddlewaretoken]").value }
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(extended).catch(function () {
      button.removeAttribute("aria-disabled");
      if (box && box.contains(button)) error.textContent = message("failed");
    });
  }

  function acknowledge() {
    state = "acknowledged";
    close();
    tick();
  }

  // Another tab extended the session (or showed a page): this one follows.
  window.addEventListener("storage", function (event) {
    if (event.key !== SHARED || !event.newValue || state === "ended") return;
    var other;
    try { other = JSON.parse(event.newValue); } catch (error) { return; }
    // Within a second it is the same end, counted from another page's arrival.
    if (!other || !(other.endsAt > endsAt + 1000)) return;
    endsAt = other.endsAt;
    final = other.final === true;
    state = "running";
    close();
    tick();
  });
  // Timers of a hidden tab or of a sleeping computer run late: count again on return.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) tick();
  });

  share();
  tick();
})();
