"""Uploaded CSV files waiting in the database between an admin's preview and confirm."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import PendingUpload, _now

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_AGE = dt.timedelta(hours=24)  # how long an unconfirmed upload is kept
GONE = "That upload was already imported, cancelled, or has expired. Upload it again."


class Unavailable(Exception):
    """The upload can't be confirmed; the message says why, in words for the admin."""


@dataclass(frozen=True)
class Pending:
    """One previewed upload: its bytes and the options it was previewed with."""

    token: str
    sha256: str
    filename: str
    source: str
    skip_invalid: bool
    replace_source: bool
    user: str
    data: bytes = b""


def _key(token: str) -> str:
    # Stored hashed: someone who can read the table still can't confirm (or cancel) an upload.
    return hashlib.sha256(token.encode()).hexdigest()


def save(
    session: Session,
    data: bytes,
    *,
    filename: str,
    source: str,
    skip_invalid: bool,
    replace_source: bool,
    user: str,
    now: dt.datetime | None = None,
) -> Pending:
    """Keep an upload for confirmation; only the returned token goes to the browser."""
    now = now or _now()
    sweep(session, now)
    pending = Pending(
        secrets.token_urlsafe(24),
        hashlib.sha256(data).hexdigest(),
        filename,
        source,
        skip_invalid,
        replace_source,
        user,
        data,
    )
    session.add(
        PendingUpload(
            token_hash=_key(pending.token),
            sha256=pending.sha256,
            filename=filename,
            source=source,
            skip_invalid=skip_invalid,
            replace_source=replace_source,
            user=user,
            created_at=now,
            data=data,
        )
    )
    session.commit()
    return pending


def take(session: Session, token: str, user: str, now: dt.datetime | None = None) -> Pending:
    """The upload behind a token, deleted so it is imported at most once.

    Raises Unavailable when the token is malformed, unknown, someone else's, expired, or the
    stored bytes no longer match their hash.
    """
    if not TOKEN.match(token):
        raise Unavailable(GONE)
    where = (PendingUpload.token_hash == _key(token), PendingUpload.user == user)
    row = session.scalar(sa.select(PendingUpload).where(*where))
    if row is None:
        raise Unavailable(GONE)
    pending = Pending(
        token,
        row.sha256,
        row.filename,
        row.source,
        row.skip_invalid,
        row.replace_source,
        row.user,
        row.data,
    )
    created = row.created_at
    # Only the confirm whose delete removes the row goes on: a second click, or the same
    # token confirmed on another server at once, finds nothing to delete.
    deleted = _delete(session, *where)
    if deleted != 1:
        raise Unavailable(GONE)
    now = now or _now()
    sweep(session, now)
    if created <= now - MAX_AGE:
        hours = int(MAX_AGE.total_seconds() // 3600)
        raise Unavailable(
            f"That upload has expired: a preview can be confirmed for {hours} hours. "
            "Nothing was changed. Upload the file again."
        )
    if hashlib.sha256(pending.data).hexdigest() != pending.sha256:
        raise Unavailable(
            "That upload was damaged while it waited. Nothing was changed. Upload it again."
        )
    return pending


def discard(session: Session, token: str, user: str) -> None:
    """Forget an upload that won't be confirmed."""
    if TOKEN.match(token):
        where = (PendingUpload.token_hash == _key(token), PendingUpload.user == user)
        _delete(session, *where)


def sweep(session: Session, now: dt.datetime | None = None) -> int:
    """Delete uploads nobody confirmed in time; returns how many."""
    cutoff = (now or _now()) - MAX_AGE
    return _delete(session, PendingUpload.created_at <= cutoff)


def _delete(session: Session, *where: sa.ColumnElement[bool]) -> int:
    result = session.execute(sa.delete(PendingUpload).where(*where))
    session.commit()
    return cast(sa.CursorResult[Any], result).rowcount or 0
