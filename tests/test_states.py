"""State codes and names, and point-in-state checks against the shipped outlines."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from finder.places.states import OUTLINES_PATH, STATES, in_state, outlines, state_at, state_code

BOSTON = (42.3601, -71.0589)
TERRITORIES = {"GU", "VI", "AS", "MP"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MA", "MA"),
        ("ma", "MA"),
        (" Ma ", "MA"),
        ("Massachusetts", "MA"),
        (" Massachusetts ", "MA"),
        ("massachusetts", "MA"),
        ("MASSACHUSETTS", "MA"),
        ("new   york", "NY"),
        (" New\tHampshire", "NH"),
        ("District of Columbia", "DC"),
        ("dc", "DC"),
        ("D.C.", "DC"),
        ("Washington DC", "DC"),
        ("Washington", "WA"),
        ("Puerto Rico", "PR"),
        ("gu", "GU"),
        ("Narnia", None),
        ("", None),
        ("   ", None),
        ("XX", None),
        ("AE", None),  # military mail codes are not states
        ("AP", None),
        ("AA", None),
    ],
)
def test_state_code(text: str, code: str | None) -> None:
    assert state_code(text) == code


def test_every_state_name_round_trips() -> None:
    assert len(STATES) == 56  # 50 states, DC, PR, GU, VI, AS, MP
    for code, name in STATES.items():
        assert state_code(code) == code
        assert state_code(name) == code
        assert state_code(f"  {name.upper()} ") == code


def test_outlines_cover_states_dc_and_pr() -> None:
    assert OUTLINES_PATH.is_file()
    shapes = outlines()
    assert set(STATES) - TERRITORIES <= set(shapes)
    assert all(g.is_valid and not g.is_empty for g in shapes.values())


def test_boston_is_in_massachusetts() -> None:
    assert in_state(*BOSTON, "MA") is True
    assert in_state(*BOSTON, "ma") is True
    assert in_state(*BOSTON, "CA") is False


def test_swapped_coordinates_are_not_in_massachusetts() -> None:
    assert in_state(BOSTON[1], BOSTON[0], "MA") is False


def test_lost_minus_sign_is_not_in_massachusetts() -> None:
    assert in_state(42.36, 71.06, "MA") is False


def test_buffer_allows_a_few_miles_offshore() -> None:
    # About 3 miles east of Cape Ann, outside the drawn coastline.
    lat, lon = 42.63, -70.55
    assert not outlines()["MA"].contains(Point(lon, lat))
    assert in_state(lat, lon, "MA") is True
    assert in_state(lat, lon, "MA", buffer_miles=0) is False
    # About 20 miles out is beyond the default buffer.
    assert in_state(42.63, -70.20, "MA") is False


def test_state_without_outline_is_unknown() -> None:
    assert in_state(*BOSTON, "ZZ") is None


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (39.7392, -104.9903, "CO"),  # Denver
        (21.3069, -157.8583, "HI"),  # Honolulu
        (61.2181, -149.9003, "AK"),  # Anchorage
        (18.4655, -66.1057, "PR"),  # San Juan
        (42.3601, -71.0589, "MA"),  # Boston
        (38.8977, -77.0365, "DC"),  # Washington
    ],
)
def test_state_at(lat: float, lon: float, code: str) -> None:
    assert state_at(lat, lon) == code


def test_state_at_sea_is_none() -> None:
    assert state_at(35.0, -40.0) is None  # the middle of the Atlantic
    assert state_at(BOSTON[1], BOSTON[0]) is None  # swapped: Antarctica
