"""The results map: folium builds the unchanging map once; each page sends only its data."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import folium
import nh3
from branca.element import Figure

from finder import vocab
from finder.directory.cells import tel_url
from finder.places.geocode import Place
from finder.search.nearby import METERS_PER_MILE, Result

KIND_COLOURS = {"doctor": "#1b5fa8", "program": "#8a2d91", "support_group": "#1e7a3c"}
US_CENTRE = (39.8, -98.6)
# What folium's header keeps: links to the Leaflet files. Its inline blocks go (base_map says
# where), so a page's one inline script is the map's own, which carries the CSP nonce.
ASSET_TAG = re.compile(r'<script src="[^"]*"></script>|<link rel="stylesheet" href="[^"]*"/>')


@dataclass(frozen=True)
class MapParts:
    """A folium map cut into the pieces a page embeds: <head> links, the div and the script.

    The script is inline: the template gives it the response's CSP nonce (_macros.html).
    """

    name: str
    header: str
    html: str
    script: str


def attribution_html(text: str) -> str:
    """The tile credit as Leaflet shows it (HTML): links and text only, each link rel'd so the
    tile provider's site never learns which page (and so which patient's search) sent them."""
    return nh3.clean(
        text,
        tags={"a"},
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
    )


@functools.cache
def base_map(
    tile_url: str,
    attribution: str,
    leaflet_js: str,
    leaflet_css: str,
    cluster_js: str = "",
    cluster_css: str = "",
) -> MapParts:
    """Render the map that every page shares (no tiles when `tile_url` is empty), once.

    `cluster_js` and `cluster_css` are Leaflet.markercluster's files, which map.js uses to
    gather crowded markers and fan out those at one address.
    """
    # maxZoom on the map itself: with no tile layer Leaflet has no other, and clusters need one.
    m = folium.Map(
        location=US_CENTRE, zoom_start=4, tiles=None, max_zoom=18, maxZoom=18, control_scale=True
    )
    # Only Leaflet and markercluster, from the app's own URLs: folium's defaults pull jQuery,
    # Bootstrap and icon fonts from CDNs, none of which this map uses. Assigned on the
    # instance: add_js_link would change the class's lists for every later map.
    m.default_js = [("leaflet", leaflet_js)]
    m.default_css = [("leaflet_css", leaflet_css)]
    if cluster_js:
        m.default_js.append(("markercluster", cluster_js))
    if cluster_css:
        m.default_css.append(("markercluster_css", cluster_css))
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=attribution_html(attribution), name="Map", max_zoom=18
        ).add_to(m)
    root = cast(Figure, m.get_root())
    root.render()
    # Of folium's header only the Leaflet links stay; what it has inline would each need the
    # CSP nonce, and none is needed:
    # - the map div's size and font (#map_…, .leaflet-container) are in style.css (.folium-map);
    # - its page-wide html/body/#map rules are for a map alone on a page, not this layout;
    # - L_NO_TOUCH/L_DISABLE_3D = false are what Leaflet assumes when they are unset;
    # - its viewport tag forbids pinch zoom (user-scalable=no), which people with low vision
    #   need, and its charset tag repeats the page's.
    header = "\n".join(ASSET_TAG.findall(root.header.render()))
    return MapParts(m.get_name(), header, root.html.render(), root.script.render())


def map_data(
    results: Iterable[Result],
    origin: Place | None = None,
    radius_miles: float | None = None,
    link: Any = None,
) -> dict[str, Any]:
    """The per-page map data: one GeoJSON feature per located listing, the origin and radius.

    Values are plain text; the map's script puts them into the popup as text, never as HTML.
    `link(listing)` gives each popup's link to the detail page.
    """
    # Listings at one address keep their true position: the map's clusters fan them out.
    features = []
    for r in results:
        item = r.listing
        lat, lon = item.latitude, item.longitude
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "id": item.id,
                    "kind": item.kind,
                    "name": item.name,
                    "organization": item.organization,
                    "address": item.one_line_address,
                    "phone": item.phone,
                    "tel": tel_url(item.phone) if item.phone else None,
                    "distance": None if r.distance_miles is None else round(r.distance_miles, 1),
                    "url": link(item) if link else None,
                },
            }
        )
    data: dict[str, Any] = {
        "results": {"type": "FeatureCollection", "features": features},
        "colours": KIND_COLOURS,
        "kinds": vocab.labels(vocab.KINDS),
    }
    if origin is not None:
        data["origin"] = {"lat": origin.lat, "lon": origin.lon, "label": origin.label}
    if radius_miles is not None:
        data["radius_m"] = radius_miles * METERS_PER_MILE
    return data
