"""Properties over arbitrary input: the search parser and the public routes never crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from finder import vocab
from finder.models import Listing
from finder.search.nearby import MAX_RADIUS, MIN_RADIUS
from finder.search.query import MAX_LIMIT, MAX_OFFSET, QueryError, parse_search
from finder.web import openapi

# Bounded and the same on every run; no deadline, as a busy machine is not a failure.
BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROUTE = settings(BOUNDED, max_examples=60)

NAMES: tuple[str, ...] = ("q", "lat", "lon", "radius", "limit", "kind", "site", "specialty")
NAMES += ("service", "language", "telehealth", "map", "page", "offset", "sort")
WORDS = ["02115", "2115", "02115-1234", "Boston, MA", "boston ma", "1 Main St Boston", ""]
WORDS += [t.slug for t in (*vocab.KINDS, *vocab.TUMOR_SITES, *vocab.SPECIALTIES, *vocab.SERVICES)]
WORDS += ["1", "0", "TRUE", " off ", "yes", "no"]
NUMBERS = ["nan", "-nan", "inf", "-Infinity", "1e309", "-0", "0x10", "1_000", "٥٠", " 50 "]
NUMBERS += ["9" * 400, "4.9999999999999999", "500.0000001", "1e-320", "2.5", "200"]

values = st.one_of(
    st.sampled_from(WORDS + NUMBERS),
    st.text(max_size=60),  # any code point but surrogates: controls, NUL, accents, emoji
    st.floats().map(repr),
    st.integers().map(str),
    st.integers(-200, 600).map(str),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(50, 3000)),
)


def _flatten(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """URL parameters as (name, value) pairs, a list giving one pair per item."""
    return [(k, str(v)) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])]


names = st.one_of(st.sampled_from(NAMES), st.text(max_size=8))
noise = st.lists(st.tuples(names, values), max_size=8)


def _slugs(terms: tuple[vocab.Term, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([t.slug for t in terms])


# Searches that are mostly well formed, so the parser's success path sees variety too: a
# place (text or coordinates), then any of the filters.
places = st.one_of(
    st.one_of(st.sampled_from(WORDS), st.text(max_size=30)).map(lambda q: [("q", q)]),
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)).map(
        lambda c: [("lat", str(c[0])), ("lon", str(c[1]))]
    ),
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "radius": st.one_of(st.floats(MIN_RADIUS, MAX_RADIUS), st.integers(1, 600)).map(str),
        "limit": st.integers(1, MAX_LIMIT).map(str),
        "kind": st.lists(_slugs(vocab.KINDS), max_size=4),
        "site": _slugs(vocab.TUMOR_SITES),
        "specialty": _slugs(vocab.SPECIALTIES),
        "service": _slugs(vocab.SERVICES),
        "language": st.text(max_size=60),
        "telehealth": st.sampled_from(WORDS[-6:]),
        "map": st.sampled_from(WORDS[-6:]),
        "page": st.integers(1, 5000).map(str),
        "sort": st.sampled_from(["distance", "name"]),
    },
).map(_flatten)
wellformed = st.builds(lambda place, rest: place + rest, places, filters)
pairs = st.one_of(noise, wellformed)


@BOUNDED
@given(pairs)
def test_parser_gives_a_search_or_says_what_to_fix(args: list[tuple[str, str]]) -> None:
    try:
        query = parse_search(MultiDict(args))
    except QueryError as exc:
        assert exc.code in openapi.ERROR_CODES[400]  # a code the API documents
        assert exc.message.strip() and exc.param in NAMES
        return
    assert query.q or query.lat is not None
    assert query.q == " ".join(query.q.split())
    assert query.lat is None or -90 <= query.lat <= 90
    assert query.lon is None or -180 <= query.lon <= 180
    assert MIN_RADIUS <= query.radius <= MAX_RADIUS and 1 <= query.limit <= MAX_LIMIT
    assert set(query.filters.kinds) <= {t.slug for t in vocab.KINDS}
    language = query.filters.language
    assert language is None or 0 < len(language) <= 40 and language.isprintable()
    assert 0 <= query.offset <= MAX_OFFSET and query.sort in ("distance", "name")
    # A link built from a search (shared, or the results page's own) is the same search.
    assert parse_search(MultiDict(_flatten(query.to_args()))) == query


# Appended raw: bad escapes, a NUL, bytes that aren't UTF-8, empty names, a zero-width space.
raw_tails = st.sampled_from(["", "&q=%zz", "&lat=%00&lon=%ff", "&&&=&kind", "&q=%E2%80%8B02115"])
segments = st.one_of(
    st.integers(-5, 5).map(str),
    st.integers().map(str),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "9" * 400, "01", "1.0"]),
    st.sampled_from(["-1", "+1", "1e3", "٣", "%00", "0x1", " 1", "nan"]),
    st.text(max_size=30),
)


@pytest.fixture
def listing(add: Callable[..., Listing]) -> Listing:
    """One listing in Boston, so some searches and ids find it."""
    return add(name="Dr. Found", tumor_sites=["lung"], languages=["Spanish"], telehealth=True)


@ROUTE
@given(args=pairs, tail=raw_tails)
def test_api_search_answers_json_never_5xx(
    client: FlaskClient, listing: Listing, args: list[tuple[str, str]], tail: str
) -> None:
    res = client.get(f"/api/v1/search?{urlencode(args)}{tail}")
    assert res.status_code in (200, 400) and res.mimetype == "application/json"
    body = res.get_json()
    if res.status_code == 400:
        assert body["error"]["code"] in openapi.ERROR_CODES[400] and body["error"]["message"]
    else:
        assert body["count"] == len(body["results"]) <= body["query"]["limit"]


@ROUTE
@given(args=pairs, tail=raw_tails)
def test_results_page_never_5xx(
    client: FlaskClient, listing: Listing, args: list[tuple[str, str]], tail: str
) -> None:
    res = client.get(f"/search?{urlencode(args)}{tail}", follow_redirects=True)
    assert res.status_code in (200, 400) and res.mimetype == "text/html"


@ROUTE
@given(segment=segments)
def test_listing_pages_are_found_or_not_never_5xx(
    client: FlaskClient, listing: Listing, segment: str
) -> None:
    found = segment.isdecimal() and int(segment) == listing.id
    path = quote(segment, safe="")
    page = client.get(f"/listings/{path}")
    assert page.status_code == (200 if found else 404) and page.mimetype == "text/html"
    res = client.get(f"/api/v1/listings/{path}")
    assert res.status_code == (200 if found else 404) and res.mimetype == "application/json"
    body = res.get_json()
    assert (body["name"] == "Dr. Found") if found else (body["error"]["code"] == "not_found")
