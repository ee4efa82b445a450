"""The shipped demo directory, data/demo_listings.csv: shape, vocabulary, places, rebuild."""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from finder import vocab

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / "data" / "demo_listings.csv"
SCRIPT = ROOT / "scripts" / "make_demo_data.py"
HEADER_LINE = (
    "external_id,kind,name,credentials,specialties,organization,services,tumor_sites,address,"
    "address2,city,state,zip,phone,website,email,latitude,longitude,telehealth,virtual,languages,"
    "meeting_schedule,description,last_verified"
)
HEADER = HEADER_LINE.split(",")
VOCABS = {
    "specialties": vocab.SPECIALTIES,
    "services": vocab.SERVICES,
    "tumor_sites": vocab.TUMOR_SITES,
}
# Rural places the demo leaves empty, so "nothing nearby" can be seen: (name, lat, lon).
EMPTY_PLACES = (
    ("Billings, MT", 45.7745, -108.5005),
    ("Casper, WY", 42.8458, -106.3166),
    ("Bismarck, ND", 46.8083, -100.7837),
)


def read_rows() -> tuple[list[str], list[dict[str, str]]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return read_rows()[1]


def split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius): plenty for a 100-mile check."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 3958.8 * math.asin(math.sqrt(a))


def test_header_and_size() -> None:
    header, rows = read_rows()
    assert header == HEADER
    assert CSV_PATH.read_text(encoding="utf-8").split("\n", 1)[0] == HEADER_LINE
    assert 280 <= len(rows) <= 360
    assert all(None not in row and len(row) == len(HEADER) for row in rows)


def test_external_ids_are_unique(rows: list[dict[str, str]]) -> None:
    ids = [row["external_id"] for row in rows]
    assert all(re.fullmatch(r"demo-\d{4}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_every_name_is_clearly_fictional(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert "(demo)" in row["name"] or "Demo" in row["name"], row["name"]
        if row["kind"] == "doctor":
            assert row["name"].startswith("Dr. ") and row["name"].endswith(" (demo)")
        if row["phone"]:
            assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", row["phone"]), row["phone"]
        if row["website"]:
            assert row["website"].startswith("https://example.org/"), row["website"]
        if row["email"]:
            assert row["email"].endswith("@example.org"), row["email"]


def test_kinds(rows: list[dict[str, str]]) -> None:
    kinds = Counter(row["kind"] for row in rows)
    assert set(kinds) == {k.slug for k in vocab.KINDS}
    assert kinds["doctor"] >= 200
    assert kinds["program"] >= 50
    assert kinds["support_group"] >= 30
    doctors = [row for row in rows if row["kind"] == "doctor"]
    telehealth = sum(row["telehealth"] == "yes" for row in doctors) / len(doctors)
    assert 0.2 <= telehealth <= 0.3


def test_virtual_support_groups_have_no_place(rows: list[dict[str, str]]) -> None:
    virtual = [row for row in rows if row["virtual"] == "yes"]
    assert len(virtual) >= 5
    for row in virtual:
        assert row["kind"] == "support_group"
        assert not any(row[c] for c in ("address", "city", "state", "zip", "latitude", "longitude"))
        assert "online" in row["meeting_schedule"]
    groups = [row for row in rows if row["kind"] == "support_group"]
    assert all(row["meeting_schedule"] for row in groups)


def test_booleans_and_dates(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert row["telehealth"] in {"yes", "no"} and row["virtual"] in {"yes", "no"}
        assert re.fullmatch(r"202[56]-\d\d-\d\d", row["last_verified"]), row["last_verified"]


def test_slugs_are_in_the_vocabulary(rows: list[dict[str, str]]) -> None:
    for column, terms in VOCABS.items():
        known = {t.slug for t in terms}
        used = Counter(slug for row in rows for slug in split(row[column]))
        assert set(used) <= known, f"{column}: {sorted(set(used) - known)}"
        assert set(used) == known, f"{column} never used: {sorted(known - set(used))}"


def test_every_tumor_site_appears_at_least_three_times(rows: list[dict[str, str]]) -> None:
    used = Counter(slug for row in rows for slug in split(row["tumor_sites"]))
    for site in vocab.TUMOR_SITES:
        assert used[site.slug] >= 3, site.slug


def test_doctors_specialties_fit_their_tumor_sites(rows: list[dict[str, str]]) -> None:
    for row in rows:
        if row["kind"] != "doctor":
            continue
        specs, sites = split(row["specialties"]), split(row["tumor_sites"])
        assert 1 <= len(specs) <= 3 and 1 <= len(sites) <= 4, row["external_id"]
        assert row["credentials"] in {"MD", "DO", "MD PhD"}
        assert "English" in split(row["languages"])
        if specs == ["pulmonology"]:
            assert sites == ["lung"]
        if specs == ["dermatology"]:
            assert sites == ["merkel-cell"]


def test_places_are_in_the_us(rows: list[dict[str, str]]) -> None:
    for row in rows:
        if row["virtual"] == "yes":
            continue
        lat, lon = float(row["latitude"]), float(row["longitude"])
        assert 17 <= lat <= 72 and -180 <= lon <= -64, row["external_id"]
        assert re.fullmatch(r"-?\d+\.\d{5}", row["latitude"]), row["latitude"]
        assert re.fullmatch(r"-?\d+\.\d{5}", row["longitude"]), row["longitude"]
        assert re.fullmatch(r"\d{5}", row["zip"]), row["zip"]
        assert row["address"] and row["city"] and re.fullmatch(r"[A-Z]{2}", row["state"])
    assert any(row["zip"].startswith("0") for row in rows)  # leading zeros kept (Boston, PR)


def test_some_listings_share_a_building(rows: list[dict[str, str]]) -> None:
    spots = Counter(
        (row["address"], row["zip"], row["latitude"], row["longitude"])
        for row in rows
        if row["virtual"] == "no"
    )
    shared = [n for n in spots.values() if n > 1]
    assert len(shared) >= 3 and all(2 <= n <= 4 for n in shared)
    points = Counter((row["latitude"], row["longitude"]) for row in rows if row["latitude"])
    assert sum(n > 1 for n in points.values()) == len(shared)  # no other coincident markers


def test_many_metros_and_empty_rural_areas(rows: list[dict[str, str]]) -> None:
    placed = [row for row in rows if row["latitude"]]
    assert len({(row["city"], row["state"]) for row in placed}) >= 50
    assert not {row["state"] for row in placed} & {"MT", "WY", "ND"}
    for name, lat, lon in EMPTY_PLACES:
        nearest = min(
            miles(lat, lon, float(row["latitude"]), float(row["longitude"])) for row in placed
        )
        assert nearest > 100, f"{name} has a listing {nearest:.0f} miles away"


def test_every_row_passes_import_validation(rows: list[dict[str, str]]) -> None:
    from finder.directory.rows import clean_row

    for line, row in enumerate(rows, 2):
        values, problems = clean_row(row, line)
        assert values is not None, problems


def test_generator_reproduces_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "demo.csv"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == CSV_PATH.read_bytes()
