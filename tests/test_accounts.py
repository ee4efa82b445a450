"""Admin accounts: the sign-in throttle lives in the database, shared by every app server."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from finder import accounts, db
from finder.models import AdminUser, SignInFailure
from tests.test_admin import EMAIL, PASSWORD, login, text

T0 = dt.datetime(2026, 3, 1, 12, 0)
HERE = "203.0.113.7"


@pytest.fixture(autouse=True)
def _admin_account(app: Flask, other_app: Flask) -> None:
    for each in (app, other_app):
        each.config["SESSION_COOKIE_SECURE"] = False  # the test clients talk plain http
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)


def sign_in(app: Flask, password: str, now: dt.datetime, **kw: Any) -> accounts.SignIn:
    """One sign-in attempt through this app's own database connection."""
    with app.app_context():
        args = {"email": EMAIL, "address": HERE, **kw}
        return accounts.sign_in(
            db.session(), password=password, secret=app.secret_key or "", now=now, **args
        )


def failures(app: Flask) -> list[SignInFailure]:
    with app.app_context():
        return list(db.session().scalars(sa.select(SignInFailure)))


def test_failures_on_one_server_lock_sign_in_on_the_other(app: Flask, other_app: Flask) -> None:
    one, two = app.test_client(), other_app.test_client()
    for attempt in range(4):
        assert login(one, password=f"wrong {attempt}").status_code == 401
    fifth = login(two, password="wrong 4")
    assert fifth.status_code == 429 and "try again in 15 minutes" in text(fifth)
    refused = login(one)  # the right password, back on the first server
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert one.get("/admin/").status_code == 302


def test_the_shared_lock_lifts_after_the_window(app: Flask, other_app: Flask) -> None:
    for n in range(5):
        sign_in(app if n % 2 else other_app, f"wrong {n}", T0 + dt.timedelta(seconds=n))
    locked = sign_in(other_app, PASSWORD, T0 + dt.timedelta(minutes=14))
    assert locked.user is None and locked.wait == dt.timedelta(minutes=1)
    # Window measured from the fifth-newest failure (T0 + 0 s): free a moment after T0 + 15 min.
    after = sign_in(app, PASSWORD, T0 + dt.timedelta(minutes=15, seconds=1))
    assert after.user is not None and after.user.email == EMAIL


def test_refused_attempts_do_not_extend_the_lock(app: Flask) -> None:
    for n in range(5):
        sign_in(app, f"wrong {n}", T0)
    for minute in range(1, 15):
        assert sign_in(app, PASSWORD, T0 + dt.timedelta(minutes=minute)).wait is not None
    assert sign_in(app, PASSWORD, T0 + dt.timedelta(minutes=15, seconds=1)).user is not None


def test_the_table_holds_neither_the_email_nor_the_address(app: Flask) -> None:
    sign_in(app, "wrong", T0)
    rows = failures(app)
    assert len(rows) == 2  # one for the email, one for the address
    for row in rows:
        assert len(row.key_hash) == 64 and EMAIL not in row.key_hash and HERE not in row.key_hash
    plain = accounts.failure_keys("another secret", EMAIL, HERE)
    assert {row.key_hash for row in rows}.isdisjoint(plain)  # keyed: no lookup table undoes it


def test_old_failures_are_swept(app: Flask) -> None:
    sign_in(app, "wrong", T0)
    sign_in(app, "wrong", T0 + dt.timedelta(minutes=10))
    with app.app_context():
        accounts.sweep_failures(db.session(), T0 + dt.timedelta(minutes=15, seconds=1))
    assert [row.failed_at for row in failures(app)] == [T0 + dt.timedelta(minutes=10)] * 2


# Passwords and emails an admin account may have


def create_admin(app: Flask, email: str, password: str) -> Any:
    """Run `finder create-admin EMAIL` with the password on stdin, as a script would."""
    with app.app_context():  # the `finder` script runs commands inside the app's context
        return app.test_cli_runner().invoke(args=["create-admin", email], input=password + "\n")


def admins(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(sa.select(AdminUser.email).order_by(AdminUser.email)))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "only spaces"),
        ("\t \u00a0" * 4, "only spaces"),
        ("a" * 12, 'Repeats like "aaa" are easy to guess.'),
        ("password1234", "This is a very common password."),
        ("zxcvbnm,./as", "Straight rows of keys are easy to guess."),
        ("new@example.org!", "too easy to guess"),  # the email itself, or near it
        ("NETFinder2026", "too easy to guess"),  # the app's name
        ("short", "at least 12 characters"),
    ],
    ids=["spaces", "whitespace", "repeats", "common", "keyboard-row", "the-email", "app", "short"],
)
def test_create_admin_refuses_a_guessable_password_and_says_why(
    app: Flask, password: str, message: str
) -> None:
    result = create_admin(app, "new@example.org", password)
    assert result.exit_code == 1 and message in result.stderr
    if message != "at least 12 characters":
        assert "A good password is four or more random words" in result.stderr
    assert admins(app) == [EMAIL]  # no account was made


@pytest.mark.parametrize(
    "email",
    [
        "@",
        "admin",
        "admin@",
        "@example.org",
        "admin@localhost",
        "a b@example.org",
        "Admin <admin@example.org>",
        "admin@example..org",
        "x" * 190 + "@example.org",
    ],
)
def test_create_admin_refuses_what_is_not_an_email_address(app: Flask, email: str) -> None:
    result = create_admin(app, email, "a brand new passphrase 42")
    assert result.exit_code == 1 and "Give a whole email address" in result.stderr
    assert admins(app) == [EMAIL]


def test_create_admin_takes_a_good_password_and_a_real_address(app: Flask) -> None:
    result = create_admin(app, "  New.Admin@Example.ORG ", "copper lantern orbit mosaic")
    assert result.exit_code == 0, result.stderr
    assert admins(app) == [EMAIL, "new.admin@example.org"]
    with app.app_context():
        assert accounts.check(db.session(), "new.admin@example.org", "copper lantern orbit mosaic")


def test_a_refused_new_password_keeps_the_old_one_and_its_sessions(app: Flask) -> None:
    values = opened(app, T0)
    with app.app_context(), pytest.raises(ValueError, match="too easy to guess"):
        accounts.set_password(db.session(), EMAIL, "password1234")
    with app.app_context():
        assert accounts.check(db.session(), EMAIL, PASSWORD) is not None
    assert visit(app, values, T0 + dt.timedelta(minutes=1)) == EMAIL


def test_an_account_made_before_emails_were_checked_can_still_get_a_new_password(
    app: Flask,
) -> None:
    with app.app_context():
        session = db.session()
        session.add(AdminUser(email="ops@localhost", password_hash="x", created_at=T0))
        session.commit()
    assert create_admin(app, "ops@localhost", "copper lantern orbit mosaic").exit_code == 0
    assert create_admin(app, "ops2@localhost", "copper lantern orbit mosaic").exit_code == 1
    assert admins(app) == [EMAIL, "ops@localhost"]


def test_a_long_passphrase_is_fine(app: Flask) -> None:
    long = "seventy-three characters are more than zxcvbn measures, " + "and still fine"
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, long)
        assert accounts.check(db.session(), EMAIL, long) is not None


# Sessions: 12 hours from sign-in, 2 hours from the last request, until signed out.

HOURS, IDLE = dt.timedelta(hours=12), dt.timedelta(hours=2)


def opened(app: Flask, now: dt.datetime, email: str = EMAIL) -> dict[str, Any]:
    """What a browser's session holds once the admin signs in at `now`."""
    with app.app_context():
        user = accounts.check(db.session(), email, PASSWORD)
        assert user is not None
        return dict(accounts.session_values(user, now))


def visit(app: Flask, values: dict[str, Any], now: dt.datetime) -> str | None:
    """The email of the admin a session still names at `now`, if any."""
    with app.app_context():
        user = accounts.signed_in(db.session(), values, now=now, max_age=HOURS, idle=IDLE)
        return user.email if user else None


def test_a_session_ends_2_hours_after_its_last_request(app: Flask) -> None:
    values = opened(app, T0)
    assert visit(app, values, T0 + dt.timedelta(hours=1, minutes=59)) == EMAIL
    assert visit(app, values, T0 + IDLE) is None
    seen = {**values, "admin_seen": (T0 + dt.timedelta(hours=3)).isoformat()}
    assert visit(app, seen, T0 + dt.timedelta(hours=4, minutes=59)) == EMAIL


def test_a_session_ends_12_hours_after_sign_in_however_recent_its_last_request(
    app: Flask,
) -> None:
    values = {**opened(app, T0), "admin_seen": (T0 + dt.timedelta(hours=11)).isoformat()}
    assert visit(app, values, T0 + dt.timedelta(hours=11, minutes=59)) == EMAIL
    assert visit(app, values, T0 + HOURS) is None


def test_signing_out_everywhere_ends_only_that_admins_sessions(app: Flask) -> None:
    with app.app_context():
        accounts.set_password(db.session(), "colleague@example.org", PASSWORD)
    mine, yours = opened(app, T0), opened(app, T0, "colleague@example.org")
    again = opened(app, T0)  # the same admin in another browser
    with app.app_context():
        user = accounts.check(db.session(), EMAIL, PASSWORD)
        assert user is not None
        accounts.end_sessions(db.session(), user)
    later = T0 + dt.timedelta(minutes=1)
    assert visit(app, mine, later) is None and visit(app, again, later) is None
    assert visit(app, yours, later) == "colleague@example.org"
    assert visit(app, opened(app, later), later) == EMAIL  # signing in again works


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"admin_id": 1, "admin_stamp": "0123456789abcdef"},  # a cookie from before versions
        {"admin_id": "1", "admin_version": 0, "admin_since": "x", "admin_seen": "x"},
        {"admin_id": 1, "admin_version": 0, "admin_since": "yesterday", "admin_seen": "today"},
        {
            "admin_id": 99,
            "admin_version": 0,
            "admin_since": T0.isoformat(),
            "admin_seen": T0.isoformat(),
        },
    ],
    ids=["empty", "old-style", "text-id", "garbled-times", "no-such-admin"],
)
def test_a_session_that_names_no_valid_admin_signs_nobody_in(
    app: Flask, values: dict[str, Any]
) -> None:
    assert visit(app, values, T0) is None


def storm(
    app: Flask, other_app: Flask, monkeypatch: Any, *, all_record_first: bool = False
) -> tuple[list[accounts.SignIn], list[Any]]:
    """Eight wrong guesses at once, alternating between two app servers.

    Returns each guess's outcome and the password checks made. With all_record_first, every
    guess records itself, then all count the others, before any goes on: an order a loaded
    machine can happen on by chance, forced here.
    """
    checked = []
    everyone_recorded = threading.Barrier(8, timeout=60)
    everyone_counted = threading.Barrier(8, timeout=60)
    real_blocked_for = accounts.blocked_for

    def slow_check(*args: Any) -> None:
        checked.append(args)
        time.sleep(0.3)  # every guess is in flight at once, as on 8 workers
        return None

    def blocked_for(
        session: Any, keys: Any, now: dt.datetime, besides: Any = ()
    ) -> dt.timedelta | None:
        if not (all_record_first and besides):  # besides: a guess counting the others
            return real_blocked_for(session, keys, now, besides)
        everyone_recorded.wait()
        wait = real_blocked_for(session, keys, now, besides)
        everyone_counted.wait()  # before any refused guess takes its own rows away
        return wait

    monkeypatch.setattr(accounts, "check", slow_check)
    monkeypatch.setattr(accounts, "blocked_for", blocked_for)
    results: list[accounts.SignIn] = []

    def guess(n: int) -> None:
        results.append(sign_in((app, other_app)[n % 2], f"wrong {n}", T0))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()  # the real password check again, for what follows
    assert len(results) == 8 and all(r.user is None for r in results)
    return results, checked


def test_parallel_guesses_on_many_workers_get_at_most_five_tries(
    app: Flask, other_app: Flask, monkeypatch: Any
) -> None:
    _, checked = storm(app, other_app, monkeypatch)
    assert len(checked) <= accounts.MAX_FAILURES
    # Every guess that was checked stays counted; one refused before its check does not.
    # Which happened depends on timing, so sign-in is locked exactly when five were checked.
    assert len(failures(app)) == 2 * len(checked)
    after = sign_in(app, PASSWORD, T0 + dt.timedelta(seconds=1))
    if len(checked) == accounts.MAX_FAILURES:
        assert after.user is None and after.wait is not None
    else:
        assert after.user is not None


def test_parallel_guesses_that_all_record_before_any_counts_are_all_refused(
    app: Flask, other_app: Flask, monkeypatch: Any
) -> None:
    results, checked = storm(app, other_app, monkeypatch, all_record_first=True)
    assert checked == [] and all(r.wait is not None for r in results)
    assert failures(app) == []  # no password was checked, so nothing counts against it
    assert sign_in(app, PASSWORD, T0 + dt.timedelta(seconds=1)).user is not None
