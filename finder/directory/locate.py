"""Where an imported, edited or already listed listing is: the coordinates given, else its
street address from the online geocoder (cached), else the centre of its ZIP code."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from geopy.exc import GeopyError
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.models import GeocodeCache, Listing, _now
from finder.places import geocode
from finder.places.census import BATCH_LIMIT, Address, CensusGeocoder

OUTAGE = (
    "The online geocoder did not answer, so some rows were placed at the centre of "
    "their ZIP code. Import the file again later to place them exactly."
)
APPROXIMATE = ("zip", "city")  # precisions a street address can improve on
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
    for i in range(0, len(keys), _CACHE_CHUNK):
        chunk = keys[i : i + _CACHE_CHUNK]
        for hit in session.scalars(sa.select(GeocodeCache).where(GeocodeCache.address.in_(chunk))):
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


def locate_rows(
    session: Session,
    clean: list[dict[str, Any]],
    geocoder: Geocoder | None,
    min_delay: float,
) -> list[str]:
    """Give rows without coordinates a location: the online geocoder if configured (cached;
    the Census in batches), else the ZIP's centre. An outage falls back to the ZIP and says
    so in the notes returned; it never fails."""
    table = geocode.zip_table()
    todo = [v for v in clean if v["latitude"] is None and v["zip"] and v["address"]]
    lookup = Lookup()
    if geocoder is not None and todo:
        addresses = {
            street_key(v): Address(v["address"], v["city"], v["state"], v["zip"]) for v in todo
        }
        lookup = look_up(session, geocoder, min_delay, addresses)
    for values in todo:
        found = lookup.found.get(street_key(values))
        if found is not None:
            values["latitude"], values["longitude"] = found
            values["precision"] = "street"
            continue
        # A row's ZIP was checked against this table when the row was; a direct look-up keeps
        # a 100k-row import fast (the offline geocoder would parse each ZIP as a query again).
        rec = table.zips[values["zip"]]
        values["latitude"], values["longitude"], values["precision"] = rec.lat, rec.lon, "zip"
    return [OUTAGE] if lookup.unanswered else []


@dataclass(frozen=True)
class Placing:
    """What placing listings by their street addresses did."""

    service: str
    considered: int = 0  # listings whose address was looked up (or found in the cache)
    placed: int = 0  # now pinned at their street address
    not_found: int = 0  # no single match: they stay where they were
    unanswered: int = 0  # the service didn't answer: they stay, and a later run asks again
    known_missing: int = 0  # the service found no match before, for the same address
    remaining: int = 0  # left for a later run by the limit
    requests: int = 0
    from_cache: int = 0

    def sentences(self) -> list[str]:
        """The outcome in words, for the admin page and the command line."""
        name = SERVICES.get(self.service, self.service)
        out = []
        if self.considered:
            out.append(
                f"Looked up {_listings(self.considered)} with {name} "
                f"({_n(self.requests, 'request')}, {self.from_cache:,} from the cache): "
                f"{_listings(self.placed)} now pinned at the street address"
                + (
                    f", {self.not_found:,} not found there (they stay at the centre of their "
                    "ZIP code or city)"
                    if self.not_found
                    else ""
                )
                + "."
            )
        if self.known_missing:
            out.append(
                f"{_listings(self.known_missing)} {_were(self.known_missing)} not found by {name} "
                "before, at the same address, so not asked again."
            )
        if self.unanswered:
            out.append(
                f"{name[0].upper()}{name[1:]} did not answer for {_listings(self.unanswered)}: "
                "they stay at their ZIP code's centre and nothing else changed. Try again later."
            )
        if self.remaining:
            out.append(
                f"{_n(self.remaining, 'more listing')} placed only by ZIP code or city "
                f"{'is' if self.remaining == 1 else 'are'} left for the next run."
            )
        if not out:
            out.append(
                "No listing placed only by ZIP code or city has a street address to look up."
            )
        return out


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _listings(count: int) -> str:
    return _n(count, "listing")


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


def approximate(session: Session) -> int:
    """How many listings with a street address are placed only by ZIP code or city."""
    stmt = sa.select(sa.func.count()).select_from(Listing).where(*_placeable(APPROXIMATE))
    return session.scalar(stmt) or 0


def _placeable(precisions: Iterable[str]) -> list[sa.ColumnElement[bool]]:
    return [Listing.precision.in_(list(precisions)), Listing.address != "", Listing.zip != ""]


def _known_missing(session: Session, service: str, keys: list[str]) -> set[str]:
    """Which of these addresses the service already said it can't find."""
    out: set[str] = set()
    for i in range(0, len(keys), _CACHE_CHUNK):
        stmt = sa.select(GeocodeCache.address).where(
            GeocodeCache.address.in_(keys[i : i + _CACHE_CHUNK]),
            GeocodeCache.service == service,
            GeocodeCache.latitude.is_(None),
        )
        out.update(session.scalars(stmt))
    return out


def place_listings(
    session: Session,
    geocoder: Geocoder,
    min_delay: float,
    *,
    precisions: Iterable[str] = APPROXIMATE,
    listing_ids: Iterable[int] | None = None,
    limit: int | None = None,
    timeout: float | None = None,
) -> Placing:
    """Pin listings placed only by ZIP code or city (or those of `precisions`) at their street
    addresses, at most `limit` of them (lowest ids first), in one transaction. A listing is
    moved only if its address is still the one looked up; one without a match, or during an
    outage, stays where it is. Addresses the service could not find before are skipped, so
    each run (or press of the admin's button) gets on to new ones."""
    where = _placeable(p for p in precisions if p in APPROXIMATE)
    if listing_ids is not None:
        where.append(Listing.id.in_(list(listing_ids)))
    stmt = sa.select(
        Listing.id, Listing.address, Listing.city, Listing.state, Listing.zip, Listing.precision
    )
    every = session.execute(stmt.where(*where).order_by(Listing.id)).all()
    service = service_name(geocoder)
    missing = _known_missing(session, service, [street_key(r._asdict()) for r in every])
    todo = [r for r in every if street_key(r._asdict()) not in missing]
    rows = todo[:limit]
    addresses = {street_key(r._asdict()): Address(r.address, r.city, r.state, r.zip) for r in rows}
    session.rollback()  # hold no transaction (nor SQLite's read snapshot) while waiting on it
    lookup = look_up(session, geocoder, min_delay, addresses, timeout=timeout) if rows else Lookup()
    table = cast(sa.Table, Listing.__table__)
    placed, now = 0, _now()
    for r in rows:
        found = lookup.found.get(street_key(r._asdict()))
        if found is None:
            continue
        # Only if the listing is still what was looked up: an edit meanwhile wins.
        done = session.execute(
            sa.update(table)
            .where(
                table.c.id == r.id,
                table.c.address == r.address,
                table.c.city == r.city,
                table.c.state == r.state,
                table.c.zip == r.zip,
                table.c.precision == r.precision,
            )
            .values(latitude=found[0], longitude=found[1], precision="street", updated_at=now)
        )
        placed += getattr(done, "rowcount", 0) or 0
    session.commit()
    keys = [street_key(r._asdict()) for r in rows]
    return Placing(
        service,
        considered=len(rows),
        placed=placed,
        not_found=sum(k in lookup.not_found for k in keys),
        unanswered=sum(k in lookup.unanswered for k in keys),
        known_missing=len(every) - len(todo),
        remaining=len(todo) - len(rows),
        requests=lookup.requests,
        from_cache=lookup.from_cache,
    )
