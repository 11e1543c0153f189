// Progress of an organiser message: reload the numbers every few seconds while mails are
// still queued. Optional: without JavaScript the page has a link to reload it.
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }
  var INTERVAL = 5000;

  function update() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("progress");
        if (!fresh) {
          return; // e.g. the login ended: keep the last numbers
        }
        section.innerHTML = fresh.innerHTML;
        section.setAttribute("data-done", fresh.getAttribute("data-done"));
        if (fresh.getAttribute("data-done") !== "true") {
          window.setTimeout(update, INTERVAL);
        }
      })
      .catch(function () {
        window.setTimeout(update, INTERVAL * 3);
      });
  }

  if (section.getAttribute("data-done") !== "true") {
    window.setTimeout(update, INTERVAL);
  }
})();
