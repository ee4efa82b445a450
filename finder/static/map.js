// Draws one page's results on the folium-built map: the data comes from #map-data as JSON.
// Every value from the directory or the search reaches the map as text (text nodes,
// textContent, attributes), never as HTML: Leaflet parses a string given to a tooltip, popup
// or attribution as HTML, so none of them is ever given data as a string.
(function () {
  "use strict";
  var frame = document.querySelector("[data-map]");
  var source = document.getElementById("map-data");
  if (!frame || !source || !window.L) return;
  var map = window[frame.getAttribute("data-map")];
  var data = JSON.parse(source.textContent);
  var colours = data.colours;

  // Leaflet's own credit, without telling leafletjs.com which page the patient was on.
  // A constant: the tile credit, if any, is sanitized by the server (maps.attribution_html).
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" rel="noopener noreferrer">Leaflet</a>');

  // State outlines keep the map readable when there are no tiles or they fail to load.
  map.createPane("outlines").style.zIndex = 250;
  fetch(frame.getAttribute("data-outlines"))
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (geo) {
      if (!geo) return;
      L.geoJSON(geo, {
        pane: "outlines", interactive: false,
        style: { color: "#55606e", weight: 1, fill: true, fillColor: "#f4f1ea", fillOpacity: 1 }
      }).addTo(map);
    })
    .catch(function () {});

  function line(parent, tag, text, cls) {
    if (!text) return null;
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function popup(p) {
    var box = document.createElement("div");
    box.className = "popup";
    line(box, "strong", p.name);
    line(box, "div", p.organization);
    line(box, "div", p.address);
    if (p.phone) {
      var tel = line(box, "a", p.phone);
      tel.href = p.tel;
      box.appendChild(document.createElement("br"));
    }
    if (p.distance !== null && p.distance !== undefined) line(box, "div", p.distance + " miles away");
    if (p.url) {
      var a = line(box, "a", "Details");
      a.href = p.url;
    }
    return box;
  }

  // Markers work from the keyboard too: Tab reaches each and shows its name (Leaflet opens a
  // layer's tooltip on focus); a listing's marker is a button: Enter or Space opens its
  // popup, Escape closes it.
  function focusable(layer, label) {
    var el = layer.getElement();
    el.setAttribute("tabindex", "0");
    el.setAttribute("aria-label", label);
    return el;
  }

  function keyboard(layer, name) {
    var el = focusable(layer, name);
    el.setAttribute("role", "button");
    L.DomEvent.on(el, "keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") {
        L.DomEvent.preventDefault(e);
        layer.openPopup();
      } else if (e.key === "Escape") {
        layer.closePopup();
      }
    });
  }

  var bounds = L.latLngBounds([]);
  var results = L.geoJSON(data.results, {
    pointToLayer: function (feature, latlng) {
      bounds.extend(latlng);
      return L.circleMarker(latlng, {
        radius: 8, weight: 2, color: "#fff", fillOpacity: 0.95,
        fillColor: colours[feature.properties.kind] || "#333"
      });
    },
    onEachFeature: function (feature, layer) {
      var p = feature.properties;
      // A popup never outgrows the map (the listing page's is small): long text scrolls.
      layer.bindPopup(function () { return popup(p); },
                      { maxHeight: Math.max(120, map.getSize().y - 80) });
      layer.bindTooltip(function () { return document.createTextNode(p.name); },
                        { direction: "top" });
      layer.on("add", function () {
        layer.getElement().setAttribute("data-listing", p.id);
        keyboard(layer, p.name);
      });
    }
  });

  if (data.origin) {
    var here = L.latLng(data.origin.lat, data.origin.lon);
    bounds.extend(here);
    if (data.radius_m) {
      L.circle(here, { radius: data.radius_m, color: "#b85c00", weight: 2, fill: false,
                       dashArray: "6 6", interactive: false }).addTo(map);
    }
    var searched = "Where you searched: " + data.origin.label;
    var origin = L.circleMarker(here, { radius: 7, color: "#b85c00", weight: 3,
                                        fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(function () { return document.createTextNode(searched); })
      .addTo(map);
    focusable(origin, searched);
  }
  results.addTo(map);
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }
})();
