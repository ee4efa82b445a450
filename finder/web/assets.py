"""The map's own files, served by the app: Leaflet, markercluster, outlines and the basemap."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import Blueprint, abort, current_app, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from finder.paths import DATA, PACKAGE
from finder.web import maps

bp = Blueprint("assets", __name__)

# Built by scripts/make_basemap.py; every name carries a hash of its content.
BASEMAP = PACKAGE / "static" / "basemap"
VERSIONED = re.compile(r"[a-zA-Z0-9_-]+\.[0-9a-f]{12}\.json")
YEAR = 365 * 24 * 3600


@bp.route("/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """Leaflet's files from the xstatic package: served by the app, never a CDN."""
    return send_from_directory(xstatic.pkg.leaflet.BASE_DIR, filename, max_age=86400)


@bp.route("/vendor/markercluster/<path:filename>")
def markercluster(filename: str) -> Response:
    """Leaflet.markercluster's files from the xstatic package: served by the app, never a CDN."""
    return send_from_directory(xstatic.pkg.leaflet_markercluster.BASE_DIR, filename, max_age=86400)


@bp.route("/data/us_states.geojson")
def outlines() -> Response:
    """The US state outlines that keep the map readable without tiles."""
    return send_from_directory(DATA, "us_states.geojson", max_age=86400)


@bp.route("/basemap/<name>")
def basemap(name: str) -> Response:
    """One basemap file: its name holds its hash, so browsers may keep it for a year."""
    if not VERSIONED.fullmatch(name) or not (BASEMAP / name).is_file():
        abort(404)
    gz = BASEMAP / f"{name}.gz"
    # The .gz twin is about a third the size; sent as is, with no compressing per request.
    zipped = gz.is_file() and "gzip" in request.headers.get("Accept-Encoding", "")
    res = send_from_directory(BASEMAP, gz.name if zipped else name, max_age=YEAR)
    res.mimetype = "application/json"
    if zipped:
        res.headers["Content-Encoding"] = "gzip"
    res.headers["Vary"] = "Accept-Encoding"
    res.cache_control.public = True
    res.cache_control.immutable = True
    return res


@functools.cache
def basemap_index(folder: Path = BASEMAP) -> str | None:
    """The name of the basemap's index file (index.<hash>.json), if the basemap is built."""
    found = sorted(folder.glob("index.*.json"))
    return found[-1].name if found else None


@bp.app_template_global()
def basemap_url() -> str | None:
    """The URL of the basemap's index, which names every other basemap file."""
    name = basemap_index()
    return url_for("assets.basemap", name=name) if name else None


def base_map() -> maps.MapParts:
    """The shared folium map for this app's tile settings (built once per process)."""
    cfg = current_app.config
    return maps.base_map(
        cfg["TILE_URL"],
        cfg["TILE_ATTRIBUTION"],
        url_for("assets.leaflet", filename="leaflet.js"),
        url_for("assets.leaflet", filename="leaflet.css"),
        url_for("assets.markercluster", filename="leaflet.markercluster.js"),
        url_for("assets.markercluster", filename="MarkerCluster.css"),
    )
