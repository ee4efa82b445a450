"""NET Finder: find NET doctors, treatment programs and support groups near you."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import logs, paths, security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then FINDER_* variables, then tests'."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(paths.TEMPLATES),
    )
    app.config.from_mapping(
        # Signs session cookies. Unset: one is made once in instance/secret_key. Servers that
        # share a database set the same FINDER_SECRET_KEY; a placeholder stops the start.
        SECRET_KEY=None,
        # SQLAlchemy URL; the default is an SQLite file in the instance folder.
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'finder.sqlite'}",
        # "offline" (ZIP/city table only, private) or "nominatim" (street addresses online).
        GEOCODER="offline",
        # Host of the Nominatim-compatible service, when GEOCODER is "nominatim".
        GEOCODER_DOMAIN="nominatim.openstreetmap.org",
        # "https", or "http" for a local service.
        GEOCODER_SCHEME="https",
        # Seconds to wait for the online geocoder before telling the patient to use a ZIP.
        GEOCODER_TIMEOUT=5.0,
        # Seconds between online geocoder calls (Nominatim's policy is one a second).
        GEOCODER_MIN_DELAY=1.0,
        # Identifies the app to the online geocoder, as its usage policy asks.
        GEOCODER_USER_AGENT="net-finder/0.1",
        # Map tile URL template; empty means no tiles: the app's own state outlines only.
        TILE_URL="",
        # Credit shown on the map for the tiles.
        TILE_ATTRIBUTION="",
        # Largest upload accepted (bytes): a 100k-row listings CSV is about 20 MB.
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        # Admin session cookie: not readable by scripts, not sent on cross-site posts.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # HTTPS-only cookie; None means "yes unless running in debug mode".
        SESSION_COOKIE_SECURE=None,
        # Proxies in front of the app (nginx: 1), so client addresses and HTTPS are seen
        # right; 0 trusts no X-Forwarded-* header.
        PROXY_HOPS=0,
        # Redirect plain HTTP to HTTPS and ask browsers to upgrade; off, as the app serves
        # HTTP on 127.0.0.1 behind a TLS-terminating proxy (which does the redirect itself).
        FORCE_HTTPS=False,
        # An admin session ends this many hours after sign-in, whatever happens.
        ADMIN_SESSION_HOURS=12.0,
        # ... and after this many minutes without a request.
        ADMIN_IDLE_MINUTES=120.0,
        # A form's CSRF token lasts as long as the session it belongs to.
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        # Flask-WTF's HTTPS check wants a Referer, which Referrer-Policy: no-referrer (the
        # patient's privacy) never sends; the token and the SameSite cookie do that job.
        WTF_CSRF_SSL_STRICT=False,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("FINDER")
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.debug
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    else:
        app.wsgi_app = security.untrusted_forwarding(app.wsgi_app)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the API's fields in reading order

    from finder import cli, db
    from finder.content import sites as content
    from finder.search import index
    from finder.web import admin, api, public, sites

    security.init_app(app)
    db.init_app(app)
    with app.app_context():
        # An index an interrupted import (or a hand edit) left behind is rebuilt before any
        # search can miss a listing; what was found is logged.
        index.ensure_index(db.engine())
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sites.bp)
    app.register_blueprint(admin.bp)
    content.load()  # broken education content stops the app here, not with a 500 later
    cli.init_app(app)
    logs.keep_queries_out("werkzeug")
    return app
