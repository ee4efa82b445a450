"""Listings outside a search: one by id, the demo check, and the admin's find, edit, verify,
publish and delete, with the history of every admin change."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import sqlalchemy as sa
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.directory import locate
from finder.directory.rows import BOOLEANS, COLUMNS, MULTI, Problem, clean_row
from finder.models import Listing, ListingChange
from finder.pagination import PER_PAGE, Page, paginate

DEMO_SOURCE = "demo"


def published(session: Session, listing_id: int) -> Listing | None:
    """The listing with this id if patients may see it, else None."""
    item = session.get(Listing, listing_id)
    return item if item is not None and item.published else None


def demo_loaded(session: Session) -> bool:
    """True while any published demo listing is in the directory."""
    stmt = (
        sa.select(Listing.id)
        .where(Listing.source == DEMO_SOURCE, Listing.published == sa.true())
        .limit(1)
    )
    return session.execute(stmt).first() is not None


def count(session: Session) -> int:
    """How many listings the directory holds, published or not."""
    return session.scalar(sa.select(sa.func.count()).select_from(Listing)) or 0


def counts(session: Session) -> dict[str, int]:
    """How many listings patients see ("published") and how many are hidden ("unpublished")."""
    rows = session.execute(
        sa.select(Listing.published, sa.func.count()).group_by(Listing.published)
    )
    found = {bool(published): n for published, n in rows}
    return {"published": found.get(True, 0), "unpublished": found.get(False, 0)}


def find(
    session: Session,
    *,
    text: str = "",
    kind: str = "",
    source: str = "",
    published: bool | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Listing]:
    """Listings for the admin, by name: text in the name, organization or city, and filters."""
    stmt = sa.select(Listing).order_by(Listing.name, Listing.id)
    if text.strip():
        needle = text.strip()
        stmt = stmt.where(
            sa.or_(
                *(
                    c.icontains(needle, autoescape=True)
                    for c in (Listing.name, Listing.organization, Listing.city)
                )
            )
        )
    if kind:
        stmt = stmt.where(Listing.kind == kind)
    if source:
        stmt = stmt.where(Listing.source == source)
    if published is not None:
        stmt = stmt.where(Listing.published == (sa.true() if published else sa.false()))
    return paginate(session, stmt, page, per_page)


def sources(session: Session) -> list[str]:
    """Every source that has listings, alphabetically."""
    return list(session.scalars(sa.select(Listing.source).distinct().order_by(Listing.source)))


def get(session: Session, listing_id: int) -> Listing | None:
    """The listing with this id, published or not."""
    return session.get(Listing, listing_id)


def set_published(session: Session, listing_id: int, published: bool) -> Listing | None:
    """Show the listing to patients, or hide it (it stays in the directory)."""
    item = session.get(Listing, listing_id)
    if item is not None:
        item.published = published
        session.commit()
    return item


def delete(session: Session, listing_id: int) -> Listing | None:
    """Remove the listing for good; returns it (detached) so callers can name it."""
    item = session.get(Listing, listing_id)
    if item is not None:
        session.delete(item)
        session.commit()
    return item


def as_text(item: Listing) -> dict[str, str]:
    """The listing as CSV-column text, the way an import file would hold it (for the edit
    form and the export; a round trip through either changes nothing)."""
    out: dict[str, str] = {}
    for column in COLUMNS:
        value: Any = getattr(item, column)
        if column in MULTI:
            value = ";".join(value)
        elif column in BOOLEANS:
            value = "yes" if value else "no"
        elif column in ("latitude", "longitude"):
            # Only coordinates someone gave: geocoded ones are found again from the address,
            # so each listing keeps its precision.
            value = "" if value is None or item.precision != "given" else repr(value)
        elif column == "last_verified":
            value = value.isoformat() if value else ""
        out[column] = value or ""
    return out


def today() -> dt.date:
    """Today's date in UTC, the date a verification is stamped with."""
    return dt.datetime.now(dt.UTC).date()


def stale_before(months: int, on: dt.date | None = None) -> dt.date:
    """The verification date before which a listing is due for review: `months` ago."""
    day = on or today()
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    # The same day of that month, or its last day (31 March less one month is 28/29 February).
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def is_stale(verified: dt.date | None, months: int, on: dt.date | None = None) -> bool:
    """True when a last-verified date is more than `months` before `on` (today). False when
    there is none: a listing with no date says "Not yet verified" instead."""
    return verified is not None and verified < stale_before(months, on)


# How patients see the sources the app itself names; an import's source shows as it is.
SOURCE_NAMES = {
    "manual": "NET Finder's admins",
    "suggestion": "a patient's suggestion, checked by NET Finder's admins",
    DEMO_SOURCE: "demo data (fictional)",
}


def source_name(item: Listing) -> str:
    """Where a listing comes from, in words a patient reads."""
    return SOURCE_NAMES.get(item.source, item.source)


def due_for_review(
    session: Session, before: dt.date, page: int = 1, per_page: int = PER_PAGE
) -> Page[Listing]:
    """Listings last verified before `before` (or never), the longest unchecked first."""
    stmt = (
        sa.select(Listing)
        .where(sa.or_(Listing.last_verified.is_(None), Listing.last_verified < before))
        .order_by(Listing.last_verified.is_not(None), Listing.last_verified, Listing.name)
    )
    return paginate(session, stmt, page, per_page)


def count_due(session: Session, before: dt.date) -> int:
    """How many listings were last verified before `before`, or never."""
    stmt = sa.select(sa.func.count()).where(
        sa.or_(Listing.last_verified.is_(None), Listing.last_verified < before)
    )
    return session.scalar(stmt) or 0


def verify(session: Session, item: Listing, user: str) -> None:
    """Stamp the listing as checked today by `user` (an admin confirmed every detail)."""
    before = as_text(item)
    item.last_verified, item.verified_by = today(), user
    _log(session, item, _changes(before, as_text(item)), user)
    session.commit()


def history(session: Session, listing_id: int) -> list[ListingChange]:
    """Every admin change to a listing, newest first."""
    stmt = sa.select(ListingChange).where(ListingChange.listing_id == listing_id)
    return list(session.scalars(stmt.order_by(ListingChange.at.desc(), ListingChange.id.desc())))


def _changes(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {f: (before[f], after[f]) for f in after if before.get(f) != after[f]}


def _log(session: Session, item: Listing, changes: dict[str, tuple[str, str]], user: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.add_all(
        ListingChange(listing_id=item.id, field=f, old=old, new=new, user=user, at=now)
        for f, (old, new) in changes.items()
    )


def update(
    session: Session,
    item: Listing,
    raw: dict[str, str],
    *,
    user: str = "",
    verified: bool = False,
    geocoder: Geocoder | None = None,
    min_delay: float = 1.0,
) -> tuple[list[Problem], list[str]]:
    """Check CSV-column text with the import's rules, locate it like an import, and save it,
    logging each changed field under `user`; `verified` also stamps it as checked today. A
    new listing (no id yet) is added.

    Returns the problems (nothing is saved when there are any) and notes about the location.
    """
    values, problems = clean_row(raw, 1)
    if values is None:
        return problems, []
    # The edit form keeps the listing's source, and publishes with its own button.
    del values["source"], values["published"]
    if values["external_id"]:
        twin = session.scalar(
            sa.select(Listing.id).where(
                Listing.source == item.source,
                Listing.external_id == values["external_id"],
                Listing.id != item.id,
            )
        )
        if twin is not None:
            message = f"Listing #{twin} of source “{item.source}” already has this external id."
            return [Problem(1, "external_id", message)], []
    notes = locate.locate_rows(session, [values], geocoder, min_delay)
    before = dict.fromkeys(COLUMNS, "") if item.id is None else as_text(item)
    for column, value in values.items():
        setattr(item, column, value)
    if verified:
        item.last_verified, item.verified_by = today(), user
    if item.id is None:
        session.add(item)
        session.flush()  # its id, for the history
    _log(session, item, _changes(before, as_text(item)), user)
    session.commit()
    return [], notes
