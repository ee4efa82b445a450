"""Nearby search: an index prefilter, exact geodesic distance, nearest first."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from geographiclib.geodesic import Geodesic
from sqlalchemy.orm import Session

from finder.geocode import Place
from finder.models import Listing, listing_rtree, tag_filter

MIN_RADIUS, MAX_RADIUS, DEFAULT_RADIUS = 5, 500, 100
METERS_PER_MILE = 1609.344
EARTH_RADIUS_MILES = 3958.7613
# The SQL orders by spherical distance, which differs from the WGS84 geodesic by under 0.56%.
SPHERE_ERROR = 0.0056
NEAREST_ANYWAY = 5
REMOTE_LIMIT = 20


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
    """Distance in miles on the WGS84 ellipsoid."""
    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]) / (
        METERS_PER_MILE
    )


def _conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = [Listing.published.is_(True)]
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
        conds.append(sa.or_(Listing.telehealth.is_(True), Listing.virtual.is_(True)))
    return conds


def _sphere_miles(lat: float, lon: float) -> sa.ColumnElement[float]:
    """Haversine distance in SQL (SQLite's math functions), used only to order candidates."""
    dlat = sa.func.radians(Listing.latitude - lat) / 2
    dlon = sa.func.radians(Listing.longitude - lon) / 2
    h = sa.func.sin(dlat) * sa.func.sin(dlat) + math.cos(math.radians(lat)) * sa.func.cos(
        sa.func.radians(Listing.latitude)
    ) * sa.func.sin(dlon) * sa.func.sin(dlon)
    return 2 * EARTH_RADIUS_MILES * sa.func.asin(sa.func.sqrt(sa.func.min(h, 1.0)))


def _bbox(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """A lat/lon box that holds every point within `miles` (padded for the ellipsoid)."""
    dlat = miles * (1 + SPHERE_ERROR) / 68.7
    cos_edge = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    dlon = min(180.0, miles * (1 + SPHERE_ERROR) / (69.17 * max(cos_edge, 0.01)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _within(
    session: Session, origin: Place, miles: float, filters: Filters, limit: int
) -> list[Result]:
    """The `limit` nearest listings within `miles`, exact to the geodesic."""
    min_lat, max_lat, min_lon, max_lon = _bbox(origin.lat, origin.lon, miles)
    sphere = _sphere_miles(origin.lat, origin.lon).label("sphere")
    base = (
        sa.select(Listing, sphere)
        .join(listing_rtree, listing_rtree.c.id == Listing.id)
        .where(
            listing_rtree.c.min_lat <= max_lat,
            listing_rtree.c.max_lat >= min_lat,
            listing_rtree.c.min_lon <= max_lon,
            listing_rtree.c.max_lon >= min_lon,
            Listing.virtual.is_(False),
            *_conditions(filters),
        )
        .where(sphere <= miles * (1 + SPHERE_ERROR))
        .order_by(sphere, Listing.id)
    )
    cap = limit + 20
    while True:
        rows = session.execute(base.limit(cap)).all()
        results = [
            Result(row.Listing, geodesic_miles(origin.lat, origin.lon,
                                               row.Listing.latitude, row.Listing.longitude))
            for row in rows
        ]
        results = [r for r in results if r.distance_miles is not None and r.distance_miles <= miles]
        results.sort(key=lambda r: (r.distance_miles, r.listing.id))
        # Rows beyond the cap are at least rows[-1].sphere away on the sphere; if the k-th
        # geodesic distance is safely below that, no unfetched row can belong in the top k.
        if len(rows) < cap or (
            len(results) >= limit
            and results[limit - 1].distance_miles * (1 + SPHERE_ERROR)  # type: ignore[operator]
            < rows[-1].sphere * (1 - SPHERE_ERROR)
        ):
            return results[:limit]
        cap *= 4


def nearby(
    session: Session,
    origin: Place,
    radius: float = DEFAULT_RADIUS,
    filters: Filters = Filters(),
    limit: int = 50,
) -> Results:
    """Listings near `origin`, nearest first; if none are within `radius`, the nearest anyway."""
    found = _within(session, origin, radius, filters, limit)
    outside = False
    if not found:
        # NET specialists are rare: widen the circle until a few turn up (all of the US and
        # its territories fits in 6,000 miles of Boston or Honolulu).
        miles = radius
        while len(found) < NEAREST_ANYWAY and miles < 6000:
            miles *= 4
            found = _within(session, origin, miles, filters, NEAREST_ANYWAY)
        outside = bool(found)
    shown = {r.listing.id for r in found}
    return Results(origin, radius, found, outside, _remote(session, origin, filters, shown))


def _remote(session: Session, origin: Place, filters: Filters, shown: set[int]) -> list[Result]:
    """Online support groups anywhere, then telehealth listings in the origin's state.

    Telehealth is usually limited to patients in states where the doctor is licensed, so a
    telehealth doctor across the country is rarely an option.
    """
    groups = session.scalars(
        sa.select(Listing)
        .where(Listing.virtual.is_(True), *_conditions(filters))
        .order_by(Listing.name, Listing.id)
        .limit(REMOTE_LIMIT)
    ).all()
    out = [Result(g, None) for g in groups]
    if origin.state:
        tele = session.scalars(
            sa.select(Listing).where(
                Listing.telehealth.is_(True),
                Listing.virtual.is_(False),
                Listing.state == origin.state,
                Listing.id.not_in(shown),
                *_conditions(filters),
            ).limit(500)
        ).all()
        near = [
            Result(t, geodesic_miles(origin.lat, origin.lon, t.latitude, t.longitude))
            if t.latitude is not None and t.longitude is not None else Result(t, None)
            for t in tele
        ]
        near.sort(key=lambda r: (r.distance_miles is None, r.distance_miles or 0, r.listing.id))
        out += near[: REMOTE_LIMIT]
    return out
