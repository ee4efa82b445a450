// Draws one page's results on the folium-built map: the data comes from #map-data as JSON.
// Every value from the directory or the search reaches the map as text (text nodes,
// textContent, attributes), never as HTML: Leaflet parses a string given to a tooltip, popup,
// icon or attribution as HTML, so none of them is ever given data as a string.
(function () {
  "use strict";
  var frame = document.querySelector("[data-map]");
  var source = document.getElementById("map-data");
  if (!frame || !source || !window.L) return;
  var map = window[frame.getAttribute("data-map")];
  var data = JSON.parse(source.textContent);
  var colours = data.colours;
  var kinds = data.kinds || {};
  // Every word the map shows comes from the page (finder/web/i18n.map_words), already in the
  // reader's language, with gettext's %(name)s placeholders that say() fills in as text.
  var words = data.text || {};
  function say(key, values) {
    return (words[key] || "").replace(/%\((\w+)\)s/g, function (m, name) {
      return String(values[name]);
    });
  }

  // Leaflet's own credit, without telling leafletjs.com which page the patient was on.
  // A constant: the tile credit, if any, is sanitized by the server (maps.attribution_html).
  map.attributionControl.setPrefix(
    '<a href="https://leafletjs.com" rel="noopener noreferrer">Leaflet</a>');

  function json(url) {
    return fetch(url).then(function (r) { return r.ok ? r.json() : null; });
  }

  // The basemap, drawn under everything: state outlines (fill and borders), county lines,
  // then place names; the panes sit below Leaflet's overlays (400) and markers (600).
  // None of it is interactive, focusable or read out: it is the paper the results sit on.
  function pane(name, z) {
    var el = map.createPane(name);
    el.style.zIndex = z;
    el.style.pointerEvents = "none";
    el.setAttribute("aria-hidden", "true");
    return el;
  }
  pane("outlines", 250);
  pane("counties", 260);
  var labelPane = pane("labels", 350);

  // Land is the state outlines' fill; the sea and the Great Lakes are the map's own
  // background (map.css), which is the water the basemap has.
  function drawStates(url) {
    json(url).then(function (geo) {
      if (!geo) return;
      L.geoJSON(geo, {
        pane: "outlines", interactive: false,
        style: { color: "#6b7480", weight: 1.2, fill: true, fillColor: "#f6f4ee", fillOpacity: 1 }
      }).addTo(map);
    }).catch(function () {});
  }

  var basemapUrl = frame.getAttribute("data-basemap");
  var basemapBase = basemapUrl ? basemapUrl.replace(/[^/]*$/, "") : "";
  var COUNTY_ZOOM = 6;   // county lines from here in
  var SMALL_ZOOM = 8;    // places under 50,000 people from here in (loaded by square)
  var counties = L.layerGroup();
  var loadedStates = {};
  var loadedCells = {};
  var places = [];       // [name, lat, lon, population], kept biggest first
  var index = null;

  // The smallest place shown at each zoom: the biggest names come first, smaller ones as
  // one zooms in; a name that would overlap one already placed is left out.
  function minPopulation(z) {
    if (z <= 3) return 1000000;
    if (z <= 4) return 400000;
    if (z <= 5) return 150000;
    if (z <= 6) return 60000;
    if (z <= 7) return 40000;
    if (z <= 8) return 15000;
    if (z <= 9) return 5000;
    return 0;
  }

  var NUDGES = [[0, 0], [1, 0], [-1, 0], [0, -1], [0, 1]];  // centred, right, left, up, down

  function overlaps(a, boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) return true;
    }
    return false;
  }

  function drawLabels() {
    while (labelPane.firstChild) labelPane.removeChild(labelPane.firstChild);
    var z = map.getZoom();
    var least = minPopulation(z);
    var size = map.getSize();
    // Markers are where the patient looks: names keep clear of them (where the clusters
    // will be for this view, not where an animation has them now).
    var boxes = pinBoxes();
    var shown = 0;
    var drawn = {};
    for (var i = 0; i < places.length && shown < 200; i++) {
      var p = places[i];
      if (p[3] < least) break;  // biggest first: the rest are smaller still
      var pt = map.latLngToContainerPoint([p[1], p[2]]);
      if (pt.x < -50 || pt.y < -20 || pt.x > size.x + 50 || pt.y > size.y + 20) continue;
      var big = p[3] >= 500000 ? 2 : p[3] >= 100000 ? 1 : 0;
      var h = [12, 13, 15][big];
      var w = p[0].length * h * 0.55 + 6;
      // On the place, or beside it when a marker or a bigger name is there already.
      var box = null;
      var at = null;
      for (var k = 0; k < NUDGES.length && !box; k++) {
        var dx = NUDGES[k][0] * (w / 2 + 26);  // clear of a cluster's half-width
        var dy = NUDGES[k][1] * (h / 2 + 26);
        var b = [pt.x + dx - w / 2, pt.y + dy - h / 2 - 1, pt.x + dx + w / 2, pt.y + dy + h / 2 + 1];
        if (!overlaps(b, boxes)) { box = b; at = L.point(pt.x + dx, pt.y + dy); }
      }
      if (!box) continue;
      boxes.push(box);
      // A zero-size anchor at the place; map.css centres the name on it.
      var el = document.createElement("div");
      el.className = "place-label size-" + big;
      line(el, "span", p[0]);
      L.DomUtil.setPosition(el, map.containerPointToLayerPoint(at));
      labelPane.appendChild(el);
      drawn[i] = true;
      shown++;
    }
    if (shown < 3 && z >= 11) pointToNearest(boxes, drawn);
  }

  function pinBoxes() {
    var boxes = [];
    var seen = {};
    function add(latlng, r) {
      var pt = map.latLngToContainerPoint(latlng);
      boxes.push([pt.x - r, pt.y - r, pt.x + r, pt.y + r]);
    }
    if (group) {
      group.getLayers().forEach(function (m) {
        var shown = group.getVisibleParent(m);
        if (!shown || seen[L.stamp(shown)]) return;
        seen[L.stamp(shown)] = true;
        add(shown.getLatLng(), shown.getAllChildMarkers ? 24 : 13);
      });
    }
    if (data.origin) add([data.origin.lat, data.origin.lon], 10);
    return boxes;
  }

  // Zoomed in where no town is in view, the nearest ones are named at the map's edge, with
  // an arrow towards them, so a lone dot is never on a blank page.
  var ARROWS = ["\u2192", "\u2198", "\u2193", "\u2199", "\u2190", "\u2196", "\u2191", "\u2197"];
  function pointToNearest(boxes, drawn) {
    var size = map.getSize();
    var centre = map.getCenter();
    var near = [];
    for (var i = 0; i < places.length; i++) {
      if (drawn[i]) continue;
      var d = centre.distanceTo([places[i][1], places[i][2]]);
      if (d < 60000) near.push([d - Math.log(places[i][3]) * 2000, i]);  // bigger wins ties
    }
    near.sort(function (a, b) { return a[0] - b[0]; });
    var used = {};
    var count = 0;
    for (var k = 0; k < near.length && count < 3; k++) {
      var p = places[near[k][1]];
      var pt = map.latLngToContainerPoint([p[1], p[2]]);
      var dx = pt.x - size.x / 2;
      var dy = pt.y - size.y / 2;
      var octant = (Math.round(Math.atan2(dy, dx) / (Math.PI / 4)) + 8) % 8;
      if (used[octant]) continue;
      // Where the line from the centre towards the place leaves the map, inset a little.
      var scale = Math.min((size.x / 2 - 70) / Math.abs(dx || 1e-9), (size.y / 2 - 22) / Math.abs(dy || 1e-9));
      var at = L.point(size.x / 2 + dx * scale, size.y / 2 + dy * scale);
      var text = ARROWS[octant] + " " + p[0];
      var w = text.length * 12 * 0.55 + 6;
      var box = [at.x - w / 2, at.y - 8, at.x + w / 2, at.y + 8];
      if (overlaps(box, boxes)) continue;
      boxes.push(box);
      used[octant] = true;
      var el = document.createElement("div");
      el.className = "place-label edge";
      line(el, "span", text);
      L.DomUtil.setPosition(el, map.containerPointToLayerPoint(at));
      labelPane.appendChild(el);
      count++;
    }
  }

  function addPlaces(rows) {
    if (!rows) return;
    places = places.concat(rows);
    places.sort(function (a, b) { return b[3] - a[3]; });
    drawLabels();
  }

  function intersects(box, b) {  // box: [w, s, e, n]; b: LatLngBounds
    return box[0] <= b.getEast() && box[2] >= b.getWest() &&
           box[1] <= b.getNorth() && box[3] >= b.getSouth();
  }

  function loadInView() {
    if (!index) return;
    var z = map.getZoom();
    var view = map.getBounds().pad(0.3);
    if (z >= COUNTY_ZOOM) {
      if (!map.hasLayer(counties)) counties.addTo(map);
      index.counties.forEach(function (entry) {
        var name = entry[0];
        if (loadedStates[name] || !intersects(entry.slice(1), view)) return;
        loadedStates[name] = true;
        json(basemapBase + name).then(function (lines) {
          if (!lines) return;
          var latlngs = lines.map(function (flat) {
            var out = [];
            for (var i = 0; i < flat.length; i += 2) out.push([flat[i + 1], flat[i]]);
            return out;
          });
          // One path per state: a few dozen SVG elements, not thousands.
          L.polyline(latlngs, { pane: "counties", interactive: false, color: "#a9a398",
                                weight: 1, dashArray: "5 3" }).addTo(counties);
        }).catch(function () {});
      });
    } else if (map.hasLayer(counties)) {
      map.removeLayer(counties);
    }
    if (z >= SMALL_ZOOM) {
      var cell = index.cell;
      for (var x = Math.floor(view.getWest() / cell); x <= Math.floor(view.getEast() / cell); x++) {
        for (var y = Math.floor(view.getSouth() / cell); y <= Math.floor(view.getNorth() / cell); y++) {
          var key = x + "_" + y;
          if (!index.places[key] || loadedCells[key]) continue;
          loadedCells[key] = true;
          json(basemapBase + index.places[key]).then(addPlaces).catch(function () {});
        }
      }
    }
  }

  if (basemapUrl) {
    json(basemapUrl).then(function (idx) {
      if (!idx) { drawStates(frame.getAttribute("data-outlines")); return; }
      index = idx;
      drawStates(basemapBase + idx.states);
      json(basemapBase + idx.places.big).then(addPlaces).catch(function () {});
      loadInView();
    }).catch(function () {});
  } else {
    drawStates(frame.getAttribute("data-outlines"));
  }
  // Leaflet names its zoom buttons in English (title and aria-label): the page's words instead.
  [["in", "zoom_in"], ["out", "zoom_out"]].forEach(function (pair) {
    var button = frame.querySelector(".leaflet-control-zoom-" + pair[0]);
    if (button && words[pair[1]]) {
      button.title = words[pair[1]];
      button.setAttribute("aria-label", words[pair[1]]);
    }
  });

  // Names are placed for one zoom: hidden while zooming, placed again when it ends.
  map.on("zoomstart", function () { labelPane.style.visibility = "hidden"; });
  map.on("moveend", function () {
    labelPane.style.visibility = "";
    loadInView();
    // After the clusters have been placed for this view: names keep clear of them.
    setTimeout(drawLabels, 0);
  });

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
    box.setAttribute("tabindex", "-1");  // keyboard users are taken into it, then back
    line(box, "strong", p.name);
    line(box, "div", p.organization);
    line(box, "div", p.address);
    if (p.phone) {
      var tel = line(box, "a", p.phone);
      tel.href = p.tel;
      box.appendChild(document.createElement("br"));
    }
    if (p.distance !== null && p.distance !== undefined) line(box, "div", say("away", { miles: p.distance }));
    if (p.url) {
      var a = line(box, "a", say("details", {}));
      a.href = p.url;
    }
    return box;
  }

  // An icon that is a named button: its label and text are set as text, never as HTML.
  var Pin = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      var o = this.options;
      div.setAttribute("role", "button");
      div.setAttribute("aria-label", o.label);
      if (o.colour) div.style.backgroundColor = o.colour;
      if (o.text) line(div, "span", o.text, "count");
      if (o.dots) {
        var dots = line(div, "span", " ", "kinds");
        o.dots.forEach(function (c) {
          var d = document.createElement("i");
          d.style.backgroundColor = c;
          dots.appendChild(d);
        });
      }
      return div;
    }
  });

  function accessibleName(p) {
    var parts = [p.name, kinds[p.kind] || p.kind];
    if (p.distance !== null && p.distance !== undefined) parts.push(say("away", { miles: p.distance }));
    return parts.join(", ");
  }

  // A cluster says how many and whose: "4 listings: Dr. A, Dr. B, Program C and 1 more".
  function clusterName(cluster) {
    var children = cluster.getAllChildMarkers().slice().sort(function (a, b) {
      return a.options.order - b.options.order;
    });
    var names = children.slice(0, 3).map(function (m) { return m.feature.properties.name; });
    var rest = children.length - names.length;
    var listed = names.join(", ");
    if (rest) listed = say("more", { names: listed, rest: rest });
    return say("cluster", { count: children.length, names: listed });
  }

  function clusterIcon(cluster) {
    var seen = {};
    var dots = [];
    cluster.getAllChildMarkers().forEach(function (m) {
      var k = m.feature.properties.kind;
      if (!seen[k]) { seen[k] = true; dots.push(colours[k] || "#333"); }
    });
    var n = cluster.getChildCount();
    var s = n < 10 ? 34 : n < 100 ? 40 : 46;
    return new Pin({ className: "map-pin map-cluster", iconSize: [s, s], label: clusterName(cluster),
                     text: String(n), dots: dots.length > 1 ? dots : null,
                     colour: dots.length === 1 ? dots[0] : null });
  }

  // Without tiles the basemap is drawn at 1:10,000,000: closer than this it only gets
  // emptier, and listings a few yards apart are fanned out here instead.
  var tiled = false;
  map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) tiled = true; });
  if (!tiled) map.setMaxZoom(15);

  var group = L.markerClusterGroup({
    iconCreateFunction: clusterIcon,
    showCoverageOnHover: false,
    maxClusterRadius: 36,
    spiderfyDistanceMultiplier: 1.6,
    // Every marker and cluster stays in the page, so Tab and a screen reader reach each.
    removeOutsideVisibleBounds: false
  });

  var opener = null;  // the marker whose popup the keyboard opened, to return focus to

  function focusLayer(layer) {
    var el = layer && layer.getElement && layer.getElement();
    if (el) el.focus({ preventScroll: true });
  }

  function openFromKeyboard(layer) {
    opener = layer;
    layer.closeTooltip();
    layer.openPopup();
    var content = layer.getPopup() && layer.getPopup().getElement();
    var box = content && content.querySelector(".popup");
    if (box) box.focus({ preventScroll: true });
  }

  var bounds = L.latLngBounds([]);
  var byId = {};
  data.results.features.forEach(function (feature, i) {
    var p = feature.properties;
    var latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
    bounds.extend(latlng);
    var marker = L.marker(latlng, {
      order: i,
      icon: new Pin({ className: "map-pin map-listing", iconSize: [20, 20],
                      label: accessibleName(p), colour: colours[p.kind] || "#333" }),
      keyboard: true,
      riseOnHover: true
    });
    marker.feature = feature;
    // A popup never outgrows the map (the listing page's is small): long text scrolls.
    marker.bindPopup(function () { return popup(p); },
                     { maxHeight: Math.max(120, map.getSize().y - 80), autoPanPadding: [20, 20] });
    marker.bindTooltip(function () { return document.createTextNode(p.name); },
                       { direction: "top", offset: [0, -10] });
    // The name shown on hover or focus never stays behind the open popup.
    marker.on("popupopen", function () { marker.closeTooltip(); });
    marker.on("tooltipopen", function () { if (marker.isPopupOpen()) marker.closeTooltip(); });
    marker.on("add", function () {
      var el = marker.getElement();
      el.setAttribute("data-listing", p.id);
      L.DomEvent.on(el, "keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          // preventDefault also stops the keypress Leaflet would answer by toggling it shut.
          L.DomEvent.preventDefault(e);
          openFromKeyboard(marker);
        } else if (e.key === "Escape" && marker.isPopupOpen()) {
          marker.closePopup();
        }
      });
    });
    byId[p.id] = marker;
    group.addLayer(marker);
  });

  // Escape, wherever focus is in the popup or on its marker, closes it and puts focus back.
  map.on("popupopen", function (e) {
    var el = e.popup.getElement();
    L.DomEvent.on(el, "keydown", function (k) {
      if (k.key === "Escape") {
        L.DomEvent.stop(k);
        map.closePopup(e.popup);
      }
    });
  });
  map.on("popupclose", function (e) {
    var src = e.popup._source;
    if (src && (src === opener || e.popup.getElement().contains(document.activeElement))) {
      focusLayer(src);
    }
    if (src === opener) opener = null;
  });

  // A cluster is a button too: Enter or Space zooms in to it, or fans out the listings that
  // share one spot, and focus goes to the first of them.
  // On a busy machine an animation already under way can end first, and the new markers can
  // be drawn a moment after the zoom ends: focus moves only once the listing is shown by
  // something other than the cluster that was opened, and that thing is on the page.
  function focusWhenShown(m, from, tries) {
    var shown = group.getVisibleParent(m) || m;
    var el = shown.getElement && shown.getElement();
    if (shown !== from && el && document.body.contains(el)) {
      focusLayer(shown);
    } else if (tries > 0) {
      setTimeout(function () { focusWhenShown(m, from, tries - 1); }, 50);
    }
  }
  group.on("animationend", function () {
    var m = group._focusNext;
    if (!m || group.getVisibleParent(m) === group._focusFrom) return;  // not there yet
    group._focusNext = null;
    focusWhenShown(m, group._focusFrom, 100);
  });
  group.on("spiderfied", function (e) {
    if (!group._spiderFocus) return;
    group._spiderFocus = false;
    var first = e.markers.slice().sort(function (a, b) { return a.options.order - b.options.order; })[0];
    // The fanned-out markers are placed at the end of the animation.
    setTimeout(function () { focusLayer(first); }, 250);
  });
  map.on("layeradd", function (e) {
    var c = e.layer;
    if (!c.getAllChildMarkers || !c.getElement || !c.getElement()) return;
    var el = c.getElement();
    if (el._named) return;
    el._named = true;
    L.DomEvent.on(el, "keydown", function (k) {
      if (k.key !== "Enter" && k.key !== " ") return;
      L.DomEvent.preventDefault(k);
      var first = c.getAllChildMarkers().slice().sort(function (a, b) {
        return a.options.order - b.options.order;
      })[0];
      group._focusNext = first;
      group._focusFrom = c;
      group._spiderFocus = true;
      group._zoomOrSpiderfy({ layer: c });
    });
  });

  if (data.origin) {
    var here = L.latLng(data.origin.lat, data.origin.lon);
    bounds.extend(here);
    if (data.radius_m) {
      L.circle(here, { radius: data.radius_m, color: "#b85c00", weight: 2, fill: false,
                       dashArray: "6 6", interactive: false }).addTo(map);
    }
    var searched = say("searched", { place: data.origin.label });
    var origin = L.circleMarker(here, { radius: 7, color: "#b85c00", weight: 3, className: "map-origin",
                                        fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(function () { return document.createTextNode(searched); })
      .addTo(map);
    var originEl = origin.getElement();
    // A point, not a control: an image with a name, a Tab stop so its tooltip can be read.
    originEl.setAttribute("tabindex", "0");
    originEl.setAttribute("role", "img");
    originEl.setAttribute("aria-label", searched);
  }
  group.addTo(map);
  group.on("animationend", function () { setTimeout(drawLabels, 0); });
  if (bounds.isValid()) {
    // Never closer than a few miles across: a lone dot needs a town or two around it to be
    // found (a search's surroundings are wider than a listing's).
    var centre = data.origin ? L.latLng(data.origin.lat, data.origin.lon) : bounds.getCenter();
    bounds.extend(centre.toBounds(data.origin ? 80000 : 12000));
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }

  // The results list and the map in step: each result's "Show on map" button brings its
  // marker into view (out of its cluster), opens its popup and puts focus on it.
  document.querySelectorAll("[data-show-on-map]").forEach(function (button) {
    var marker = byId[button.getAttribute("data-show-on-map")];
    if (!marker) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      frame.scrollIntoView({ block: "nearest" });
      group.zoomToShowLayer(marker, function () {
        marker.openPopup();
        focusLayer(marker);
      });
    });
  });
})();
