/* On every page (no inline script): confirmations, copy buttons, announced messages. */

/* Messages shown after a redirect ("Saved", an error) are in the page from the start,
   where screen readers do not announce them: once the page has loaded, repeat their
   text in the empty live regions of the base layout, errors in the assertive one. */
(function () {
  var announce = function () {
    var polite = document.querySelector("[data-announce=polite]");
    var assertive = document.querySelector("[data-announce=assertive]");
    if (!polite || !assertive) { return; }
    var calm = [], urgent = [];
    document.querySelectorAll(".flashes [role=status], .flashes [role=alert]").forEach(function (el) {
      (el.getAttribute("role") === "alert" ? urgent : calm).push(el.textContent.trim());
    });
    /* A short wait lets assistive technology register the empty regions first. */
    window.setTimeout(function () {
      if (calm.length) { polite.textContent = calm.join(" "); }
      if (urgent.length) { assertive.textContent = urgent.join(" "); }
    }, 250);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", announce);
  } else {
    announce();
  }
})();

/* Ask before an action that cannot be undone: forms with data-confirm="question". */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

/* A button with data-copy="#field" copies that field's text and says so. */
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) { return; }
  var field = document.querySelector(button.dataset.copy);
  if (!field) { return; }
  field.select();
  var done = function () {
    var status = document.querySelector("[data-copy-status]");
    if (status) { status.textContent = button.dataset.copied || ""; }
    button.classList.add("btn-success");
  };
  var fallback = function () {
    if (document.execCommand("copy")) { done(); }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, fallback);
  } else {
    fallback();
  }
});

/* After a failed submit the error summary takes the focus, so it is read first;
   its links, and skip links (data-focus-field), move the focus to what they name
   (WCAG 3.3.1, 2.4.1): following a link to "#id" alone only scrolls. */
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    /* Scrolling to a "#fragment" in the address at load (#main, after the skip
       link) can take the focus away, to the body or to the fragment's target. */
    window.addEventListener("load", function () {
      var now = document.activeElement;
      var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
      if (now === document.body || now === target) { summary.focus(); }
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-focus-field]") : null;
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) {
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  });
})();

/* A text over its limit is never cut short: the browser's maxlength would drop the
   end of a paste without a word, so it becomes a warning next to the field and the
   server says the same if it is sent anyway. */
document.querySelectorAll("[maxlength][data-too-long]").forEach(function (field) {
  var limit = parseInt(field.getAttribute("maxlength"), 10);
  field.removeAttribute("maxlength");
  var note = document.createElement("div");
  note.className = "small text-danger";
  note.id = field.id + "-length";
  note.setAttribute("aria-live", "polite");
  note.dataset.testid = "too-long";
  field.insertAdjacentElement("afterend", note);
  var described = field.getAttribute("aria-describedby");
  field.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  var check = function () {
    var length = field.value.length;
    note.textContent = length > limit
      ? field.dataset.tooLong.replace("{length}", length.toLocaleString()) : "";
  };
  field.addEventListener("input", check);
  check();
});
