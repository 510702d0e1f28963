/* The maps of sites: the map page (/sites/map/, every listed site, close markers clustered) and the small map of
 * one site on its page. Each element with class "site-map" is one map.
 *
 * No inline script: the markers come from the page's <script type="application/json"> (Django's json_script),
 * the settings from data- attributes of the map element. Text from the database is only ever set as
 * textContent, never as HTML. Without a tile server (MAP_TILE_URL) the base map is this site's own
 * static/vendor/basemap/region.geojson (land, coasts, borders, regional capitals): no third party is asked.
 * A marker whose location is only known to a settlement or a region stands in a circle of that size.
 */
(function () {
  "use strict";

  // Eastern Ukraine and western Russia, shown when no site matches the filters.
  var DEFAULT_CENTER = [49.5, 38.0];
  var DEFAULT_ZOOM = 5;
  var SINGLE_ZOOM = 7;
  // How far from its marker a site may be, by the precision of its location (metres).
  var PRECISION_RADIUS = { settlement: 5000, region: 60000 };
  // Below this zoom only the capitals of countries are labelled.
  var LABEL_ZOOM = 6;

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
    if (properties.precision_label) {
      var precision = document.createElement("p");
      precision.className = "precision";
      precision.textContent = properties.precision_label;
      box.appendChild(precision);
    }
    return box;
  }

  function placeName(properties) {
    var language = (document.documentElement.lang || "en").slice(0, 2);
    return properties.name[language] || properties.name.en;
  }

  function drawBasemap(L, map, element, data) {
    // Panes of their own, under the precision circles and the markers (Leaflet's overlay pane is at 400).
    map.createPane("basemap").style.zIndex = 250;
    map.createPane("basemapLabels").style.zIndex = 260;
    var base = L.geoJSON(data, {
      pane: "basemap",
      interactive: false,
      filter: function (feature) {
        return feature.properties.kind !== "place";
      },
      style: function (feature) {
        var kind = feature.properties.kind;
        if (kind === "land") {
          return { className: "basemap-land", stroke: false, fill: true, fillOpacity: 1 };
        }
        return { className: "basemap-" + kind, weight: kind === "border" ? 1.2 : 0.8, fill: false };
      },
    });
    base.addTo(map);
    data.features.forEach(function (feature) {
      if (feature.properties.kind !== "place") {
        return;
      }
      var coordinates = feature.geometry.coordinates;
      var dot = L.circleMarker([coordinates[1], coordinates[0]], {
        radius: 2.5,
        pane: "basemap",
        className: "basemap-place",
        interactive: false,
      });
      dot.bindTooltip(placeName(feature.properties), {
        permanent: true,
        direction: "right",
        offset: [3, 0],
        pane: "basemapLabels",
        className: "place-label" + (feature.properties.capital ? " capital" : ""),
        interactive: false,
      });
      dot.addTo(map);
    });
    function labelsForZoom() {
      element.classList.toggle("map-far", map.getZoom() < LABEL_ZOOM);
    }
    map.on("zoomend", labelsForZoom);
    labelsForZoom();
    element.dataset.basemap = "drawn";
  }

  function start(element) {
    var L = window.L;
    var data = JSON.parse(document.getElementById(element.dataset.markers).textContent);
    // The clusters need the map's zoom range; the base map is 1:50m data, useless closer than about 1:500,000.
    var map = L.map(element, { scrollWheelZoom: element.dataset.single !== "true", minZoom: 3, maxZoom: 11 });
    var basemap = null;
    if (element.dataset.tileUrl) {
      map.setMaxZoom(18);
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution,
        maxZoom: 18,
      }).addTo(map);
    } else if (element.dataset.basemapUrl) {
      map.attributionControl.addAttribution(element.dataset.basemapAttribution);
      basemap = fetch(element.dataset.basemapUrl, { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (geojson) {
          if (geojson) {
            drawBasemap(L, map, element, geojson);
          }
        });
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
    var bySlug = {};
    var precisionAreas = L.layerGroup().addTo(map);
    var markers = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var name = feature.properties.name;
        var radius = PRECISION_RADIUS[feature.properties.precision];
        if (radius) {
          L.circle(latlng, { radius: radius, className: "precision-area", interactive: false }).addTo(precisionAreas);
        }
        return L.marker(latlng, { icon: icon, title: name, alt: name, keyboard: true });
      },
      onEachFeature: function (feature, layer) {
        bySlug[feature.properties.slug] = layer;
        layer.bindPopup(popupFor(feature.properties));
        layer.on("add", function () {
          var markerElement = layer.getElement();
          if (markerElement) {
            markerElement.dataset.site = feature.properties.slug;
          }
        });
      },
    });
    var group = markers;
    if (typeof L.markerClusterGroup === "function" && element.dataset.single !== "true") {
      group = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
      group.addLayer(markers);
    }
    group.addTo(map);
    if (element.dataset.single === "true" && data.features.length) {
      var only = data.features[0].geometry.coordinates;
      map.setView([only[1], only[0]], SINGLE_ZOOM);
    } else if (data.features.length) {
      map.fitBounds(markers.getBounds(), { padding: [40, 40], maxZoom: 7 });
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
    // "Show on the map" from a site's page: /sites/map/#site-<slug> centres that site and opens its popup.
    var wanted = window.location.hash.indexOf("#site-") === 0 ? bySlug[window.location.hash.slice(6)] : null;
    if (wanted) {
      element.scrollIntoView();
      var open = function () {
        wanted.openPopup();
      };
      if (group.zoomToShowLayer) {
        map.setView(wanted.getLatLng(), Math.max(map.getZoom(), 8));
        group.zoomToShowLayer(wanted, open);
      } else {
        map.setView(wanted.getLatLng(), 8);
        open();
      }
    }
    Promise.resolve(basemap).then(function () {
      element.dataset.ready = "true";
    });
  }

  function startAll() {
    if (typeof window.L === "undefined") {
      return;
    }
    document.querySelectorAll(".site-map[data-markers]").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
