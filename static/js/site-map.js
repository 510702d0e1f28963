/* The maps of sites: the map page (/sites/map/, the listed sites, close ones clustered) and the small map of one
 * site on its page. Each element with class "site-map" is one map.
 *
 * No inline script: the map page's markers come from its markers endpoint (data-markers-url, with the page's
 * filters) for the visible box and zoom, grouped into clusters by the server (sites/clusters.py); the small map's
 * one marker from the page's <script type="application/json"> (Django's json_script); the settings from data-
 * attributes of the map element. Text from the database is only ever set as
 * textContent, never as HTML. Without a tile server (MAP_TILE_URL) the base map is this site's own
 * static/vendor/basemap/region.geojson (land, coasts, borders, regions, regional capitals): no third party is asked.
 * A marker whose location is only known to a settlement or a region stands in a circle of that size.
 */
(function () {
  "use strict";

  // Eastern Ukraine and western Russia, shown when no site matches the filters.
  var DEFAULT_CENTER = [49.5, 38.0];
  var DEFAULT_ZOOM = 5;
  var SINGLE_ZOOM = 7;
  // "Show on the map" starts this close to the site (closer still while it is in a cluster).
  var DEEP_LINK_ZOOM = 8;
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
        var weights = { border: 1.2, coast: 0.8, region: 0.6 };
        return { className: "basemap-" + kind, weight: weights[kind] || 0.8, fill: false };
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

  function siteIcon(L, element) {
    // Explicit icon URLs: Leaflet's own guess from its stylesheet fails on hashed static file names.
    return L.icon({
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      shadowUrl: element.dataset.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41],
    });
  }

  // A site's marker with its popup, and the circle of its precision (added to `areas`).
  function siteMarker(L, icon, feature, areas) {
    var coordinates = feature.geometry.coordinates;
    var latlng = L.latLng(coordinates[1], coordinates[0]);
    var properties = feature.properties;
    var radius = PRECISION_RADIUS[properties.precision];
    var area = radius ? L.circle(latlng, { radius: radius, className: "precision-area", interactive: false }) : null;
    var layer = L.marker(latlng, { icon: icon, title: properties.name, alt: properties.name, keyboard: true });
    layer.bindPopup(popupFor(properties));
    layer.on("add", function () {
      var markerElement = layer.getElement();
      if (markerElement) {
        markerElement.dataset.site = properties.slug;
      }
      if (area) {
        area.addTo(areas);
      }
    });
    layer.on("remove", function () {
      if (area) {
        areas.removeLayer(area);
      }
    });
    return layer;
  }

  // A cluster: its count in the vendored markercluster's circle (classes only: the policy forbids inline styles);
  // a click or Enter zooms to the box of its sites.
  function clusterMarker(L, map, feature) {
    var properties = feature.properties;
    var size = properties.count < 10 ? "small" : properties.count < 100 ? "medium" : "large";
    var inner = document.createElement("div");
    var count = document.createElement("span");
    count.textContent = String(properties.count);
    inner.appendChild(count);
    var coordinates = feature.geometry.coordinates;
    var layer = L.marker([coordinates[1], coordinates[0]], {
      icon: L.divIcon({ html: inner, className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40] }),
      title: properties.label,
      alt: properties.label,
      keyboard: true,
    });
    layer.on("add", function () {
      var markerElement = layer.getElement();
      if (markerElement) {
        markerElement.dataset.cluster = String(properties.count);
        markerElement.setAttribute("role", "button");
        markerElement.setAttribute("aria-label", properties.label);
      }
    });
    layer.on("click", function () {
      var b = properties.bounds;
      var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      // At least one step closer, even when the sites stand at one place (the closest zoom shows them one by one).
      var zoom = Math.max(map.getZoom() + 1, map.getBoundsZoom(bounds, false, L.point(80, 80)));
      map.setView(bounds.getCenter(), Math.min(zoom, map.getMaxZoom()));
    });
    return layer;
  }

  function featureKey(feature) {
    var properties = feature.properties;
    if (properties.cluster) {
      return "cluster:" + feature.geometry.coordinates.join(",") + ":" + properties.count;
    }
    return "site:" + properties.slug;
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  // The small map of one site: its marker travels in the page.
  function startSingle(L, map, element, icon) {
    var data = JSON.parse(document.getElementById(element.dataset.markers).textContent);
    var areas = L.layerGroup().addTo(map);
    data.features.forEach(function (feature) {
      siteMarker(L, icon, feature, areas).addTo(map);
    });
    if (data.features.length) {
      var only = data.features[0].geometry.coordinates;
      map.setView([only[1], only[0]], SINGLE_ZOOM);
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
    return Promise.resolve();
  }

  // The map page: the markers of the visible box, asked for again after every move and zoom. Markers that stay in
  // view are kept (an open popup stays open); answers to earlier requests that arrive late are dropped.
  function startViewport(L, map, element, icon) {
    var shown = {};
    var wantedAt = null;
    var areas = L.layerGroup().addTo(map);
    var latest = 0;
    var wanted = window.location.hash.indexOf("#site-") === 0 ? window.location.hash.slice(6) : null;
    var loaded;
    var firstLoad = new Promise(function (resolve) {
      loaded = resolve;
    });

    function place(collection) {
      var next = {};
      collection.features.forEach(function (feature) {
        var key = featureKey(feature);
        next[key] =
          shown[key] ||
          (feature.properties.cluster ? clusterMarker(L, map, feature) : siteMarker(L, icon, feature, areas));
      });
      Object.keys(shown).forEach(function (key) {
        if (!next[key]) {
          map.removeLayer(shown[key]);
        }
      });
      Object.keys(next).forEach(function (key) {
        if (!shown[key]) {
          next[key].addTo(map);
        }
      });
      shown = next;
      // How many answers have been drawn (tests wait for the next one).
      element.dataset.loaded = String(Number(element.dataset.loaded || 0) + 1);
    }

    // "Show on the map" from a site's page (/sites/map/#site-<slug>): closer until the site is a marker of its own,
    // then its popup opens.
    function showWanted() {
      if (!wanted) {
        return;
      }
      var layer = shown["site:" + wanted];
      if (layer) {
        wanted = null;
        layer.openPopup();
      } else if (map.getZoom() < map.getMaxZoom() && wantedAt) {
        map.setView(wantedAt, map.getZoom() + 1);
      } else {
        wanted = null;
      }
    }

    function load() {
      var bounds = map.getBounds();
      // The box widened to whole tiles of this zoom: the same few addresses for nearby views, which the server's page
      // cache then answers (the grid's cells are fixed, so the markers are the same).
      var tile = 360 / Math.pow(2, map.getZoom());
      var bbox = [
        clamp(Math.floor(bounds.getWest() / tile) * tile, -180, 180),
        clamp(Math.floor(bounds.getSouth() / tile) * tile, -90, 90),
        clamp(Math.ceil(bounds.getEast() / tile) * tile, -180, 180),
        clamp(Math.ceil(bounds.getNorth() / tile) * tile, -90, 90),
      ]
        .map(function (value) {
          return String(Number(value.toFixed(6)));
        })
        .join(",");
      var url = new URL(element.dataset.markersUrl, window.location.href);
      url.searchParams.set("bbox", bbox);
      url.searchParams.set("zoom", String(map.getZoom()));
      var request = ++latest;
      return fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("markers: HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (collection) {
          if (request === latest) {
            place(collection);
            loaded();
            showWanted();
          }
        });
    }

    var box = element.dataset.bounds ? element.dataset.bounds.split(",").map(Number) : null;
    if (box) {
      map.fitBounds(
        [
          [box[1], box[0]],
          [box[3], box[2]],
        ],
        { padding: [40, 40], maxZoom: 7 }
      );
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
    var start = Promise.resolve();
    if (wanted) {
      element.scrollIntoView();
      // The site's coordinates from the public API: the page itself holds no site.
      start = fetch(element.dataset.siteApiUrl + encodeURIComponent(wanted) + "/", { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (site) {
          if (site && site.latitude !== null && site.longitude !== null) {
            wantedAt = L.latLng(site.latitude, site.longitude);
            map.setView(wantedAt, Math.max(map.getZoom(), DEEP_LINK_ZOOM), { animate: false });
          } else {
            wanted = null;
          }
        });
    }
    return start.then(function () {
      map.on("moveend", load);
      load();
      return firstLoad;
    });
  }

  function start(element) {
    var L = window.L;
    var single = element.dataset.single === "true";
    var map = L.map(element, {
      scrollWheelZoom: !single,
      minZoom: Number(element.dataset.minZoom || 3),
      maxZoom: Number(element.dataset.maxZoom || 11),
    });
    var basemap = null;
    if (element.dataset.tileUrl) {
      if (single) {
        map.setMaxZoom(18);
      }
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
    var icon = siteIcon(L, element);
    var markers = single ? startSingle(L, map, element, icon) : startViewport(L, map, element, icon);
    Promise.all([basemap, markers]).then(function () {
      element.dataset.ready = "true";
    });
  }

  function startAll() {
    if (typeof window.L === "undefined") {
      return;
    }
    document.querySelectorAll(".site-map").forEach(start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
