"""Admin accounts: hashed passwords and throttled sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections import deque

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from finder.models import AdminUser, _now

MIN_PASSWORD = 12
MAX_FAILURES, WINDOW_SECONDS = 5, 15 * 60
SWEEP_AT = 10_000  # keys held before expired ones are dropped
# A dummy hash to check against when the email is unknown, so both cases take as long.
_DUMMY = generate_password_hash("not a password")


def set_password(session: Session, email: str, password: str) -> AdminUser:
    """Create the admin with this email, or give it a new password (scrypt-hashed)."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("Give an email address.")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Use a password of at least {MIN_PASSWORD} characters.")
    user = session.scalar(sa.select(AdminUser).where(AdminUser.email == email))
    if user is None:
        user = AdminUser(email=email, password_hash="", created_at=_now())
        session.add(user)
    user.password_hash = generate_password_hash(password)
    session.commit()
    return user


def check(session: Session, email: str, password: str) -> AdminUser | None:
    """The admin if the email and password match, else None."""
    user = session.scalar(sa.select(AdminUser).where(AdminUser.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def stamp(user: AdminUser) -> str:
    """A short fingerprint of the admin's password hash, kept in the session cookie, so a
    new password signs out every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def signed_in(session: Session, user_id: object, user_stamp: object) -> AdminUser | None:
    """The admin a session cookie names, if it still exists and its password is unchanged."""
    if not isinstance(user_id, int) or not isinstance(user_stamp, str):
        return None
    user = session.get(AdminUser, user_id)
    if user is None or not hmac.compare_digest(stamp(user), user_stamp):
        return None
    return user


class Throttle:
    """Counts failed sign-ins per key (email and address) in a sliding window.

    It lives in one process's memory: each gunicorn worker keeps its own count, so with N
    workers an attacker gets at most N x `limit` tries per window.
    """

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        q = self._failures.get(key, deque())
        cutoff = time.monotonic() - self.window
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def blocked_for(self, *keys: str) -> dt.timedelta | None:
        """How long until these keys may try again, or None if they may now."""
        waits = [
            q[-self.limit] + self.window - time.monotonic()
            for q in map(self._recent, keys)
            if len(q) >= self.limit
        ]
        return dt.timedelta(seconds=max(waits)) if waits else None

    def fail(self, *keys: str) -> None:
        """Record a failed attempt for each key."""
        if len(self._failures) > SWEEP_AT:
            # Forget keys whose failures have all expired, so sprayed guesses can't grow this.
            self._failures = {k: q for k, q in self._failures.items() if self._recent(k)}
        for key in keys:
            self._failures[key] = q = self._recent(key)
            q.append(time.monotonic())

    def clear(self, *keys: str) -> None:
        """Forget the failures of each key (after a good sign-in)."""
        for key in keys:
            self._failures.pop(key, None)
