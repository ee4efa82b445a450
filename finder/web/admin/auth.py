"""Admin sign-in and sign-out, and where a form may send the admin next."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from finder import accounts, db

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Where to go after a form: a path inside /admin, never another site or a broken header."""
    # isprintable() is False for CR, LF and every other control or separator but the space:
    # they would split the Location header (a 500), or hide what the path really is.
    if target and target.startswith("/admin") and "\\" not in target and target.isprintable():
        return target
    return url_for("admin.index")


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
    return redirect(url_for("admin.auth.login"))
