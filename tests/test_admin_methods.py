"""Admin routes by HTTP method: only a POST with a CSRF token changes anything.

HEAD, GET and OPTIONS are what uptime monitors, link checkers, prefetchers and `curl -I` send;
none of them may delete a listing or count as a failed sign-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from finder import accounts, db
from finder.directory import importer, reports, uploads
from finder.models import Listing
from tests.test_admin import (
    EMAIL,
    HEADER,
    PASSWORD,
    ROWS,
    db_listings,
    form_token,
    login,
    post,
    text,
    upload,
)

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
SAFE = {"GET", "HEAD", "OPTIONS"}
CSV = (HEADER + "".join(ROWS)).encode()


@pytest.fixture(autouse=True)
def _admin_account(app: Flask) -> None:
    app.config["SESSION_COOKIE_SECURE"] = False  # the test clients talk plain http
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    assert login(client).status_code == 302
    return client


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with app.app_context(), db.engine().connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.Base.metadata.sorted_tables
        }


@pytest.fixture
def rows(app: Flask, add: Callable[..., Listing]) -> Iterator[dict[str, Any]]:
    """A row behind every kind of id an admin URL takes, and a pending upload's token."""
    listing = add(name="Dr. Keep Me", external_id="k1")
    with app.app_context():
        session = db.session()
        importer.load_csv(session, CSV, "partner", filename="partner.csv", user=EMAIL)
        run_id = session.scalar(sa.text("SELECT max(id) FROM import_run"))
        token = uploads.save(
            session,
            CSV,
            filename="partner.csv",
            source="partner",
            skip_invalid=False,
            replace_source=True,
            user=EMAIL,
        )
        # A patient's new suggestion: accepting it would create a listing.
        report = reports.suggest(
            session,
            {"name": "Dr. Suggested", "kind": "doctor", "phone": "617 555 0100"},
            reports.Sender("test"),
            per_hour=5,
        )
    yield {"listing_id": listing.id, "run_id": run_id, "token": token, "report_id": report.id}


def damaging_form(token: str) -> dict[str, str]:
    """What a forged request would send: every field a state-changing admin view reads."""
    return {
        "token": token,  # a real pending upload: confirming it would import
        "email": EMAIL,
        "password": "a wrong guess",  # counted, it would lock sign-in
        "next": "/admin/",
        "name": "Dr. Changed",
        "kind": "doctor",
        "address": "1 Example Street",
        "city": "Boston",
        "state": "MA",
        "zip": "02115",
        "source": "partner",
    }


def test_head_never_deletes_a_listing(app: Flask, admin: FlaskClient, rows: dict[str, Any]) -> None:
    listing_id = rows["listing_id"]
    response = admin.head(f"/admin/listings/{listing_id}/delete")
    assert response.status_code == 200
    assert "Dr. Keep Me" in [x.name for x in db_listings(app)]


def test_head_never_saves_an_edit(app: Flask, admin: FlaskClient, rows: dict[str, Any]) -> None:
    listing_id = rows["listing_id"]
    admin.head(f"/admin/listings/{listing_id}/edit", data=damaging_form(rows["token"]))
    assert "Dr. Changed" not in [x.name for x in db_listings(app)]


def test_bare_heads_to_the_login_page_never_lock_sign_in(client: FlaskClient) -> None:
    for _ in range(10):  # an uptime monitor, every minute
        assert client.head("/admin/login").status_code == 200
    assert login(client).status_code == 302


def test_no_admin_url_takes_both_a_safe_and_an_unsafe_method(app: Flask) -> None:
    # A view serving GET and POST must tell them apart, and `method == "GET"` forgets HEAD:
    # each state change gets a POST-only route instead.
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            methods = set(rule.methods or ()) - {"OPTIONS"}
            assert methods <= {"GET", "HEAD"} or methods == {"POST"}, (rule.rule, methods)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_no_method_without_a_token_changes_anything_on_any_admin_url(
    app: Flask, client: FlaskClient, rows: dict[str, Any], signed_in: bool
) -> None:
    if signed_in:
        assert login(client).status_code == 302
    before = snapshot(app)
    form = damaging_form(rows["token"])
    walked = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        assert rule.arguments <= rows.keys(), f"give the test a row for {rule.rule}"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: rows[name] for name in rule.arguments})
        for method in METHODS:
            response = client.open(url, method=method, data=form, query_string=form)
            assert response.status_code < 500, (method, url)
            if method not in SAFE:
                assert response.status_code in (400, 403, 405), (method, url)
            walked.add(rule.endpoint)
    assert {
        "admin.listings.delete",
        "admin.auth.login",
        "admin.auth.logout",
        "admin.imports.confirm",
    } <= walked
    assert snapshot(app) == before  # no listing, import, upload, account or failure changed
    if signed_in:
        assert client.get("/admin/").status_code == 200  # nothing signed the admin out
    assert login(app.test_client()).status_code == 302  # and sign-in is not locked


# Every admin page renders under the strict Content-Security-Policy


class Blocked(HTMLParser):
    """What a page's CSP would block: inline <script> or <style> without a nonce its policy
    allows, style attributes, event handler attributes and javascript: links."""

    def __init__(self, nonces: dict[str, str | None]) -> None:
        super().__init__()
        self.nonces, self.found, self.tags = nonces, list[str](), 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        values = dict(attrs)
        if tag in self.nonces and "src" not in values:
            allowed = self.nonces[tag]
            if allowed is None or values.get("nonce") != allowed:
                self.found.append(f"<{tag}> inline, without a nonce the policy allows")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "action", "src", "formaction") and (
                (value or "").strip().lower().startswith("javascript:")
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")


def blocked(response: TestResponse) -> list[str]:
    """What the response's own Content-Security-Policy would block on its page."""
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, _, sources = directive.strip().partition(" ")
        policy[name] = sources
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    nonces: dict[str, str | None] = {}
    for tag in ("script", "style"):
        nonce = re.search(r"'nonce-([^']+)'", policy[f"{tag}-src"])
        nonces[tag] = nonce.group(1) if nonce else None
    page = Blocked(nonces)
    page.feed(text(response))
    assert page.tags > 10, f"not a whole page: {response.status}"
    return page.found


SPECIAL_PAGES = {
    "login": 200,
    "wrong password": 401,
    "sign in first": 403,
    "preview": 200,
    "bad file": 400,
    "edit errors": 400,
    "expired form": 400,
    "not found": 404,
    "too large": 413,
}


def test_every_admin_page_renders_under_the_csp(
    app: Flask, client: FlaskClient, rows: dict[str, Any]
) -> None:
    pages = {"login": client.get("/admin/login")}
    pages["wrong password"] = login(client, password="a wrong guess")
    signed_out = {"csrf_token": form_token(client)}
    pages["sign in first"] = client.post("/admin/import/cancel", data=signed_out)
    assert login(client).status_code == 302
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in (rule.methods or ()):
            with app.test_request_context():
                url = url_for(rule.endpoint, **{name: rows[name] for name in rule.arguments})
            response = client.get(url, follow_redirects=True)
            if response.mimetype == "text/html":
                pages[url] = response
    pages["preview"] = upload(client, CSV)
    pages["bad file"] = upload(client, b"", name="empty.csv")
    pages["edit errors"] = post(
        client, f"/admin/listings/{rows['listing_id']}/edit", {"name": "", "zip": "99999"}
    )
    pages["expired form"] = client.post("/admin/import/cancel", data={"csrf_token": "forged"})
    pages["not found"] = client.get("/admin/imports/999999")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    pages["too large"] = upload(client, CSV * 20)
    statuses = {name: response.status_code for name, response in pages.items()}
    assert statuses | SPECIAL_PAGES == statuses  # each special page is the one meant
    assert {"/admin/", "/admin/import", f"/admin/listings/{rows['listing_id']}/delete"} <= set(
        pages
    )
    assert {name: blocked(response) for name, response in pages.items()} == dict.fromkeys(pages, [])
