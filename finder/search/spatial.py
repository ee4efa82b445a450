"""Nearest-first queries on the spatial index, per database: SQLite's R*Tree or PostGIS. With
finder.search.index (its upkeep), the one place that knows which backend is in use."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.orm import Session

from finder.models import Listing

log = logging.getLogger(__name__)
METERS_PER_MILE = 1609.344
WGS84 = Geod(ellps="WGS84")
FIRST_RING = 2.0  # miles: SQLite's first box; it grows until it holds enough listings
EARTH_MILES = 6371.0088 / 1.609344  # the mean radius: PostGIS's sphere, for a cheap first test
# A distance on that sphere and the same distance on the WGS84 ellipsoid differ by under 0.56%:
# within the band (1 ± SPHERE_SLACK)·radius a listing is measured exactly, in Python.
SPHERE_SLACK = 0.006

_rtree = sa.table(
    "listing_rtree",
    sa.column("id", sa.Integer),
    sa.column("min_lat", sa.Float),
    sa.column("max_lat", sa.Float),
    sa.column("min_lon", sa.Float),
    sa.column("max_lon", sa.Float),
)
_geog: sa.ColumnClause[Any] = sa.literal_column("listing.geog")


def _measure(lat: float, lon: float, rows: Sequence[Any], within: float) -> list[tuple[float, int]]:
    """(miles, id) for (id, lat, lon) rows within `within` miles of a point, nearest first."""
    rows = [r for r in rows if r[1] is not None]
    if not rows:
        return []
    ids, lats, lons = zip(*rows, strict=True)
    meters = WGS84.inv([lon] * len(rows), [lat] * len(rows), lons, lats)[2]
    return sorted(
        (m / METERS_PER_MILE, i)
        for m, i in zip(meters, ids, strict=True)
        if m / METERS_PER_MILE <= within
    )


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


def _inner_bbox(lat: float, lon: float, miles: float) -> tuple[float, float, float, float] | None:
    """A lat/lon box wholly inside the circle of `miles`: its half-sides are 0.65 of the
    radius measured with the most miles a degree can hold (69.41 a degree of latitude,
    69.17·cos(lat) of longitude at the box's edge nearest the equator), so its corners lie
    within 0.92 of the radius: room to spare for the ellipsoid and the curving meridians.
    None past 1,000 miles or near a pole, where a flat box is no longer a safe bet."""
    half = 0.65 * miles
    dlat = half / 69.41
    if miles > 1000 or abs(lat) + dlat > 80:
        return None
    near_equator = max(0.0, abs(lat) - dlat)
    dlon = half / (69.17 * math.cos(math.radians(near_equator)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def nearest(
    session: Session,
    lat: float,
    lon: float,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
    k: int,
) -> list[tuple[float, int]]:
    """(miles, id) of the k nearest matching listings within `miles`, nearest first, with
    exact distances on the WGS84 ellipsoid."""
    if session.get_bind().dialect.name == "postgresql":
        return _nearest_postgis(session, lat, lon, miles, conds, k)
    return _nearest_rtree(session, lat, lon, miles, conds, k)


def _nearest_postgis(
    session: Session,
    lat: float,
    lon: float,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
    k: int,
) -> list[tuple[float, int]]:
    from geoalchemy2 import Geography  # the "postgres" extra; SQLite installs don't need it

    origin = sa.cast(sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), 4326), Geography)
    meters = sa.func.ST_Distance(_geog, origin)
    # Radius: ST_DWithin (exact, on the spheroid) tests each row the walk below reaches. It
    # is not in the WHERE: there the planner prefers a bitmap scan of everything in range and
    # a sort (5,212 rows read within 50 miles of Chicago at 100k listings, to keep 110).
    inside = (
        sa.func.ST_DWithin(_geog, origin, miles * METERS_PER_MILE) if miles < 6000 else sa.true()
    )
    # Nearest first: the <-> operator walks the GiST index (KNN), so a city centre with
    # thousands of listings in range costs no more than a quiet town. <-> measures on a
    # sphere, so fetch extra and re-rank by the exact distance; if the last one fetched
    # could still beat the k-th (sphere and spheroid differ by under 0.56%), fetch more.
    knn = _geog.op("<->")(origin)
    fetch = 2 * k + 10
    while True:
        rows = session.execute(
            sa.select(meters, knn, Listing.id, inside)
            .where(_geog.is_not(None), *conds)
            .order_by(knn)  # <-> alone, or the GiST index can't walk nearest first
            .limit(fetch)
        ).all()
        exact = sorted((m / METERS_PER_MILE, i) for m, _, i, ok in rows if ok)[:k]
        # Past this, nothing fetched later can be in the answer.
        bound = exact[-1][0] if len(exact) == k else miles
        if len(rows) < fetch or rows[-1][1] * (1 - 0.0056) > bound * METERS_PER_MILE:
            return exact
        fetch *= 4


def _nearest_rtree(
    session: Session,
    lat: float,
    lon: float,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
    k: int,
) -> list[tuple[float, int]]:
    """Size a box by counting R*Tree entries (cheap: no table reads), read it, and grow it
    until it holds k listings within its inscribed circle, so the rows read grow with k,
    not with the directory."""
    enough = 3 * k + 10  # entries worth reading: the box's corners and filters waste some
    ring = min(miles, FIRST_RING)
    n = _count(session, _bbox(lat, lon, ring))
    while n > 4 * enough and ring > 0.05:
        # A crowd (a city centre): shrink the first box toward `enough` entries.
        ring *= max(0.1, math.sqrt(enough / n))
        n = _count(session, _bbox(lat, lon, ring))
    while True:
        if n >= 1.5 * k or ring >= miles:  # the inscribed circle holds about π/4 of a box
            rows = session.execute(
                sa.select(Listing.id, Listing.latitude, Listing.longitude)
                .join(_rtree, _rtree.c.id == Listing.id)
                .where(*_rtree_box(_bbox(lat, lon, ring)), *conds)
            ).all()
            found = _measure(lat, lon, rows, ring)
            if len(found) >= k or ring >= miles:
                return found[:k]
            n = len(found)  # filters or the corners left too few
        # Grow toward `enough` by the density so far (at most 8 times wider), but halve
        # the step while the wider box would take in a crowd.
        step = ring * (7.0 if n == 0 else max(0.25, min(7.0, math.sqrt(enough / n) - 1)))
        while True:
            wider = min(miles, ring + step)
            n = _count(session, _bbox(lat, lon, wider))
            if n <= 4 * enough or step <= ring * 0.25:
                break
            step /= 2
        ring = wider


_COUNT_SQL = (
    "SELECT count(*) FROM listing_rtree "
    "WHERE min_lat <= ? AND max_lat >= ? AND min_lon <= ? AND max_lon >= ?"
)


def _rtree_box(box: tuple[float, float, float, float]) -> list[sa.ColumnElement[bool]]:
    min_lat, max_lat, min_lon, max_lon = box
    return [
        _rtree.c.min_lat <= max_lat,
        _rtree.c.max_lat >= min_lat,
        _rtree.c.min_lon <= max_lon,
        _rtree.c.max_lon >= min_lon,
    ]


def _count(session: Session, box: tuple[float, float, float, float]) -> int:
    """How many listings the R*Tree holds in a box (no table reads)."""
    min_lat, max_lat, min_lon, max_lon = box
    # Plain SQL: this runs several times per search, and builds no expression each time.
    params = (max_lat, min_lat, max_lon, min_lon)
    return int(session.connection().exec_driver_sql(_COUNT_SQL, params).scalar_one())


def measure_all(
    session: Session, lat: float, lon: float, conds: Sequence[sa.ColumnElement[bool]]
) -> list[tuple[float, int]]:
    """(miles, id) of every matching listing, nearest first (for small, indexed sets)."""
    rows = session.execute(
        sa.select(Listing.id, Listing.latitude, Listing.longitude).where(*conds)
    ).all()
    return _measure(lat, lon, rows, math.inf)


def _sphere_miles(lat: float, lon: float) -> sa.ColumnElement[float]:
    """SQL: haversine miles from a point to a listing, on the mean sphere (SQLite's math
    functions; no table read beyond the row's own latitude and longitude)."""
    rlat, rlon = sa.func.radians(Listing.latitude), sa.func.radians(Listing.longitude)
    half_dlat = (rlat - math.radians(lat)) / 2
    half_dlon = (rlon - math.radians(lon)) / 2
    h = sa.func.pow(sa.func.sin(half_dlat), 2) + math.cos(math.radians(lat)) * sa.func.cos(
        rlat
    ) * sa.func.pow(sa.func.sin(half_dlon), 2)
    return 2 * EARTH_MILES * sa.func.asin(sa.func.sqrt(sa.func.min(1.0, h)))


def within(
    session: Session,
    lat: float,
    lon: float,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
) -> list[sa.ColumnElement[bool]]:
    """SQL conditions that hold exactly for listings within `miles` on the WGS84 ellipsoid,
    for ordering them by something other than distance.

    PostGIS: ST_DWithin on the spheroid, served by the GiST index. SQLite: the R*Tree box,
    then the sphere in SQL; only listings near the edge (where sphere and ellipsoid can
    disagree) are read into Python and measured exactly.
    """
    if session.get_bind().dialect.name == "postgresql":
        return [_dwithin(lat, lon, miles)]
    box, near, edge = _sphere_parts(lat, lon, miles)
    inside = [i for _, i in _edge(session, lat, lon, miles, [*box, *conds, edge])]
    return [*box, sa.or_(near, Listing.id.in_(inside)) if inside else near]


def count_within(
    session: Session,
    lat: float,
    lon: float,
    miles: float,
    conds: Sequence[sa.ColumnElement[bool]],
    cap: int,
) -> int:
    """How many matching listings lie within `miles` (exactly, on the ellipsoid), counted up
    to cap + 1: past that, reading thousands of rows would tell a patient nothing more."""
    if session.get_bind().dialect.name == "postgresql":
        found = sa.select(Listing.id).where(_dwithin(lat, lon, miles), *conds).limit(cap + 1)
        return _count_rows(session, found)
    # A crowd first: a box wholly inside the circle needs no distance measured, and
    # holding more than `cap` settles it (cap + 1 rows read: ~0.6 ms for 200 at 100k).
    core = _inner_bbox(lat, lon, miles)
    if core is not None:
        in_core = [_rtree.c.id == Listing.id, *_rtree_box(core)]
        n = _count_rows(session, sa.select(Listing.id).where(*in_core, *conds).limit(cap + 1))
        if n > cap:
            return n
    box, near, edge = _sphere_parts(lat, lon, miles)
    # Then the clear inside on the sphere, and the edge measured exactly only if room is left.
    n = _count_rows(session, sa.select(Listing.id).where(*box, *conds, near).limit(cap + 1))
    if n > cap:
        return n
    return n + len(_edge(session, lat, lon, miles, [*box, *conds, edge]))


def _dwithin(lat: float, lon: float, miles: float) -> sa.ColumnElement[bool]:
    from geoalchemy2 import Geography  # the "postgres" extra; SQLite installs don't need it

    origin = sa.cast(sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), 4326), Geography)
    return sa.func.ST_DWithin(_geog, origin, miles * METERS_PER_MILE)


def _sphere_parts(
    lat: float, lon: float, miles: float
) -> tuple[list[sa.ColumnElement[bool]], sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """SQLite: the R*Tree box (a condition, not a join, so it fits any select), the clearly
    inside (on the sphere, short of the band) and the band at the edge."""
    box = [_rtree.c.id == Listing.id, *_rtree_box(_bbox(lat, lon, miles))]
    sphere = _sphere_miles(lat, lon)
    inner, outer = miles * (1 - SPHERE_SLACK), miles * (1 + SPHERE_SLACK)
    return box, sphere <= inner, sa.and_(sphere > inner, sphere <= outer)


def _edge(
    session: Session, lat: float, lon: float, miles: float, conds: list[sa.ColumnElement[bool]]
) -> list[tuple[float, int]]:
    rows = session.execute(
        sa.select(Listing.id, Listing.latitude, Listing.longitude).where(*conds)
    ).all()
    return _measure(lat, lon, rows, miles)


def _count_rows(session: Session, stmt: sa.Select[Any]) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)


def by_name(
    session: Session,
    lat: float,
    lon: float,
    conds: Sequence[sa.ColumnElement[bool]],
    offset: int,
    k: int,
) -> list[tuple[float, int]]:
    """(miles, id) of k matching listings in name order (then id), from `offset`."""
    rows = session.execute(
        sa.select(Listing.id, Listing.latitude, Listing.longitude)
        .where(*conds)
        .order_by(sa.func.lower(Listing.name), Listing.id)
        .offset(offset)
        .limit(k)
    ).all()
    miles = {i: m for m, i in _measure(lat, lon, rows, math.inf)}
    return [(miles[i], i) for i, _, _ in rows]


def state_condition(session: Session, state: str) -> sa.ColumnElement[bool]:
    """listing.state = state, written so SQLite's planner keeps to the R*Tree for it."""
    if session.get_bind().dialect.name == "sqlite":
        # The unary + stops SQLite from walking the state index instead of the R*Tree.
        return sa.literal_column("+listing.state", sa.String) == state
    return Listing.state == state
