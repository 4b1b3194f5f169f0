/* Good Society Marketplace: progressive enhancements. Every page works without it. */
(function () {
  "use strict";

  /* The tile server is a setting (MAP_TILE_URL, MAP_TILE_ATTRIBUTION): base.html. */
  var tiles = document.querySelector('meta[name="map-tiles"]');
  var TILES = tiles ? tiles.content : "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var ATTRIBUTION = tiles ? tiles.dataset.attribution : "";
  var BANGKOK = [13.7466, 100.5393];

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : [];
  }

  /* A map whose controls speak the page's language (data-zoom-in etc. from the
     map_labels macro): Leaflet's own names are English. */
  function baseMap(element, center, zoom) {
    var labels = element.dataset;
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false }).setView(center, zoom);
    L.control.zoom({
      zoomInTitle: labels.zoomIn || "Zoom in",
      zoomOutTitle: labels.zoomOut || "Zoom out"
    }).addTo(map);
    var leaflet = document.createElement("a");
    leaflet.href = "https://leafletjs.com";
    leaflet.lang = "en";
    leaflet.textContent = "Leaflet";
    if (labels.leafletTitle) { leaflet.title = labels.leafletTitle; }
    map.attributionControl.setPrefix(leaflet.outerHTML);
    var attribution = (labels.mapData ? escapeHtml(labels.mapData) + " " : "") +
      ATTRIBUTION.replace("<a ", '<a lang="en" ');
    L.tileLayer(TILES, { maxZoom: 18, attribution: attribution }).addTo(map);
    return map;
  }

  /* A cluster of markers is a button named "4 opportunities here", not "4". */
  var ClusterIcon = window.L && L.DivIcon ? L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      div.setAttribute("aria-label", this.options.label);
      return div;
    }
  }) : null;

  function clusterIcon(template) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
      return new ClusterIcon({
        html: "<div><span>" + count + "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40),
        label: (template || "{num}").replace("{num}", count)
      });
    };
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  /* Result and single-place maps: markers from a JSON island, clustered when many. */
  function pointsMap(element) {
    var points = readJson(element.dataset.mapPoints);
    var map = baseMap(element, BANGKOK, 11);
    element.dataset.ready = "true";
    if (!points.length) { return; }
    var layer = (L.markerClusterGroup && element.dataset.map === "results")
      ? L.markerClusterGroup({ iconCreateFunction: clusterIcon(element.dataset.cluster) })
      : L.featureGroup();
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.title, alt: point.title });
      var label = escapeHtml(point.title);
      marker.bindPopup(point.url ? '<a href="' + point.url + '">' + label + "</a>" : label);
      layer.addLayer(marker);
    });
    map.addLayer(layer);
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].lon], 14);
    } else {
      map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 14 });
    }
  }

  /* The profile's map: a click, or Enter on the focused map (its centre), sets the
     hidden lat/lon and clears the typed place; a status line says so. */
  function pickerMap(element) {
    var lat = element.dataset.lat, lon = element.dataset.lon;
    var start = lat ? [parseFloat(lat), parseFloat(lon)] : BANGKOK;
    var map = baseMap(element, start, lat ? 12 : 10);
    var marker = lat ? L.marker(start, { keyboard: false }).addTo(map) : null;
    var latInput = document.querySelector(element.dataset.latInput);
    var lonInput = document.querySelector(element.dataset.lonInput);
    var placeInput = document.querySelector(element.dataset.placeInput);
    var status = element.dataset.status ? document.querySelector(element.dataset.status) : null;
    element.dataset.ready = "true";
    function pick(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      placeInput.value = "";
      placeInput.placeholder = latInput.value + ", " + lonInput.value;
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
      if (status && element.dataset.picked) {
        status.textContent = element.dataset.picked
          .replace("{lat}", latInput.value).replace("{lon}", lonInput.value);
      }
    }
    map.on("click", function (event) { pick(event.latlng); });
    element.addEventListener("keydown", function (event) {
      if (event.target === element && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();  /* never submits the form around the map */
        pick(map.getCenter());
      }
    });
  }

  /* Place suggestions as one types, from the offline gazetteer; a live region says
     how many there are. In a form that stores the place (it has lat/lon), Enter
     takes the first suggestion instead of sending the whole form. */
  function placeSearch(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var latInput = input.dataset.lat ? document.querySelector(input.dataset.lat) : null;
    var lonInput = input.dataset.lon ? document.querySelector(input.dataset.lon) : null;
    var found = {};
    var timer = null;
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.dataset.testid = "place-count";
    input.insertAdjacentElement("afterend", live);
    function announce(count) {
      var text = count ? (list.dataset.found || "{num}").replace("{num}", count) : (list.dataset.none || "");
      live.textContent = text;
    }
    if (latInput) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        var first = list.querySelector("option");
        if (!found[input.value] && first) {
          input.value = first.value;
          var chosen = found[first.value];
          latInput.value = chosen.lat; lonInput.value = chosen.lon;
          live.textContent = first.value;
        }
      });
    }
    input.addEventListener("input", function () {
      if (latInput) { latInput.value = ""; lonInput.value = ""; }
      var chosen = found[input.value];
      if (chosen && latInput) { latInput.value = chosen.lat; lonInput.value = chosen.lon; return; }
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) { return; }
      timer = setTimeout(function () {
        fetch("/api/v1/places?per_page=8&q=" + encodeURIComponent(query))
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (body) {
            list.innerHTML = "";
            body.items.forEach(function (place) {
              /* English pages suggest the English name (the server finds both). */
              var label = english && place.label_en ? place.label_en : place.label;
              found[label] = place;
              var option = document.createElement("option");
              option.value = label;
              list.appendChild(option);
            });
            announce(body.items.length);
          })
          .catch(function () { /* suggestions are a convenience only */ });
      }, 150);
    });
  }

  /* "Held at the expo" fills the expo's place when no place is given yet. */
  function expoPlace(box) {
    var place = document.querySelector(box.dataset.expoPlaceInput);
    box.addEventListener("change", function () {
      if (!box.checked || !place || place.value.trim()) { return; }
      place.value = box.dataset.expoPlace;
      var lat = document.querySelector(place.dataset.lat);
      var lon = document.querySelector(place.dataset.lon);
      if (lat && lon) { lat.value = box.dataset.expoLat; lon.value = box.dataset.expoLon; }
    });
  }

  /* Searchable pickers: typing hides the options that do not match. */
  function filterList(input) {
    var target = document.querySelector(input.dataset.filterList);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      target.querySelectorAll("li").forEach(function (item) {
        item.hidden = needle && item.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  }

  /* The weekly availability grid: one Tab stop, arrow keys between hours and days
     (a roving tabindex, WCAG 2.1.1/2.4.1); Space ticks as before, so the form posts
     the same "slot" boxes. */
  function weekGrid(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var cells = rows.map(function (row) {
      return Array.prototype.slice.call(row.querySelectorAll('input[type="checkbox"]'));
    });
    if (!cells.length || !cells[0].length) { return; }
    var all = [].concat.apply([], cells);
    var current = table.querySelector('input[type="checkbox"]:checked') || all[0];
    function move(to) {
      all.forEach(function (box) { box.tabIndex = -1; });
      to.tabIndex = 0;
      current = to;
    }
    move(current);
    table.setAttribute("role", "grid");
    table.addEventListener("focusin", function (event) {
      if (all.indexOf(event.target) !== -1) { move(event.target); }
    });
    table.addEventListener("keydown", function (event) {
      var index = all.indexOf(event.target);
      if (index === -1) { return; }
      var width = cells[0].length;
      var r = Math.floor(index / width), c = index % width;
      switch (event.key) {
        case "ArrowUp": r = Math.max(0, r - 1); break;
        case "ArrowDown": r = Math.min(cells.length - 1, r + 1); break;
        case "ArrowLeft": c = Math.max(0, c - 1); break;
        case "ArrowRight": c = Math.min(width - 1, c + 1); break;
        case "Home": c = 0; if (event.ctrlKey) { r = 0; } break;
        case "End": c = width - 1; if (event.ctrlKey) { r = cells.length - 1; } break;
        case "PageUp": r = Math.max(0, r - 4); break;
        case "PageDown": r = Math.min(cells.length - 1, r + 4); break;
        default: return;
      }
      event.preventDefault();
      move(cells[r][c]);
      current.focus();
    });
  }

  document.querySelectorAll("[data-week-grid]").forEach(weekGrid);
  document.querySelectorAll("[data-progress]").forEach(function (bar) {
    bar.style.width = bar.dataset.progress + "%";
  });
  document.querySelectorAll("[data-filter-list]").forEach(filterList);
  document.querySelectorAll("[data-place-search]").forEach(placeSearch);
  document.querySelectorAll("[data-expo-place]").forEach(expoPlace);
  if (window.L) {
    document.querySelectorAll('[data-map="results"], [data-map="single"]').forEach(pointsMap);
    document.querySelectorAll('[data-map="picker"]').forEach(pickerMap);
  }
})();

/* "Choose all" checkboxes of bulk forms. */
document.querySelectorAll("[data-check-all]").forEach(function (master) {
  master.addEventListener("change", function () {
    document.querySelectorAll('input[name="' + master.dataset.checkAll + '"]').forEach(function (box) {
      box.checked = master.checked;
    });
  });
});
