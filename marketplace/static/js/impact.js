/* Impact dashboards: Chart.js charts and the Leaflet map, from data- attributes. */
(function () {
  "use strict";

  /* The tile server is a setting (MAP_TILE_URL, MAP_TILE_ATTRIBUTION): base.html. */
  var tiles = document.querySelector('meta[name="map-tiles"]');
  var TILES = tiles ? tiles.content : "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var ATTRIBUTION = tiles ? tiles.dataset.attribution : "";
  var BANGKOK = [13.7466, 100.5393];
  var COLOURS = ["#0b6e4f", "#e0a100", "#1f77b4", "#d62728", "#9467bd", "#8c564b"];
  var lang = document.documentElement.lang || "th";
  var numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function chart(canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var datasets = spec.series.map(function (series, index) {
      return {
        label: series.label,
        data: series.data,
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        tension: 0.2
      };
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.type === "bar" ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
    canvas.dataset.ready = "true";
  }

  function servedMap(element) {
    var points = JSON.parse(element.dataset.points);
    var map = window.L.map(element, { scrollWheelZoom: false }).setView(BANGKOK, 6);
    window.L.tileLayer(TILES, { maxZoom: 18, attribution: ATTRIBUTION }).addTo(map);
    var layer = window.L.markerClusterGroup ? window.L.markerClusterGroup() : window.L.featureGroup();
    points.forEach(function (point) {
      var marker = window.L.marker([point[0], point[1]], { title: point[3] });
      marker.bindPopup(
        "<strong>" + escapeHtml(point[3]) + "</strong><br>" + escapeHtml(point[4]) + "<br>" +
        numbers.format(point[2]) + " " + escapeHtml(element.dataset.hoursLabel) + " · " +
        numbers.format(point[5]) + " " + escapeHtml(element.dataset.peopleLabel)
      );
      layer.addLayer(marker);
    });
    map.addLayer(layer);
    if (points.length > 1) {
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 13 });
    } else if (points.length === 1) {
      map.setView([points[0][0], points[0][1]], 13);
    }
    element.dataset.ready = "true";
  }

  if (window.Chart) {
    document.querySelectorAll("canvas[data-chart]").forEach(chart);
  }
  if (window.L) {
    document.querySelectorAll(".impact-map[data-points]").forEach(servedMap);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
