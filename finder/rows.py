"""One CSV row of listings: header aliases, value parsing and every validation rule."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from finder import vocab
from finder.geocode import ZipRecord, zip_table
from finder.states import STATES, in_state, in_state_many, state_code

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
MULTI = ("specialties", "services", "tumor_sites", "languages")
BOOLEANS = ("telehealth", "virtual")

# Header spellings seen in real spreadsheets, after lower-casing and squashing spaces/_/-.
ALIASES = {
    "id": "external_id",
    "externalid": "external_id",
    "type": "kind",
    "listingtype": "kind",
    "fullname": "name",
    "providername": "name",
    "degree": "credentials",
    "degrees": "credentials",
    "specialty": "specialties",
    "organisation": "organization",
    "practice": "organization",
    "hospital": "organization",
    "service": "services",
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
    "postcode": "zip",
    "zip5": "zip",
    "phonenumber": "phone",
    "telephone": "phone",
    "tel": "phone",
    "websiteurl": "website",
    "url": "website",
    "web": "website",
    "emailaddress": "email",
    "e mail": "email",
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
    "verified": "last_verified",
    "online": "virtual",
}
TRUE = {"yes", "y", "true", "t", "1", "x"}
FALSE = {"no", "n", "false", "f", "0", ""}
YES_NO = TRUE | FALSE
KIND_WORDS = {
    "doctor": "doctor",
    "physician": "doctor",
    "provider": "doctor",
    "program": "program",
    "center": "program",
    "clinic": "program",
    "supportgroup": "support_group",
    "group": "support_group",
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
}
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell: where it is and what to do about it."""

    line: int
    column: str
    message: str


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.strip().lower().lstrip("\ufeff"))


def canonical_header(header: str) -> str | None:
    """The column a header names ("Zip Code" -> "zip"), or None if unknown."""
    key = _squash(header)
    by_squash = {_squash(c): c for c in COLUMNS}
    return by_squash.get(key) or ALIASES.get(key)


VOCABULARIES = {
    "specialties": vocab.SPECIALTIES,
    "services": vocab.SERVICES,
    "tumor_sites": vocab.TUMOR_SITES,
}


@functools.cache
def _spellings(column: str) -> dict[str, str]:
    """Every accepted spelling of a vocabulary's terms (slug or label, squashed) -> slug."""
    terms = VOCABULARIES[column]
    known = {t.slug: t.slug for t in terms}  # the common case, checked before squashing
    for t in terms:
        known[_squash(t.slug)] = t.slug
        known[_squash(t.label)] = t.slug
    return known


@functools.lru_cache(maxsize=8192)
def _slugs(raw: str, column: str) -> tuple[list[str], list[str]]:
    # Cached: real files repeat the same few combinations thousands of times. Callers copy.
    known = _spellings(column)
    good: list[str] = []
    bad: list[str] = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        slug = known.get(part) or known.get(_squash(part))
        if slug is None:
            # "PRRT (Lu-177 DOTATATE)" and "prrt" are one service: try the words before "(".
            slug = known.get(_squash(part.split("(")[0]))
        (good if slug else bad).append(slug or part)
    return list(dict.fromkeys(good)), bad


def _phone(raw: str) -> str | None:
    m = re.fullmatch(r"(.*?)(?:\s*(?:ext\.?|x|#)\s*(\d{1,6}))?", raw, flags=re.I)
    main, ext = (m.group(1), m.group(2)) if m else (raw, None)
    if re.search(r"[^\d\s().+\-]", main):
        return None
    digits = re.sub(r"\D", "", main)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    out = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return f"{out} ext. {ext}" if ext else out


@functools.lru_cache(maxsize=4096)
def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _outside(line: int, lat: float, lon: float, state: str) -> Problem:
    return Problem(
        line,
        "latitude",
        f"{lat}, {lon} is outside {state}. Latitude and longitude may "
        "be swapped, or a minus sign lost (US longitudes are negative).",
    )


def misplaced(rows: list[dict[str, Any]]) -> list[Problem]:
    """The state check for many clean rows at once: given coordinates outside their state."""
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
                problems.append(_outside(values["_line"], lat, lon, state))
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


def _tidy(cell: str) -> str:
    """A cell without the export's formula guard and with its spaces squashed."""
    if not cell:
        return cell
    cell = " ".join(cell.split())
    return _unquote(cell) if cell[:1] == "'" else cell


@functools.lru_cache(maxsize=256)
def _kind(raw: str) -> str | None:
    return KIND_WORDS.get(_squash(raw).removeprefix("net"))


@functools.lru_cache(maxsize=1024)
def _languages_cached(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip().title() for p in raw.split(";") if p.strip()))


def _languages(raw: str) -> list[str]:
    return list(_languages_cached(raw))


def _unquote(cell: str) -> str:
    # Exports prefix formula-like cells with an apostrophe (CSV injection); take it off again.
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def clean_row(
    raw: dict[str, str], line: int, *, state_check: bool = True
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate one row (keys already canonical) into listing values, or list its problems.

    state_check=False leaves the coordinates-in-state check to `misplaced`, which does a whole
    file's rows at once.
    """
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(line, column, message))

    get = raw.get
    v = {c: _tidy(get(c) or "") for c in COLUMNS}
    v["description"] = _unquote((raw.get("description") or "").strip())
    out: dict[str, Any] = {}
    for column, limit in LIMITS.items():
        if len(v[column]) > limit:
            bad(column, f"Too long ({len(v[column])} characters); the limit is {limit}.")
    out["external_id"] = v["external_id"] or None
    kind = _kind(v["kind"])
    if kind is None:
        bad(
            "kind",
            f"Unknown kind “{v['kind']}”: use doctor, program or support_group."
            if v["kind"]
            else "Missing kind: use doctor, program or support_group.",
        )
    out["kind"] = kind
    if not v["name"]:
        bad("name", "Missing name.")
    for column in (
        "name",
        "credentials",
        "organization",
        "address",
        "address2",
        "city",
        "meeting_schedule",
        "description",
    ):
        out[column] = v[column]
    for column in BOOLEANS:
        word = v[column].lower()
        if word not in YES_NO:
            bad(column, f"“{v[column]}” is not yes or no.")
        out[column] = word in TRUE
    for column, terms in VOCABULARIES.items():
        good, unknown = _slugs(v[column], column)
        good = list(good)
        if unknown:
            choices = ", ".join(t.slug for t in terms)
            bad(column, f"Unknown {column.replace('_', ' ')} “{unknown[0]}”. Use: {choices}.")
        out[column] = good
    out["languages"] = _languages(v["languages"])

    state = ""
    if v["state"]:
        state = state_code(v["state"]) or ""
        if not state:
            bad("state", f"Unknown state “{v['state']}”: use a 2-letter code like MA.")
    out["state"] = state
    zip5 = ""
    if v["zip"]:
        m = re.fullmatch(r"(\d{3,5})(?:-?\d{4})?", v["zip"])
        if m is None:
            bad("zip", f"“{v['zip']}” is not a ZIP code: use 5 digits like 02115.")
        else:
            zip5 = m.group(1).zfill(5)  # spreadsheets drop leading zeros
            if zip5 not in zip_table().zips:
                bad("zip", f"ZIP code {zip5} was not found. Check it.")
    out["zip"] = zip5
    out["phone"] = ""
    if v["phone"]:
        phone = _phone(v["phone"])
        if phone is None:
            bad("phone", f"“{v['phone']}” is not a US phone number like (617) 555-0142.")
        out["phone"] = phone or ""
    out["website"] = ""
    if v["website"]:
        url = v["website"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, flags=re.I) is None:
            url = "https://" + url  # "www.example.org" in a spreadsheet means https
        if re.match(r"^https?://[^\s/<>\"']+\.[^\s<>\"']*$", url, flags=re.I) is None:
            bad(
                "website",
                f"“{v['website'][:60]}” is not a web address starting with http:// or https://.",
            )
        else:
            out["website"] = url
    out["email"] = ""
    if v["email"]:
        if EMAIL.match(v["email"]) is None:
            bad("email", f"“{v['email'][:60]}” is not an email address.")
        else:
            out["email"] = v["email"]
    out["last_verified"] = None
    if v["last_verified"]:
        out["last_verified"] = _date(v["last_verified"])
        if out["last_verified"] is None:
            bad("last_verified", f"“{v['last_verified']}” is not a date like 2026-01-31.")

    rec = zip_table().zips.get(zip5)
    if rec is not None and state and rec.state != state and rec.state in STATES:
        bad("zip", f"ZIP code {zip5} is in {rec.state}, not {state}. Check the ZIP or the state.")
    if rec is not None and not state:
        out["state"] = state = rec.state if rec.state in STATES else ""
    lat = lon = None
    if v["latitude"] or v["longitude"]:
        try:
            lat, lon = float(v["latitude"]), float(v["longitude"])
        except ValueError:
            bad("latitude", "Give both latitude and longitude as numbers, or neither.")
        else:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                bad(
                    "latitude",
                    f"{lat}, {lon} is not on Earth: latitude is -90 to 90 and "
                    "longitude -180 to 180.",
                )
                lat = lon = None
            elif (
                state_check
                and state
                and in_state(lat, lon, state) is False
                and not _near(lat, lon, rec)
            ):
                problems.append(_outside(line, lat, lon, state))
    # Rows without coordinates are located later, by the importer's geocoder chain.
    out["latitude"], out["longitude"], out["precision"] = lat, lon, "given"
    if lat is None and not (zip5 and v["address"]) and not out["virtual"]:
        bad(
            "address" if zip5 else "zip",
            "Give a street address with a ZIP code, or "
            "latitude and longitude, or mark the listing virtual=yes.",
        )
    return (None, problems) if problems else (out, [])
