"""The geocoder chain: offline ZIP/city table, and the opt-in online geocoder (a local fake)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder

from finder import create_app, db
from finder.places import geocode
from finder.places.geocode import Geocoders, LocationError, OfflineGeocoder, locate
from tests.conftest import FakeNominatim


@pytest.mark.parametrize(
    ("query", "zip_code"),
    [
        ("02115", "02115"),
        ("2115", "02115"),
        ("02115-1234", "02115"),
        ("021151234", "02115"),
        (" 02115 ", "02115"),
        ("501", "00501"),
        ("90210", "90210"),
    ],
)
def test_zip_forms(query: str, zip_code: str) -> None:
    place = locate(query)
    assert place.zip == zip_code
    assert place.precision == "zip"
    assert zip_code in place.label


def test_zip_has_coordinates_city_and_state() -> None:
    place = locate("02115")
    assert (round(place.lat, 2), round(place.lon, 2)) == (42.34, -71.09)
    assert place.label == "02115 (Boston, MA)"
    assert place.state == "MA"


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Boston, MA", "Boston, MA"),
        ("boston ma", "Boston, MA"),
        ("BOSTON,MA", "Boston, MA"),
        ("Boston, Massachusetts", "Boston, MA"),
        ("kansas city missouri", "Kansas City, MO"),
        ("St. Louis, MO", "Saint Louis, MO"),
        ("saint louis mo", "Saint Louis, MO"),
        ("New York, NY", "New York, NY"),
        ("Washington DC", "Washington, DC"),
    ],
)
def test_city_forms(query: str, label: str) -> None:
    place = locate(query)
    assert place.label == label
    assert place.precision == "city"


def test_city_centre_is_near_the_city() -> None:
    place = locate("Denver, CO")
    assert 39.5 < place.lat < 40.0 and -105.2 < place.lon < -104.7


def test_unique_city_without_state_is_found() -> None:
    assert locate("Albuquerque").label == "Albuquerque, NM"


def test_ambiguous_city_asks_for_the_state() -> None:
    with pytest.raises(LocationError) as info:
        locate("Springfield")
    assert info.value.code == "invalid_query"
    assert "Add the state" in info.value.message
    assert "IL" in info.value.message


@pytest.mark.parametrize("query", ["99999", "00000", "1"])
def test_unknown_or_impossible_zip(query: str) -> None:
    with pytest.raises(LocationError) as info:
        locate(query)
    assert info.value.code in {"unknown_location", "invalid_query"}
    assert "ZIP" in info.value.message or "city" in info.value.message


def test_unknown_zip_says_so() -> None:
    with pytest.raises(LocationError) as info:
        locate("99999")
    assert info.value.code == "unknown_location"
    assert "couldn't find the ZIP code 99999" in info.value.message


def test_unknown_city() -> None:
    with pytest.raises(LocationError) as info:
        locate("Atlantis, MA")
    assert info.value.code == "unknown_location"
    assert "Atlantis" in info.value.message


@pytest.mark.parametrize("query", ["", "   ", "hello?!", "<script>", "x" * 300, "12345678901"])
def test_garbage_gets_what_to_type(query: str) -> None:
    with pytest.raises(LocationError) as info:
        locate(query)
    assert info.value.code == "invalid_query"
    assert "02115" in info.value.message


def test_street_address_is_not_looked_up_by_default() -> None:
    with pytest.raises(LocationError) as info:
        locate("1 Main Street, Boston, MA")
    assert info.value.code == "address_lookup_off"
    assert "ZIP code" in info.value.message


def test_browser_coordinates() -> None:
    place = locate(lat=42.35, lon=-71.06)
    assert (place.lat, place.lon) == (42.35, -71.06)
    assert place.state == "MA"
    assert "Boston" in place.label


def test_offline_geocoder_is_a_geopy_geocoder() -> None:
    g = OfflineGeocoder()
    assert isinstance(g, Geocoder)
    loc = g.geocode("02115")
    assert loc is not None and round(loc.latitude, 2) == 42.34
    assert g.geocode("99999") is None
    back = g.reverse((42.3427, -71.0922))
    assert back is not None and back.raw["zip"] == "02115"


def test_zero_coordinates_are_treated_as_missing() -> None:
    table = geocode.zip_table()
    assert all(not (r.lat == 0 and r.lon == 0) for r in table.zips.values())
    assert len(table.zips) > 40_000


@pytest.mark.parametrize("collecting", [True, False])
def test_loading_the_table_leaves_the_garbage_collector_as_it_found_it(collecting: bool) -> None:
    # The load pauses the collector; gunicorn.conf.py keeps it off for the whole start-up.
    (gc.enable if collecting else gc.disable)()
    try:
        geocode.zip_table.__wrapped__()
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


# --- the online geocoder, against a fake Nominatim on 127.0.0.1 -------------------------


def online(fake_nominatim: dict[str, Any]) -> Geocoders:
    """The geocoders an app configured for the fake Nominatim uses, with no wait between calls."""
    return geocode.from_config({**fake_nominatim, "GEOCODER_MIN_DELAY": 0.0})


def test_online_geocoder_is_off_by_default(app: Flask) -> None:
    geocoders = app.extensions[geocode.EXTENSION]
    assert geocoders.online is None
    assert isinstance(geocoders.offline, OfflineGeocoder)
    assert geocode.online_geocoder({"GEOCODER": "offline"}) is None


def test_street_address_goes_to_the_configured_geocoder(fake_nominatim: dict[str, Any]) -> None:
    place = locate("1 Example Street, Boston, MA", geocoders=online(fake_nominatim))
    assert (place.lat, place.lon) == (42.3505, -71.0763)
    assert place.precision == "street"
    assert place.zip.startswith("02")
    [req] = FakeNominatim.requests
    assert req["params"]["countrycodes"] == ["us"]
    assert req["agent"] == "net-finder-test"


def test_zip_never_reaches_the_online_geocoder(fake_nominatim: dict[str, Any]) -> None:
    geocoders = online(fake_nominatim)
    locate("02115", geocoders=geocoders)
    locate("Boston, MA", geocoders=geocoders)
    assert FakeNominatim.requests == []


@pytest.mark.parametrize("mode", ["slow", "down"])
def test_outage_gives_a_clear_message(fake_nominatim: dict[str, Any], mode: str) -> None:
    FakeNominatim.mode = mode
    with pytest.raises(LocationError) as info:
        locate("1 Example Street, Boston, MA", geocoders=online(fake_nominatim))
    assert info.value.code == "geocoder_unavailable"
    assert "ZIP code" in info.value.message


def test_address_not_found(fake_nominatim: dict[str, Any]) -> None:
    FakeNominatim.mode = "empty"
    with pytest.raises(LocationError) as info:
        locate("1 Nowhere Street, Boston, MA", geocoders=online(fake_nominatim))
    assert info.value.code == "unknown_location"


def test_the_app_searches_with_its_configured_geocoders(
    database_url: str, fake_nominatim: dict[str, Any]
) -> None:
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "GEOCODER_MIN_DELAY": 0, **fake_nominatim}
    )
    geocoders = app.extensions[geocode.EXTENSION]
    assert isinstance(geocoders.online, Nominatim) and geocoders.min_delay == 0
    with app.app_context():
        db.create_schema(db.engine())
    client: FlaskClient = app.test_client()
    res = client.get("/api/v1/search?q=1+Example+Street,+Boston,+MA")
    assert res.status_code == 200
    assert res.get_json()["query"]["origin"]["precision"] == "street"
    assert len(FakeNominatim.requests) == 1
    with app.app_context():
        db.engine().dispose()


def test_ambiguous_city_suggests_one_of_its_own_states() -> None:
    # "Anchorage" is in Alaska and Kentucky: the example given must be one of those, the
    # biggest first, never a state the city isn't in.
    with pytest.raises(LocationError) as info:
        locate("Anchorage")
    assert "“Anchorage, AK”" in info.value.message
    assert info.value.states[0] == "AK" and "KY" in info.value.states
    assert "MA" not in info.value.states
    assert info.value.city == "Anchorage"
