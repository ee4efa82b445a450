"""The education pages' blueprint: where NETs occur, one page per site, spread, why it matters."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.content import sites as content

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.route("/")
def index() -> str:
    """Where NETs occur: what they are, key figures, the body diagram and the search box."""
    pages = content.load(content.CONTENT_DIR)  # read per call, so a test can point it elsewhere
    return render_template(
        "sites/index.html",
        page=pages["index"],
        guide=content.guide(pages),
        diagram=content.body_diagram(),
    )


@bp.route("/<slug>")
def page(slug: str) -> str | Response | tuple[str, int]:
    """One education page, with a search for specialists in that site."""
    if slug == "index":
        return redirect(url_for("sites.index"))
    pages = content.load(content.CONTENT_DIR)
    if slug not in pages:
        return render_template("sites/not_found.html", guide=content.guide(pages)), 404
    site = vocab.site(slug)
    count = content.specialist_count(db.session(), slug) if site else None
    return render_template(
        "sites/page.html", page=pages[slug], site=site, count=count, guide=content.guide(pages)
    )
