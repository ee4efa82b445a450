"""The JSON API: results, shape, and every error code as a 4xx JSON body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from finder.models import Listing
from finder.places import geocode
from finder.web import openapi


def test_search_returns_nearest_first(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Far", latitude=42.0, longitude=-71.5)
    add(name="Near")
    add(name="Group", kind="support_group", latitude=42.36, longitude=-71.06)
    res = client.get("/api/v1/search?q=02115&radius=50")
    assert res.status_code == 200
    body = res.get_json()
    assert body["count"] == 3
    assert [r["name"] for r in body["results"]] == ["Near", "Group", "Far"]
    first = body["results"][0]
    assert {"id", "kind", "name", "latitude", "longitude", "distance_miles"} <= first.keys()
    assert list(first)[:3] == ["id", "kind", "name"]  # reading order, not alphabetical
    assert first["distance_miles"] == 0.26  # from 02115's Census point to conftest's BOSTON
    assert body["query"]["origin"] == {
        "lat": 42.339422,
        "lon": -71.094531,
        "label": "02115 (Boston, MA)",
        "precision": "zip",
    }
    assert body["query"]["radius"] == 50
    assert body["query"]["q"] == "02115"


def test_each_result_links_to_its_own_page(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    for i in range(12):  # ids past 9 and 10, so no id is a prefix of another's URL
        add(name=f"Doc {i}", latitude=42.3427 + i / 100)
    results = client.get("/api/v1/search?q=02115").get_json()["results"]
    assert len(results) == 12
    for r in results:
        assert r["url"] == f"http://localhost/listings/{r['id']}"
        page = client.get(r["url"])
        assert page.status_code == 200 and r["name"] in page.get_data(as_text=True)
    one = results[0]
    assert client.get(f"/api/v1/listings/{one['id']}").get_json()["url"] == one["url"]


def test_kind_filter_and_limit(client: FlaskClient, add: Callable[..., Listing]) -> None:
    for i in range(5):
        add(name=f"Doc {i}", latitude=42.3427 + i / 100)
    add(name="Program", kind="program")
    body = client.get("/api/v1/search?q=02115&kind=doctor&limit=3").get_json()
    assert [r["name"] for r in body["results"]] == ["Doc 0", "Doc 1", "Doc 2"]
    body = client.get("/api/v1/search?q=02115&kind=doctor&kind=program").get_json()
    assert body["count"] == 6


def test_browser_coordinates(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Near")
    body = client.get("/api/v1/search?lat=42.34&lon=-71.09").get_json()
    assert body["results"][0]["name"] == "Near"
    assert body["query"]["origin"]["precision"] == "given"


def test_listing(client: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(name="Dr. One", tumor_sites=["lung"])
    body = client.get(f"/api/v1/listings/{item.id}").get_json()
    assert body["name"] == "Dr. One" and body["tumor_sites"] == ["lung"]
    hidden = add(name="Hidden", published=False)
    res = client.get(f"/api/v1/listings/{hidden.id}")
    assert res.status_code == 404
    assert res.get_json()["error"]["code"] == "not_found"


ERRORS = [
    ("", "invalid_query"),
    ("q=", "invalid_query"),
    ("q=hello!", "invalid_query"),
    ("q=99999", "unknown_location"),
    ("q=Atlantis,+MA", "unknown_location"),
    ("q=1+Main+Street+Boston", "address_lookup_off"),
    ("q=02115&radius=4", "invalid_radius"),
    ("q=02115&radius=501", "invalid_radius"),
    ("q=02115&radius=far", "invalid_radius"),
    ("q=02115&radius=nan", "invalid_radius"),
    ("q=02115&kind=wizard", "invalid_kind"),
    ("q=02115&site=brain", "invalid_site"),
    ("q=02115&specialty=astrology", "invalid_specialty"),
    ("q=02115&service=teleportation", "invalid_service"),
    ("q=02115&telehealth=maybe", "invalid_telehealth"),
    ("q=02115&limit=0", "invalid_limit"),
    ("q=02115&limit=201", "invalid_limit"),
    ("q=02115&limit=2.5", "invalid_limit"),
    ("lat=42", "invalid_location"),
    ("lat=95&lon=0", "invalid_location"),
    ("lat=x&lon=y", "invalid_location"),
    ("lat=inf&lon=0", "invalid_location"),
    ("q=02115&map=maybe", "invalid_map"),
    ("q=02115&page=0", "invalid_page"),
    ("q=02115&page=2.5", "invalid_page"),
    ("q=02115&page=two", "invalid_page"),
    ("q=02115&page=2&offset=50", "invalid_page"),
    ("q=02115&offset=-1", "invalid_offset"),
    ("q=02115&offset=%EF%BC%95", "invalid_offset"),  # a full-width digit: isdigit() says yes
    ("q=02115&offset=99999999", "invalid_offset"),
    ("q=02115&page=1000000&limit=200", "invalid_offset"),
    ("q=02115&sort=rating", "invalid_sort"),
    ("q=02115&sort=NAME", "invalid_sort"),
]


@pytest.mark.parametrize(("query", "code"), ERRORS)
def test_errors_are_json_4xx(client: FlaskClient, query: str, code: str) -> None:
    res = client.get(f"/api/v1/search?{query}")
    assert res.status_code == 400
    err = res.get_json()["error"]
    assert err["code"] == code
    assert err["message"]


def test_every_documented_error_code_is_one_of_these() -> None:
    # The OpenAPI description lists exactly the 400 codes provoked above.
    assert {code for _, code in ERRORS} == set(openapi.ERROR_CODES[400])


def test_unknown_endpoint_and_method_are_json(client: FlaskClient) -> None:
    res = client.get("/api/v1/nothing")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    res = client.post("/api/v1/search?q=02115")
    assert res.status_code == 405 and res.get_json()["error"]["code"] == "method_not_allowed"
    # RFC 9110: a 405 says which methods would work.
    assert set(res.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert res.mimetype == "application/json"


def test_outage_of_online_geocoder_is_503(
    client: FlaskClient, app: Flask, fake_nominatim: dict[str, Any]
) -> None:
    from tests.conftest import FakeNominatim

    app.config.update(fake_nominatim)
    app.extensions[geocode.EXTENSION] = geocode.from_config(app.config)  # as create_app does
    FakeNominatim.mode = "down"
    res = client.get("/api/v1/search?q=1+Example+Street+Boston+MA")
    assert res.status_code == 503
    assert res.get_json()["error"]["code"] == "geocoder_unavailable"


def test_coordinates_echo_to_four_decimals(client: FlaskClient) -> None:
    body = client.get("/api/v1/search?lat=21.30694&lon=-157.85833").get_json()
    # Shared links are built from these: -157.858 would move the search ~50 m.
    assert (body["query"]["lat"], body["query"]["lon"]) == ("21.3069", "-157.8583")
    assert body["query"]["origin"]["lon"] == -157.8583


def test_invisible_characters_are_ignored(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Habla", languages=["Spanish"])
    add(name="Speaks")
    # A NUL once reached the database (PostgreSQL refuses it: a 500); a ZIP pasted from a web
    # page can carry a zero-width space.
    res = client.get("/api/v1/search?q=02115%E2%80%8B&language=spanish%00")
    assert res.status_code == 200
    body = res.get_json()
    assert [r["name"] for r in body["results"]] == ["Habla"]
    assert body["query"]["q"] == "02115" and body["query"]["language"] == "Spanish"


@pytest.mark.parametrize("listing_id", [2**31, 2**63 - 1, 2**63, 10**30])
def test_ids_beyond_the_database_are_404(client: FlaskClient, listing_id: int) -> None:
    # PostgreSQL's listing.id is a 32-bit integer, SQLite's 64-bit; neither may be a 500.
    res = client.get(f"/api/v1/listings/{listing_id}")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"


def _spread(add: Callable[..., Listing], n: int) -> set[int]:
    """n listings from 1 to n·3 miles north-east of 02115's centre, and one far away."""
    from tests.test_search import point_at

    ids = set()
    for i in range(n):
        lat, lon = point_at(1 + 3 * i, 45 + i)
        ids.add(add(name=f"Spread {i:02d}", latitude=lat, longitude=lon).id)
    add(name="Seattle", latitude=47.6, longitude=-122.3)
    return ids


def test_next_links_reach_every_result_the_total_counts(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    ids = _spread(add, 23)
    url: str | None = "/api/v1/search?q=02115&radius=500&limit=10&kind=doctor"
    seen: list[int] = []
    pages = 0
    while url:
        body = client.get(url).get_json()
        assert body["total"] == 23 and body["total_exact"] is True
        assert body["offset"] == body["query"]["offset"] == 10 * pages
        assert body["query"]["kind"] == ["doctor"]  # the filters ride along in `next`
        seen += [r["id"] for r in body["results"]]
        assert (body["previous"] is None) == (pages == 0)
        assert (body["remote"] == []) or pages == 0
        url = body["next"]
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 23 and set(seen) == ids


def test_offset_past_the_end_is_an_empty_page_not_an_error(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    _spread(add, 3)
    body = client.get("/api/v1/search?q=02115&offset=40").get_json()
    assert body["results"] == [] and body["total"] == 3 and body["next"] is None
    assert body["previous"].endswith("offset=0") or "offset=0" in body["previous"]


def test_sort_by_name(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Zed Near")
    add(name="able Far", latitude=42.0, longitude=-71.5)
    body = client.get("/api/v1/search?q=02115&sort=name").get_json()
    assert [r["name"] for r in body["results"]] == ["able Far", "Zed Near"]
    assert body["query"]["sort"] == "name" and "sort=name" in (body["next"] or "sort=name")


@pytest.mark.parametrize("typed", ["spanish", "SPANISH", "Español", "español", "ESPAÑOL"])
def test_language_any_case_or_its_own_name(
    client: FlaskClient, add: Callable[..., Listing], typed: str
) -> None:
    add(name="Habla", languages=["Spanish"])
    add(name="Speaks", languages=["English"])
    body = client.get("/api/v1/search", query_string={"q": "02115", "language": typed})
    assert [r["name"] for r in body.get_json()["results"]] == ["Habla"]
    assert body.get_json()["query"]["language"] == "Spanish"


def test_a_language_no_listing_speaks_finds_nothing_without_an_error(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Speaks", languages=["English"])
    res = client.get("/api/v1/search?q=02115&language=Klingon")
    assert res.status_code == 200 and res.get_json()["results"] == []
