"""Nearby search: an index prefilter, exact geodesic distance, nearest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import Listing, tag_filter
from finder.places.geocode import Place
from finder.search import spatial

MIN_RADIUS, MAX_RADIUS, DEFAULT_RADIUS = 5, 500, 100
METERS_PER_MILE = spatial.METERS_PER_MILE
NEAREST_ANYWAY = 5
REMOTE_LIMIT = 10  # online groups, and as many telehealth listings in the state
TELEHEALTH_SCAN = 300  # up to this many telehealth listings in a state are simply all measured
SORTS = ("distance", "name")  # the first is the default
# Results are counted exactly up to this many; past it a page says "more than 200". Counting
# all 30,000 within 500 miles of New York at 100k listings took 340-550 ms, to tell nobody
# anything; up to 200 costs ~1 ms (500 cost up to 8 ms within 50 miles of a mid-size city).
COUNT_CAP = 200


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
    """A search's answer: one page of the nearby list, and the online and telehealth section."""

    origin: Place
    radius: float
    nearby: list[Result]
    outside_radius: bool = False  # nothing was within the radius: `nearby` is the nearest anyway
    remote: list[Result] = field(default_factory=list)  # on the first page only
    total: int = 0  # how many match within the radius, in all pages (or the nearest anyway)
    total_exact: bool = True  # False: there are more than `total` (COUNT_CAP)
    offset: int = 0  # how many of them come before `nearby`
    has_next: bool = False  # another page follows this one
    sort: str = SORTS[0]

    @property
    def past_end(self) -> bool:
        """The page asked for starts after the last result."""
        return self.offset > 0 and not self.nearby


def geodesic_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in miles on the WGS84 ellipsoid (Karney's algorithm, via PROJ)."""
    return float(spatial.WGS84.inv(lon1, lat1, lon2, lat2)[2]) / METERS_PER_MILE


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


def _load(session: Session, *hit_lists: list[tuple[float, int]]) -> list[list[Result]]:
    """The listings for lists of (miles, id) pairs, in the same order, in one query."""
    ids = [i for hits in hit_lists for _, i in hits]
    by_id = (
        {x.id: x for x in session.scalars(sa.select(Listing).where(Listing.id.in_(ids)))}
        if ids
        else {}
    )
    return [[Result(by_id[i], miles) for miles, i in hits] for hits in hit_lists]


def nearby(
    session: Session,
    origin: Place,
    radius: float = DEFAULT_RADIUS,
    filters: Filters = Filters(),
    limit: int = 50,
    offset: int = 0,
    sort: str = SORTS[0],
) -> Results:
    """One page of the listings within `radius` of `origin` (nearest first, or by name) and
    how many there are in all; if none are within `radius`, the nearest anyway."""
    lat, lon = origin.lat, origin.lon
    conds = [Listing.virtual == sa.false(), *_conditions(filters)]
    hits: list[tuple[float, int]] = []
    # One more than the page: whether it is there says if another page follows.
    if sort == "distance":
        hits = spatial.nearest(session, lat, lon, radius, conds, offset + limit + 1)[offset:]
    else:
        inside = spatial.within(session, lat, lon, radius, conds)
        hits = spatial.by_name(session, lat, lon, [*inside, *conds], offset, limit + 1)
    has_next, hits = len(hits) > limit, hits[:limit]
    if not has_next and (hits or offset == 0):
        total = offset + len(hits)  # the last page: everything is counted
    else:
        # A full page, or one past the end: count (a crowded search pays for this, up to
        # COUNT_CAP listings' worth).
        total = spatial.count_within(session, lat, lon, radius, conds, COUNT_CAP)
    exact = total <= COUNT_CAP
    total = min(total, COUNT_CAP)
    outside = False
    if total == 0:
        # NET specialists are rare: look further for a few (all of the US and its
        # territories fits within 6,000 miles of Boston or Honolulu).
        hits = spatial.nearest(session, lat, lon, 6000, conds, NEAREST_ANYWAY)
        outside, total, offset = bool(hits), len(hits), 0
    groups: Sequence[Listing] = []
    tele: list[tuple[float, int]] = []
    if offset == 0:
        groups = session.scalars(
            sa.select(Listing)
            .where(Listing.virtual == sa.true(), *_conditions(filters))
            .order_by(Listing.name, Listing.id)
            .limit(REMOTE_LIMIT)
        ).all()
        tele = _telehealth(session, origin, filters, [i for _, i in hits])
    found, tele_found = _load(session, hits, tele)
    if outside and sort == "name":
        found.sort(key=lambda r: (r.listing.name.lower(), r.listing.id))
    remote = [Result(g, None) for g in groups] + tele_found
    return Results(origin, radius, found, outside, remote, total, exact, offset, has_next, sort)


def _telehealth(
    session: Session, origin: Place, filters: Filters, shown: list[int]
) -> list[tuple[float, int]]:
    """(miles, id) of the nearest telehealth listings in the origin's state, not `shown` already.

    Telehealth is usually limited to patients in states where the doctor is licensed, so a
    telehealth doctor across the country is rarely an option.
    """
    if not origin.state:
        return []
    telehealth = [Listing.telehealth == sa.true(), Listing.virtual == sa.false()]
    in_state = Listing.state == origin.state
    conds = [*telehealth, *_conditions(filters), Listing.id.not_in(shown)]
    # Counted only up to the threshold, so a state with thousands costs no more to check.
    capped = sa.select(Listing.id).where(*telehealth, in_state).limit(TELEHEALTH_SCAN + 1)
    few = session.scalar(sa.select(sa.func.count()).select_from(capped.subquery()))
    if (few or 0) <= TELEHEALTH_SCAN:
        # Few in this state: measure them all (the partial index finds them) rather than
        # grow a ring across a big, empty state.
        return spatial.measure_all(session, origin.lat, origin.lon, [in_state, *conds])[
            :REMOTE_LIMIT
        ]
    # Many: search outward from the origin through the spatial index.
    state = spatial.state_condition(session, origin.state)
    return spatial.nearest(session, origin.lat, origin.lon, 6000, [state, *conds], REMOTE_LIMIT)


def held_languages(session: Session) -> list[str]:
    """The languages published listings are in, alphabetically: what the filter can find."""
    # The stored text ("|English|Spanish|"): a few distinct values, split here, not 100k lists.
    stored = session.scalars(
        sa.select(sa.type_coerce(Listing.languages, sa.String))
        .where(Listing.published == sa.true())
        .distinct()
    )
    return sorted({name for text in stored for name in (text or "").split("|") if name})
