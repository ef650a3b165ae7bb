/* Draws every [data-chart] element with plotly.js.
 *
 * The figure comes from the server as JSON in <script type="application/json" id="...">
 * (Django's json_script), named by the element's data-chart attribute. htmx.onLoad runs
 * for the first page load and for every fragment htmx swaps in, so a chart that arrives
 * with a tab switch is drawn too. No inline script: the Content-Security-Policy holds.
 */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displayModeBar: false };

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, CONFIG);
  }

  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-chart]")) {
      draw(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-chart]").forEach(draw);
    }
  });
})();
