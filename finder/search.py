"""Nearby search: an index prefilter, exact geodesic distance, nearest first."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.orm import Session

from finder.geocode import Place
from finder.models import Listing, listing_rtree, tag_filter

MIN_RADIUS, MAX_RADIUS, DEFAULT_RADIUS = 5, 500, 100
METERS_PER_MILE = 1609.344
NEAREST_ANYWAY = 5
REMOTE_LIMIT = 20
TELEHEALTH_SCAN = 300  # up to this many telehealth listings in a state are simply all measured
FIRST_RING = 2.0  # miles: the first box searched; it doubles until it holds enough listings
WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Filters:
    """What a patient narrows the search to; empty means everything."""

    kinds: tuple[str, ...] = ()
    site: str | None = None
    specialty: str | None = None
    service: str | None = None
    telehealth: bool = False
    language: str | None = None


@dataclass(frozen=True)
class Result:
    """One listing and how far it is from the search origin (None for online-only groups)."""

    listing: Listing
    distance_miles: float | None


@dataclass(frozen=True)
class Results:
    """A search's answer: the nearby list, and the online and telehealth section."""

    origin: Place
    radius: float
    nearby: list[Result]
    outside_radius: bool = False  # nothing was within the radius: `nearby` is the nearest anyway
    remote: list[Result] = field(default_factory=list)


def geodesic_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in miles on the WGS84 ellipsoid (Karney's algorithm, via PROJ)."""
    return float(WGS84.inv(lon1, lat1, lon2, lat2)[2]) / METERS_PER_MILE


def _conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = [Listing.published == sa.true()]
    if filters.kinds:
        conds.append(Listing.kind.in_(filters.kinds))
    for column, slug in (
        (Listing.tumor_sites, filters.site),
        (Listing.specialties, filters.specialty),
        (Listing.services, filters.service),
        (Listing.languages, filters.language),
    ):
        if slug:
            conds.append(tag_filter(column, slug))
    if filters.telehealth:
        conds.append(sa.or_(Listing.telehealth == sa.true(), Listing.virtual == sa.true()))
    return conds


def _bbox(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """A lat/lon box that holds every point within `miles` on the ellipsoid.

    A degree of latitude is at least 68.7 miles and a degree of longitude at least
    69.17·cos(lat) miles, measured at the box's edge nearest a pole, so the box never cuts
    the circle; the 1% pad covers the R*Tree's 32-bit float rounding.
    """
    pad = miles * 1.01
    dlat = pad / 68.7
    cos_edge = math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    dlon = min(180.0, pad / (69.17 * max(cos_edge, 1e-3)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _nearest(
    session: Session,
    origin: Place,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
    k: int,
) -> list[tuple[float, int]]:
    """(miles, id) of the k nearest matching listings within `miles`, exact, nearest first.

    Searches a small box around the origin and grows it until it holds k listings within
    the box's inscribed circle, so the rows read grow with k, not with the directory.
    """
    ring = min(miles, FIRST_RING)
    while True:
        min_lat, max_lat, min_lon, max_lon = _bbox(origin.lat, origin.lon, ring)
        rows = session.execute(
            sa.select(Listing.id, Listing.latitude, Listing.longitude)
            .join(listing_rtree, listing_rtree.c.id == Listing.id)
            .where(
                listing_rtree.c.min_lat <= max_lat,
                listing_rtree.c.max_lat >= min_lat,
                listing_rtree.c.min_lon <= max_lon,
                listing_rtree.c.max_lon >= min_lon,
                *conds,
            )
        ).all()
        found: list[tuple[float, int]] = []
        if rows:
            ids, lats, lons = zip(*rows, strict=True)
            meters = WGS84.inv([origin.lon] * len(rows), [origin.lat] * len(rows), lons, lats)[2]
            found = sorted(
                (m / METERS_PER_MILE, i)
                for m, i in zip(meters, ids, strict=True)
                if m / METERS_PER_MILE <= ring
            )
        if len(found) >= k or ring >= miles:
            return found[:k]
        # Grow the circle's area by about what the density so far says is missing.
        grow = 4.0 if not found else max(2.0, min(8.0, 1.3 * math.sqrt(k / len(found))))
        ring = min(miles, ring * grow)


def _measure(origin: Place, rows: Sequence[Any], within: float) -> list[tuple[float, int]]:
    """(miles, id) for (id, lat, lon) rows within `within` miles of the origin, nearest first."""
    rows = [r for r in rows if r[1] is not None]
    if not rows:
        return []
    ids, lats, lons = zip(*rows, strict=True)
    meters = WGS84.inv([origin.lon] * len(rows), [origin.lat] * len(rows), lons, lats)[2]
    return sorted(
        (m / METERS_PER_MILE, i)
        for m, i in zip(meters, ids, strict=True)
        if m / METERS_PER_MILE <= within
    )


def _load(session: Session, hits: list[tuple[float, int]]) -> list[Result]:
    """The listings for (miles, id) pairs, in the same order."""
    if not hits:
        return []
    by_id = {
        x.id: x
        for x in session.scalars(sa.select(Listing).where(Listing.id.in_([i for _, i in hits])))
    }
    return [Result(by_id[i], miles) for miles, i in hits]


def nearby(
    session: Session,
    origin: Place,
    radius: float = DEFAULT_RADIUS,
    filters: Filters = Filters(),
    limit: int = 50,
) -> Results:
    """Listings near `origin`, nearest first; if none are within `radius`, the nearest anyway."""
    conds = [Listing.virtual == sa.false(), *_conditions(filters)]
    hits = _nearest(session, origin, radius, conds, limit)
    outside = False
    if not hits:
        # NET specialists are rare: look further for a few (all of the US and its
        # territories fits within 6,000 miles of Boston or Honolulu).
        hits = _nearest(session, origin, 6000, conds, NEAREST_ANYWAY)
        outside = bool(hits)
    found = _load(session, hits)
    shown = {r.listing.id for r in found}
    return Results(origin, radius, found, outside, _remote(session, origin, filters, shown))


def _remote(session: Session, origin: Place, filters: Filters, shown: set[int]) -> list[Result]:
    """Online support groups anywhere, then the nearest telehealth listings in the origin's state.

    Telehealth is usually limited to patients in states where the doctor is licensed, so a
    telehealth doctor across the country is rarely an option.
    """
    groups = session.scalars(
        sa.select(Listing)
        .where(Listing.virtual == sa.true(), *_conditions(filters))
        .order_by(Listing.name, Listing.id)
        .limit(REMOTE_LIMIT)
    ).all()
    out = [Result(g, None) for g in groups]
    if not origin.state:
        return out
    in_state = [
        Listing.telehealth == sa.true(),
        Listing.virtual == sa.false(),
        Listing.state == origin.state,
    ]
    conds = [*in_state, *_conditions(filters)]
    k = REMOTE_LIMIT + len(shown)
    few = session.scalar(sa.select(sa.func.count()).select_from(Listing).where(*in_state)) or 0
    if few <= TELEHEALTH_SCAN:
        # Few in this state: measure them all (the partial index finds them) rather than
        # grow a ring across a big, empty state.
        rows = session.execute(
            sa.select(Listing.id, Listing.latitude, Listing.longitude).where(*conds)
        ).all()
        hits = _measure(origin, rows, math.inf)[:k]
    else:
        # Many: grow a ring from the origin. The unary + keeps SQLite from walking the state
        # index (every telehealth listing in the state) instead of the R*Tree.
        state = sa.literal_column("+listing.state", sa.String) == origin.state
        hits = _nearest(session, origin, 6000, [*in_state[:2], state, *_conditions(filters)], k)
    return out + _load(session, [h for h in hits if h[1] not in shown][:REMOTE_LIMIT])
