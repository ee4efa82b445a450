// Draws one page's results on the folium-built map: the data comes from #map-data as JSON.
// Every value from the directory is put into popups as text (textContent), never as HTML.
(function () {
  "use strict";
  var frame = document.querySelector("[data-map]");
  var source = document.getElementById("map-data");
  if (!frame || !source || !window.L) return;
  var map = window[frame.getAttribute("data-map")];
  var data = JSON.parse(source.textContent);
  var colours = data.colours;

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
      layer.bindPopup(function () { return popup(feature.properties); });
      layer.bindTooltip(feature.properties.name, { direction: "top" });
      layer.on("add", function () {
        var el = layer.getElement && layer.getElement();
        if (el) el.setAttribute("data-listing", feature.properties.id);
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
    L.circleMarker(here, { radius: 7, color: "#b85c00", weight: 3, fillColor: "#fff",
                           fillOpacity: 1 })
      .bindTooltip("Where you searched: " + data.origin.label).addTo(map);
  }
  results.addTo(map);
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }
})();
