"""Uploaded CSV files waiting in the database between an admin's preview and confirm."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import PendingUpload, _now

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_AGE = dt.timedelta(hours=24)  # how long an unconfirmed upload is kept
GONE = "That upload was already imported, cancelled, or has expired. Upload it again."


class Unavailable(Exception):
    """The upload can't be confirmed; the message says why, in words for the admin."""


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
) -> str:
    """Keep an upload for confirmation; returns the token, the only part the browser gets."""
    now = now or _now()
    sweep(session, now)
    token = secrets.token_urlsafe(24)
    session.add(
        PendingUpload(
            token_hash=_key(token),
            sha256=hashlib.sha256(data).hexdigest(),
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
    return token


def take(session: Session, token: str, user: str, now: dt.datetime | None = None) -> PendingUpload:
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
    # Detached, it keeps its loaded values once the row is deleted and committed below.
    session.expunge(row)
    # Only the confirm whose delete removes the row goes on: a second click, or the same
    # token confirmed on another server at once, finds nothing to delete.
    deleted = _delete(session, *where)
    if deleted != 1:
        raise Unavailable(GONE)
    now = now or _now()
    sweep(session, now)
    if row.created_at <= now - MAX_AGE:
        hours = int(MAX_AGE.total_seconds() // 3600)
        raise Unavailable(
            f"That upload has expired: a preview can be confirmed for {hours} hours. "
            "Nothing was changed. Upload the file again."
        )
    if hashlib.sha256(row.data).hexdigest() != row.sha256:
        raise Unavailable(
            "That upload was damaged while it waited. Nothing was changed. Upload it again."
        )
    return row


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
