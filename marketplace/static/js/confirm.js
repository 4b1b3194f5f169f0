/* Ask before an action that cannot be undone: forms with data-confirm="question". */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
