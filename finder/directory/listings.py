"""Listings outside a search: one by id, the demo check, and the admin's find, edit, publish
and delete."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder.directory import locate
from finder.directory.rows import BOOLEANS, COLUMNS, MULTI, Problem, clean_row
from finder.models import Listing
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


def update(
    session: Session,
    item: Listing,
    raw: dict[str, str],
    *,
    geocoder: Geocoder | None = None,
    min_delay: float = 1.0,
) -> tuple[list[Problem], list[str]]:
    """Check CSV-column text with the import's rules, locate it like an import, and save it.

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
    for column, value in values.items():
        setattr(item, column, value)
    session.commit()
    return [], notes
