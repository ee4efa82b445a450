"""The import log: every import and refused import, newest first, with its report."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import ImportRun
from finder.pagination import PER_PAGE, Page, paginate


def runs(session: Session, page: int = 1, per_page: int = PER_PAGE) -> Page[ImportRun]:
    """One page of the import log, newest first."""
    stmt = sa.select(ImportRun).order_by(ImportRun.id.desc())
    return paginate(session, stmt, page, per_page)


def run(session: Session, run_id: int) -> ImportRun | None:
    """One import, with its stored report."""
    return session.get(ImportRun, run_id)


def latest(session: Session, sha256: str, user: str) -> ImportRun | None:
    """The newest import of this file by this person."""
    stmt = (
        sa.select(ImportRun)
        .where(ImportRun.sha256 == sha256, ImportRun.user == user)
        .order_by(ImportRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def last(session: Session) -> ImportRun | None:
    """The newest import that was applied."""
    stmt = sa.select(ImportRun).where(ImportRun.applied.is_(True))
    return session.scalar(stmt.order_by(ImportRun.id.desc()).limit(1))
