"""One CSV cell of a listing: tidying it and checking it, a pure function of its text each."""

from __future__ import annotations

import datetime as dt
import functools
import re
import urllib.parse

from finder import vocab
from finder.models import EXACT_PRECISIONS, Listing
from finder.places.geocode import zip_table
from finder.places.states import state_code

# Each check returns (value, None) or (fallback value, what is wrong). Those for columns whose
# values repeat across a file (kinds, states, ZIPs, yes/no, tags, languages, dates) are
# memoized on the raw cell: a 100k-row file has a few thousand distinct ones. The caches are
# bounded, so a file of all-distinct values only costs the checks themselves.
Checked = tuple[str, str | None]

TRUE = {"yes", "y", "true", "t", "1", "x"}
FALSE = {"no", "n", "false", "f", "0", ""}
VOCABULARIES = {
    "specialties": vocab.SPECIALTIES,
    "services": vocab.SERVICES,
    "tumor_sites": vocab.TUMOR_SITES,
    "languages": vocab.LANGUAGES,
}
ONE_OF = {
    "specialties": "specialty",
    "services": "service",
    "tumor_sites": "tumor site",
    "languages": "language",
}
EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")
ZIP = re.compile(r"(\d{3,5})(?:-?\d{4})?")
PHONE = re.compile(r"(.*?)(?:\s*(?:ext\.?|x|#)\s*(\d{1,6}))?", flags=re.I)
PHONE_CHARS = re.compile(r"[^\d\s().+\-]")
NON_DIGITS = re.compile(r"\D")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", flags=re.I)
WEB = re.compile(r"^https?://[^\s/<>\"']+\.[^\s<>\"']*$", flags=re.I)


def tidy(cell: str) -> str:
    """A cell without the export's formula guard and with its spaces squashed."""
    if not cell:
        return cell
    cell = " ".join(cell.split())
    return unquote(cell) if cell[:1] == "'" else cell


def unquote(cell: str) -> str:
    """A cell without the apostrophe our export puts before formula-like text."""
    # Exports prefix formula-like cells with an apostrophe (CSV injection); take it off again.
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def _unknown(what: str, text: str, terms: tuple[vocab.Term, ...]) -> str:
    """An unknown value's message: the closest term, if one is close, and the choices."""
    near = vocab.closest(terms, text)
    hint = f" Did you mean “{near.label}”?" if near else ""
    return f"Unknown {what} “{text}”.{hint} Use: {', '.join(t.slug for t in terms)}."


@functools.lru_cache(maxsize=256)
def kind(cell: str) -> tuple[str | None, str | None]:
    """The listing kind a cell names ("NET Program" -> "program")."""
    text = tidy(cell)
    if not text:
        return None, "Missing kind: use doctor, program or support_group."
    found = vocab.find(vocab.KINDS, text) or vocab.find(
        vocab.KINDS, re.sub(r"(?i)^net\b", "", text)
    )
    if found is not None:
        return found.slug, None
    return None, _unknown("kind", text, vocab.KINDS)


@functools.lru_cache(maxsize=256)
def yes_no(cell: str) -> tuple[bool, str | None]:
    """True for yes, 1, x, ...; False for no, 0 or an empty cell."""
    text = tidy(cell)
    word = text.lower()
    if word in TRUE:
        return True, None
    return False, (None if word in FALSE else f"“{text}” is not yes or no.")


@functools.lru_cache(maxsize=8192)
def terms(cell: str, column: str) -> tuple[tuple[str, ...], str | None]:
    """The slugs of a `;`-separated list of a vocabulary's terms (slugs, labels or synonyms),
    in order, once each."""
    vocabulary = VOCABULARIES[column]
    good: list[str] = []
    for part in (p.strip() for p in tidy(cell).split(";")):
        if not part:
            continue
        # "PRRT (Lu-177 DOTATATE)" and "prrt" are one service: try the words before "(" too.
        found = vocab.find(vocabulary, part) or vocab.find(vocabulary, part.split("(")[0])
        if found is None:
            return (), _unknown(ONE_OF[column], part, vocabulary)
        good.append(found.slug)
    return tuple(dict.fromkeys(good)), None


@functools.lru_cache(maxsize=1024)
def state(cell: str) -> Checked:
    """The 2-letter code of a state cell ("massachusetts" -> "MA"); "" for an empty cell."""
    text = tidy(cell)
    if not text:
        return "", None
    code = state_code(text)
    if code is None:
        return "", f"Unknown state “{text}”: use a 2-letter code like MA."
    return code, None


@functools.lru_cache(maxsize=16384)
def zip_code(cell: str) -> Checked:
    """The 5-digit ZIP of a cell ("2115" -> "02115"), if the offline table knows it."""
    text = tidy(cell)
    if not text:
        return "", None
    m = ZIP.fullmatch(text)
    if m is None:
        return "", f"“{text}” is not a ZIP code: use 5 digits like 02115."
    zip5 = m.group(1).zfill(5)  # spreadsheets drop leading zeros
    if zip5 not in zip_table().zips:
        return "", f"ZIP code {zip5} was not found. Check it."
    return zip5, None


def phone(cell: str) -> Checked:
    """A US phone number written as (617) 555-0142, with its extension if any."""
    text = tidy(cell)
    if not text:
        return "", None
    m = PHONE.fullmatch(text)
    main, ext = (m.group(1), m.group(2)) if m else (text, None)
    digits = NON_DIGITS.sub("", main)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if PHONE_CHARS.search(main) or len(digits) != 10:
        return "", f"“{text}” is not a US phone number like (617) 555-0142."
    out = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return (f"{out} ext. {ext}" if ext else out), None


def tel_url(phone: str) -> str:
    """A phone number as a tel: URL ("(617) 555-0142 ext. 12" -> "tel:6175550142,12")."""
    main, _, ext = phone.partition("ext.")
    digits = re.sub(r"[^\d+]", "", main)
    # The comma makes a phone wait, then dial the extension.
    return f"tel:{digits},{ext.strip()}" if ext.strip() else f"tel:{digits}"


def directions_url(listing: Listing) -> str | None:
    """OpenStreetMap directions to a listing: to its pin when the pin is on the building, else
    to its street address as text (a ZIP-centre pin would send the patient to the wrong place).
    None for a listing with neither."""
    base = "https://www.openstreetmap.org/directions?to="
    located = listing.latitude is not None and listing.longitude is not None
    if located and (listing.precision in EXACT_PRECISIONS or not listing.address):
        return f"{base}{listing.latitude:.5f}%2C{listing.longitude:.5f}"
    if listing.address:
        return base + urllib.parse.quote(listing.one_line_address, safe="")
    return None


def website(cell: str) -> Checked:
    """An http(s) address; "www.example.org" in a spreadsheet means https."""
    text = tidy(cell)
    if not text:
        return "", None
    url = text if SCHEME.match(text) else "https://" + text
    if WEB.match(url) is None:
        return "", f"“{text[:60]}” is not a web address starting with http:// or https://."
    return url, None


def email(cell: str) -> Checked:
    """An email address, checked for shape only."""
    text = tidy(cell)
    if text and EMAIL.match(text) is None:
        return "", f"“{text[:60]}” is not an email address."
    return text, None


@functools.lru_cache(maxsize=4096)
def date(cell: str) -> tuple[dt.date | None, str | None]:
    """A date in ISO or US spreadsheet form; None for an empty cell."""
    text = tidy(cell)
    if not text:
        return None, None
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, f"“{text}” is not a date like 2026-01-31."
