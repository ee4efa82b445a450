"""Pending uploads wait in the database, so a preview on one server is confirmed on another."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from finder import accounts, db
from finder.directory import uploads
from finder.models import PendingUpload
from tests.conftest import ROWS, csv_bytes
from tests.test_admin import (
    EMAIL,
    confirm_token,
    db_listings,
    login,
    post,
    runs,
    text,
    upload,
)

T0 = dt.datetime(2026, 3, 1, 12, 0)
CSV = csv_bytes(*ROWS)


@pytest.fixture(autouse=True)
def _admin_account(app: Flask, other_app: Flask) -> None:
    for each in (app, other_app):
        each.config["SESSION_COOKIE_SECURE"] = False  # the test clients talk plain http
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, "correct horse battery")


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    assert login(client).status_code == 302
    return client


def on(app: Flask, signed_in: FlaskClient) -> FlaskClient:
    """A client of `app` carrying the same session cookie, as a load balancer would send it."""
    client = app.test_client()
    cookie = signed_in.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    return client


def waiting(app: Flask) -> list[PendingUpload]:
    with app.app_context():
        return list(db.session().scalars(sa.select(PendingUpload)))


def flashed(client: FlaskClient, response: TestResponse) -> str:
    """The page a redirect leads to, with the message flashed on it."""
    return text(client.get(response.headers["Location"]))


def test_preview_on_one_server_confirms_on_another(
    app: Flask, other_app: Flask, admin: FlaskClient
) -> None:
    token = confirm_token(text(upload(admin, CSV)))
    assert token
    elsewhere = on(other_app, admin)
    result = post(elsewhere, "/admin/import/confirm", {"token": token})
    assert result.status_code == 302 and result.headers["Location"].startswith("/admin/imports/")
    assert "The file was imported." in flashed(elsewhere, result)
    assert len(db_listings(app)) == 3 and waiting(app) == []
    again = post(admin, "/admin/import/confirm", {"token": token})  # back on the first server
    assert "already imported" in flashed(admin, again)
    assert len(runs(app)) == 1


def test_an_expired_upload_is_refused_with_a_clear_message(app: Flask, admin: FlaskClient) -> None:
    token = confirm_token(text(upload(admin, CSV)))
    with app.app_context():
        session = db.session()
        session.execute(sa.update(PendingUpload).values(created_at=T0 - dt.timedelta(days=2)))
        session.commit()
    result = post(admin, "/admin/import/confirm", {"token": token})
    page = flashed(admin, result)
    assert "That upload has expired: a preview can be confirmed for 24 hours." in page
    assert "Upload the file again." in page
    assert db_listings(app) == [] and runs(app) == [] and waiting(app) == []


@pytest.mark.parametrize(
    "token",
    ["", "garbled!token<script>", "x" * 32, "a" * 200],
    ids=["empty", "garbled", "unknown", "too-long"],
)
def test_a_wrong_token_is_refused(app: Flask, admin: FlaskClient, token: str) -> None:
    upload(admin, CSV)
    result = post(admin, "/admin/import/confirm", {"token": token})
    assert result.headers["Location"] == "/admin/import"
    assert "already imported, cancelled, or has expired" in flashed(admin, result)
    assert db_listings(app) == [] and len(waiting(app)) == 1  # the real one still waits


def test_only_the_admin_who_uploaded_can_confirm_or_cancel(
    app: Flask, other_app: Flask, admin: FlaskClient
) -> None:
    token = confirm_token(text(upload(admin, CSV)))
    with app.app_context():
        accounts.set_password(db.session(), "colleague@example.org", "another long password")
    colleague = other_app.test_client()
    signed_in = login(colleague, email="colleague@example.org", password="another long password")
    assert signed_in.status_code == 302
    post(colleague, "/admin/import/cancel", {"token": token})
    result = post(colleague, "/admin/import/confirm", {"token": token})
    assert "already imported, cancelled, or has expired" in flashed(colleague, result)
    assert db_listings(app) == [] and len(waiting(app)) == 1
    post(admin, "/admin/import/confirm", {"token": token})
    assert len(db_listings(app)) == 3


def test_a_changed_upload_is_refused(app: Flask, admin: FlaskClient) -> None:
    token = confirm_token(text(upload(admin, CSV)))
    with app.app_context():
        session = db.session()
        session.execute(sa.update(PendingUpload).values(data=CSV.replace(b"Ana", b"Eve")))
        session.commit()
    result = post(admin, "/admin/import/confirm", {"token": token})
    assert "That upload was damaged while it waited." in flashed(admin, result)
    assert db_listings(app) == []


def test_sweep_deletes_only_uploads_past_their_age(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        options = {"filename": "a.csv", "source": "s", "skip_invalid": False}
        old = uploads.save(session, CSV, replace_source=False, user=EMAIL, now=T0, **options)
        later = T0 + dt.timedelta(hours=23)
        new = uploads.save(session, CSV, replace_source=True, user=EMAIL, now=later, **options)
        assert uploads.sweep(session, T0 + uploads.MAX_AGE + dt.timedelta(seconds=1)) == 1
        with pytest.raises(uploads.Unavailable, match="already imported"):
            uploads.take(session, old, EMAIL)
        kept = uploads.take(session, new, EMAIL, now=later + dt.timedelta(hours=1))
    assert (kept.data, kept.replace_source, kept.user) == (CSV, True, EMAIL)
