"""The admin: one parent blueprint whose guard, headers and error pages cover its children
(auth, imports, listings, reviews), and the home page.

Every child is registered here, so sign-in and the no-store headers cover each of them; no
child imports this module. CSRF tokens are Flask-WTF's, checked app-wide on every unsafe method
before any of this runs.
"""

from __future__ import annotations

import datetime as dt
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

from finder import accounts, db
from finder.directory.history import last as last_import
from finder.directory.listings import count_due, counts, sources, stale_before
from finder.directory.reports import waiting
from finder.web.admin import auth, imports, listings, reviews

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Open to anyone: the sign-in form and its POST, and signing out (whose button an admin may
# press after the session ended; it needs a form token all the same).
PUBLIC = {"admin.auth.login", "admin.auth.sign_in", "admin.auth.logout"}
EXPIRED_FORM = (
    "This form has expired or did not come from NET Finder, so nothing was changed. "
    "Go back, reload the page and try again."
)


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
        max_age=dt.timedelta(hours=cfg["ADMIN_SESSION_HOURS"]),
        idle=dt.timedelta(minutes=cfg["ADMIN_IDLE_MINUTES"]),
        now=now,
    )
    if g.admin is not None:
        session["admin_seen"] = now.isoformat()
    elif "admin_id" in session:
        session.clear()  # an ended session keeps nothing, not even its form token
        flash("Your session has ended. Sign in again.")
    if g.admin is None and request.endpoint not in PUBLIC:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("admin.auth.login", next=request.full_path.rstrip("?")))
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


@bp.get("/")
def index() -> str:
    """The admin home: the directory in numbers, and import, export, listings, the review
    queue and the import log."""
    session = db.session()
    before = stale_before(current_app.config["STALE_AFTER_MONTHS"])
    return render_template(
        "admin/index.html",
        sources=sources(session),
        counts=counts(session),
        due=count_due(session, before),
        waiting=waiting(session),
        last_import=last_import(session),
    )


for child in (auth.bp, imports.bp, listings.bp, reviews.bp):
    bp.register_blueprint(child)
