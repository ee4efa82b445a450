"""The app's security wiring: response headers, CSRF on unsafe methods, ids, the secret key."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

talisman = Talisman()
csrf = CSRFProtect()

# The one feature a page may use: "Use my location" on the search form, for the app itself.
PERMISSIONS = {
    "geolocation": "(self)",
    **{
        feature: "()"
        for feature in (
            "accelerometer",
            "browsing-topics",
            "camera",
            "display-capture",
            "gyroscope",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "usb",
        )
    },
}
WEAK_KEYS = {"dev", "secret", "changeme", "change-me"}
KEY_FILE = "secret_key"


class DatabaseInt(IntegerConverter):
    """An <int:...> URL part that fits a database id; a larger one is simply not found."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's name)
        # Ids are sa.Integer: 64 bits on SQLite but 32 on PostgreSQL, where a larger number in
        # a query is an error ("integer out of range"), not an empty result.
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def content_security_policy(tile_url: str, force_https: bool) -> dict[str, str | list[str]]:
    """The policy every response carries: the app's own files, plus the nonce'd map setup."""
    images = ["'self'", "data:"]  # data: for Leaflet's own CSS images
    if tile_url:
        parts = urlsplit(tile_url)  # {s}.tile.example.org: any of the tile subdomains
        images.append(f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}")
    policy: dict[str, str | list[str]] = {
        "default-src": "'self'",
        # Scripts: the app's files, and the inline blocks folium renders (the map's setup),
        # each carrying this response's nonce. Never 'unsafe-inline' or 'unsafe-eval'.
        "script-src": "'self'",
        # Styles: the app's files only. folium's <style> blocks live in style.css, and Leaflet
        # positions tiles and markers through element.style, which a policy does not restrict.
        "style-src": "'self'",
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    if force_https:
        policy["upgrade-insecure-requests"] = ""
    return policy


def secret_key(app: Flask) -> str:
    """The key that signs sessions: configured, or made once into the instance folder.

    A weak configured key stops a production start; with none configured, a random key is
    written to instance/secret_key (and said so), which every worker on this machine shares.
    """
    key = app.config.get("SECRET_KEY")
    if key:
        if (str(key) in WEAK_KEYS or len(str(key)) < 16) and not (app.debug or app.testing):
            raise RuntimeError(
                "FINDER_SECRET_KEY is a placeholder. Set it to a long random value, e.g. "
                "FINDER_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
                "or unset it to have one made once in the instance folder."
            )
        return str(key)
    path = Path(app.instance_path) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    log.warning(
        "No FINDER_SECRET_KEY set: made one in %s. Servers sharing a database need the same "
        "key; set FINDER_SECRET_KEY on each.",
        path,
    )
    return path.read_text(encoding="ascii").strip()


def untrusted_forwarding(wsgi_app: Any) -> Any:
    """Drop X-Forwarded-Proto when no proxy is trusted: a client must not claim HTTPS itself."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return wsgi_app(environ, start_response)

    return app


def init_app(app: Flask) -> None:
    """Wire the security headers, CSRF protection and the bounded id converter into the app."""
    cfg = app.config
    cfg["SECRET_KEY"] = secret_key(app)
    app.url_map.converters["int"] = DatabaseInt  # before any route is registered
    force_https = cfg["FORCE_HTTPS"]
    talisman.init_app(
        app,
        force_https=force_https,
        strict_transport_security=True,  # only ever sent on requests that came over HTTPS
        strict_transport_security_include_subdomains=False,  # other hosts are not ours to pin
        content_security_policy=content_security_policy(cfg["TILE_URL"], force_https),
        content_security_policy_nonce_in=["script-src"],
        # A results URL holds the patient's ZIP or city: never send it to a listing's website.
        referrer_policy="no-referrer",
        permissions_policy=PERMISSIONS,
        frame_options="DENY",
        # Talisman would overwrite the cookie settings above; keep the app's own.
        session_cookie_secure=cfg["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=cfg["SESSION_COOKIE_SAMESITE"],
        x_xss_protection=False,  # obsolete; the CSP does this job
    )
    csrf.init_app(app)
