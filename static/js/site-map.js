/* The map of sites (/sites/map/): one marker per site listed on the page, with a popup linking to its page.
 *
 * No inline script: the markers come from the page's <script type="application/json"> (Django's json_script),
 * the settings from data- attributes of the map element. Text from the database is only ever set as
 * textContent, never as HTML. Without a tile server (MAP_TILE_URL) the markers show on a plain background.
 */
(function () {
  "use strict";

  // Eastern Ukraine and western Russia, shown when no site matches the filters.
  var DEFAULT_CENTER = [49.5, 38.0];
  var DEFAULT_ZOOM = 5;

  function popupFor(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    box.appendChild(link);
    var details = document.createElement("p");
    details.textContent = properties.kind + " · " + properties.region;
    box.appendChild(details);
    return box;
  }

  function start() {
    var element = document.getElementById("site-map");
    if (!element || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    var data = JSON.parse(document.getElementById(element.dataset.markers).textContent);
    var map = L.map(element);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution,
        maxZoom: 18,
      }).addTo(map);
    }
    // Explicit icon URLs: Leaflet's own guess from its stylesheet fails on hashed static file names.
    var icon = L.icon({
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      shadowUrl: element.dataset.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41],
    });
    var markers = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var name = feature.properties.name;
        return L.marker(latlng, { icon: icon, title: name, alt: name, keyboard: true });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(popupFor(feature.properties));
        layer.on("add", function () {
          var markerElement = layer.getElement();
          if (markerElement) {
            markerElement.dataset.site = feature.properties.slug;
          }
        });
      },
    }).addTo(map);
    if (data.features.length) {
      map.fitBounds(markers.getBounds(), { padding: [40, 40], maxZoom: 9 });
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
    element.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
