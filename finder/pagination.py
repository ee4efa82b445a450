"""Pages of rows: one select run a page at a time, for the admin's lists and the import log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

PER_PAGE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, with what it takes to link to the others."""

    items: list[T]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, stmt: sa.Select[Any], number: int, per_page: int) -> Page[Any]:
    """Run a select one page at a time; a page past the end gives the last one."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    number = min(max(1, number), max(1, -(-total // per_page)))
    items = list(session.scalars(stmt.offset((number - 1) * per_page).limit(per_page)))
    return Page(items, total, number, per_page)
