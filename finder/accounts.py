"""Admin accounts: hashed passwords, throttled sign-in, and the sessions that follow it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from finder.models import AdminUser, SignInFailure, _now

MIN_PASSWORD, MAX_EMAIL = 12, 200  # MAX_EMAIL: admin_user.email's length
MIN_STRENGTH, ZXCVBN_MAX = 3, 72  # zxcvbn's score (0-4) a password needs; what it measures
GOOD_PASSWORD = (
    "A good password is four or more random words, or a password manager's random password, "
    f"of at least {MIN_PASSWORD} characters."
)
MAX_FAILURES, WINDOW = 5, dt.timedelta(minutes=15)  # failed sign-ins that lock, and for how long
# A dummy hash to check against when the email is unknown, so both cases take as long.
_DUMMY = generate_password_hash("not a password")


def clock() -> dt.datetime:
    """Now, as the tables keep time (naive UTC): the one clock sign-in and sessions read."""
    return _now()


def set_password(session: Session, email: str, password: str) -> AdminUser:
    """Create the admin with this email, or give it a new password (scrypt) and end its sessions."""
    email = email.strip().lower()
    user = session.scalar(sa.select(AdminUser).where(AdminUser.email == email))
    if user is None:  # an account made before emails were checked keeps its address
        email = checked_email(email)
    check_password(password, email)
    if user is None:
        user = AdminUser(email=email, password_hash="", created_at=clock(), session_version=0)
        session.add(user)
    else:
        user.session_version += 1  # whoever knew the old password is signed out everywhere
    user.password_hash = generate_password_hash(password)
    session.commit()
    return user


def checked_email(email: str) -> str:
    """The address in the form sign-in looks it up by, or ValueError saying what is wrong."""
    try:
        # Syntax only: no DNS lookups (the server may be offline, and they prove little).
        address = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"Give a whole email address, like name@example.org. {exc}") from None
    if len(address) > MAX_EMAIL:
        raise ValueError(f"Give a whole email address, of at most {MAX_EMAIL} characters.")
    return address


def check_password(password: str, email: str) -> None:
    """Refuse a password that is short, only spaces, or guessable, saying why."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Use a password of at least {MIN_PASSWORD} characters.")
    if not password.strip():
        raise ValueError(f"A password of only spaces is easy to guess. {GOOD_PASSWORD}")
    # zxcvbn refuses to measure past its max_length; a strong start makes a strong password.
    hints = [email, *email.replace("@", ".").split("."), "net finder", "netfinder", "admin"]
    strength = zxcvbn(password[:ZXCVBN_MAX], user_inputs=hints)
    if strength["score"] < MIN_STRENGTH:
        feedback = strength["feedback"]
        why = " ".join(filter(None, [feedback["warning"], *feedback["suggestions"]]))
        raise ValueError(f"That password is too easy to guess. {why} {GOOD_PASSWORD}".strip())


def check(session: Session, email: str, password: str) -> AdminUser | None:
    """The admin if the email and password match, else None."""
    user = session.scalar(sa.select(AdminUser).where(AdminUser.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def session_values(user: AdminUser, now: dt.datetime | None = None) -> dict[str, int | str]:
    """What a browser's session keeps once this admin signs in: who, which version, and when."""
    at = (now or clock()).isoformat()
    return {
        "admin_id": user.id,
        "admin_version": user.session_version,
        "admin_since": at,
        "admin_seen": at,
    }


def signed_in(
    session: Session,
    values: Mapping[str, object],
    *,
    max_age: dt.timedelta,
    idle: dt.timedelta,
    now: dt.datetime | None = None,
) -> AdminUser | None:
    """The admin a session names, unless it ended: signed out, new password, too old or idle."""
    now = now or clock()
    user_id, version = values.get("admin_id"), values.get("admin_version")
    since, seen = _moment(values.get("admin_since")), _moment(values.get("admin_seen"))
    if not isinstance(user_id, int) or not isinstance(version, int) or not (since and seen):
        return None
    if now - since >= max_age or now - seen >= idle:
        return None
    user = session.get(AdminUser, user_id)
    if user is None or user.session_version != version:
        return None
    return user


def _moment(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def end_sessions(session: Session, user: AdminUser) -> None:
    """Sign this admin out in every browser: the cookies issued so far name an old version."""
    user.session_version += 1
    session.commit()


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the admin, or how long sign-in is locked (if it is)."""

    user: AdminUser | None
    wait: dt.timedelta | None = None


def sign_in(
    session: Session,
    email: str,
    password: str,
    address: str,
    *,
    secret: str | bytes,
    now: dt.datetime | None = None,
) -> SignIn:
    """Check an email and password under the shared throttle: MAX_FAILURES failures within
    WINDOW, per email or per client address, lock sign-in for both until they age out."""
    now = now or clock()
    keys = failure_keys(secret, email, address)
    sweep_failures(session, now)
    # Count this attempt as a failure before checking the password, so attempts racing on
    # other workers or servers see it: at most MAX_FAILURES get through, however parallel.
    mine = [SignInFailure(key_hash=key, failed_at=now) for key in keys]
    session.add_all(mine)
    session.commit()
    ids = [row.id for row in mine]
    wait = blocked_for(session, keys, now, besides=ids)
    if wait is not None:
        # A refused attempt doesn't extend the lock: the lock lifts WINDOW after the failures.
        session.execute(sa.delete(SignInFailure).where(SignInFailure.id.in_(ids)))
        session.commit()
        return SignIn(None, wait)
    user = check(session, email, password)
    if user is None:
        return SignIn(None, blocked_for(session, keys, now))
    # Forget the email's failures, but not the address's: a good sign-in must not wipe out
    # the failures of others guessing from the same address.
    session.execute(
        sa.delete(SignInFailure).where(
            sa.or_(SignInFailure.key_hash == keys[0], SignInFailure.id.in_(ids))
        )
    )
    session.commit()
    return SignIn(user)


def failure_keys(secret: str | bytes, email: str, address: str) -> tuple[str, str]:
    """The throttle's keys for an email and a client address: keyed hashes, so the table
    holds neither (a plain hash of an IPv4 address is undone by trying all 2^32)."""
    key = secret.encode() if isinstance(secret, str) else secret

    def digest(value: str) -> str:
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    return digest(f"email:{email.strip().lower()}"), digest(f"address:{address}")


def blocked_for(
    session: Session, keys: Sequence[str], now: dt.datetime, besides: Sequence[int] = ()
) -> dt.timedelta | None:
    """How long until these keys may try again, or None if they may now.

    `besides` leaves out the rows of the attempt being decided.
    """
    waits = []
    for key in keys:
        recent = session.scalars(
            sa.select(SignInFailure.failed_at)
            .where(
                SignInFailure.key_hash == key,
                SignInFailure.failed_at > now - WINDOW,
                SignInFailure.id.not_in(besides),
            )
            .order_by(SignInFailure.failed_at.desc())
            .limit(MAX_FAILURES)
        ).all()
        if len(recent) >= MAX_FAILURES:
            waits.append(recent[-1] + WINDOW - now)
    return max(waits) if waits else None


def sweep_failures(session: Session, now: dt.datetime | None = None) -> None:
    """Delete failures older than the window: they no longer count."""
    cutoff = (now or clock()) - WINDOW
    session.execute(sa.delete(SignInFailure).where(SignInFailure.failed_at <= cutoff))
    session.commit()
