"""Public pages: what a patient sees, escaped, private and self-contained."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from finder.models import Listing
from finder.places import geocode

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT_FIELDS = (
    "name",
    "credentials",
    "organization",
    "address",
    "address2",
    "city",
    "meeting_schedule",
    "description",
    "phone",
    "email",
)


class Assets(HTMLParser):
    """Collects every URL a page would load: scripts, styles, images, icons, iframes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source"} and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"] or "")
        self._in_script = tag == "script" and not a.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def page_assets(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


def test_home(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Find NET doctors" in html
    assert 'name="q"' in html and 'action="/search"' in html


def test_results_list_comes_before_the_map(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Near")
    add(name="Dr. Far", latitude=42.9, longitude=-71.4)
    html = client.get("/search?q=02115").get_data(as_text=True)
    assert "2 results within 100 miles of 02115 (Boston, MA)" in html
    assert html.index("Dr. Near") < html.index("Dr. Far") < html.index('class="map-panel"')
    assert 'class="folium-map"' in html
    data = json.loads(
        re.search(
            r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert [f["properties"]["name"] for f in data["results"]["features"]] == ["Dr. Near", "Dr. Far"]
    assert data["origin"]["label"] == "02115 (Boston, MA)"
    assert data["radius_m"] == pytest.approx(160934.4)


def test_map_can_be_turned_off(client: FlaskClient, add: Callable[..., Listing]) -> None:
    add(name="Dr. Near")
    html = client.get("/search?q=02115&map=0").get_data(as_text=True)
    assert "Dr. Near" in html
    assert "folium-map" not in html and "leaflet" not in html.lower()
    assert 'href="/search?q=02115"' in html  # the way back to the map keeps the search


def test_search_state_is_in_the_url(client: FlaskClient) -> None:
    html = client.get("/search?q=Boston,+MA&radius=250&kind=program&site=lung").get_data(
        as_text=True
    )
    assert 'value="Boston, MA"' in html
    assert re.search(r'<option value="250"\s+selected', html)
    assert re.search(r'value="program"\s+checked', html)
    assert re.search(r'<option value="lung"\s+selected', html)


def test_bad_query_is_a_page_that_says_what_to_type(client: FlaskClient) -> None:
    res = client.get("/search?q=99999")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "couldn&#39;t find the ZIP code 99999" in html
    assert 'value="99999"' in html  # the form keeps what they typed
    res = client.get("/search?q=02115&radius=1000")
    assert res.status_code == 400 and "from 5 to 500 miles" in res.get_data(as_text=True)


def test_nothing_near_shows_the_nearest_anyway(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Denver", latitude=39.74, longitude=-104.99, state="CO")
    html = client.get("/search?q=59001&radius=25").get_data(as_text=True)  # Montana
    assert "Nothing within 25 miles" in html
    assert "Dr. Denver" in html and "outside the distance you chose" in html


def test_street_address_never_stays_in_the_url(
    client: FlaskClient, app: Flask, add: Callable[..., Listing], fake_nominatim
) -> None:
    app.config.update(fake_nominatim)
    app.extensions[geocode.EXTENSION] = geocode.from_config(app.config)  # as create_app does
    add(name="Dr. Near")
    res = client.get("/search?q=1+Example+Street,+Boston,+MA&radius=50")
    assert res.status_code == 302
    assert "Example" not in res.location and "q=02" in res.location
    html = client.get(res.location).get_data(as_text=True)
    assert "Dr. Near" in html and "The address itself is not kept" in html


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_listing_text_is_escaped_everywhere(
    client: FlaskClient, add: Callable[..., Listing], field: str
) -> None:
    payload = XSS if field != "phone" else "<img src=x onerror=alert(1)>"  # phone is 40 chars
    item = add(**{field: payload}, website="https://example.org/?a=<b>")
    for url in ("/search?q=02115", f"/listings/{item.id}"):
        html = client.get(url).get_data(as_text=True)
        assert payload not in html
        assert "<script>alert" not in html and "<img src=x" not in html
    # In the map's data block every < is \u003c, so nothing can close the script element;
    # the popup script then puts the text in with textContent (checked in the browser test).
    html = client.get("/search?q=02115").get_data(as_text=True)
    block = re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    if field in {"name", "organization", "address", "address2", "city", "phone"}:
        [feature] = json.loads(block)["results"]["features"]
        assert any(payload in str(v) for v in feature["properties"].values())


def test_javascript_website_is_never_a_link(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    # Import validation rejects such URLs; the page must not trust the database either.
    item = add(website="javascript:alert(1)")
    html = client.get(f"/listings/{item.id}").get_data(as_text=True)
    assert 'href="javascript:' not in html


@pytest.mark.parametrize("url", ["/", "/search?q=02115", "/about", "/listings/1", "/nope"])
def test_pages_load_nothing_from_elsewhere(
    client: FlaskClient, add: Callable[..., Listing], url: str
) -> None:
    add(name="Dr. Near", website="https://example.org")
    html = client.get(url).get_data(as_text=True)
    assets = page_assets(html)
    assert assets.urls, "every page loads at least its style sheet"
    for src in assets.urls:
        assert src.startswith("/") and not src.startswith("//"), src
    for script in assets.inline_scripts:
        assert not re.search(r"https?://", script.replace("http://www.w3.org", "")), script[:200]
    for css in ("/static/style.css", "/vendor/leaflet/leaflet.css"):
        body = client.get(css).get_data(as_text=True)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", body)


def test_vendor_leaflet_is_served(client: FlaskClient) -> None:
    res = client.get("/vendor/leaflet/leaflet.js")
    assert res.status_code == 200 and b"Leaflet" in res.data[:500]
    assert client.get("/data/us_states.geojson").status_code == 200


def test_listing_detail(client: FlaskClient, add: Callable[..., Listing]) -> None:
    item = add(
        name="Dr. Detail",
        phone="(617) 555-0142 ext. 12",
        website="https://example.org/dr",
        tumor_sites=["pancreas"],
        precision="zip",
    )
    html = client.get(f"/listings/{item.id}").get_data(as_text=True)
    assert 'href="tel:6175550142,12"' in html
    assert 'href="https://example.org/dr"' in html
    assert "Directions" in html
    assert "January 15, 2026" in html
    assert "not the exact building" in html
    assert "Pancreas" in html
    assert client.get("/listings/999999").status_code == 404


def test_demo_notice_shows_while_demo_listings_are_loaded(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    assert "Demo data" not in client.get("/").get_data(as_text=True)
    add(source="demo")
    for url in ("/", "/about", "/search?q=02115"):
        assert "Demo data" in client.get(url).get_data(as_text=True)


def test_healthz(client: FlaskClient) -> None:
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}


def test_404_page_helps(client: FlaskClient) -> None:
    res = client.get("/no/such/page")
    assert res.status_code == 404
    assert "search again" in res.get_data(as_text=True)


@pytest.mark.parametrize(
    "line",
    [
        "GET /search?q=02115&radius=50 HTTP/1.1",
        # A raw (unencoded) no-break space used to end the match and keep the rest.
        "GET /search?q=Main\u00a0St 02115&radius=50 HTTP/1.1",
        "GET /search?q=02115\u2003Boston HTTP/1.1",
    ],
)
def test_request_log_keeps_no_query(
    app: Flask, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    log = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        log.info('%s - - [%s] "%s" %s %s', "127.0.0.1", "now", line, "200", "-")
    assert "GET /search HTTP/1.1" in caplog.text
    assert "02115" not in caplog.text and "radius" not in caplog.text


def test_directions_go_to_the_building_not_the_zip_centre(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    # Placed only by its ZIP: the pin is the ZIP's centre, so directions use the address text.
    by_zip = add(
        address="3200 Providence Dr",
        city="Anchorage",
        state="AK",
        zip="99508",
        latitude=61.2,
        longitude=-149.8,
        precision="zip",
    )
    html = client.get(f"/listings/{by_zip.id}").get_data(as_text=True)
    assert "directions?to=3200%20Providence%20Dr%2C%20Anchorage%2C%20AK%2099508" in html
    assert "61.20000%2C" not in html
    # Placed at the building: the pin is the destination.
    exact = add(latitude=42.33371, longitude=-71.09562, precision="street")
    html = client.get(f"/listings/{exact.id}").get_data(as_text=True)
    assert "directions?to=42.33371%2C-71.09562" in html


# --- issue 11: pages, cards, the folded form, state links, the language pick-list -------


def _heading(html: str) -> str:
    found = re.search(r'<h1 id="results-heading">(.*?)</h1>', html, re.S)
    assert found, html[:2000]
    return " ".join(found.group(1).split())


def test_pages_say_where_they_are_and_link_on_with_every_filter(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    from tests.test_search import point_at

    for i in range(7):
        lat, lon = point_at(2 + i, 90)
        add(name=f"Dr. Page {i}", latitude=lat, longitude=lon, tumor_sites=["lung"])
    base = "/search?q=02115&radius=250&site=lung&kind=doctor&limit=3&map=0"
    html = client.get(base).get_data(as_text=True)
    assert _heading(html) == "Showing 1–3 of 7 within 250 miles of 02115 (Boston, MA)"
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    for part in ("q=02115", "radius=250", "site=lung", "kind=doctor", "limit=3", "map=0"):
        assert part in nxt
    html = client.get(nxt).get_data(as_text=True)
    assert _heading(html) == "Showing 4–6 of 7 within 250 miles of 02115 (Boston, MA)"
    assert '<ol class="result-list" start="4">' in html
    assert 'rel="prev"' in html and 'aria-current="page"' in html
    html = client.get(base + "&page=3").get_data(as_text=True)
    assert _heading(html) == "Showing 7–7 of 7 within 250 miles of 02115 (Boston, MA)"
    assert 'rel="next"' not in html and "Dr. Page 6" in html


def test_a_page_past_the_end_says_so_and_links_back(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Only")
    res = client.get("/search?q=02115&kind=doctor&page=4")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "past the last result (1 in all)" in html
    assert 'href="/search?q=02115&amp;kind=doctor">Back to the first page' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "page must be a whole number"),
        ("page=abc", "page must be a whole number"),
        ("offset=-5", "offset must be a whole number"),
        ("sort=rating", "Sort by distance or name"),
        ("page=2&offset=3", "Send page or offset, not both"),
    ],
)
def test_bad_paging_is_a_clear_400(client: FlaskClient, query: str, message: str) -> None:
    res = client.get(f"/search?q=02115&{query}")
    assert res.status_code == 400 and message in res.get_data(as_text=True)


def test_sort_by_name_is_a_link_that_keeps_the_search(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Zed Near")
    add(name="Able Far", latitude=42.9, longitude=-71.4)
    html = client.get("/search?q=02115&kind=doctor").get_data(as_text=True)
    assert html.index("Zed Near") < html.index("Able Far")
    assert 'href="/search?q=02115&amp;kind=doctor&amp;sort=name">name</a>' in html
    html = client.get("/search?q=02115&kind=doctor&sort=name").get_data(as_text=True)
    assert html.index("Able Far") < html.index("Zed Near")
    assert '<strong aria-current="true">name</strong>' in html


def _card(html: str, name: str) -> str:
    start = html.index(name)
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def test_a_card_answers_the_first_questions(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    import datetime as dt

    item = add(
        name="Dr. Card",
        phone="(617) 555-0142",
        website="https://www.example.org/dr-card",
        languages=["English", "Spanish"],
        last_verified=dt.date.today() - dt.timedelta(days=30),
        precision="zip",
    )
    add(
        name="Dr. Old",
        website="javascript:alert(1)",
        last_verified=dt.date(2020, 3, 1),
        latitude=42.35,
        longitude=-71.1,
    )
    html = client.get("/search?q=02115").get_data(as_text=True)
    card = _card(html, "Dr. Card")
    assert "NET doctor" in card and "0.3 miles" in card  # BOSTON is 0.26 mi from 02115's point
    assert '<a class="phone" href="tel:6175550142">(617) 555-0142</a>' in card
    assert (
        '<a class="website" href="https://www.example.org/dr-card" '
        'rel="noopener noreferrer nofollow">example.org' in card
    )
    assert "1 Example Street, Boston, MA 02115" in card
    assert "Speaks English, Spanish" in card
    assert f"Verified {(dt.date.today() - dt.timedelta(days=30)):%B %Y}" in card
    # A pin at the ZIP's centre: directions go to the street address, as text.
    assert 'href="https://www.openstreetmap.org/directions?to=1%20Example%20Street' in card
    assert (
        f'<button type="button" class="show-on-map" data-show-on-map="{item.id}" hidden>'
        "Show on map</button>"
    ) in card
    old = _card(html, "Dr. Old")
    assert "Not verified since March 2020" in old and "stale" in old
    assert "javascript:" not in old and 'class="website"' not in old


def test_after_a_search_the_form_folds_into_one_line(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Dr. Near", tumor_sites=["lung"], languages=["Spanish"])
    html = client.get("/search?q=02115&site=lung&language=Spanish").get_data(as_text=True)
    summary = re.search(r'<details class="search-summary">\s*<summary>(.*?)</summary>', html, re.S)
    assert summary, "the form is not folded"
    text = " ".join(re.sub(r"<[^>]+>", "", summary.group(1)).split())
    assert text.startswith("Within 100 miles of 02115 (Boston, MA) · ")
    assert "Spanish" in text and text.endswith("Change your search")
    assert html.index("search-summary") < html.index('class="search-form"') < html.index("Dr. Near")
    home = client.get("/").get_data(as_text=True)
    assert "search-summary" not in home and 'class="search-form"' in home  # open on the home


def test_a_city_without_its_state_links_to_each_state_keeping_the_filters(
    client: FlaskClient,
) -> None:
    res = client.get("/search?q=springfield&radius=250&kind=doctor&page=3")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    links = re.findall(r'<ul class="place-choices".*?</ul>', html, re.S)[0]
    hrefs = re.findall(r'<a href="([^"]+)">([^<]+)</a>', links)
    assert len(hrefs) > 5
    assert ("/search?q=Springfield,+IL&amp;radius=250&amp;kind=doctor", "Springfield, IL") in hrefs
    assert all("page=" not in h for h, _ in hrefs)
    first = hrefs[0][0].replace("&amp;", "&")
    assert client.get(first).status_code == 200
    # The form below keeps the distance and the kind too.
    assert re.search(r'<option value="250"\s+selected', html)
    assert re.search(r'value="doctor"\s+checked', html)


def test_the_language_filter_lists_the_directory_s_languages(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    add(name="Habla", languages=["English", "Spanish"])
    add(name="Hidden", languages=["Klingon"], published=False)
    html = client.get("/").get_data(as_text=True)
    select = re.search(r'<select id="language" name="language">(.*?)</select>', html, re.S)
    assert select, "no pick-list"
    options = re.findall(r'<option value="([^"]*)"', select.group(1))
    assert options == ["", "English", "Spanish"]
    html = client.get("/search?q=02115&language=Espa%C3%B1ol").get_data(as_text=True)
    assert "Habla" in html and re.search(r'<option value="Spanish"\s+selected', html)
