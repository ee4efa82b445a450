"""Reading listings outside a search: one by id, and whether the demo directory is loaded."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import Listing

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
