"""The JSON API's OpenAPI 3.1 description, built from the same limits and vocabularies the
API checks, so the two can't drift apart."""

from __future__ import annotations

from typing import Any

from finder import vocab
from finder.models import PRECISIONS
from finder.search.nearby import COUNT_CAP, DEFAULT_RADIUS, MAX_RADIUS, MIN_RADIUS, SORTS
from finder.search.query import DEFAULT_LIMIT, FALSE, MAX_LIMIT, MAX_OFFSET, TRUE

# Every `error.code` the API answers with, by status. query.py and geocode.py raise them;
# tests/test_api.py provokes each one.
ERROR_CODES: dict[int, tuple[str, ...]] = {
    400: (
        "invalid_query",
        "invalid_location",
        "unknown_location",
        "address_lookup_off",
        "invalid_radius",
        "invalid_limit",
        "invalid_kind",
        "invalid_site",
        "invalid_specialty",
        "invalid_service",
        "invalid_telehealth",
        "invalid_map",
        "invalid_page",
        "invalid_offset",
        "invalid_sort",
    ),
    404: ("not_found",),
    405: ("method_not_allowed",),
    503: ("geocoder_unavailable",),
}
# The flag words query.py reads, lower case; it also takes them in any case, padded.
FLAGS = sorted(TRUE - {""}) + sorted(FALSE - {""})


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _slugs(terms: tuple[vocab.Term, ...]) -> list[str]:
    return [t.slug for t in terms]


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A closed object: no other properties, and all of these (or just `required`) present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties if required is None else required),
        "additionalProperties": False,
    }


def _error_response(status: int, description: str) -> dict[str, Any]:
    codes = {"type": "string", "enum": list(ERROR_CODES[status])}
    schema = _object(
        {"error": _object({"code": codes, "message": {"type": "string", "minLength": 1}})}
    )
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _param(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _text(n: int = 0) -> dict[str, Any]:
    return {"type": "string", "maxLength": n} if n else {"type": "string"}


def _listing_properties() -> dict[str, Any]:
    return {
        "id": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": _slugs(vocab.KINDS)},
        "name": _text(200),
        "credentials": _text(100),
        "organization": _text(200),
        "specialties": {"type": "array", "items": _text()},
        "services": {"type": "array", "items": _text()},
        "tumor_sites": {"type": "array", "items": _text()},
        "address": _text(200),
        "address2": _text(200),
        "city": _text(100),
        "state": _text(2),
        "zip": _text(10),
        "phone": _text(40),
        "website": _text(500),
        "email": _text(200),
        "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "location_precision": {"type": "string", "enum": list(PRECISIONS)},
        "telehealth": {"type": "boolean"},
        "virtual": {"type": "boolean", "description": "An online-only group: no distance."},
        "languages": {"type": "array", "items": _text()},
        "meeting_schedule": _text(300),
        "description": _text(),
        "last_verified": {"type": ["string", "null"], "format": "date"},
        "url": {"type": "string", "format": "uri", "description": "The listing's page."},
    }


def _result() -> dict[str, Any]:
    distance = {
        "type": ["number", "null"],
        "minimum": 0,
        "description": "Geodesic miles from the origin, to 0.01; null for online groups.",
    }
    return _object({**_listing_properties(), "distance_miles": distance})


def _search() -> dict[str, Any]:
    echo = _object(
        {
            "q": {"type": "string", "minLength": 1, "description": "Whitespace collapsed."},
            "lat": {"type": "string", "description": "As a URL parameter, to 4 decimals."},
            "lon": {"type": "string", "description": "As a URL parameter, to 4 decimals."},
            "kind": {"type": "array", "items": {"type": "string", "enum": _slugs(vocab.KINDS)}},
            "site": {"type": "string", "enum": _slugs(vocab.TUMOR_SITES)},
            "specialty": {"type": "string", "enum": _slugs(vocab.SPECIALTIES)},
            "service": {"type": "string", "enum": _slugs(vocab.SERVICES)},
            "language": {"type": "string", "minLength": 1, "maxLength": 40},
            "telehealth": {"const": "1"},
            "map": {"const": "0"},
            "radius": {"type": "integer", "minimum": MIN_RADIUS, "maximum": MAX_RADIUS},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            "sort": {"type": "string", "enum": list(SORTS)},
            "origin": _object(
                {
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "label": {"type": "string", "minLength": 1},
                    "precision": {"type": "string", "enum": ["given", "street", "zip", "city"]},
                }
            ),
        },
        required=("radius", "limit", "offset", "sort", "origin"),
    )
    link = {"type": ["string", "null"], "format": "uri"}
    return _object(
        {
            "query": echo,
            "results": {"type": "array", "items": _ref("Result"), "maxItems": MAX_LIMIT},
            "count": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_LIMIT,
                "description": "How many `results` this page holds.",
            },
            "total": {
                "type": "integer",
                "minimum": 0,
                "maximum": COUNT_CAP,
                "description": "How many results there are in all pages (the nearest anyway "
                f"when `outside_radius`): exact up to {COUNT_CAP}; past that it is "
                f"{COUNT_CAP} and `total_exact` is false.",
            },
            "total_exact": {
                "type": "boolean",
                "description": f"False when there are more than {COUNT_CAP} results: follow "
                "`next` to reach them all.",
            },
            "offset": {
                "type": "integer",
                "minimum": 0,
                "description": "How many results come before this page's first (0 when "
                "`outside_radius`, whatever was asked).",
            },
            "next": {
                **link,
                "description": "The next page's URL (the same search, offset + limit); null "
                "on the last page.",
            },
            "previous": {
                **link,
                "description": "The page before this one; null on the first page.",
            },
            "outside_radius": {
                "type": "boolean",
                "description": "Nothing was within the radius: `results` are the nearest anyway.",
            },
            "remote": {
                "type": "array",
                "items": _ref("Result"),
                "description": "Online groups, then telehealth listings in the origin's state; "
                "on the first page only (empty when offset is over 0).",
            },
        }
    )


def _search_parameters() -> list[dict[str, Any]]:
    def vocabulary(name: str, terms: tuple[vocab.Term, ...], what: str) -> dict[str, Any]:
        return _param(
            name, f"Only listings with this {what}.", {"type": "string", "enum": _slugs(terms)}
        )

    flag = {"type": "string", "enum": FLAGS}
    return [
        _param(
            "q",
            "Where: a ZIP code (02115, 2115, 02115-1234) or a city and state (Boston, MA). "
            "Street addresses only when the server has an online geocoder. Needed unless lat "
            "and lon are sent; longer than 200 characters is `invalid_query`. Characters that "
            "don't print are ignored.",
            {"type": "string"},
            examples={"zip": {"value": "02115"}, "city": {"value": "Boston, MA"}},
        ),
        _param(
            "lat",
            "Latitude of the patient (WGS84), instead of q; needs lon too.",
            {"type": "number", "minimum": -90, "maximum": 90},
        ),
        _param(
            "lon",
            "Longitude of the patient (WGS84), instead of q; needs lat too.",
            {"type": "number", "minimum": -180, "maximum": 180},
        ),
        _param(
            "radius",
            "Miles around the place; a fraction is dropped. If nothing is that close, the "
            "nearest few are returned anyway, with `outside_radius` true.",
            {
                "type": "number",
                "minimum": MIN_RADIUS,
                "maximum": MAX_RADIUS,
                "default": DEFAULT_RADIUS,
            },
        ),
        _param(
            "limit",
            "Most nearby results to return: the page size.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        _param(
            "offset",
            "How many results to skip, for the next pages (or follow `next`). Past the last "
            "result the answer has no results and `next` is null. Not with page.",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
        _param(
            "page",
            "Instead of offset: the page number, 1 first, `limit` results a page (what the "
            "results page's links use). Not with offset.",
            {"type": "integer", "minimum": 1, "maximum": MAX_OFFSET // MAX_LIMIT + 1},
        ),
        _param(
            "sort",
            "distance: nearest first (ties by id). name: by name, A to Z, within the radius.",
            {"type": "string", "enum": list(SORTS), "default": SORTS[0]},
        ),
        _param(
            "kind",
            "Only these kinds of listing (repeat the parameter for several).",
            {"type": "array", "items": {"type": "string", "enum": _slugs(vocab.KINDS)}},
            style="form",
            explode=True,
        ),
        vocabulary("site", vocab.TUMOR_SITES, "tumor site"),
        vocabulary("specialty", vocab.SPECIALTIES, "specialty"),
        vocabulary("service", vocab.SERVICES, "service"),
        _param(
            "language",
            "Only listings that speak this language, by its English name (Spanish), in any "
            "case; common native names (Español, Français, 中文) are understood too. First 40 "
            "characters. A language no listing speaks finds nothing; it is not an error. The "
            "results page offers the languages the directory holds as a pick-list.",
            {"type": "string"},
        ),
        _param(
            "telehealth",
            "1: only listings offering telehealth or meeting online. Flags take any case; "
            "empty means the default.",
            flag,
        ),
        _param("map", "For the results page (default 1); the API only echoes 0.", flag),
    ]


def spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document for /api/v1."""
    search_json = {"application/json": {"schema": _ref("Search")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "NET Finder API",
            "version": "1",
            "description": "NET doctors, treatment programs and support groups near a US place.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Listings near a place, nearest first, and the online section.",
                    "parameters": _search_parameters(),
                    "responses": {
                        "200": {
                            "description": "The search and its results.",
                            "content": search_json,
                        },
                        "400": _error_response(400, "A parameter or place we can't use."),
                        "405": _error_response(405, "Only GET (and HEAD and OPTIONS)."),
                        "503": _error_response(503, "The street address service is down."),
                    },
                }
            },
            "/listings/{listing_id}": {
                "get": {
                    "operationId": "listing",
                    "summary": "One published listing.",
                    "parameters": [
                        {
                            "name": "listing_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                            "examples": {"first": {"value": 1}},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The listing.",
                            "content": {"application/json": {"schema": _ref("Listing")}},
                        },
                        "404": _error_response(404, "No published listing has this id."),
                        "405": _error_response(405, "Only GET (and HEAD and OPTIONS)."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description.",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "405": _error_response(405, "Only GET (and HEAD and OPTIONS)."),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Listing": _object(_listing_properties()),
                "Result": _result(),
                "Search": _search(),
            }
        },
    }
