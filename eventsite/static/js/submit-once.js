// A form marked data-submit-once is sent once: a second press of its button while the first
// request is under way (a double click) is ignored, so the browser does not drop the first
// answer for a second request. Optional: without JavaScript a double click still sends two;
// the server answers the confirm button's second as it did the first (signup.REPEAT_WINDOW).
(function () {
  "use strict";
  // A request that got no answer (the network went away) must not block the form for good.
  var RETRY_AFTER = 10000;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    window.setTimeout(function () {
      form.removeAttribute("data-submitting");
    }, RETRY_AFTER);
  });

  // Back on the page from the browser's cache (the back button): it may be sent again.
  window.addEventListener("pageshow", function () {
    var sending = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < sending.length; i++) {
      sending[i].removeAttribute("data-submitting");
    }
  });
})();
