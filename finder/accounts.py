"""Admin accounts: hashed passwords and throttled sign-in."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict, deque

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from finder.models import AdminUser, _now

MIN_PASSWORD = 12
MAX_FAILURES, WINDOW_SECONDS = 5, 15 * 60
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


class Throttle:
    """Counts failed sign-ins per key (email and address) in a sliding window."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        q = self._failures[key]
        while q and q[0] < time.monotonic() - self.window:
            q.popleft()
        return q

    def blocked_for(self, *keys: str) -> dt.timedelta | None:
        """How long until these keys may try again, or None if they may now."""
        waits = [
            q[0] + self.window - time.monotonic()
            for q in map(self._recent, keys)
            if len(q) >= self.limit
        ]
        return dt.timedelta(seconds=max(waits)) if waits else None

    def fail(self, *keys: str) -> None:
        """Record a failed attempt for each key."""
        for key in keys:
            self._recent(key).append(time.monotonic())

    def clear(self, *keys: str) -> None:
        """Forget the failures of each key (after a good sign-in)."""
        for key in keys:
            self._failures.pop(key, None)
