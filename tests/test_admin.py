"""Web admin: sign-in, throttling, CSRF, private headers, upload → preview → confirm, listing
management, the import log and downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, redirect, request, url_for
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from finder import accounts, db
from finder.directory.rows import COLUMNS
from finder.models import AdminUser, ImportRun, Listing, PendingUpload
from finder.security import DatabaseInt
from finder.web.admin import PUBLIC
from finder.web.admin.auth import safe_next
from tests.conftest import HEADER, ROWS, csv_bytes  # noqa: F401  (HEADER: test_admin_methods')

EMAIL, PASSWORD = "admin@example.org", "correct horse battery"
BAD_ROW = "x1,doctor,Dr. Nowhere,1 Example St,Boston,MA,99999,,,,no\n"


@pytest.fixture(autouse=True)
def _admin_account(app: Flask) -> None:
    # The test client talks plain http, so the Secure cookie is tested on its own below.
    app.config["SESSION_COOKIE_SECURE"] = False
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)


def form_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """The CSRF token from a page's form, as a browser would send it back.

    Signed in, /admin/login leads to the admin home, whose sign-out form carries one too.
    """
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def login(
    client: FlaskClient, email: str = EMAIL, password: str = PASSWORD, next: str = "", **kw: Any
) -> TestResponse:
    token = form_token(client)
    data = {"email": email, "password": password, "csrf_token": token, "next": next}
    return client.post("/admin/login", data=data, **kw)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> TestResponse:
    """POST a form with this session's CSRF token, taken from a page as a browser would."""
    return client.post(path, data={**(data or {}), "csrf_token": form_token(client)})


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    """A client signed in as the admin."""
    assert login(client).status_code == 302
    return client


def db_listings(app: Flask) -> list[Listing]:
    with app.app_context():
        return list(db.session().scalars(sa.select(Listing).order_by(Listing.external_id)))


def runs(app: Flask) -> list[ImportRun]:
    with app.app_context():
        return list(db.session().scalars(sa.select(ImportRun).order_by(ImportRun.id)))


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


# Sign-in, sessions and throttling


def test_login_and_logout(client: FlaskClient) -> None:
    assert client.get("/admin/listings").headers["Location"].startswith("/admin/login")
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert f"Signed in as {EMAIL}" in text(client.get("/admin/"))
    assert post(client, "/admin/logout").headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 302


@pytest.mark.full_cost_hashing
def test_passwords_are_kept_as_scrypt_hashes_at_full_cost(app: Flask, client: FlaskClient) -> None:
    # The rest of the suite hashes at a low cost, for speed (conftest.QUICK_HASH); the app
    # itself uses werkzeug's scrypt at its default cost, which the stored hash names.
    with app.app_context():
        stored = db.session().scalar(
            sa.select(AdminUser.password_hash).where(AdminUser.email == EMAIL)
        )
    assert stored is not None and PASSWORD not in stored
    method = stored.split("$")[0]
    assert method.startswith("scrypt:") and method == generate_password_hash("x").split("$")[0]
    assert login(client).status_code == 302
    assert login(app.test_client(), password="not the password").status_code == 401


def test_wrong_password_is_refused(client: FlaskClient) -> None:
    response = login(client, password="not the password")
    assert response.status_code == 401 and "Wrong email or password." in text(response)
    assert login(client, email="nobody@example.org").status_code == 401
    assert client.get("/admin/").status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app: Flask) -> None:
    for target, landing in [
        ("/admin/imports", "/admin/imports"),
        ("//evil.example/admin", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/search", "/admin/"),
    ]:
        response = login(app.test_client(), next=target)
        assert response.headers["Location"] == landing


# Line breaks would split the Location header (werkzeug refuses, a 500); other control
# characters have no business in an admin path either.
BROKEN_NEXT = [
    "/admin/imports\r\nSet-Cookie: session=planted",
    "/admin/imports\n",
    "/admin/\rx",
    "/admin/\x00",
    "/admin/\tx",
    "/admin/\x7f",
    "/admin/\x85",  # NEL, a C1 control
    "/admin/\u2028",  # line separator
]


@pytest.mark.parametrize("target", BROKEN_NEXT, ids=repr)
def test_a_next_with_control_characters_goes_to_the_admin_home(
    app: Flask, add: Callable[..., Listing], target: str
) -> None:
    client = app.test_client()
    page = client.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200
    response = login(client, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    signed_in = client.get("/admin/login", query_string={"next": target})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/admin/"
    item = add()
    for action in ("unpublish", "publish"):  # the edit and delete pages' forms send a next
        response = post(client, f"/admin/listings/{item.id}/{action}", {"next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert db_listings(app)[0].published


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(target=st.text() | st.text().map("/admin".__add__))
def test_any_next_leads_to_a_path_inside_admin(app: Flask, target: str) -> None:
    with app.test_request_context():
        response = redirect(safe_next(target))
        location = response.get_wsgi_headers(request.environ)["Location"]  # whole, never a 500
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", "") and parts.path.startswith("/admin")


def test_login_starts_a_fresh_session(client: FlaskClient) -> None:
    form_token(client)
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
        before = s["csrf_token"]  # Flask-WTF's raw token, which signed tokens are made from
    login(client)
    form_token(client)
    with client.session_transaction() as s:
        assert "planted" not in s and s["csrf_token"] != before


def test_session_cookie_is_httponly_lax_and_secure(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True  # the default outside debug mode
    page = client.get("/admin/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    response = client.post("/admin/login", data=data, base_url="https://localhost")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_new_password_signs_out_other_sessions(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, "another long password")
    assert admin.get("/admin/").status_code == 302


def browser(app: Flask, cookie: str) -> FlaskClient:
    """A client holding a session cookie someone saved: another tab, browser or attacker."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def saved_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_cookie_saved_before_logout_opens_nothing_after_it(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    token, cookie = form_token(admin), saved_cookie(admin)
    assert post(admin, "/admin/logout").headers["Location"] == "/admin/login"
    replayed = browser(app, cookie)
    response = replayed.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")
    replayed = browser(app, cookie)  # the saved cookie still holds the form token it was given
    refused = replayed.post(f"/admin/listings/{item.id}/unpublish", data={"csrf_token": token})
    assert refused.status_code == 403 and "Sign in first" in text(refused)
    assert db_listings(app)[0].published


def test_logout_ends_the_admins_sessions_in_other_browsers(app: Flask, admin: FlaskClient) -> None:
    laptop = app.test_client()
    assert login(laptop).status_code == 302
    post(admin, "/admin/logout")
    assert laptop.get("/admin/").status_code == 302
    assert "Your session has ended" in text(laptop.get("/admin/login"))


def test_a_new_password_ends_every_session_including_the_one_setting_it(
    app: Flask, admin: FlaskClient, runner: Any
) -> None:
    laptop = app.test_client()
    assert login(laptop).status_code == 302
    with app.app_context():  # as the `finder` script runs commands
        result = runner.invoke(args=["create-admin", EMAIL], input="a brand new passphrase 42\n")
    assert result.exit_code == 0, result.output
    assert admin.get("/admin/").status_code == 302 and laptop.get("/admin/").status_code == 302
    assert login(app.test_client(), password="a brand new passphrase 42").status_code == 302


def test_another_admin_signing_out_leaves_this_one_signed_in(
    app: Flask, admin: FlaskClient
) -> None:
    with app.app_context():
        accounts.set_password(db.session(), "colleague@example.org", "another long password")
    colleague = app.test_client()
    login(colleague, email="colleague@example.org", password="another long password")
    post(colleague, "/admin/logout")
    assert admin.get("/admin/").status_code == 200


@pytest.fixture
def clock(monkeypatch: Any) -> list[dt.datetime]:
    """The admin pages' clock, moved by the test instead of by sleeping."""
    now = [dt.datetime(2026, 3, 1, 8, 0)]
    monkeypatch.setattr(accounts, "clock", lambda: now[0])
    return now


def test_a_session_ends_12_hours_after_sign_in_however_busy(
    client: FlaskClient, clock: list[dt.datetime]
) -> None:
    login(client)
    for _ in range(11):  # busy all day: never idle
        clock[0] += dt.timedelta(hours=1)
        assert client.get("/admin/").status_code == 200
    clock[0] += dt.timedelta(minutes=59)
    assert client.get("/admin/").status_code == 200
    clock[0] += dt.timedelta(minutes=1, seconds=1)  # 12 hours and a second after signing in
    response = client.get("/admin/listings")
    assert response.headers["Location"] == "/admin/login?next=/admin/listings"
    page = text(client.get(response.headers["Location"]))
    assert "Your session has ended. Sign in again." in page
    assert login(client).status_code == 302  # signing in again starts a new 12 hours
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_after_2_hours_idle(
    app: Flask, client: FlaskClient, clock: list[dt.datetime], add: Callable[..., Listing]
) -> None:
    item = add()
    login(client)
    clock[0] += dt.timedelta(minutes=119)
    assert client.get("/admin/").status_code == 200  # each request restarts the idle time
    clock[0] += dt.timedelta(minutes=119)
    token = form_token(client)
    clock[0] += dt.timedelta(hours=2, seconds=1)
    refused = client.post(f"/admin/listings/{item.id}/unpublish", data={"csrf_token": token})
    assert refused.status_code == 403 and db_listings(app)[0].published
    assert client.get("/admin/").status_code == 302


def test_session_limits_come_from_the_settings(
    app: Flask, client: FlaskClient, clock: list[dt.datetime]
) -> None:
    app.config.update(ADMIN_SESSION_HOURS=1.0, ADMIN_IDLE_MINUTES=10.0)
    login(client)
    clock[0] += dt.timedelta(minutes=9)
    assert client.get("/admin/").status_code == 200
    clock[0] += dt.timedelta(minutes=10, seconds=1)
    assert client.get("/admin/").status_code == 302


def test_sixth_attempt_is_refused_even_with_the_right_password(client: FlaskClient) -> None:
    for attempt in range(5):
        response = login(client, password=f"wrong {attempt}")
    assert response.status_code == 429
    assert "Too many attempts, try again in 15 minutes." in text(response)
    response = login(client)
    assert response.status_code == 429 and "Too many attempts" in text(response)
    assert response.headers["Retry-After"] == "900"
    assert client.get("/admin/").status_code == 302


def test_the_lock_counts_down_and_lifts(client: FlaskClient, monkeypatch: Any) -> None:
    now = [dt.datetime(2026, 3, 1, 12, 0)]
    monkeypatch.setattr(accounts, "clock", lambda: now[0])
    for attempt in range(5):
        login(client, password=f"wrong {attempt}")
    now[0] += dt.timedelta(minutes=10)
    assert "try again in 5 minutes" in text(login(client))
    now[0] += dt.timedelta(minutes=5, seconds=1)
    assert login(client).status_code == 302


def test_a_good_sign_in_forgets_the_emails_failures_but_not_the_addresses(
    app: Flask,
) -> None:
    here, elsewhere = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    client = app.test_client()
    for n in range(4):
        login(client, password=f"wrong {n}", environ_base=here)
    assert login(client, environ_base=here).status_code == 302
    other = app.test_client()
    for n in range(4):  # had the email kept its four, the first of these would lock it
        assert login(other, password=f"wrong {n}", environ_base=elsewhere).status_code == 401
    # The first address kept its four failures: one more guess from it locks it.
    guess = login(app.test_client(), email="guess@example.org", environ_base=here)
    assert guess.status_code == 429


def test_throttling_counts_per_address_too(app: Flask) -> None:
    here = app.test_client()
    for n in range(5):  # five different emails from one address
        login(here, email=f"guess{n}@example.org", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert login(here, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    elsewhere = app.test_client()
    assert login(elsewhere, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


# CSRF, sign-in everywhere, private headers


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "wrong"])
def test_posts_without_the_right_token_are_refused(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing], token: str | None
) -> None:
    item = add()
    data = {} if token is None else {"csrf_token": token}
    response = admin.post(f"/admin/listings/{item.id}/unpublish", data=data)
    assert response.status_code == 400
    assert "did not come from NET Finder" in text(response)
    assert db_listings(app)[0].published
    assert admin.post("/admin/logout", data=data).status_code == 400
    assert admin.get("/admin/").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    theirs = form_token(app.test_client())  # a real token, but of someone else's session
    response = admin.post(f"/admin/listings/{item.id}/unpublish", data={"csrf_token": theirs})
    assert response.status_code == 400 and "did not come from NET Finder" in text(response)
    assert db_listings(app)[0].published


def test_login_form_needs_its_token_too(client: FlaskClient) -> None:
    client.get("/admin/login")
    response = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired or did not come from NET Finder" in text(response)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("how", ["never-signed-in", "signed-out", "12-hours-on", "idle"])
def test_every_admin_url_is_refused_without_sign_in(
    app: Flask,
    client: FlaskClient,
    add: Callable[..., Listing],
    clock: list[dt.datetime],
    how: str,
) -> None:
    item = add()
    if how != "never-signed-in":
        login(client)
    token = form_token(client)  # a valid token: the refusal is about signing in, not CSRF
    cookie = saved_cookie(client)  # replayed on every request below
    if how == "signed-out":
        post(client, "/admin/logout")
    elif how == "12-hours-on":
        app.config["ADMIN_IDLE_MINUTES"] = 24 * 60.0  # so only the 12 hours can end it
        clock[0] += dt.timedelta(hours=12)
    elif how == "idle":
        clock[0] += dt.timedelta(hours=2)
    checked = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint in PUBLIC:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, item.id))
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            client.set_cookie("session", cookie)
            if method == "GET":
                response = client.get(url)
                assert response.status_code == 302, url
                assert response.headers["Location"].startswith("/admin/login?next="), url
            else:
                response = client.post(url, data={"csrf_token": token, "token": "x" * 32})
                assert response.status_code == 403, url
                assert "Sign in first" in text(response)
            checked.add((method, rule.endpoint))
    assert {
        ("POST", "admin.listings.delete"),
        ("GET", "admin.imports.export"),
        ("POST", "admin.imports.confirm"),
    } <= checked
    assert len(checked) >= 15
    assert [(x.name, x.published) for x in db_listings(app)] == [(item.name, True)]


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/listings", "/admin/import"])
def test_admin_pages_are_never_cached_or_indexed(client: FlaskClient, path: str) -> None:
    if path != "/admin/login":
        login(client)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in text(response)


def test_redirects_and_errors_are_private_too(client: FlaskClient) -> None:
    for response in (client.get("/admin/"), client.post("/admin/logout")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


# Upload → preview → confirm


def upload(client: FlaskClient, data: bytes, name: str = "partner.csv", **fields: Any) -> Any:
    token = form_token(client)
    form = {"file": (io.BytesIO(data), name), "source": "partner", "csrf_token": token, **fields}
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def uploads_left(app: Flask) -> list[PendingUpload]:
    with app.app_context():
        return list(db.session().scalars(sa.select(PendingUpload)))


def confirm_token(page: str) -> str | None:
    found = re.search(r'name="token" value="([^"]+)"', page)
    return found.group(1) if found else None


def test_preview_then_confirm_imports_the_file(app: Flask, admin: FlaskClient) -> None:
    preview = upload(admin, csv_bytes(*ROWS))
    page = text(preview)
    assert preview.status_code == 200
    assert "Would be created" in page and "Dr. Ana Peña" in page
    assert db_listings(app) == [] and runs(app) == []  # a preview changes and logs nothing
    token = confirm_token(page)
    [waiting] = uploads_left(app)  # the bytes wait in the database, for any server
    assert waiting.data == csv_bytes(*ROWS) and waiting.user == EMAIL
    assert token and token not in repr(vars(waiting))  # only the browser holds the token
    result = post(admin, "/admin/import/confirm", {"token": token})
    assert result.status_code == 302
    assert [x.name for x in db_listings(app)] == [
        "Dr. Ana Peña",
        "Côte NET Center",
        "Online NET Circle",
    ]
    run = runs(app)[0]
    assert (run.user, run.filename, run.created, run.applied) == (EMAIL, "partner.csv", 3, True)
    assert result.headers["Location"] == f"/admin/imports/{run.id}"
    assert "The file was imported." in text(admin.get(result.headers["Location"]))
    assert uploads_left(app) == []
    again = post(admin, "/admin/import/confirm", {"token": token})  # a second click
    assert "already imported" in text(admin.get(again.headers["Location"]))
    assert len(runs(app)) == 1


def test_an_invalid_file_changes_nothing_and_offers_no_confirm(
    app: Flask, admin: FlaskClient
) -> None:
    response = upload(admin, csv_bytes(ROWS[0], BAD_ROW))
    page = text(response)
    assert "Nothing will change." in page
    # Each problem names the listing, so the row can be found in the spreadsheet.
    assert (
        "<td>3</td><td>Dr. Nowhere</td><td><code>zip</code></td><td>ZIP code 99999 was not found."
        in page
    )
    assert "/admin/import/confirm" not in page and confirm_token(page) is None
    assert uploads_left(app) == [] and db_listings(app) == [] and runs(app) == []


def test_preview_escapes_what_the_file_says(admin: FlaskClient) -> None:
    row = "x1,doctor,<b>Dr. Bold</b>,1 Example St,Boston,MA,02115,,,<script>x</script>,no\n"
    page = text(upload(admin, csv_bytes(row)))
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_skip_invalid_imports_the_valid_rows(app: Flask, admin: FlaskClient) -> None:
    page = text(upload(admin, csv_bytes(ROWS[0], BAD_ROW), skip_invalid="1"))
    assert "1 row with problems will be skipped" in page
    post(admin, "/admin/import/confirm", {"token": confirm_token(page)})
    assert [x.external_id for x in db_listings(app)] == ["a1"]
    assert (runs(app)[0].created, runs(app)[0].skipped) == (1, 1)


def test_replace_source_preview_says_how_many_would_be_unpublished(
    app: Flask, admin: FlaskClient
) -> None:
    page = text(upload(admin, csv_bytes(*ROWS)))
    post(admin, "/admin/import/confirm", {"token": confirm_token(page)})
    page = text(upload(admin, csv_bytes(ROWS[0]), replace_source="1"))
    assert "2 listings of source “partner” are missing from this file" in page
    post(admin, "/admin/import/confirm", {"token": confirm_token(page)})
    assert [x.published for x in db_listings(app)] == [True, False, False]


def test_cancel_forgets_the_upload(app: Flask, admin: FlaskClient) -> None:
    page = text(upload(admin, csv_bytes(ROWS[0])))
    post(admin, "/admin/import/cancel", {"token": confirm_token(page)})
    assert uploads_left(app) == [] and db_listings(app) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("listings.xlsx", b"PK\x03\x04 a workbook", "is not a CSV file"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        ("notes.csv", b"just,some,words\n1,2,3\n", "needs at least “kind” and “name” columns"),
        ("empty.csv", b"", "The file is empty"),
    ],
)
def test_non_csv_files_are_refused(
    app: Flask, admin: FlaskClient, name: str, data: bytes, message: str
) -> None:
    response = upload(admin, data, name=name)
    assert response.status_code == 400 and message in text(response)
    assert 'aria-describedby="f-file-help f-file-error"' in text(response)
    assert uploads_left(app) == [] and runs(app) == []


def test_upload_needs_a_file_and_a_source(admin: FlaskClient) -> None:
    response = upload(admin, b"", name="", source=" ")
    assert response.status_code == 400
    assert "Choose a CSV file" in text(response) and "Name the source" in text(response)


def test_oversize_upload_gets_a_friendly_page(app: Flask, admin: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(admin, csv_bytes(ROWS[0] * 100))
    assert response.status_code == 413
    assert "That file is too large" in text(response) and "finder import-csv" in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert db_listings(app) == []


# Listings: find, edit, publish, delete


def test_listings_search_filter_and_paginate(
    admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    for n in range(52):
        add(name=f"Dr. Page {n:02d}")
    add(name="Harbor NET Program", kind="program", organization="Harbor Health", source="x")
    add(name="Dr. Hidden", published=False, city="Worcester")
    page1 = text(admin.get("/admin/listings"))
    assert "54 listings, page 1 of 2." in page1 and page1.count("/edit") == 50
    page2 = text(admin.get("/admin/listings?page=2"))
    assert page2.count("/edit") == 4 and "Harbor NET Program" in page2
    assert "1 listing." in text(admin.get("/admin/listings?q=harbor+health"))
    assert "1 listing." in text(admin.get("/admin/listings?kind=program"))
    assert "1 listing." in text(admin.get("/admin/listings?source=x"))
    hidden = text(admin.get("/admin/listings?published=no"))
    assert "1 listing." in hidden and "Dr. Hidden" in hidden
    assert "1 listing." in text(admin.get("/admin/listings?q=worcester"))
    assert "0 listings." in text(admin.get("/admin/listings?q=%25"))  # LIKE wildcards are text


def test_admin_pages_escape_listing_text(admin: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(name='<script>alert("x")</script>')
    for path in ("/admin/listings", f"/admin/listings/{item.id}/edit"):
        page = text(admin.get(path))
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def edit_form(admin: FlaskClient, item: Listing) -> dict[str, Any]:
    """The edit form's current values, as a browser would submit them unchanged."""
    page = text(admin.get(f"/admin/listings/{item.id}/edit"))
    form: dict[str, Any] = {}
    for m in re.finditer(
        r'<input id="f-(\w+)" name="\w+" type="(?:text|tel)" value="([^"]*)"', page
    ):
        form[m.group(1)] = m.group(2)
    form["kind"] = item.kind
    form["tumor_sites"] = item.tumor_sites
    return form


def test_edit_with_a_bad_zip_shows_the_error_and_changes_nothing(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add(tumor_sites=["lung"])
    form = {**edit_form(admin, item), "zip": "99999", "name": "Dr. Renamed"}
    response = post(admin, f"/admin/listings/{item.id}/edit", form)
    page = text(response)
    assert response.status_code == 400 and "Nothing was saved" in page
    assert 'aria-describedby="f-zip-error" aria-invalid="true"' in page
    assert re.search(r'id="f-zip-error"[^>]*>.*ZIP code 99999 was not found', page)
    assert 'value="Dr. Renamed"' in page  # what was typed stays in the form
    saved = db_listings(app)[0]
    assert (saved.name, saved.zip) == (item.name, "02115")


def test_edit_saves_with_the_import_rules(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add(tumor_sites=["lung"])
    form = {
        **edit_form(admin, item),
        "name": "Dr. Ana Peña",
        "phone": "617.555.0142 x12",
        "website": "www.example.org",
        "tumor_sites": ["lung", "pancreas"],
        "telehealth": "yes",
        "state": "Massachusetts",
        "latitude": "",
        "longitude": "",
    }
    response = post(admin, f"/admin/listings/{item.id}/edit", form)
    assert response.status_code == 302
    assert "Saved “Dr. Ana Peña”." in text(admin.get(response.headers["Location"]))
    saved = db_listings(app)[0]
    assert (saved.name, saved.phone, saved.website) == (
        "Dr. Ana Peña",
        "(617) 555-0142 ext. 12",
        "https://www.example.org",
    )
    assert saved.tumor_sites == ["lung", "pancreas"] and saved.telehealth
    assert (saved.state, saved.precision) == ("MA", "zip")  # placed from the ZIP code again


def test_edit_refuses_an_external_id_another_listing_has(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(external_id="taken")
    item = add(external_id="mine")
    response = post(
        admin, f"/admin/listings/{item.id}/edit", {**edit_form(admin, item), "external_id": "taken"}
    )
    assert response.status_code == 400 and "already has this external id" in text(response)
    assert sorted(x.external_id or "" for x in db_listings(app)) == ["mine", "taken"]


def test_unpublish_and_publish(app: Flask, admin: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add()
    response = post(admin, f"/admin/listings/{item.id}/unpublish", {"next": "/admin/listings"})
    assert response.headers["Location"] == "/admin/listings"
    assert "is hidden from patients" in text(admin.get("/admin/listings"))
    assert not db_listings(app)[0].published
    assert admin.get(f"/listings/{item.id}").status_code == 404
    post(admin, f"/admin/listings/{item.id}/publish")
    assert db_listings(app)[0].published
    assert admin.get(f"/listings/{item.id}").status_code == 200


def test_delete_asks_first(app: Flask, admin: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(name="Dr. Gone")
    page = text(admin.get(f"/admin/listings/{item.id}/delete"))
    assert "Delete “Dr. Gone”?" in page and "can't be undone" in page
    assert len(db_listings(app)) == 1
    response = post(admin, f"/admin/listings/{item.id}/delete")
    assert response.headers["Location"] == "/admin/listings"
    assert "Deleted “Dr. Gone”." in text(admin.get("/admin/listings"))
    assert db_listings(app) == []
    assert post(admin, f"/admin/listings/{item.id}/delete").status_code == 404


# The import log and downloads


def test_import_log_lists_runs_and_shows_each_report(app: Flask, admin: FlaskClient) -> None:
    page = text(upload(admin, csv_bytes(ROWS[0], BAD_ROW), skip_invalid="1"))
    post(admin, "/admin/import/confirm", {"token": confirm_token(page)})
    run = runs(app)[0]
    log = text(admin.get("/admin/imports"))
    assert f"/admin/imports/{run.id}" in log and "partner.csv" in log and EMAIL in log
    report = text(admin.get(f"/admin/imports/{run.id}"))
    assert "ZIP code 99999 was not found." in report and run.sha256 in report
    assert admin.get("/admin/imports/999").status_code == 404


@pytest.mark.parametrize("number", [2**31 - 1, 2**31, 2**63, 10**30], ids=str)
def test_ids_too_large_for_any_row_are_simply_not_found(
    app: Flask, admin: FlaskClient, number: int
) -> None:
    for path in (f"/admin/listings/{number}/edit", f"/admin/imports/{number}"):
        assert admin.get(path).status_code == 404, path
    for action in ("publish", "unpublish"):
        assert post(admin, f"/admin/listings/{number}/{action}").status_code == 404, action
    # Werkzeug checks the method before converting the id, so a POST to a URL that also has a
    # GET rule is "method not allowed" when the id is past what ids can be: refused either way.
    largest = DatabaseInt(app.url_map).max
    routable = largest is not None and number <= largest
    for action in ("edit", "delete"):
        status = post(admin, f"/admin/listings/{number}/{action}").status_code
        assert status == 404 or (not routable and status == 405), action


def test_export_downloads_the_import_format(
    admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Peña", source="partner")
    add(name="=HYPERLINK()", source="other")
    response = admin.get("/admin/export.csv?source=partner")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "listings-partner-" in disposition
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Dr. Peña"]
    everything = admin.get("/admin/export.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK()" in everything  # made safe for spreadsheets


def test_template_download_is_the_header_row(admin: FlaskClient) -> None:
    response = admin.get("/admin/template.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_data(as_text=True).strip().split(",") == list(COLUMNS)
