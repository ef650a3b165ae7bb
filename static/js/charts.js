/* Draws every [data-chart] element with plotly.js.
 *
 * The figure comes from the server as JSON in <script type="application/json" id="...">
 * (Django's json_script), named by the element's data-chart attribute. htmx.onLoad runs
 * for the first page load and for every fragment htmx swaps in, so a chart that arrives
 * with a tab switch is drawn too. No inline script: the Content-Security-Policy holds.
 *
 * plotly.js (~380 KB gzipped) is on the page only when the page has a chart; a page that
 * may get one later (an empty trends page that refreshes when results arrive) names the
 * bundle in this script's data-plotly attribute and it is loaded the first time a chart
 * shows up.
 */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displayModeBar: false };
  var NARROW = 576; // px: below this the event labels move to the list under the chart
  var EVENTS = ["supplement", "phase"];

  // On a phone the labels of supplement and phase changes would cover the points: drop
  // them (the dotted lines stay) and give back the room they took above the plot; the
  // page lists the same events under the chart.
  function phoneLayout(layout) {
    var notes = layout.annotations || [];
    var kept = notes.filter(function (note) {
      return EVENTS.indexOf(note.name) < 0;
    });
    if (kept.length < notes.length && layout.margin) {
      layout.margin.t = 28;
    }
    layout.annotations = kept;
  }

  // Axis dates and numbers as the page writes them (<html lang>): "30. Nov. 2026", "45,5".
  var LOCALES = {
    de: {
      days: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
      shortDays: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
      months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
        "September", "Oktober", "November", "Dezember"],
      shortMonths: ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.",
        "Okt.", "Nov.", "Dez."],
      date: "%d.%m.%Y", year: "%Y", month: "%b %Y", dayMonth: "%-d. %b",
      dayMonthYear: "%-d. %b %Y", decimal: ",", thousands: "."
    },
    en: {
      date: "%d %b %Y", year: "%Y", month: "%b %Y", dayMonth: "%-d %b",
      dayMonthYear: "%-d %b %Y", decimal: ".", thousands: ","
    },
    // English in the US (accounts.regions.format_locale): "Dec 1, 2026", as the page writes it.
    "en-us": {
      date: "%b %d, %Y", year: "%Y", month: "%b %Y", dayMonth: "%b %-d",
      dayMonthYear: "%b %-d, %Y", decimal: ".", thousands: ","
    }
  };
  var registered = false;

  function useLocale() {
    if (registered) {
      return;
    }
    registered = true;
    var tag = (document.documentElement.lang || "en").toLowerCase();
    var lang = LOCALES[tag] ? tag : tag.slice(0, 2);
    var format = LOCALES[lang] || LOCALES.en;
    var name = "cofactor-" + (LOCALES[lang] ? lang : "en");
    window.Plotly.register({ moduleType: "locale", name: name, dictionary: {}, format: format });
    CONFIG.locale = name;
  }
  var self = document.currentScript;
  var plotlySrc = self ? self.getAttribute("data-plotly") : null;
  var waiting = null; // charts to draw once plotly.js has loaded

  function withPlotly(then) {
    if (window.Plotly) {
      then();
      return;
    }
    if (!plotlySrc) {
      return;
    }
    if (waiting) {
      waiting.push(then);
      return;
    }
    waiting = [then];
    var script = document.createElement("script");
    script.src = plotlySrc;
    script.onload = function () {
      waiting.splice(0).forEach(function (draw) {
        draw();
      });
    };
    document.head.appendChild(script);
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    if (element.clientWidth < NARROW) {
      phoneLayout(figure.layout);
    }
    withPlotly(function () {
      useLocale();
      window.Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
    });
  }

  function drawIn(root) {
    if (root.matches && root.matches("[data-chart]")) {
      draw(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-chart]").forEach(draw);
    }
  }

  if (window.htmx) {
    htmx.onLoad(drawIn);
  } else if (document.readyState === "loading") {
    // A page without htmx (the shared, read-only view): draw once, when it has loaded.
    document.addEventListener("DOMContentLoaded", function () {
      drawIn(document.body);
    });
  } else {
    drawIn(document.body);
  }
})();
