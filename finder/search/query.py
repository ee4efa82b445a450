"""A search request: its parameters read and checked, located and run. Shared by the results
page and the JSON API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from finder import vocab
from finder.places import geocode
from finder.search.nearby import DEFAULT_RADIUS, MAX_RADIUS, MIN_RADIUS, Filters, Results, nearby

MAX_LIMIT, DEFAULT_LIMIT = 200, 50
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
            f"invalid_{name}", f"Unknown {what} “{raw[:40]}”. Pick one from the list.", name
        )
    return raw


def _flag(args: Args, name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    raw = raw.strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise QueryError(f"invalid_{name}", f"Use 1 or 0 for “{name}”.", name)


def parse_search(args: Args) -> SearchQuery:
    """Validate search parameters (q or lat+lon, radius, kind, site, ...) into a SearchQuery."""
    q = _words(args.get("q"))
    lat = _number(args, "lat", "invalid_location", "Latitude must be a number.")
    lon = _number(args, "lon", "invalid_location", "Longitude must be a number.")
    if (lat is None) != (lon is None):
        raise QueryError("invalid_location", "Send both lat and lon, or neither.", "lat")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError("invalid_location", "lat must be -90 to 90 and lon -180 to 180.", "lat")
    if not q and lat is None:
        raise QueryError(
            "invalid_query",
            "Type a ZIP code (like 02115) or a city and state (like Boston, MA).",
            "q",
        )
    radius_msg = f"Choose a distance from {MIN_RADIUS} to {MAX_RADIUS} miles."
    radius = _number(args, "radius", "invalid_radius", radius_msg)
    if radius is not None and not MIN_RADIUS <= radius <= MAX_RADIUS:
        raise QueryError("invalid_radius", radius_msg, "radius")
    limit = _number(args, "limit", "invalid_limit", f"limit must be 1 to {MAX_LIMIT}.")
    if limit is not None and (not 1 <= limit <= MAX_LIMIT or limit != int(limit)):
        raise QueryError(
            "invalid_limit", f"limit must be a whole number, 1 to {MAX_LIMIT}.", "limit"
        )
    kinds = tuple(k for k in args.getlist("kind") if k)
    known = {t.slug for t in vocab.KINDS}
    bad = [k for k in kinds if k not in known]
    if bad:
        raise QueryError(
            "invalid_kind",
            f"Unknown kind “{bad[0][:40]}”: use doctor, program or support_group.",
            "kind",
        )
    # Title case first: it can lengthen a word ("ß" is "Ss"), and the cut must be last.
    language = _words(args.get("language")).title()[:40].rstrip() or None
    filters = Filters(
        kinds=tuple(sorted(set(kinds), key=[t.slug for t in vocab.KINDS].index)),
        site=_choice(args, "site", vocab.TUMOR_SITES, "tumor site"),
        specialty=_choice(args, "specialty", vocab.SPECIALTIES, "specialty"),
        service=_choice(args, "service", vocab.SERVICES, "service"),
        telehealth=_flag(args, "telehealth", False),
        language=language,
    )
    return SearchQuery(
        q=q,
        lat=None if lat is None else round(lat, 4),
        lon=None if lon is None else round(lon, 4),
        radius=int(radius) if radius is not None else DEFAULT_RADIUS,
        filters=filters,
        limit=int(limit) if limit is not None else DEFAULT_LIMIT,
        show_map=_flag(args, "map", True),
    )


def run(args: Args, geocoders: geocode.Geocoders, session: Session) -> tuple[SearchQuery, Results]:
    """Parse, locate and search: the one path behind the results page and the API."""
    query = parse_search(args)
    origin = geocode.locate(query.q, query.lat, query.lon, geocoders=geocoders)
    return query, nearby(session, origin, query.radius, query.filters, query.limit)
