"""The map: folium's shared parts, offline assets, spread markers and per-page data."""

from __future__ import annotations

import json
import re

from finder.models import Listing
from finder.places.geocode import Place
from finder.search.nearby import Result, geodesic_miles
from finder.web import maps


def parts() -> maps.MapParts:
    return maps.base_map("", "", "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css")


def test_base_map_uses_only_the_apps_own_assets() -> None:
    p = parts()
    assert "/vendor/leaflet/leaflet.js" in p.header
    for cdn in ("http://", "https://", "jquery", "bootstrap", "font-awesome"):
        assert cdn not in p.header.lower()
    assert f'id="{p.name}"' in p.html
    assert f"var {p.name} = L.map(" in p.script
    assert "tileLayer" not in p.script  # no tile URL configured: outlines only


def test_base_map_keeps_pinch_zoom() -> None:
    assert "user-scalable=no" not in parts().header


def test_base_map_head_is_only_links_to_files() -> None:
    # Inline <style> and <script> blocks need the page's CSP nonce; folium's are moved to
    # style.css or dropped, so the head holds only the Leaflet files.
    assert re.sub(r"\s+", " ", parts().header).strip() == (
        '<script src="/vendor/leaflet/leaflet.js"></script> '
        '<link rel="stylesheet" href="/vendor/leaflet/leaflet.css"/>'
    )


def test_tiles_come_from_the_configured_url() -> None:
    p = maps.base_map("http://127.0.0.1:8080/{z}/{x}/{y}.png", "Local tiles", "/l.js", "/l.css")
    assert "http://127.0.0.1:8080/{z}/{x}/{y}.png" in p.script
    assert "Local tiles" in p.script


def test_tile_credit_keeps_its_links_but_not_their_referrer_or_any_script() -> None:
    credit = (
        '&copy; <a href="https://osm.example/copyright" onclick="steal()">OSM</a> '
        '<img src=x onerror="steal()"><script>steal()</script>'
        '<a href="javascript:steal()">more</a>'
    )
    p = maps.base_map("http://127.0.0.1:8080/{z}/{x}/{y}.png", credit, "/l.js", "/l.css")
    shown = re.search(r'"attribution": (".*"),$', p.script, flags=re.M)
    assert shown is not None
    assert json.loads(shown.group(1)) == (
        '© <a href="https://osm.example/copyright" rel="noopener noreferrer">OSM</a> '
        '<a rel="noopener noreferrer">more</a>'
    )


def test_base_map_is_built_once() -> None:
    assert parts() is parts()


def test_spread_moves_shared_points_apart_but_keeps_them_close() -> None:
    here = (42.3427, -71.0922)
    out = maps.spread([here, here, here, (40.0, -75.0)])
    assert len(set(out[:3])) == 3
    for lat, lon in out[:3]:
        assert 0.01 < geodesic_miles(*here, lat, lon) < 0.05
    assert out[3] == (40.0, -75.0)


def test_map_data_has_one_feature_per_located_listing() -> None:
    a = Listing(
        id=1,
        kind="doctor",
        name="A",
        latitude=42.0,
        longitude=-71.0,
        organization="O",
        address="1 St",
        city="Boston",
        state="MA",
        zip="02115",
        phone="(617) 555-0100",
    )
    b = Listing(
        id=2, kind="support_group", name="Online", latitude=None, longitude=None, virtual=True
    )
    data = maps.map_data(
        [Result(a, 1.234), Result(b, None)],
        Place(42.1, -71.1, "Here", "zip"),
        25,
        link=lambda x: f"/l/{x.id}",
    )
    [f] = data["results"]["features"]
    assert f["geometry"]["coordinates"] == [-71.0, 42.0]
    assert f["properties"] == {
        "id": 1,
        "kind": "doctor",
        "name": "A",
        "organization": "O",
        "address": "1 St, Boston, MA 02115",
        "phone": "(617) 555-0100",
        "tel": "tel:6175550100",
        "distance": 1.2,
        "url": "/l/1",
    }
    assert data["origin"]["label"] == "Here"
    assert round(data["radius_m"]) == 40234
    assert set(data["colours"]) == {"doctor", "program", "support_group"}
