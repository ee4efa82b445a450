"""Row validation: each rule with a failing and a passing row, and what real files look like."""

from __future__ import annotations

import pytest

from finder.directory.rows import canonical_header, clean_row, misplaced

GOOD = {
    "kind": "doctor",
    "name": "Dr. Ana Peña (demo)",
    "address": "1 Example St",
    "city": "Boston",
    "state": "MA",
    "zip": "02115",
    "phone": "617-555-0142",
    "website": "https://example.org",
    "email": "ana@example.org",
    "specialties": "medical-oncology",
    "services": "prrt",
    "tumor_sites": "pancreas;lung",
    "telehealth": "yes",
    "virtual": "no",
    "languages": "english; spanish",
    "last_verified": "2026-01-31",
}


def clean(**changes: str):
    return clean_row({**GOOD, **changes}, 7)


def problem(**changes: str) -> tuple[str, str]:
    values, problems = clean(**changes)
    assert values is None and problems, changes
    assert problems[0].line == 7
    return problems[0].column, problems[0].message


def test_good_row() -> None:
    values, problems = clean()
    assert problems == []
    assert values["kind"] == "doctor" and values["state"] == "MA" and values["zip"] == "02115"
    assert values["phone"] == "(617) 555-0142"
    assert values["tumor_sites"] == ["pancreas", "lung"]
    assert values["languages"] == ["English", "Spanish"]
    assert values["telehealth"] is True and values["virtual"] is False
    assert values["latitude"] is None  # located later by the importer


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"kind": "wizard"}, "kind", "Unknown kind"),
        ({"kind": ""}, "kind", "Missing kind"),
        ({"name": "  "}, "name", "Missing name"),
        ({"state": "Narnia"}, "state", "Unknown state"),
        ({"zip": "99999"}, "zip", "was not found"),
        ({"zip": "ABCDE"}, "zip", "not a ZIP code"),
        ({"zip": "90210"}, "zip", "is in CA, not MA"),
        ({"latitude": "95", "longitude": "-71"}, "latitude", "not on Earth"),
        ({"latitude": "42.3", "longitude": ""}, "latitude", "both"),
        ({"latitude": "-71.09", "longitude": "42.34"}, "latitude", "swapped"),
        ({"latitude": "42.34", "longitude": "71.09"}, "latitude", "minus sign"),
        ({"website": "javascript:alert(1)"}, "website", "http"),
        ({"website": "ftp://example.org"}, "website", "http"),
        ({"website": "data:text/html,<b>x</b>"}, "website", "http"),
        ({"email": "not-an-email"}, "email", "not an email"),
        ({"phone": "555-0142"}, "phone", "phone number"),
        ({"phone": "call me"}, "phone", "phone number"),
        ({"tumor_sites": "pancreas;brain"}, "tumor_sites", "brain"),
        ({"specialties": "astrology"}, "specialties", "astrology"),
        ({"services": "teleportation"}, "services", "teleportation"),
        ({"telehealth": "maybe"}, "telehealth", "yes or no"),
        ({"last_verified": "last week"}, "last_verified", "date"),
        ({"address": "", "latitude": "", "longitude": ""}, "address", "street address"),
        ({"zip": "", "address": ""}, "zip", "virtual=yes"),
        ({"name": "x" * 201}, "name", "Too long"),
    ],
)
def test_each_rule_rejects_a_bad_row(changes: dict[str, str], column: str, words: str) -> None:
    got_column, message = problem(**changes)
    assert got_column == column
    assert words in message


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"kind": "Support Group"}, "kind", "support_group"),
        ({"kind": "NET Program"}, "kind", "program"),
        ({"state": "massachusetts"}, "state", "MA"),
        ({"state": ""}, "state", "MA"),  # from the ZIP
        ({"zip": "2115"}, "zip", "02115"),  # leading zero lost in a spreadsheet
        ({"zip": "02115-1234"}, "zip", "02115"),
        ({"telehealth": "TRUE"}, "telehealth", True),
        ({"telehealth": "1"}, "telehealth", True),
        ({"telehealth": "No"}, "telehealth", False),
        ({"website": "www.example.org"}, "website", "https://www.example.org"),
        ({"phone": "+1 (617) 555-0142 x12"}, "phone", "(617) 555-0142 ext. 12"),
        (
            {"services": "PRRT (Lu-177 DOTATATE); NET tumor board"},
            "services",
            ["prrt", "tumor-board"],
        ),
        ({"tumor_sites": "Small intestine"}, "tumor_sites", ["small-intestine"]),
        ({"last_verified": "1/31/2026"}, "last_verified", "2026-01-31"),
        ({"latitude": "42.3427", "longitude": "-71.0922"}, "precision", "given"),
        ({"latitude": "42.3601", "longitude": "-71.0589"}, "latitude", 42.3601),
        (
            {
                "kind": "support_group",
                "virtual": "yes",
                "address": "",
                "zip": "",
                "state": "",
                "city": "",
            },
            "virtual",
            True,
        ),
        ({"name": "'=Dr. Formula"}, "name", "=Dr. Formula"),  # our own export's escaping
    ],
)
def test_each_rule_accepts_a_good_row(changes: dict[str, str], field: str, value: object) -> None:
    values, problems = clean(**changes)
    assert problems == []
    got = values[field]
    assert (got.isoformat() if hasattr(got, "isoformat") else got) == value


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Zip Code", "zip"),
        ("ZIP", "zip"),
        ("Postal Code", "zip"),
        ("Phone Number", "phone"),
        ("Website URL", "website"),
        (" NAME ", "name"),
        ("Tumor Sites", "tumor_sites"),
        ("tumor_sites", "tumor_sites"),
        ("\ufeffexternal_id", "external_id"),
        ("Lat", "latitude"),
        ("Address Line 2", "address2"),
        ("E-mail", "email"),
        ("Favourite colour", None),
    ],
)
def test_header_aliases(header: str, column: str | None) -> None:
    assert canonical_header(header) == column


def test_island_listing_next_to_its_zip_passes_the_state_check() -> None:
    # Santa Cruz Island is missing from the simplified outline of California.
    values, problems = clean(
        city="Santa Barbara", state="CA", zip="93109", latitude="34.25419", longitude="-119.83867"
    )
    assert problems == [] and values["precision"] == "given"


@pytest.mark.parametrize(
    ("column", "bad", "good"),
    [
        ("kind", "wizard", "doctor"),
        ("state", "Narnia", "MA"),
        ("zip", "99999", "02115"),
        ("telehealth", "maybe", "yes"),
        ("tumor_sites", "pancreas;brain", "pancreas"),
        ("last_verified", "last week", "2026-01-31"),
    ],
)
def test_remembered_values_are_checked_every_time(column: str, bad: str, good: str) -> None:
    # Repeated cells are answered from memory: a bad one must stay bad, after a good one too.
    for _ in range(2):
        assert clean(**{column: good})[1] == []
        got_column, _message = problem(**{column: bad})
        assert got_column == column


def test_one_row_and_a_whole_file_get_the_same_state_check() -> None:
    rows = [
        {**GOOD, "latitude": lat, "longitude": lon}
        for lat, lon in [("42.3427", "-71.0922"), ("-71.09", "42.34"), ("42.34", "71.09")]
    ]
    one_by_one = [p for n, r in enumerate(rows) for p in clean_row(r, n)[1]]
    cleaned = []
    for n, r in enumerate(rows):
        values, problems = clean_row(r, n, state_check=False)
        assert problems == []
        cleaned.append({**values, "_line": n})
    assert misplaced(cleaned) == one_by_one
    assert [p.line for p in one_by_one] == [1, 2]
