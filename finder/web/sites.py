"""The education pages' blueprint: where NETs occur, one page per site, spread, why it matters,
in the reader's language (a page not yet translated is shown in English, and says so)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.content import sites as content
from finder.web import i18n

bp = Blueprint("sites", __name__, url_prefix="/sites")


def _pages() -> dict[str, content.Shown]:
    # Read per call (cached by the loader), so a test can point CONTENT_DIR elsewhere.
    return dict(content.localized(i18n.language(), content.CONTENT_DIR))


@bp.route("/")
def index() -> str:
    """Where NETs occur: what they are, key figures, the body diagram and the search box."""
    shown = _pages()
    return render_template(
        "sites/index.html",
        page=shown["index"].page,
        shown=shown["index"],
        original=content.load(content.CONTENT_DIR)["index"],
        guide=content.guide({slug: s.page for slug, s in shown.items()}),
        diagram=content.body_diagram(),
    )


@bp.route("/<slug>")
def page(slug: str) -> str | Response | tuple[str, int]:
    """One education page, with a search for specialists in that site."""
    if slug == "index":
        return redirect(url_for("sites.index"))
    shown = _pages()
    guide = content.guide({s: v.page for s, v in shown.items()})
    if slug not in shown:
        return render_template("sites/not_found.html", guide=guide), 404
    site = vocab.site(slug)
    count = content.specialist_count(db.session(), slug) if site else None
    return render_template(
        "sites/page.html",
        page=shown[slug].page,
        shown=shown[slug],
        original=content.load(content.CONTENT_DIR)[slug],
        site=site,
        count=count,
        guide=guide,
    )
