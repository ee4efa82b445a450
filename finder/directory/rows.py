"""One CSV row of listings: header aliases, value parsing and every validation rule."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from finder import vocab
from finder.directory import cells
from finder.places.geocode import ZipRecord, zip_table
from finder.places.states import STATES, in_state_many

COLUMNS = (
    "external_id",
    "kind",
    "name",
    "credentials",
    "specialties",
    "organization",
    "services",
    "tumor_sites",
    "address",
    "address2",
    "city",
    "state",
    "zip",
    "phone",
    "website",
    "email",
    "latitude",
    "longitude",
    "telehealth",
    "virtual",
    "languages",
    "meeting_schedule",
    "description",
    "last_verified",
)
# What an export adds so that importing it again changes nothing: whose listing each row is,
# and whether it is shown to patients. An import without them works as before.
EXPORT_COLUMNS = (*COLUMNS, "source", "published")
MULTI = ("specialties", "services", "tumor_sites", "languages")
BOOLEANS = ("telehealth", "virtual")

# Header spellings seen in real spreadsheets, as vocab.spelling reads them (letters and digits,
# lower case): "ZIP/Postal Code" is "zippostalcode", "Phone #" is "phone".
ALIASES = {
    "id": "external_id",
    "externalid": "external_id",
    "type": "kind",
    "listingtype": "kind",
    "typeoflisting": "kind",
    "providertype": "kind",
    "fullname": "name",
    "providername": "name",
    "degree": "credentials",
    "degrees": "credentials",
    "specialty": "specialties",
    "specialities": "specialties",
    "speciality": "specialties",
    "organisation": "organization",
    "practice": "organization",
    "hospital": "organization",
    "organizationname": "organization",
    "practicename": "organization",
    "hospitalname": "organization",
    "service": "services",
    "servicesoffered": "services",
    "tumorsite": "tumor_sites",
    "tumorsites": "tumor_sites",
    "sites": "tumor_sites",
    "street": "address",
    "streetaddress": "address",
    "address1": "address",
    "addressline1": "address",
    "address2": "address2",
    "addressline2": "address2",
    "suite": "address2",
    "town": "city",
    "st": "state",
    "zipcode": "zip",
    "postalcode": "zip",
    "zippostalcode": "zip",
    "postcode": "zip",
    "zip5": "zip",
    "phonenumber": "phone",
    "telephone": "phone",
    "tel": "phone",
    "websiteurl": "website",
    "url": "website",
    "web": "website",
    "emailaddress": "email",
    "websiteaddress": "website",
    "webpage": "website",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "language": "languages",
    "languagesspoken": "languages",
    "schedule": "meeting_schedule",
    "meetingschedule": "meeting_schedule",
    "meetings": "meeting_schedule",
    "lastverified": "last_verified",
    "lastverifieddate": "last_verified",
    "dateverified": "last_verified",
    "datelastverified": "last_verified",
    "verified": "last_verified",
    "online": "virtual",
    "onlineonly": "virtual",
    "offerstelehealth": "telehealth",
    "videovisits": "telehealth",
}
LIMITS = {
    "name": 200,
    "credentials": 100,
    "organization": 200,
    "address": 200,
    "address2": 200,
    "city": 100,
    "meeting_schedule": 300,
    "description": 4000,
    "external_id": 100,
    "source": 100,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell: where it is and what to do about it."""

    line: int
    column: str
    message: str
    name: str = ""  # the listing's name as the file gives it, so a person can find the row


_COLUMN_SPELLINGS = {vocab.spelling(c): c for c in EXPORT_COLUMNS}


def canonical_header(header: str) -> str | None:
    """The column a header names ("Zip Code" -> "zip"), or None if unknown."""
    key = vocab.spelling(header)
    return _COLUMN_SPELLINGS.get(key) or ALIASES.get(key)


def _outside(values: dict[str, Any], state: str) -> Problem:
    lat, lon = values["latitude"], values["longitude"]
    return Problem(
        values["_line"],
        "latitude",
        f"{lat}, {lon} is outside {state}. Latitude and longitude may "
        "be swapped, or a minus sign lost (US longitudes are negative).",
        values["name"],
    )


def misplaced(rows: list[dict[str, Any]]) -> list[Problem]:
    """The state check: clean rows (with their `_line`) whose given coordinates are outside
    their state. One row (clean_row) or a whole file's at once, vectorized per state."""
    by_state: dict[str, list[dict[str, Any]]] = {}
    for values in rows:
        if values["precision"] == "given" and values["latitude"] is not None and values["state"]:
            by_state.setdefault(values["state"], []).append(values)
    problems = []
    table = zip_table().zips
    for state, group in by_state.items():
        inside = in_state_many(
            [v["latitude"] for v in group], [v["longitude"] for v in group], state
        )
        for values, ok in zip(group, inside or [True] * len(group), strict=True):
            lat, lon = values["latitude"], values["longitude"]
            if not ok and not _near(lat, lon, table.get(values["zip"])):
                problems.append(_outside(values, state))
    return problems


def _near(lat: float, lon: float, rec: ZipRecord | None, miles: float = 25.0) -> bool:
    """True if the point is within `miles` of the ZIP's centre.

    The simplified state outlines drop small islands and some coast, so a listing beside its
    own ZIP passes the state check even there; a swapped or unsigned pair is never that close.
    """
    if rec is None:
        return False
    dy = (lat - rec.lat) * 69.0
    dx = (lon - rec.lon) * 69.0 * math.cos(math.radians(rec.lat))
    return dx * dx + dy * dy <= miles * miles


# Free-text columns: tidied and kept as they are, within LIMITS.
TEXT = (
    "external_id",
    "name",
    "credentials",
    "organization",
    "address",
    "address2",
    "city",
    "meeting_schedule",
    "source",
)


def clean_row(
    raw: dict[str, str], line: int, *, state_check: bool = True
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate one row (keys already canonical) into listing values, or list its problems.

    state_check=False leaves the coordinates-in-state check to `misplaced`, which does a whole
    file's rows at once.
    """
    problems: list[Problem] = []
    get = raw.get
    out: dict[str, Any] = {c: cells.tidy(get(c) or "") for c in TEXT}
    out["description"] = cells.unquote((get("description") or "").strip())
    for column, limit in LIMITS.items():
        if len(out[column]) > limit:
            problems.append(
                Problem(
                    line, column, f"Too long ({len(out[column])} characters); the limit is {limit}."
                )
            )
    out["external_id"] = out["external_id"] or None
    # An export's own columns: the row's source (blank: the import's) and published state
    # (blank: new listings are published, existing ones keep theirs).
    out["source"] = out["source"] or None
    published = cells.tidy(get("published") or "")
    out["published"] = None
    if published:
        out["published"], message = cells.yes_no(published)
        if message:
            problems.append(Problem(line, "published", message))
    out["kind"], message = cells.kind(get("kind") or "")
    if message:
        problems.append(Problem(line, "kind", message))
    if not out["name"]:
        problems.append(Problem(line, "name", "Missing name."))
    for column in BOOLEANS:
        out[column], message = cells.yes_no(get(column) or "")
        if message:
            problems.append(Problem(line, column, message))
    for column in cells.VOCABULARIES:
        slugs, message = cells.terms(get(column) or "", column)
        out[column] = list(slugs)
        if message:
            problems.append(Problem(line, column, message))
    for column, check in CHECKS:
        out[column], message = check(get(column) or "")
        if message:
            problems.append(Problem(line, column, message))

    state, zip5 = out["state"], out["zip"]
    rec = zip_table().zips.get(zip5)
    if rec is not None and state and rec.state != state and rec.state in STATES:
        message = f"ZIP code {zip5} is in {rec.state}, not {state}. Check the ZIP or the state."
        problems.append(Problem(line, "zip", message))
    if rec is not None and not state:
        out["state"] = rec.state if rec.state in STATES else ""
    out["latitude"], out["longitude"], message = _coordinates(
        get("latitude") or "", get("longitude") or ""
    )
    # Rows without coordinates are located later, by the importer's geocoder chain.
    out["precision"] = "given"
    if message:
        problems.append(Problem(line, "latitude", message))
    if out["latitude"] is not None:
        if state_check:
            problems.extend(misplaced([{**out, "_line": line}]))
    elif not (zip5 and out["address"]) and not out["virtual"]:
        problems.append(
            Problem(
                line,
                "address" if zip5 else "zip",
                "Give a street address with a ZIP code, or "
                "latitude and longitude, or mark the listing virtual=yes.",
            )
        )
    if problems:
        return None, [dataclasses.replace(p, name=out["name"]) for p in problems]
    return out, []


# Single-value columns checked in this order (after kind, name, yes/no and tag columns).
CHECKS = (
    ("state", cells.state),
    ("zip", cells.zip_code),
    ("phone", cells.phone),
    ("website", cells.website),
    ("email", cells.email),
    ("last_verified", cells.date),
)


def _coordinates(lat_cell: str, lon_cell: str) -> tuple[float | None, float | None, str | None]:
    """Latitude and longitude from their cells: both numbers on Earth, or neither."""
    lat_text, lon_text = cells.tidy(lat_cell), cells.tidy(lon_cell)
    if not (lat_text or lon_text):
        return None, None, None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None, None, "Give both latitude and longitude as numbers, or neither."
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        message = f"{lat}, {lon} is not on Earth: latitude is -90 to 90 and longitude -180 to 180."
        return None, None, message
    return lat, lon, None
