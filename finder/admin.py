"""Admin pages: sign-in and sign-out, the guards every admin page shares, and the home page.

The import pages (admin_imports) and listing pages (admin_listings) add their routes to this
blueprint, so sign-in and the no-store headers cover them too. CSRF tokens are Flask-WTF's,
checked app-wide on every unsafe method before any of this runs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from finder import accounts, db, geocode, listings

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Open to anyone: the sign-in form and its POST, and signing out (whose button an admin may
# press after the session ended; it needs a form token all the same).
PUBLIC = {"admin.login", "admin.sign_in", "admin.logout"}
EXPIRED_FORM = (
    "This form has expired or did not come from NET Finder, so nothing was changed. "
    "Go back, reload the page and try again."
)


def safe_next(target: str | None) -> str:
    """Where to go after a form: a path inside /admin, never another site or a broken header."""
    # isprintable() is False for CR, LF and every other control or separator but the space:
    # they would split the Location header (a 500), or hide what the path really is.
    if target and target.startswith("/admin") and "\\" not in target and target.isprintable():
        return target
    return url_for("admin.index")


def geocoding() -> dict[str, Any]:
    """The import's geocoder settings, for load_csv and listing edits."""
    cfg = current_app.config
    return {
        "geocoder": geocode.online_geocoder(cfg),
        "min_delay": float(cfg["GEOCODER_MIN_DELAY"]),
    }


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    return {"admin": g.get("admin")}


@bp.before_request
def _guard() -> Response | None:
    """Who is signed in (if their session hasn't ended); anyone else reaches PUBLIC pages only."""
    # CSRFProtect, an app-wide before_request, has checked any form's token already.
    cfg, now = current_app.config, accounts.clock()
    g.admin = accounts.signed_in(
        db.session(),
        session,
        max_age=dt.timedelta(hours=float(cfg["ADMIN_SESSION_HOURS"])),
        idle=dt.timedelta(minutes=float(cfg["ADMIN_IDLE_MINUTES"])),
        now=now,
    )
    if g.admin is not None:
        session["admin_seen"] = now.isoformat()
    elif "admin_id" in session:
        session.clear()  # an ended session keeps nothing, not even its form token
        flash("Your session has ended. Sign in again.")
    if g.admin is None and request.endpoint not in PUBLIC:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        abort(403, "Sign in first: you are not signed in, or your session has ended.")
    return None


@bp.after_request
def _private(response: Response) -> Response:
    # Admin pages hold unpublished data and form tokens: no cache, no search engine, no frame.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["X-Frame-Options"] = "DENY"
    return response


@bp.errorhandler(400)
@bp.errorhandler(403)
def _refused(exc: HTTPException) -> tuple[str, int]:
    return render_template("admin/error.html", error=exc), exc.code or 400


@bp.errorhandler(CSRFError)
def _forged(_exc: CSRFError) -> tuple[str, int]:
    # Flask-WTF's own wording ("The CSRF token is missing.") means nothing to an admin.
    error = CSRFError(EXPIRED_FORM)
    return render_template("admin/error.html", error=error), 400


@bp.errorhandler(413)
def _too_large(_exc: HTTPException) -> tuple[str, int]:
    limit = current_app.config["MAX_CONTENT_LENGTH"] or 0
    return render_template("admin/too_large.html", limit_mb=limit / 1024 / 1024), 413


def _login_page(error: str, status: int, email: str, nxt: str) -> tuple[str, int]:
    return render_template("admin/login.html", error=error, email=email, next=nxt), status


@bp.get("/login")
def login() -> Response | str:
    """The sign-in form; someone signed in already goes on to the page asked for."""
    nxt = request.args.get("next", "")
    if g.admin is not None:
        return redirect(safe_next(nxt))
    return render_template("admin/login.html", error="", email="", next=nxt)


# Its own POST-only route: a view that serves GET too must tell the methods apart, and a HEAD
# (uptime monitors, link checkers) taken for a POST would count as a failed sign-in.
@bp.post("/login")
def sign_in() -> Response | tuple[str, int]:
    """Sign in. Five failures in 15 minutes, per email or per address, lock sign-in."""
    nxt = request.form.get("next", "")
    email = request.form.get("email", "").strip().lower()[:200]
    now = accounts.clock()
    attempt = accounts.sign_in(
        db.session(),
        email,
        request.form.get("password", ""),
        request.remote_addr or "",
        secret=current_app.secret_key or "",
        now=now,
    )
    if attempt.user is not None:
        session.clear()  # a fresh session: nothing from before sign-in carries over
        session.update(accounts.session_values(attempt.user, now))
        return redirect(safe_next(nxt))
    wait = attempt.wait
    if wait is None:
        return _login_page("Wrong email or password.", 401, email, nxt)
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    error = f"Too many attempts, try again in {minutes} minute{'s' if minutes > 1 else ''}."
    page, status = _login_page(error, 429, email, nxt)
    return Response(page, status, {"Retry-After": str(minutes * 60)}, mimetype="text/html")


@bp.post("/logout")
def logout() -> Response:
    """Sign out, here and in every other browser: a copy of the cookie opens nothing."""
    if g.admin is not None:
        accounts.end_sessions(db.session(), g.admin)
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("admin.login"))


@bp.get("/")
def index() -> str:
    """The admin home: import, export, listings and the import log."""
    return render_template("admin/index.html", sources=listings.sources(db.session()))


# The other admin pages register their routes on `bp` when imported (Flask's pattern for
# views split across modules); they come last because they import `bp` from here.
from finder import admin_imports, admin_listings  # noqa: E402, F401
