"""Where an imported, edited or already listed listing is: the coordinates given, else its
street address from the online geocoder (cached), else the centre of its ZIP code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.directory import lookup
from finder.directory.lookup import SERVICES, service_name, street_key
from finder.models import Listing, _now
from finder.places import geocode
from finder.places.census import Address

OUTAGE = (
    "The online geocoder did not answer in time, so some rows were placed at the centre of "
    "their ZIP code. Place them later with “Place them by street address” on the admin's "
    "Listings page, or `finder geocode-listings`."
)
APPROXIMATE = ("zip", "city")  # precisions a street address can improve on


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
    found = lookup.Lookup()
    if geocoder is not None and todo:
        addresses = {
            street_key(v): Address(v["address"], v["city"], v["state"], v["zip"]) for v in todo
        }
        found = lookup.look_up(session, geocoder, min_delay, addresses)
    for values in todo:
        position = found.found.get(street_key(values))
        if position is not None:
            values["latitude"], values["longitude"] = position
            values["precision"] = "street"
            continue
        # A row's ZIP was checked against this table when the row was; a direct look-up keeps
        # a 100k-row import fast (the offline geocoder would parse each ZIP as a query again).
        rec = table.zips[values["zip"]]
        values["latitude"], values["longitude"] = rec.lat, rec.lon
        values["precision"] = rec.precision  # "city" for a ZIP placed at its city's centre
    notes = [OUTAGE] if found.unanswered else []
    missing = sum(street_key(v) in found.not_found for v in todo)
    if missing:
        notes.append(
            f"{missing:,} street address{'es' if missing != 1 else ''} had no single match, so "
            f"{'those rows are' if missing != 1 else 'that row is'} placed at the centre of "
            "the ZIP code. Check the addresses, or give their coordinates."
        )
    return notes


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
    missing = lookup.known_missing(session, service, [street_key(r._asdict()) for r in every])
    todo = [r for r in every if street_key(r._asdict()) not in missing]
    rows = todo[:limit]
    addresses = {street_key(r._asdict()): Address(r.address, r.city, r.state, r.zip) for r in rows}
    session.rollback()  # hold no transaction (nor SQLite's read snapshot) while waiting on it
    answers = (
        lookup.look_up(session, geocoder, min_delay, addresses, timeout=timeout)
        if rows
        else lookup.Lookup()
    )
    table = cast(sa.Table, Listing.__table__)
    now = _now()
    moves = [
        {
            "b_id": r.id,
            "b_address": r.address,
            "b_city": r.city,
            "b_state": r.state,
            "b_zip": r.zip,
            "b_precision": r.precision,
            "b_lat": pos[0],
            "b_lon": pos[1],
        }
        for r in rows
        if (pos := answers.found.get(street_key(r._asdict()))) is not None
    ]
    if moves:
        # One statement run for every listing (a statement each took 8 s for 10,000), and
        # only where the listing is still what was looked up: an edit meanwhile wins.
        session.execute(
            sa.update(table)
            .where(
                table.c.id == sa.bindparam("b_id"),
                table.c.address == sa.bindparam("b_address"),
                table.c.city == sa.bindparam("b_city"),
                table.c.state == sa.bindparam("b_state"),
                table.c.zip == sa.bindparam("b_zip"),
                table.c.precision == sa.bindparam("b_precision"),
            )
            .values(
                latitude=sa.bindparam("b_lat"),
                longitude=sa.bindparam("b_lon"),
                precision="street",
                updated_at=now,
            ),
            moves,
        )
    # Counted, not summed from rowcounts, which not every driver reports for a batch.
    placed = 0
    ids = [m["b_id"] for m in moves]
    for i in range(0, len(ids), 500):
        placed += (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.id.in_(ids[i : i + 500]), table.c.updated_at == now)
            )
            or 0
        )
    session.commit()
    keys = [street_key(r._asdict()) for r in rows]
    return Placing(
        service,
        considered=len(rows),
        placed=placed,
        not_found=sum(k in answers.not_found for k in keys),
        unanswered=sum(k in answers.unanswered for k in keys),
        known_missing=len(every) - len(todo),
        remaining=len(todo) - len(rows),
        requests=answers.requests,
        from_cache=answers.from_cache,
    )
