"""Admin pages: sign-in, CSV upload/preview/confirm, listing management (placeholder)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
def index() -> str:
    """The admin home."""
    return "Coming soon"
