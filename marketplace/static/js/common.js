/* On every page (no inline script): confirmations and copy buttons. */

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
