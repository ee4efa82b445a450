"""search.nearby: distances, order, radius edges, filters, nearest-anyway, the remote section."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from flask import Flask
from geographiclib.geodesic import Geodesic

from finder import db
from finder.models import Listing
from finder.places.geocode import Place
from finder.search.nearby import Filters, geodesic_miles, nearby

ORIGIN = Place(42.3427, -71.0922, "02115 (Boston, MA)", "zip", "02115", "MA")
MILE = 1609.344


def point_at(miles: float, azimuth: float = 0.0, origin: Place = ORIGIN) -> tuple[float, float]:
    g = Geodesic.WGS84.Direct(origin.lat, origin.lon, azimuth, miles * MILE)
    return g["lat2"], g["lon2"]


def search(app: Flask, origin: Place = ORIGIN, radius: float = 100, **filters: object):
    with app.app_context():
        limit = int(filters.pop("limit", 50))  # type: ignore[call-overload]
        return nearby(db.session(), origin, radius, Filters(**filters), limit)  # type: ignore[arg-type]


def names(results) -> list[str]:
    return [r.listing.name for r in results.nearby]


# Textbook WGS84 values, independent of the code under test: one degree of latitude at the
# equator is 110.574 km, one degree of longitude along the equator is 111.320 km.
@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((0.0, 0.0), (1.0, 0.0), 110.574),
        ((0.0, 0.0), (0.0, 1.0), 111.320),
        ((89.0, 0.0), (90.0, 0.0), 111.694),
    ],
)
def test_distance_against_known_values(a, b, km) -> None:
    assert geodesic_miles(*a, *b) * MILE / 1000 == pytest.approx(km, abs=0.002)


def test_results_are_nearest_first_with_true_distances(
    app: Flask, add: Callable[..., Listing]
) -> None:
    for name, miles, az in [("far", 80, 200), ("near", 3, 90), ("middle", 40, 10)]:
        lat, lon = point_at(miles, az)
        add(name=name, latitude=lat, longitude=lon)
    results = search(app)
    assert names(results) == ["near", "middle", "far"]
    assert [round(r.distance_miles, 3) for r in results.nearby] == [3.0, 40.0, 80.0]
    assert not results.outside_radius


@pytest.mark.parametrize(("miles", "inside"), [(99.9, True), (100.1, False), (4.99, True)])
def test_radius_edges(app: Flask, add: Callable[..., Listing], miles: float, inside: bool) -> None:
    add(name="centre")  # so the list is never the nearest-anyway fallback
    lat, lon = point_at(miles, 45)
    add(name="edge", latitude=lat, longitude=lon)
    results = search(app, radius=100)
    assert ("edge" in names(results)) is inside
    assert not results.outside_radius


def test_radius_edge_east_west_at_high_latitude(app: Flask, add: Callable[..., Listing]) -> None:
    anchorage = Place(61.2, -149.9, "Anchorage", "city", state="AK")
    for miles in (49.8, 50.2):
        lat, lon = point_at(miles, 90, anchorage)
        add(name=f"at {miles}", latitude=lat, longitude=lon, state="AK")
    assert names(search(app, anchorage, radius=50)) == ["at 49.8"]


def test_nearest_anyway_when_nothing_is_within_the_radius(
    app: Flask, add: Callable[..., Listing]
) -> None:
    for miles in (300, 150, 900):
        lat, lon = point_at(miles, 270)
        add(name=f"{miles} mi", latitude=lat, longitude=lon)
    results = search(app, radius=25)
    assert results.outside_radius
    assert names(results) == ["150 mi", "300 mi", "900 mi"]
    assert round(results.nearby[0].distance_miles) == 150


def test_empty_directory_is_empty_not_an_error(app: Flask) -> None:
    results = search(app)
    assert results.nearby == [] and not results.outside_radius


def test_unpublished_and_virtual_are_not_in_the_nearby_list(
    app: Flask, add: Callable[..., Listing]
) -> None:
    add(name="shown")
    add(name="hidden", published=False)
    add(name="online group", kind="support_group", virtual=True, latitude=None, longitude=None)
    results = search(app)
    assert names(results) == ["shown"]
    assert [r.listing.name for r in results.remote] == ["online group"]


def test_filters(app: Flask, add: Callable[..., Listing]) -> None:
    add(name="lung doc", tumor_sites=["lung"], specialties=["pulmonology"], languages=["English"])
    add(
        name="pancreas program",
        kind="program",
        tumor_sites=["pancreas"],
        services=["prrt"],
        languages=["Spanish", "English"],
    )
    add(name="group", kind="support_group", tumor_sites=["pancreas", "lung"])
    add(name="tele doc", telehealth=True, specialties=["medical-oncology"])
    assert sorted(names(search(app, kinds=("program", "support_group")))) == [
        "group",
        "pancreas program",
    ]
    assert sorted(names(search(app, site="lung"))) == ["group", "lung doc"]
    assert names(search(app, specialty="pulmonology")) == ["lung doc"]
    assert names(search(app, service="prrt")) == ["pancreas program"]
    assert names(search(app, language="Spanish")) == ["pancreas program"]
    assert names(search(app, telehealth=True)) == ["tele doc"]
    assert names(search(app, site="small-intestine")) == []


def test_slug_filter_does_not_match_a_longer_slug(app: Flask, add: Callable[..., Listing]) -> None:
    add(name="colon doc", tumor_sites=["colon"])
    add(name="percent", tumor_sites=["lung"], languages=["100% English"])
    assert names(search(app, site="lung")) == ["percent"]
    assert names(search(app, language="%")) == []


def test_remote_section_holds_online_groups_and_in_state_telehealth(
    app: Flask, add: Callable[..., Listing]
) -> None:
    add(
        name="zoom group",
        kind="support_group",
        virtual=True,
        latitude=None,
        longitude=None,
        state="",
        zip="",
        city="",
        address="",
    )
    lat, lon = point_at(130, 0)
    add(name="tele far in MA", telehealth=True, latitude=lat, longitude=lon, state="MA")
    add(name="tele in CA", telehealth=True, latitude=34.05, longitude=-118.24, state="CA")
    add(name="tele near", telehealth=True)
    results = search(app, radius=100)
    assert names(results) == ["tele near"]
    assert [r.listing.name for r in results.remote] == ["zoom group", "tele far in MA"]
    assert results.remote[0].distance_miles is None


@pytest.mark.parametrize("scan", [300, 5])  # few in the state: measure all; many: the index
def test_telehealth_section_is_the_next_nearest_in_state(
    app: Flask, add: Callable[..., Listing], monkeypatch: pytest.MonkeyPatch, scan: int
) -> None:
    monkeypatch.setattr("finder.search.nearby.TELEHEALTH_SCAN", scan)
    for miles in range(1, 16):
        lat, lon = point_at(miles, 45.0 * miles)
        add(name=f"tele {miles}", telehealth=True, latitude=lat, longitude=lon, state="MA")
    lat, lon = point_at(0.5)
    add(name="tele over the line", telehealth=True, latitude=lat, longitude=lon, state="NH")
    add(name="in person", telehealth=False)
    results = search(app, radius=100, limit=4)
    assert names(results) == ["in person", "tele over the line", "tele 1", "tele 2"]
    # The remote section: the 10 nearest telehealth listings in the patient's state that the
    # list above doesn't already show.
    assert [r.listing.name for r in results.remote] == [f"tele {m}" for m in range(3, 13)]
    assert [round(r.distance_miles or 0) for r in results.remote] == list(range(3, 13))


def test_top_k_matches_brute_force_on_dense_data(app: Flask) -> None:
    rng = random.Random(7)
    with app.app_context():
        session = db.session()
        for i in range(1500):
            lat, lon = point_at(rng.uniform(0, 120), rng.uniform(0, 360))
            session.add(Listing(kind="doctor", name=f"n{i}", latitude=lat, longitude=lon))
        session.commit()
    results = search(app, radius=100, limit=40)
    with app.app_context():
        everyone = db.session().query(Listing).all()
        truth = sorted(
            (
                (geodesic_miles(ORIGIN.lat, ORIGIN.lon, x.latitude, x.longitude), x.id)
                for x in everyone
            ),
        )
    expected = [i for d, i in truth if d <= 100][:40]
    assert [r.listing.id for r in results.nearby] == expected


def test_rtree_follows_updates_and_deletes(app: Flask, add: Callable[..., Listing]) -> None:
    item = add(name="mover")
    with app.app_context():
        session = db.session()
        row = session.get(Listing, item.id)
        row.latitude, row.longitude = 34.05, -118.24  # moved to Los Angeles
        session.commit()
    assert names(search(app)) == [] or search(app).outside_radius
    la = Place(34.05, -118.24, "LA", "city", state="CA")
    assert names(search(app, la, radius=10)) == ["mover"]
    with app.app_context():
        session = db.session()
        session.delete(session.get(Listing, item.id))
        session.commit()
    assert names(search(app, la, radius=10)) == []


def test_top_k_is_exact_in_a_crowded_city_centre(app: Flask) -> None:
    # So many listings within a mile that the first box is shrunk before it is read.
    rng = random.Random(8)
    with app.app_context():
        session = db.session()
        for i in range(3000):
            lat, lon = point_at(rng.uniform(0, 1.5), rng.uniform(0, 360))
            session.add(Listing(kind="doctor", name=f"c{i}", latitude=lat, longitude=lon))
        session.commit()
        everyone = session.query(Listing).all()
        truth = sorted(
            (geodesic_miles(ORIGIN.lat, ORIGIN.lon, x.latitude, x.longitude), x.id)
            for x in everyone
        )
    results = search(app, radius=25, limit=10)
    assert [r.listing.id for r in results.nearby] == [i for _, i in truth[:10]]


def test_top_k_is_exact_past_an_empty_ring_and_a_crowd_at_one_address(app: Flask) -> None:
    # Nothing for 20 miles, then a few listings, then a tower block where 600 share one
    # address: growing boxes step over the gap and into the crowd, and still stop.
    with app.app_context():
        session = db.session()
        for i in range(8):
            lat, lon = point_at(20 + i, 40.0 * i)
            session.add(Listing(kind="doctor", name=f"ring{i}", latitude=lat, longitude=lon))
        lat, lon = point_at(35, 90)
        for i in range(600):
            session.add(Listing(kind="doctor", name=f"tower{i}", latitude=lat, longitude=lon))
        session.commit()
    results = search(app, radius=500, limit=20)
    names_found = names(results)
    assert names_found[:8] == [f"ring{i}" for i in range(8)]
    assert len(names_found) == 20 and all(n.startswith("tower") for n in names_found[8:])
    assert round(results.nearby[-1].distance_miles or 0) == 35


# --- pages, totals and sorting (issue 11) ----------------------------------------------


def page(app: Flask, offset: int, limit: int, sort: str = "distance", radius: float = 100):
    with app.app_context():
        return nearby(db.session(), ORIGIN, radius, Filters(), limit, offset, sort)


def test_pages_by_distance_reach_every_result_once(app: Flask, add: Callable[..., Listing]) -> None:
    for i in range(7):
        lat, lon = point_at(5 + 10 * i, azimuth=37 * i)
        add(name=f"at {5 + 10 * i}", latitude=lat, longitude=lon)
    add(name="too far", latitude=point_at(150)[0], longitude=point_at(150)[1])
    seen = []
    for offset, expect_next in ((0, True), (3, True), (6, False)):
        results = page(app, offset, 3)
        assert results.total == 7 and results.total_exact
        assert results.offset == offset and results.has_next is expect_next
        assert results.remote == [] or offset == 0
        seen += names(results)
    assert seen == [f"at {5 + 10 * i}" for i in range(7)]
    beyond = page(app, 9, 3)
    assert beyond.nearby == [] and beyond.past_end and beyond.total == 7


def test_sort_by_name_pages_alphabetically_within_the_radius(
    app: Flask, add: Callable[..., Listing]
) -> None:
    for name, miles in [("delta", 1), ("Alpha", 50), ("charlie", 20), ("bravo", 90)]:
        lat, lon = point_at(miles, 45)
        add(name=name, latitude=lat, longitude=lon)
    lat, lon = point_at(120, 45)
    add(name="aaron, out of range", latitude=lat, longitude=lon)
    first, second = page(app, 0, 2, "name"), page(app, 2, 2, "name")
    assert names(first) + names(second) == ["Alpha", "bravo", "charlie", "delta"]
    assert [round(r.distance_miles) for r in first.nearby] == [50, 90]  # still measured
    assert first.total == second.total == 4 and first.has_next and not second.has_next


def test_total_counts_exactly_at_the_radius_edge(app: Flask, add: Callable[..., Listing]) -> None:
    # Just inside and just outside, all around: where a sphere and the ellipsoid disagree.
    inside = 0
    for i, azimuth in enumerate(range(0, 360, 15)):
        miles = 499.6 if i % 2 else 500.4
        inside += miles < 500
        lat, lon = point_at(miles, azimuth)
        add(name=f"edge {i}", latitude=lat, longitude=lon)
    results = page(app, 0, 5, radius=500)  # a full page, so the total is counted
    assert results.total == inside == 12 and results.has_next
    everything = page(app, 0, 50, radius=500)
    assert len(everything.nearby) == 12 and not everything.has_next


def test_a_crowd_is_counted_up_to_the_cap_and_still_paged_to_its_end(
    app: Flask, add: Callable[..., Listing], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("finder.search.nearby.COUNT_CAP", 5)
    for i in range(8):
        add(name=f"crowd {i}", latitude=point_at(i + 1)[0], longitude=point_at(i + 1)[1])
    first = page(app, 0, 3)
    assert first.total == 5 and not first.total_exact and first.has_next
    last = page(app, 6, 3)
    assert names(last) == ["crowd 6", "crowd 7"] and not last.has_next


@pytest.mark.parametrize("lat", [-60.0, -20.0, -3.0, 0.0, 25.0, 42.3, 61.2, 71.0, 79.0])
@pytest.mark.parametrize("miles", [5.0, 50.0, 500.0, 1000.0])
def test_the_box_counted_without_measuring_lies_inside_the_circle(lat: float, miles: float) -> None:
    from finder.search.spatial import _inner_bbox

    box = _inner_bbox(lat, -100.0, miles)
    if box is None:  # near a pole: no shortcut
        assert abs(lat) + 0.65 * miles / 69.41 > 80
        return
    lo_lat, hi_lat, lo_lon, hi_lon = box
    for corner in ((lo_lat, lo_lon), (lo_lat, hi_lon), (hi_lat, lo_lon), (hi_lat, hi_lon)):
        assert geodesic_miles(lat, -100.0, *corner) < miles


def test_languages_held_are_those_of_published_listings(
    app: Flask, add: Callable[..., Listing]
) -> None:
    from finder.search.nearby import held_languages

    add(languages=["English", "Spanish"])
    add(languages=["Spanish", "Haitian Creole"])
    add(languages=["Klingon"], published=False)
    add(languages=[])
    with app.app_context():
        assert held_languages(db.session()) == ["English", "Haitian Creole", "Spanish"]


def test_stale_after_twelve_months() -> None:
    import datetime as dt

    from finder.directory.listings import is_stale

    today = dt.date(2026, 12, 2)
    assert not is_stale(dt.date(2025, 12, 2), 12, today) and is_stale(
        dt.date(2025, 12, 1), 12, today
    )
    assert not is_stale(None, 12, today)
    # The end of a longer month: a month before 31 March is the last day of February.
    assert not is_stale(dt.date(2026, 2, 28), 1, dt.date(2026, 3, 31))
    assert is_stale(dt.date(2026, 2, 27), 1, dt.date(2026, 3, 31))
