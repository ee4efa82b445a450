"""A search request: its parameters read and checked, located and run. Shared by the results
page and the JSON API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from finder import vocab
from finder.i18n import Text
from finder.places import geocode
from finder.search.nearby import (
    DEFAULT_RADIUS,
    MAX_RADIUS,
    MIN_RADIUS,
    SORTS,
    Filters,
    Results,
    nearby,
)

MAX_LIMIT, DEFAULT_LIMIT = 200, 50
MAX_OFFSET = 1_000_000  # far past any directory's end: it only bounds the number parsed
# Languages as patients may type them, to the English names listings are stored under (keys
# folded with str.casefold). Cheap, and "Español" then finds the Spanish-speaking doctors.
NATIVE_LANGUAGES = {
    "español": "Spanish",
    "espanol": "Spanish",
    "castellano": "Spanish",
    "français": "French",
    "francais": "French",
    "português": "Portuguese",
    "portugues": "Portuguese",
    "deutsch": "German",
    "italiano": "Italian",
    "polski": "Polish",
    "русский": "Russian",
    "українська": "Ukrainian",
    "kreyòl": "Haitian Creole",
    "kreyòl ayisyen": "Haitian Creole",
    "kreyol": "Haitian Creole",
    "tiếng việt": "Vietnamese",
    "tieng viet": "Vietnamese",
    "tagalog": "Tagalog",
    "filipino": "Tagalog",
    "中文": "Chinese",
    "普通话": "Mandarin",
    "普通話": "Mandarin",
    "粵語": "Cantonese",
    "广东话": "Cantonese",
    "廣東話": "Cantonese",
    "한국어": "Korean",
    "日本語": "Japanese",
    "العربية": "Arabic",
    "فارسی": "Persian",
    "हिन्दी": "Hindi",
    "עברית": "Hebrew",
    "ελληνικά": "Greek",
    "af-soomaali": "Somali",
    "soomaali": "Somali",
    "አማርኛ": "Amharic",
}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class Args(Protocol):
    """A multi-valued mapping such as werkzeug's MultiDict."""

    def get(self, key: str) -> str | None: ...
    def getlist(self, key: str) -> list[str]: ...


class QueryError(ValueError):
    """A parameter we can't use; `code` is the API's error code, `message` says what to do."""

    def __init__(self, code: str, message: str, param: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


@dataclass(frozen=True)
class SearchQuery:
    """A validated search: where, how far, what, and how it is shown."""

    q: str = ""
    lat: float | None = None
    lon: float | None = None
    radius: int = DEFAULT_RADIUS
    filters: Filters = field(default_factory=Filters)
    limit: int = DEFAULT_LIMIT
    show_map: bool = True
    offset: int = 0
    sort: str = SORTS[0]

    @property
    def page(self) -> int:
        """The page number this offset falls on (1 for the first `limit` results)."""
        return self.offset // self.limit + 1

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """The query as URL parameters (defaults left out), for shareable links."""
        f = self.filters
        args: dict[str, Any] = {
            "q": self.q or None,
            "lat": None if self.lat is None else _coordinate(self.lat),
            "lon": None if self.lon is None else _coordinate(self.lon),
            "radius": self.radius if self.radius != DEFAULT_RADIUS else None,
            "limit": self.limit if self.limit != DEFAULT_LIMIT else None,
            "kind": list(f.kinds) or None,
            "site": f.site,
            "specialty": f.specialty,
            "service": f.service,
            "language": f.language,
            "telehealth": "1" if f.telehealth else None,
            "map": None if self.show_map else "0",
            "sort": self.sort if self.sort != SORTS[0] else None,
            # A page number where the offset falls on a page's start (the page's own links),
            # else the offset an API client sent.
            "page": self.page if self.offset and self.offset % self.limit == 0 else None,
            "offset": self.offset if self.offset % self.limit else None,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v is not None}


def _coordinate(degrees: float) -> str:
    # Four decimals, as parse_search rounds them (about 10 m): "%g" kept six digits in all,
    # so a longitude past 100 lost one and a shared link moved the search.
    return f"{degrees:.4f}".rstrip("0").rstrip(".")


def _words(raw: str | None) -> str:
    """Text as typed, without characters that don't print and with its spaces collapsed."""
    # Controls and invisible format characters (a zero-width space pasted along with a ZIP)
    # mean nothing in a place or a language, and PostgreSQL refuses a NUL outright.
    text = "".join(c for c in raw or "" if c.isprintable() or c.isspace())
    return " ".join(text.split())


def _number(args: Args, name: str, code: str, message: str) -> float | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise QueryError(code, message, name) from None
    if not math.isfinite(value):
        raise QueryError(code, message, name)
    return value


def _choice(args: Args, name: str, terms: tuple[vocab.Term, ...], what: str) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in {t.slug for t in terms}:
        raise QueryError(
            f"invalid_{name}",
            Text(
                "Unknown %(what)s “%(value)s”. Pick one from the list.", what=what, value=raw[:40]
            ),
            name,
        )
    return raw


def _whole(args: Args, name: str, least: int, message: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 7 or int(raw) < least:
        raise QueryError(f"invalid_{name}", message, name)
    return int(raw)


def language(raw: str | None) -> str | None:
    """A language as listings store it: "spanish" and "Español" are both "Spanish"."""
    text = _words(raw)
    # Title case first: it can lengthen a word ("ß" is "Ss"), and the cut must be last.
    return NATIVE_LANGUAGES.get(text.casefold()) or text.title()[:40].rstrip() or None


def _flag(args: Args, name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    raw = raw.strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise QueryError(f"invalid_{name}", Text("Use 1 or 0 for “%(name)s”.", name=name), name)


def parse_search(args: Args) -> SearchQuery:
    """Validate search parameters (q or lat+lon, radius, kind, site, ...) into a SearchQuery."""
    q = _words(args.get("q"))
    lat = _number(args, "lat", "invalid_location", Text("Latitude must be a number."))
    lon = _number(args, "lon", "invalid_location", Text("Longitude must be a number."))
    if (lat is None) != (lon is None):
        raise QueryError("invalid_location", Text("Send both lat and lon, or neither."), "lat")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError(
            "invalid_location", Text("lat must be -90 to 90 and lon -180 to 180."), "lat"
        )
    if not q and lat is None:
        raise QueryError(
            "invalid_query",
            Text("Type a ZIP code (like 02115) or a city and state (like Boston, MA)."),
            "q",
        )
    radius_msg = Text(
        "Choose a distance from %(least)s to %(most)s miles.", least=MIN_RADIUS, most=MAX_RADIUS
    )
    radius = _number(args, "radius", "invalid_radius", radius_msg)
    if radius is not None and not MIN_RADIUS <= radius <= MAX_RADIUS:
        raise QueryError("invalid_radius", radius_msg, "radius")
    limit = _number(
        args, "limit", "invalid_limit", Text("limit must be 1 to %(most)s.", most=MAX_LIMIT)
    )
    if limit is not None and (not 1 <= limit <= MAX_LIMIT or limit != int(limit)):
        raise QueryError(
            "invalid_limit",
            Text("limit must be a whole number, 1 to %(most)s.", most=MAX_LIMIT),
            "limit",
        )
    kinds = tuple(k for k in args.getlist("kind") if k)
    known = {t.slug for t in vocab.KINDS}
    bad = [k for k in kinds if k not in known]
    if bad:
        raise QueryError(
            "invalid_kind",
            Text(
                "Unknown kind “%(value)s”: use doctor, program or support_group.", value=bad[0][:40]
            ),
            "kind",
        )
    page = _whole(args, "page", 1, Text("page must be a whole number: 1 for the first page."))
    offset = _whole(
        args, "offset", 0, Text("offset must be a whole number: 0 for the first result.")
    )
    if page is not None and offset is not None:
        raise QueryError("invalid_page", Text("Send page or offset, not both."), "page")
    sort = (args.get("sort") or "").strip() or SORTS[0]
    if sort not in SORTS:
        raise QueryError(
            "invalid_sort",
            Text(
                "Sort by %(sorts)s (“%(value)s” is neither).",
                sorts=" or ".join(SORTS),
                value=sort[:40],
            ),
            "sort",
        )
    size = int(limit) if limit is not None else DEFAULT_LIMIT
    start = offset if offset is not None else ((page or 1) - 1) * size
    if start > MAX_OFFSET:
        raise QueryError(
            "invalid_offset",
            Text("Results stop long before %(most)s.", most=f"{MAX_OFFSET:,}"),
            "offset",
        )
    filters = Filters(
        kinds=tuple(sorted(set(kinds), key=[t.slug for t in vocab.KINDS].index)),
        site=_choice(args, "site", vocab.TUMOR_SITES, Text("tumor site")),
        specialty=_choice(args, "specialty", vocab.SPECIALTIES, Text("specialty")),
        service=_choice(args, "service", vocab.SERVICES, Text("service")),
        telehealth=_flag(args, "telehealth", False),
        language=language(args.get("language")),
    )
    return SearchQuery(
        q=q,
        lat=None if lat is None else round(lat, 4),
        lon=None if lon is None else round(lon, 4),
        radius=int(radius) if radius is not None else DEFAULT_RADIUS,
        filters=filters,
        limit=size,
        show_map=_flag(args, "map", True),
        offset=start,
        sort=sort,
    )


def run(args: Args, geocoders: geocode.Geocoders, session: Session) -> tuple[SearchQuery, Results]:
    """Parse, locate and search: the one path behind the results page and the API."""
    query = parse_search(args)
    origin = geocode.locate(query.q, query.lat, query.lon, geocoders=geocoders)
    return query, nearby(
        session,
        origin,
        query.radius,
        query.filters,
        query.limit,
        query.offset,
        query.sort,
    )
