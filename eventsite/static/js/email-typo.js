// "Did you mean gmail.com?" while typing the sign-up form, not only after sending it.
// Progressive enhancement: without JavaScript the server asks the same question after a
// POST (registration/typos.py). The domain list and the texts come from the page (the
// server's one list, in the visitor's language); the matching below mirrors typos.py.
(function () {
  "use strict";
  var input = document.getElementById("email");
  var hint = document.getElementById("email-suggestion");
  var asTyped = document.getElementById("email_as_typed");
  if (!input || !hint || !input.getAttribute("data-typo-domains")) {
    return;
  }
  var domains = input.getAttribute("data-typo-domains").split(" ");

  // Edit distance counting a swap of neighbouring letters as one (optimal string alignment).
  function distance(a, b) {
    var rows = [];
    var i, j;
    for (i = 0; i <= a.length; i++) {
      rows.push([i]);
      for (j = 1; j <= b.length; j++) {
        rows[i].push(i === 0 ? j : 0);
      }
    }
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1;
        rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
          rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
        }
      }
    }
    return rows[a.length][b.length];
  }

  // The address with its domain corrected, or null when the domain looks right.
  function suggest(address) {
    var value = (address || "").trim();
    var at = value.lastIndexOf("@");
    if (at < 1) {
      return null;
    }
    var local = value.slice(0, at);
    var domain = value.slice(at + 1).toLowerCase();
    if (!domain || domains.indexOf(domain) !== -1) {
      return null;
    }
    var allowed = domain.length <= 9 ? 1 : 2;
    var best = null;
    var bestDistance = Infinity;
    domains.forEach(function (known) {
      var d = distance(domain, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    });
    return bestDistance <= allowed ? local + "@" + best : null;
  }

  // A text from the page with "{suggestion}" replaced, as DOM nodes (never as HTML).
  function sentence(template, suggestion, strong) {
    var parts = template.split("{suggestion}");
    var fragment = document.createDocumentFragment();
    parts.forEach(function (part, index) {
      if (index > 0) {
        var word = document.createElement(strong ? "strong" : "span");
        word.textContent = suggestion;
        fragment.appendChild(word);
      }
      fragment.appendChild(document.createTextNode(part));
    });
    return fragment;
  }

  function show(suggestion) {
    var line = document.createElement("p");
    line.appendChild(sentence(hint.getAttribute("data-question"), suggestion, true));
    line.appendChild(document.createTextNode(" "));
    var take = document.createElement("button");
    take.type = "button";
    take.className = "button-secondary";
    take.appendChild(sentence(hint.getAttribute("data-take"), suggestion, false));
    take.addEventListener("click", function () {
      input.value = suggestion;
      hint.textContent = "";
      var done = document.createElement("p");
      done.appendChild(sentence(hint.getAttribute("data-taken"), suggestion, true));
      hint.appendChild(done);
      input.focus();
    });
    line.appendChild(take);
    hint.textContent = "";
    hint.appendChild(line);
    // Asked once: sent unchanged, the server keeps the address as typed.
    if (asTyped) {
      asTyped.value = input.value;
    }
  }

  // The value last looked at: leaving the field again changes nothing, and an address the
  // server has already asked about (its message is on the page) is not asked twice.
  var checked = asTyped ? asTyped.value : "";

  function check() {
    if (input.value === checked) {
      return;
    }
    checked = input.value;
    var suggestion = suggest(input.value);
    if (suggestion) {
      show(suggestion);
    } else {
      hint.textContent = "";
    }
  }

  input.addEventListener("change", check);
  input.addEventListener("blur", check);
})();
