// Continuum Observer: live updates over server-sent events, and expand/collapse of payloads.
// Served as a file (the CSP forbids inline scripts); it never inserts text as markup except
// the server's own escaped page, parsed by DOMParser.
(function () {
  "use strict";

  function toggleAll(event) {
    var button = event.target.closest("[data-toggle-details]");
    if (!button) return;
    var open = button.getAttribute("data-toggle-details") === "open";
    var section = button.closest("section") || document;
    section.querySelectorAll("details").forEach(function (d) {
      d.open = open;
    });
  }
  document.addEventListener("click", toggleAll);

  // On a narrow screen the filter form starts folded unless a filter is set.
  function foldFilters() {
    var box = document.querySelector(".filter-box");
    if (box && !box.hasAttribute("data-active") && window.matchMedia("(max-width: 600px)").matches)
      box.open = false;
  }

  // Keeps which <details> are open across a live refresh (by their position in the region).
  function openStates(region) {
    return Array.prototype.map.call(region.querySelectorAll("details"), function (d) {
      return d.open;
    });
  }

  var refreshing = false;
  var again = false;
  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    fetch(window.location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var regions = document.querySelectorAll("[data-live-region]");
        regions.forEach(function (region) {
          var name = region.getAttribute("data-live-region");
          var next = fresh.querySelector('[data-live-region="' + name + '"]');
          if (!next) return;
          var states = openStates(region);
          region.replaceWith(document.adoptNode(next));
          var replaced = document.querySelectorAll('[data-live-region="' + name + '"] details');
          replaced.forEach(function (d, i) {
            if (i < states.length) d.open = states[i];
          });
        });
        ["status-counts", "runs-total"].forEach(function (id) {
          var current = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (current && next) current.replaceWith(document.adoptNode(next));
        });
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {
        /* the next change event tries again */
      })
      .then(function () {
        refreshing = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function connect() {
    var url = document.body.getAttribute("data-live");
    if (!url || typeof EventSource === "undefined") return;
    var indicator = document.getElementById("live-indicator");
    var source = new EventSource(url);
    source.addEventListener("ready", function () {
      if (indicator) indicator.classList.add("on");
      document.body.setAttribute("data-live-ready", "1");
    });
    source.addEventListener("change", refresh);
    source.onerror = function () {
      if (indicator) indicator.classList.remove("on");
    };
  }
  function init() {
    foldFilters();
    connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
