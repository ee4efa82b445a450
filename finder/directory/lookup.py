"""Street addresses to positions through the online geocoder: the cache first, then the
Census in batches of up to 10,000 or another service one address at a time, paced."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from geopy.exc import GeopyError
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.models import GeocodeCache, _now
from finder.places import geocode
from finder.places.census import BATCH_LIMIT, Address, CensusGeocoder

FAILURES = 3  # one-by-one calls that may fail before a run stops asking
TIE_LOOKUPS = 100  # batch ties a run asks about one by one (see _settle_ties)
_CACHE_CHUNK = 500  # addresses per cache query, well under every engine's parameter limit


SERVICES = {"census": "the US Census Geocoder", "nominatim": "Nominatim"}  # names in sentences


def service_name(geocoder: Geocoder) -> str:
    """The service's short name, as the cache records it."""
    return "census" if isinstance(geocoder, CensusGeocoder) else "nominatim"


def street_key(values: Any) -> str:
    """A listing's (or row's) one-line street address: the cache's key and what is sent."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return ", ".join(p for p in (get("address"), get("city"), get("state"), get("zip")) if p)


@dataclass
class Lookup:
    """What the online geocoder (or the cache) said about some addresses."""

    found: dict[str, tuple[float, float]] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # the service didn't answer: try later
    from_cache: int = 0
    requests: int = 0


class _Pace:
    """Calls to one service at most one per `min_delay` seconds."""

    def __init__(self, min_delay: float) -> None:
        self.min_delay, self.last = min_delay, -float("inf")

    def wait(self) -> None:
        time.sleep(max(0.0, self.last + self.min_delay - time.monotonic()))
        self.last = time.monotonic()


def look_up(
    session: Session,
    geocoder: Geocoder,
    min_delay: float,
    addresses: dict[str, Address],
    *,
    timeout: float | None = None,
) -> Lookup:
    """Find street addresses (keyed by street_key): the cache first, then the service, the
    Census in batches of up to 10,000, any other one by one; calls `min_delay` seconds apart.
    New answers go into the cache at once. An outage leaves addresses unanswered, never
    raises."""
    service = service_name(geocoder)
    result = Lookup()
    keys = list(addresses)
    # Read in a session of its own, closed before any call: the caller's session holds no
    # transaction (nor SQLite snapshot) open for the minutes a batch can take.
    with Session(session.get_bind()) as side:
        for i in range(0, len(keys), _CACHE_CHUNK):
            stmt = sa.select(GeocodeCache).where(
                GeocodeCache.address.in_(keys[i : i + _CACHE_CHUNK])
            )
            for hit in side.scalars(stmt):
                if hit.latitude is not None and hit.longitude is not None:
                    result.found[hit.address] = (hit.latitude, hit.longitude)
                elif hit.service == service:  # another service's "not found" is asked again
                    result.not_found.add(hit.address)
                else:
                    continue
                result.from_cache += 1
    ask = {
        k: a for k, a in addresses.items() if k not in result.found and k not in result.not_found
    }
    if not ask:
        return result
    pace = _Pace(min_delay)
    before = (dict(result.found), set(result.not_found))
    if isinstance(geocoder, CensusGeocoder):
        _batch(geocoder, pace, ask, result, timeout)
    else:
        _one_by_one(geocoder, min_delay, ask, result)
    _remember(session, service, result, before)
    return result


def _batch(
    geocoder: CensusGeocoder,
    pace: _Pace,
    ask: dict[str, Address],
    result: Lookup,
    timeout: float | None,
) -> None:
    keys, ties = list(ask), []
    for start in range(0, len(keys), BATCH_LIMIT):
        chunk = keys[start : start + BATCH_LIMIT]
        pace.wait()
        result.requests += 1
        try:
            answers = geocoder.batch([ask[k] for k in chunk], timeout)
        except GeopyError:
            # This chunk and the rest stay unanswered; the import or run goes on without them.
            result.unanswered.update(keys[start:])
            break
        for i, key in enumerate(chunk):
            answer = answers.get(i)
            if answer is None:
                result.unanswered.add(key)  # left out of the answer: ask again next time
            elif answer.status == "Match" and answer.lat is not None and answer.lon is not None:
                result.found[key] = (answer.lat, answer.lon)
            elif answer.status == "Tie":
                ties.append(key)
            else:
                result.not_found.add(key)
    _settle_ties(geocoder, pace, ties, ask, result)


def _settle_ties(
    geocoder: CensusGeocoder,
    pace: _Pace,
    ties: list[str],
    ask: dict[str, Address],
    result: Lookup,
) -> None:
    """A batch Tie carries no candidates. The single-address service lists them: when exactly
    one is in the listing's own ZIP code, that is the listing; otherwise it stays at its ZIP."""
    for n, key in enumerate(ties):
        if n >= TIE_LOOKUPS:
            result.unanswered.add(key)  # asked again next run, not remembered as not found
            continue
        pace.wait()
        result.requests += 1
        try:
            found = geocoder.geocode(key, exactly_one=False) or []
        except GeopyError:
            result.unanswered.add(key)
            continue
        assert isinstance(found, list)
        here = [
            loc
            for loc in found
            if str(loc.raw.get("addressComponents", {}).get("zip", "")) == ask[key].zip
        ]
        if len(here) == 1:
            result.found[key] = (here[0].latitude, here[0].longitude)
        else:
            result.not_found.add(key)


def _one_by_one(
    geocoder: Geocoder, min_delay: float, ask: dict[str, Address], result: Lookup
) -> None:
    failed = 0
    for key in ask:
        if failed >= FAILURES:
            result.unanswered.add(key)
            continue
        result.requests += 1
        try:
            place = geocode.geocode_address(geocoder, key, min_delay)
        except geocode.LocationError as exc:
            if exc.code == "geocoder_unavailable":
                failed += 1
                result.unanswered.add(key)
            else:
                result.not_found.add(key)
            continue
        result.found[key] = (place.lat, place.lon)


def _remember(
    session: Session,
    service: str,
    result: Lookup,
    before: tuple[dict[str, tuple[float, float]], set[str]],
) -> None:
    """Cache the service's new answers in a transaction of their own: an address found stays
    found, even when the import that asked is refused or only previewed."""
    rows = [
        {"address": k, "latitude": lat, "longitude": lon, "service": service}
        for k, (lat, lon) in result.found.items()
        if k not in before[0]
    ]
    rows += [
        {"address": k, "latitude": None, "longitude": None, "service": service}
        for k in result.not_found - before[1]
    ]
    if not rows:
        return
    now = _now()
    table = cast(sa.Table, GeocodeCache.__table__)
    with Session(session.get_bind()) as side, side.begin():
        # Replaced whole (another service's "not found", or a concurrent run's answer), in
        # bulk: a merge per address took 0.5 ms, 5 s for a full batch of 10,000.
        for i in range(0, len(rows), _CACHE_CHUNK):
            chunk = rows[i : i + _CACHE_CHUNK]
            side.execute(sa.delete(table).where(table.c.address.in_([r["address"] for r in chunk])))
            side.execute(sa.insert(table), [{**r, "created_at": now} for r in chunk])


def known_missing(session: Session, service: str, keys: list[str]) -> set[str]:
    """Which of these addresses the service already said it can't find (from the cache)."""
    out: set[str] = set()
    for i in range(0, len(keys), _CACHE_CHUNK):
        stmt = sa.select(GeocodeCache.address).where(
            GeocodeCache.address.in_(keys[i : i + _CACHE_CHUNK]),
            GeocodeCache.service == service,
            GeocodeCache.latitude.is_(None),
        )
        out.update(session.scalars(stmt))
    return out
