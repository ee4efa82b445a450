"""The JSON API: the same search as the results page, as data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from finder import db
from finder.directory import listings
from finder.i18n import Text
from finder.models import Listing
from finder.places import geocode
from finder.search import query
from finder.search.nearby import Result
from finder.search.query import QueryError
from finder.web import openapi
from finder.web.i18n import translate

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _listing_urls() -> Callable[[int], str]:
    """A listing id's detail-page URL: url_for once per response, not once per listing."""
    # url_for costs about 20 µs, and a search answer holds up to 70 listings.
    head, _, tail = url_for("views.listing", listing_id=0, _external=True).rpartition("/0")
    return lambda listing_id: f"{head}/{listing_id}{tail}"


def listing_json(item: Listing, url: Callable[[int], str] | None = None) -> dict[str, Any]:
    """A listing as the API shows it."""
    return {
        "id": item.id,
        "kind": item.kind,
        "name": item.name,
        "credentials": item.credentials,
        "organization": item.organization,
        "specialties": item.specialties,
        "services": item.services,
        "tumor_sites": item.tumor_sites,
        "address": item.address,
        "address2": item.address2,
        "city": item.city,
        "state": item.state,
        "zip": item.zip,
        "phone": item.phone,
        "website": item.website,
        "email": item.email,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "location_precision": item.precision,
        "telehealth": item.telehealth,
        "virtual": item.virtual,
        "languages": item.languages,
        "meeting_schedule": item.meeting_schedule,
        "description": item.description,
        "last_verified": item.last_verified.isoformat() if item.last_verified else None,
        "url": (url or _listing_urls())(item.id),
    }


def _result_json(r: Result, url: Callable[[int], str]) -> dict[str, Any]:
    out = listing_json(r.listing, url)
    out["distance_miles"] = None if r.distance_miles is None else round(r.distance_miles, 2)
    return out


def error(code: str, message: str, status: int = 400) -> tuple[dict[str, Any], int]:
    """The API's error body: {"error": {"code", "message"}} with a 4xx status; the message in
    the client's language (Accept-Language), the code always English."""
    return {"error": {"code": code, "message": translate(message)}}, status


@bp.route("/search")
def search() -> tuple[dict[str, Any], int]:
    """Nearby listings, nearest first, plus the online and telehealth section."""
    try:
        search_query, results = query.run(
            request.args, current_app.extensions[geocode.EXTENSION], db.session()
        )
    except (QueryError, geocode.LocationError) as exc:
        status = 503 if exc.code == "geocoder_unavailable" else 400
        return error(exc.code, exc.message, status)
    o = results.origin
    url = _listing_urls()
    origin = {"lat": o.lat, "lon": o.lon, "label": o.label, "precision": o.precision}
    args = search_query.to_args(page=None, offset=None)
    following = results.offset + search_query.limit
    return {
        "query": {
            **args,
            "radius": search_query.radius,
            "limit": search_query.limit,
            "offset": results.offset,
            "sort": results.sort,
            "origin": origin,
        },
        "results": [_result_json(r, url) for r in results.nearby],
        "count": len(results.nearby),
        "total": results.total,
        "total_exact": results.total_exact,
        "offset": results.offset,
        "next": url_for(".search", **args, offset=following, _external=True)
        if results.has_next
        else None,
        "previous": url_for(
            ".search", **args, offset=max(0, results.offset - search_query.limit), _external=True
        )
        if results.offset
        else None,
        "outside_radius": results.outside_radius,
        "remote": [_result_json(r, url) for r in results.remote],
    }, 200


@bp.route("/listings/<int:listing_id>")
def listing(listing_id: int) -> tuple[dict[str, Any], int]:
    """One published listing."""
    item = listings.published(db.session(), listing_id)
    if item is None:
        return error("not_found", Text("No listing has the id %(id)s.", id=listing_id), 404)
    return listing_json(item), 200


@bp.route("/openapi.json")
def openapi_json() -> tuple[dict[str, Any], int]:
    """This API's OpenAPI 3.1 description."""
    return openapi.spec(), 200


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Any:
    """Every HTTP error under /api/v1 is JSON too; other paths keep Flask's own page."""
    if not request.path.startswith(bp.url_prefix or "/api/"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    body, status = error(code, exc.description or "", exc.code or 500)
    # Keep what the error says beyond its page, such as a 405's Allow (RFC 9110 wants it).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers
