/* The coverage board refreshes itself: it fetches its rows again (no reload). */
(function () {
  var box = document.querySelector("[data-board-rows]");
  if (!box) { return; }
  var seconds = Math.max(parseInt(box.dataset.refresh, 10) || 15, 1);
  var status = document.querySelector("[data-board-status]");
  var busy = false;
  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(box.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        box.innerHTML = html;
        box.dataset.refreshed = String(Date.now());
        if (status) { status.classList.remove("text-danger"); }
      })
      .catch(function () {
        if (status) { status.classList.add("text-danger"); }
      })
      .then(function () { busy = false; });
  }
  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", refresh);
})();
