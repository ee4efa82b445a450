"""NET Finder: find NET doctors, treatment programs and support groups near you."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from finder import config, logs, paths, security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then FINDER_* variables, then tests'."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(paths.TEMPLATES),
    )
    # Every setting, its default and its help live in finder/config.py, as data.
    app.extensions[config.EXTENSION] = config.load(app.config, Path(app.instance_path), test_config)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.debug
    from finder.web import i18n

    # Inside the proxy handling, so the language prefix comes off the path a proxy passed on.
    i18n.init_app(app)
    hops = app.config["PROXY_HOPS"]
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
    from finder.places import geocode
    from finder.search import index
    from finder.web import admin, api, assets, public, reports, sites

    security.init_app(app)
    db.init_app(app)
    # One set of geocoders per app, used by the search, the importer, the admin and the CLI.
    app.extensions[geocode.EXTENSION] = geocode.from_config(app.config)
    with app.app_context():
        # An index an interrupted import (or a hand edit) left behind is rebuilt before any
        # search can miss a listing; what was found is logged.
        index.ensure_index(db.engine())
    app.register_blueprint(public.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sites.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(admin.bp)
    content.load()  # broken education content stops the app here, not with a 500 later
    cli.init_app(app)
    logs.keep_queries_out("werkzeug")
    return app
