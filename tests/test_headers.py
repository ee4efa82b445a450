"""Security headers on every kind of response, and pages the policy can hold without exceptions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from finder import create_app, db
from finder.content import sites
from finder.models import Listing

NONCE = re.compile(r"'nonce-([^']+)'")
# A name that would add attributes to any tag it reached unescaped.
HOSTILE_NAME = 'Dr. Quote" onmouseover="window.__xss=1" style="color:red'


def policy(resp: TestResponse) -> dict[str, str]:
    """The response's Content-Security-Policy, directive name -> value."""
    header = resp.headers.get("Content-Security-Policy", "")
    assert header, f"{resp.request.path}: no Content-Security-Policy"
    parts = (d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def nonce_of(resp: TestResponse) -> str:
    [nonce] = NONCE.findall(policy(resp)["script-src"])
    return nonce


def assert_secure_headers(resp: TestResponse) -> None:
    where = f"{resp.request.method} {resp.request.path} ({resp.status_code})"
    csp = policy(resp)
    assert NONCE.search(csp["script-src"]), where
    for directive in ("script-src", "style-src", "default-src"):
        value = csp.get(directive, "")
        assert "'unsafe-inline'" not in value and "'unsafe-eval'" not in value, where
    assert csp["object-src"] == "'none'", where
    assert csp["base-uri"] == "'none'", where
    assert csp["frame-ancestors"] == "'none'", where
    assert csp["form-action"] == "'self'", where
    assert "upgrade-insecure-requests" not in csp, where  # FORCE_HTTPS is off
    assert resp.headers["X-Content-Type-Options"] == "nosniff", where
    assert resp.headers["Referrer-Policy"] == "no-referrer", where
    features = {
        f.split("=", 1)[0].strip(): f.split("=", 1)[1].strip()
        for f in resp.headers["Permissions-Policy"].split(",")
    }
    assert features["geolocation"] == "(self)", where
    assert all(v == "()" for k, v in features.items() if k != "geolocation"), where
    assert "Strict-Transport-Security" not in resp.headers, where  # a plain HTTP request


@pytest.fixture
def listing(add: Callable[..., Listing]) -> Listing:
    return add(name=HOSTILE_NAME, organization="<b>Org</b>", description="x' onload='y")


def test_every_kind_of_response_carries_the_headers(client: FlaskClient, listing: Listing) -> None:
    responses = {
        "page": client.get("/"),
        "results": client.get("/search?q=02115"),
        "listing page": client.get(f"/listings/{listing.id}"),
        "api json": client.get("/api/v1/search?q=02115"),
        "api error": client.get("/api/v1/search?q=99999"),
        "api 404": client.get("/api/v1/nothing-here"),
        "404": client.get("/nothing-here"),
        "405": client.post("/about"),
        "api 405": client.delete("/api/v1/search"),
        "static file": client.get("/static/style.css"),
        "leaflet": client.get("/vendor/leaflet/leaflet.js"),
        "admin sign-in": client.get("/admin/login"),
    }
    statuses = {kind: r.status_code for kind, r in responses.items()}
    assert statuses == {
        "page": 200,
        "results": 200,
        "listing page": 200,
        "api json": 200,
        "api error": 400,
        "api 404": 404,
        "404": 404,
        "405": 405,
        "api 405": 405,
        "static file": 200,
        "leaflet": 200,
        "admin sign-in": 200,
    }
    for resp in responses.values():
        assert_secure_headers(resp)
        resp.close()


def test_each_response_has_its_own_nonce(client: FlaskClient) -> None:
    first, second = client.get("/"), client.get("/")
    assert nonce_of(first) != nonce_of(second)
    assert len(nonce_of(first)) >= 16
    # Styles need no nonce (no page has an inline style); if the policy gives one, it is
    # the response's own.
    assert NONCE.findall(policy(first)["style-src"]) in ([], [nonce_of(first)])


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/").headers
    # Straight from a client (no proxy configured), the header is a claim, not a fact.
    forged = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_hsts_behind_a_trusted_proxy(database_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "PROXY_HOPS": 1})
    with app.app_context():
        db.create_schema(db.engine())
    client = app.test_client()
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    via_https = client.get("/", headers={**proxied, "X-Forwarded-Proto": "https"})
    assert "max-age=" in via_https.headers["Strict-Transport-Security"]
    via_http = client.get("/", headers={**proxied, "X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in via_http.headers
    with app.app_context():
        db.engine().dispose()


def test_upgrade_insecure_requests_only_when_https_is_forced(database_url: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "FORCE_HTTPS": True})
    with app.app_context():
        db.create_schema(db.engine())
    client = app.test_client()
    plain = client.get("/about")
    assert plain.status_code in (301, 302)
    assert plain.headers["Location"].startswith("https://")
    secure = client.get("/about", base_url="https://localhost")
    assert secure.status_code == 200
    assert "upgrade-insecure-requests" in policy(secure)
    with app.app_context():
        db.engine().dispose()


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside inline blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def public_pages(listing_id: int) -> Iterator[str]:
    yield from ("/", "/search?q=02115", f"/listings/{listing_id}", "/about")
    yield from ("/search?q=%3Csvg%20onload%3Dalert(1)%3E", "/search?q=99999")  # error pages
    yield "/sites/"
    yield from (f"/sites/{slug}" for slug in sites.load() if slug != "index")
    yield from ("/nothing-here", "/sites/nothing-here")


def test_inline_blocks_carry_the_nonce_and_no_markup_attribute_runs_or_styles(
    client: FlaskClient, listing: Listing, app: Flask
) -> None:
    seen_inline_script = False
    for path in public_pages(listing.id):
        resp = client.get(path)
        assert resp.status_code in (200, 400, 404), path
        assert resp.mimetype == "text/html", path
        nonce = nonce_of(resp)
        parser = Tags()
        parser.feed(resp.get_data(as_text=True))
        for tag, attrs in parser.tags:
            where = f"{path}: <{tag} {attrs}>"
            # Inline code needs the nonce; a JSON data block is never run, so needs none.
            data_block = tag == "script" and attrs.get("type") == "application/json"
            if tag in ("script", "style") and "src" not in attrs and not data_block:
                assert attrs.get("nonce") == nonce, where
                seen_inline_script = seen_inline_script or tag == "script"
            # The policy forbids inline style attributes and handlers; none may be needed.
            assert "style" not in attrs, where
            assert not [a for a in attrs if a.startswith("on")], where
    assert seen_inline_script  # the map pages' own script was among them
