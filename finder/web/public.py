"""Public pages: home, search results, listing detail, about, and the health check."""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.directory import cells, listings
from finder.i18n import Text
from finder.models import PRECISIONS, Listing
from finder.places import geocode
from finder.search.index import check_index
from finder.search.nearby import MAX_RADIUS, MIN_RADIUS, SORTS, Result, held_languages
from finder.search.query import QueryError, parse_search
from finder.search.query import run as run_search
from finder.web import api, i18n, maps
from finder.web.assets import base_map

bp = Blueprint("views", __name__)

RADII = (5, 10, 25, 50, 100, 250, 500)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {
        "vocab": vocab,
        "precisions": PRECISIONS,
        "radii": RADII,
        "demo_loaded": listings.demo_loaded(db.session()),
        # For a printout's "Printed ..." line: the server's clock in UTC, the one zone it knows.
        "printed_at": dt.datetime.now(dt.UTC),
    }


bp.add_app_template_filter(cells.tel_url, "tel")
bp.add_app_template_filter(cells.directions_url, "directions")


@bp.app_template_filter("stale")
def _stale(verified: dt.date | None) -> bool:
    """For templates: a last-verified date older than FINDER_STALE_AFTER_MONTHS."""
    return listings.is_stale(verified, current_app.config["STALE_AFTER_MONTHS"])


@bp.app_template_filter("web_url")
def web_url(url: str | None) -> str | None:
    """A listing's website if it is an http(s) address, else None: nothing else becomes a link."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) and len(text) > 8 else None


@bp.app_template_filter("host")
def host(url: str) -> str:
    """A web address shortened to its host for a link's text ("example.org")."""
    name = urllib.parse.urlsplit(url).hostname or url
    return name.removeprefix("www.")


LANGUAGES_FOR = 60.0  # seconds a worker keeps the language pick-list before asking again


def languages() -> list[str]:
    """The languages published listings are in, for the pick-list: asked of the database at
    most once a minute per worker (it reads every listing: 35–45 ms at 100k on SQLite)."""
    cache = current_app.extensions.setdefault("finder.languages", {})
    now = time.monotonic()
    if cache.get("until", 0.0) < now:
        cache["names"] = held_languages(db.session())
        cache["until"] = now + LANGUAGES_FOR
    names: list[str] = cache["names"]
    return names


def _listing_url(listing: Listing) -> str:
    return url_for("views.listing", listing_id=listing.id)


@bp.route("/")
def index() -> str:
    """The search form and a short introduction."""
    return render_template("index.html", languages=languages())


@bp.route("/search")
def search() -> str | Response | tuple[str, int]:
    """The results list, then the map of the same results."""
    if any(v == "" for _, v in request.args.items(multi=True)):
        # The form sends every field; a link to share is shorter without the empty ones.
        kept: dict[str, Any] = {k: [v for v in request.args.getlist(k) if v] for k in request.args}
        return redirect(url_for("views.search", **{k: v for k, v in kept.items() if v}))
    try:
        query, results = run_search(
            request.args, current_app.extensions[geocode.EXTENSION], db.session()
        )
    except (QueryError, geocode.LocationError) as exc:
        return _search_error(exc), 400
    if results.origin.precision == "street":
        # A street address never stays in a URL that gets shared or bookmarked: search
        # from its ZIP code instead, and say so.
        return redirect(
            url_for("views.search", **query.to_args(q=results.origin.zip, from_address="1"))
        )
    parts = data = None
    if query.show_map:
        parts = base_map()
        data = i18n.map_words(
            maps.map_data(
                [*results.nearby, *results.remote], results.origin, results.radius, _listing_url
            )
        )
    return render_template(
        "search/results.html",
        query=query,
        results=results,
        map=parts,
        map_data=data,
        min_radius=MIN_RADIUS,
        max_radius=MAX_RADIUS,
        from_address=request.args.get("from_address") == "1",
        languages=languages(),
        sorts=SORTS,
    )


def _search_error(exc: QueryError | geocode.LocationError) -> str:
    """The error page: what to type instead, and for a city in several states a search in
    each of them, keeping the other filters."""
    kept: dict[str, Any] = {
        k: request.args.getlist(k)
        for k in request.args
        if k not in ("q", "page", "offset") and any(request.args.getlist(k))
    }
    choices = []
    if isinstance(exc, geocode.LocationError) and exc.city:
        for state in exc.states:
            place = f"{exc.city}, {state}"
            choices.append((place, url_for("views.search", q=place, **kept)))
    try:
        # The place was the problem: the form keeps the distance and filters chosen.
        kept_query = parse_search(request.args) if isinstance(exc, geocode.LocationError) else None
    except QueryError:
        kept_query = None
    return render_template(
        "search/error.html",
        message=exc.message,
        q=request.args.get("q", "")[:200],
        query=kept_query,
        choices=choices,
        languages=languages(),
    )


@bp.route("/listings/<int:listing_id>")
def listing(listing_id: int) -> str:
    """One listing: contact details, a map, directions and when it was last verified."""
    item = listings.published(db.session(), listing_id)
    if item is None:
        abort(404)
    data = None
    if item.latitude is not None:
        data = i18n.map_words(maps.map_data([Result(item, None)]))
    return render_template(
        "listing.html", listing=item, map=base_map() if data else None, map_data=data
    )


@bp.route("/about")
def about() -> str:
    """Data sources, credits and privacy."""
    return render_template("about.html")


@bp.route("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """For monitoring: 200 when the database answers and its spatial index matches the
    listings (a cheap check: its parts exist, its size is plausible, the newest is in it)."""
    try:
        problems = check_index(db.engine())
    except sa.exc.SQLAlchemyError:
        return {"status": "error", "database": "unreachable"}, 503
    if problems:
        reason = "The spatial index does not match the listings; `finder init-db` rebuilds it."
        return {"status": "error", "reason": reason, "problems": problems}, 503
    return {"status": "ok"}, 200


@bp.app_errorhandler(404)
def not_found(_exc: Exception) -> tuple[str, int] | tuple[dict[str, Any], int]:
    """A helpful page for a wrong address (JSON under the API's prefix)."""
    if request.path.startswith(api.bp.url_prefix or "/api/"):
        return api.error("not_found", Text("No such API endpoint."), 404)
    return render_template("errors/404.html", languages=languages()), 404
