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

  function baseMap(element, center, zoom) {
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, zoom);
    L.tileLayer(TILES, { maxZoom: 18, attribution: ATTRIBUTION }).addTo(map);
    return map;
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
      ? L.markerClusterGroup() : L.featureGroup();
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.title });
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

  /* The profile's map: a click sets the hidden lat/lon and clears the typed place. */
  function pickerMap(element) {
    var lat = element.dataset.lat, lon = element.dataset.lon;
    var start = lat ? [parseFloat(lat), parseFloat(lon)] : BANGKOK;
    var map = baseMap(element, start, lat ? 12 : 10);
    var marker = lat ? L.marker(start).addTo(map) : null;
    var latInput = document.querySelector(element.dataset.latInput);
    var lonInput = document.querySelector(element.dataset.lonInput);
    var placeInput = document.querySelector(element.dataset.placeInput);
    element.dataset.ready = "true";
    map.on("click", function (event) {
      latInput.value = event.latlng.lat.toFixed(6);
      lonInput.value = event.latlng.lng.toFixed(6);
      placeInput.value = "";
      placeInput.placeholder = latInput.value + ", " + lonInput.value;
      if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng).addTo(map); }
    });
  }

  /* Place suggestions as one types, from the offline gazetteer. */
  function placeSearch(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var latInput = input.dataset.lat ? document.querySelector(input.dataset.lat) : null;
    var lonInput = input.dataset.lon ? document.querySelector(input.dataset.lon) : null;
    var found = {};
    var timer = null;
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
              found[place.label] = place;
              var option = document.createElement("option");
              option.value = place.label;
              list.appendChild(option);
            });
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
