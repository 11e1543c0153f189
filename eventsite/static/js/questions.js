// Questions asked only for the sessions of some hubs: show them when such a session is
// ticked. Optional: without JavaScript every question shows, and the server decides
// which were asked (by the sessions chosen).
(function () {
  "use strict";
  var form = document.querySelector("form");
  if (!form) {
    return;
  }
  var boxes = form.querySelectorAll("input[name=sessions]");
  var questions = form.querySelectorAll("[data-regions]");

  function update() {
    var chosen = {};
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.checked) {
        chosen[box.getAttribute("data-region")] = true;
      }
    });
    Array.prototype.forEach.call(questions, function (question) {
      var regions = question.getAttribute("data-regions").split(",");
      var asked = regions.some(function (region) { return chosen[region]; });
      question.hidden = !asked;
    });
  }

  Array.prototype.forEach.call(boxes, function (box) {
    box.addEventListener("change", update);
  });
  update();
})();
