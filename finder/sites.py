"""Tumor-site education pages: content from data/sites/, validated, rendered (placeholder)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.route("/")
def index() -> str:
    """Where NETs occur."""
    return "Coming soon"


@bp.route("/<slug>")
def page(slug: str) -> str:
    """One education page."""
    return "Coming soon"
