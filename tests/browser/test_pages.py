"""End to end in Debian's headless Chromium: search a ZIP, read the list, open a map popup,
and every page keeps to its Content-Security-Policy with nothing fetched from elsewhere."""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from finder import db
from finder.content import sites
from finder.directory.importer import load_csv
from finder.directory.rows import COLUMNS
from finder.models import Listing
from finder.places import geocode
from tests.browser.conftest import Tab, serving, shoot
from tests.conftest import POLL, make_app


def wait_for_map(page: Any, markers: int) -> Any:
    """Wait until the map has drawn its state outlines and shows `markers` listings, each as a
    marker of its own or counted in a cluster; return the listings' own markers."""
    page.wait_for_function(
        """n => document.querySelectorAll('.leaflet-outlines-pane path').length > 40
            && Array.from(document.querySelectorAll('.map-pin')).reduce((sum, el) =>
                 sum + (el.matches('.map-cluster')
                        ? Number(el.querySelector('.count').textContent) : 1), 0) === n""",
        arg=markers,
    )
    return page.locator(".map-listing[data-listing]")


def reveal(page: Any, listing_id: int | str) -> Any:
    """The listing's own marker, opening the clusters that hold it (by click) until it shows."""
    marker = page.locator(f'.map-listing[data-listing="{listing_id}"]')
    for _ in range(8):
        if marker.count() and marker.is_visible():
            return marker
        page.locator(".map-cluster").first.click()
        page.wait_for_timeout(600)  # the zoom or fan-out animation
    raise AssertionError(f"listing {listing_id} never got a marker of its own")


def test_search_list_map_and_popup(live_url: str, tab: Tab, add: Callable[..., Listing]) -> None:
    page = tab.page
    add(
        name="Dr. Ada Near (demo)",
        organization="Example NET Center",
        phone="(617) 555-0142 ext. 7",
    )
    add(name="Dr. Bo Shared (demo)", latitude=42.36, longitude=-71.06)
    add(name="Dr. Cy Shared (demo)", latitude=42.36, longitude=-71.06)
    add(name="<b>Dr. Tag</b>", latitude=42.5, longitude=-71.2)

    page.goto(live_url + "/")
    page.get_by_label("ZIP code or city").fill("02115")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")

    items = page.locator("ol.result-list > li h3")
    assert items.count() == 4
    assert items.nth(0).inner_text().startswith("Dr. Ada Near (demo)")
    assert page.get_by_role("heading", level=3, name="<b>Dr. Tag</b>").count() == 1

    # The map works under the policy: outlines (served by the app, no tiles configured) and
    # every listing shown, the two at one address in a cluster that fans out, each clickable.
    wait_for_map(page, 4)
    first_id = page.locator("ol.result-list > li h3 a").first.get_attribute("href").split("/")[-1]
    reveal(page, first_id).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Dr. Ada Near (demo)" in text and "Example NET Center" in text
    assert "(617) 555-0142 ext. 7" in text and "miles away" in text
    phone = popup.get_by_role("link", name="(617) 555-0142 ext. 7")
    assert phone.get_attribute("href") == "tel:6175550142,7"  # the extension is dialled too
    assert (
        popup.get_by_role("link", name="Details").get_attribute("href") == f"/listings/{first_id}"
    )

    # The map's credit links, like every link here, don't tell the other site where from.
    credits = page.locator(".leaflet-control-attribution a")
    assert credits.count() >= 1
    for i in range(credits.count()):
        assert set(credits.nth(i).get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    tab.assert_clean()


# Script in every text a listing can hold. Each payload marks what it would create with
# data-xss, so a tag that reached the page as markup is found even where the policy stopped
# its script.
IMG = '<img src=x data-xss onerror="window.__xss=1">'
SCRIPT = "<script data-xss>window.__xss=1</script>"
SVG = '"><svg data-xss onload=window.__xss=1>'
BREAKOUT = "</script><script data-xss>window.__xss=1</script>"
LINK = '<a data-xss href="javascript:window.__xss=1">x</a>'
PAYLOAD_ROW = {
    "external_id": f"x{SCRIPT}",
    "kind": "doctor",
    "name": f"Dr. {IMG}{BREAKOUT}",
    "credentials": f"MD{SVG}",
    "organization": f"Org {SCRIPT}{LINK}",
    "address": f"1 Main {IMG}",
    "address2": f"Suite {SVG}",
    "city": f"Boston{SCRIPT}",
    "state": "MA",
    "zip": "02115",
    "latitude": "42.3502",  # a little way from the ZIP's centre, where the search marker is
    "longitude": "-71.0810",
    "languages": "English",  # a vocabulary now: hostile text is refused (CHECKED_COLUMNS)
    "meeting_schedule": f"Mondays {SVG}{LINK}",
    "description": f"About {IMG}{SCRIPT}{SVG}{BREAKOUT}{LINK} javascript:window.__xss=1",
    "last_verified": "2026-01-15",
}
# The importer refuses script in the columns it checks for shape; these are the worst values
# it lets through there.
CHECKED_COLUMNS = {
    "specialties": (IMG, "medical-oncology"),
    "services": (SCRIPT, "prrt"),
    "tumor_sites": (SVG, "small-intestine"),
    "languages": (SCRIPT, "Spanish"),
    "phone": (IMG, "(617) 555-0142"),
    "website": ("javascript:window.__xss=1", "https://example.org/javascript:window.__xss=1"),
    "email": (IMG, "javascript:window.__xss=1@example.org"),
}
# Where the search is centred: the ZIP table's label, made hostile by the test (a place name
# from an online geocoder would be another site's text).
PLACE_LABEL = f"02115 {IMG}"


def import_payload_listing(app: Flask) -> int:
    def as_csv(row: dict[str, str]) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerow(row)
        return out.getvalue().encode()

    hostile = {**PAYLOAD_ROW, **{c: bad for c, (bad, _) in CHECKED_COLUMNS.items()}}
    accepted = {**PAYLOAD_ROW, **{c: ok for c, (_, ok) in CHECKED_COLUMNS.items()}}
    with app.app_context():
        refused = load_csv(db.session(), as_csv(hostile), "test")
        assert {p.column for p in refused.problems} == set(CHECKED_COLUMNS)
        assert not refused.applied
        report = load_csv(db.session(), as_csv(accepted), "test")
        assert report.applied and report.created == 1, report.problems
        listing_id = db.session().scalar(sa.select(Listing.id).where(Listing.source == "test"))
        assert listing_id is not None
        return listing_id


def assert_inert(tab: Tab) -> None:
    """No payload ran, and none became an element."""
    assert tab.page.evaluate("() => typeof window.__xss") == "undefined"
    assert tab.page.locator("[data-xss]").count() == 0
    assert tab.dialogs == []


def tooltip_of(marker: Any) -> Any:
    """The open tooltip that describes a marker (Leaflet links them with aria-describedby)."""
    page = marker.page
    handle = marker.element_handle()
    page.wait_for_function("el => el.hasAttribute('aria-describedby')", arg=handle)
    tooltip = page.locator("#" + marker.get_attribute("aria-describedby"))
    tooltip.wait_for()
    return tooltip


def check_map_shows_text(tab: Tab, listing_id: int, popup_texts: list[str]) -> None:
    """Hover, click and Tab to the listing's marker: its tooltip and popup show text only."""
    page = tab.page
    name = PAYLOAD_ROW["name"]
    marker = page.locator(f'.map-listing[data-listing="{listing_id}"]')
    popup = page.locator(".leaflet-popup-content")

    marker.hover(force=True)
    tooltip = tooltip_of(marker)
    assert tooltip.inner_text() == name
    assert_inert(tab)
    page.mouse.move(5, 5)
    tooltip.wait_for(state="detached")

    marker.click(force=True)
    popup.wait_for()
    assert popup.locator("strong").inner_text() == name
    assert_inert(tab)
    page.keyboard.press("Escape")  # the click focused the marker
    popup.wait_for(state="detached")

    # Keyboard: from the map, Tab reaches the marker, which shows its name; Enter opens it.
    # (A long popup may have panned the marker out of view: focus doesn't need to see it.)
    page.locator(".leaflet-container").focus()
    for _ in range(4):  # past the search's own marker, if the map has one
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('data-listing')")
        if focused == str(listing_id):
            break
    assert focused == str(listing_id)
    # Its accessible name says whose it is and what kind (and how far, on a search).
    assert marker.get_attribute("aria-label").startswith(f"{name}, NET doctor")
    assert tooltip_of(marker).inner_text() == name
    page.keyboard.press("Enter")
    popup.wait_for()
    for text in popup_texts:
        assert text in popup.inner_text()
    assert_inert(tab)


@pytest.mark.parametrize("policy", ["enforced", "bypassed"])
def test_listing_text_never_runs_as_script(
    app: Flask, open_tab: Callable[..., Tab], monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    """Script in every field of an imported listing stays text on the results page and the
    listing's page: in the list, the map's tooltip and popup, hovered, focused and clicked.
    With the policy bypassed, escaping alone must hold; with it enforced, nothing is refused."""
    listing_id = import_payload_listing(app)
    real_locate = geocode.locate
    monkeypatch.setattr(
        geocode,
        "locate",
        lambda *a, **k: dataclasses.replace(real_locate(*a, **k), label=PLACE_LABEL),
    )
    tab = open_tab(bypass_csp=policy == "bypassed")
    page = tab.page
    address = f"1 Main {IMG}, Suite {SVG}, Boston{SCRIPT}, MA 02115"
    with serving(app) as url:
        page.goto(f"{url}/search?q=02115")
        wait_for_map(page, 1)
        main = page.locator("main").inner_text()
        for text in (
            PAYLOAD_ROW["name"],
            PAYLOAD_ROW["credentials"],
            PAYLOAD_ROW["organization"],
            address,
            PAYLOAD_ROW["meeting_schedule"],
            PLACE_LABEL,
        ):
            assert text in main
        assert PLACE_LABEL in page.title()
        shoot(page, f"results-{policy}")
        assert_inert(tab)

        # The search's own marker shows the place label as text. (Zoomed in first: the first
        # view keeps a few miles around, where the listing's marker sits on top of it.)
        page.evaluate(
            "() => { const m = window[document.querySelector('[data-map]').dataset.map];"
            " m.setZoom(14, {animate: false}); }"
        )
        origin = page.locator("path.map-origin")
        origin.hover(force=True)
        tooltip = tooltip_of(origin)
        assert tooltip.inner_text() == f"Where you searched: {PLACE_LABEL}"
        assert_inert(tab)
        page.mouse.move(5, 5)
        tooltip.wait_for(state="detached")

        popup_texts = [PAYLOAD_ROW["name"], PAYLOAD_ROW["organization"], address]
        check_map_shows_text(tab, listing_id, popup_texts)
        shoot(page, f"results-popup-{policy}")
        # Zoomed out, the state outlines show (a person's check, by the screenshot).
        page.evaluate(
            "() => { window[document.querySelector('[data-map]').dataset.map]"
            ".setZoom(6, {animate: false}); }"
        )
        shoot(page, f"results-zoomed-out-{policy}")

        page.goto(f"{url}/listings/{listing_id}")
        wait_for_map(page, 1)
        assert page.title() == f"{PAYLOAD_ROW['name']} · NET Finder"
        assert page.get_by_role("heading", level=1).inner_text() == (
            f"{PAYLOAD_ROW['name']}, {PAYLOAD_ROW['credentials']}"
        )
        article = page.locator("article.listing").inner_text()
        for column in ("organization", "meeting_schedule", "description"):
            assert PAYLOAD_ROW[column] in article
        assert address in article
        assert "Spanish" in article
        website = page.get_by_role("link", name=CHECKED_COLUMNS["website"][1])
        assert website.get_attribute("href") == CHECKED_COLUMNS["website"][1]
        email = page.get_by_role("link", name=CHECKED_COLUMNS["email"][1])
        assert email.get_attribute("href") == f"mailto:{CHECKED_COLUMNS['email'][1]}"
        check_map_shows_text(tab, listing_id, [PAYLOAD_ROW["name"], PAYLOAD_ROW["organization"]])
        shoot(page, f"listing-{policy}", full_page=True)
        assert_inert(tab)
    tab.assert_clean()


def test_every_public_page_keeps_to_the_policy(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    item = add(name="Dr. Ada Near (demo)", organization="Example NET Center")
    for path in ("/search?q=02115", f"/listings/{item.id}"):
        page.goto(live_url + path)
        wait_for_map(page, 1)
    other_pages = [
        "/",
        "/about",
        "/search?q=%3Csvg%20onload%3Dwindow.__xss%3D1%3E",  # the query comes back in the form
        "/search?q=99999",
        "/sites/",
        *(f"/sites/{slug}" for slug in sites.load() if slug != "index"),
        "/nothing-here",
        "/sites/nothing-here",
    ]
    for path in other_pages:
        page.goto(live_url + path)
        page.wait_for_load_state("load")
        assert page.locator("h1").count() == 1, path
        assert page.evaluate("() => typeof window.__xss") == "undefined", path
    tab.assert_clean()


class Tiles(BaseHTTPRequestHandler):
    """A local tile server: one small grey PNG for every tile."""

    served: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).served.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(GREY_PNG)))
        self.end_headers()
        self.wfile.write(GREY_PNG)

    def log_message(self, *args: Any) -> None:
        pass


GREY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a49444154789c63e8070000fa00f9c2a7c3a20000000049454e44ae426082"
)


@pytest.fixture
def tiled_app(database_url: str) -> Iterator[Flask]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    Tiles.served = []
    app = make_app(
        DATABASE_URL=database_url,  # migrated already
        TILE_URL=f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png",
        TILE_ATTRIBUTION=(
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
            'contributors <img src=x data-xss onerror="window.__xss=1">'
        ),
    )
    yield app
    with app.app_context():
        db.engine().dispose()
    server.shutdown()
    server.server_close()
    thread.join()


def test_tiles_load_under_the_policy_and_their_credit_keeps_the_page_private(
    tiled_app: Flask, tab: Tab
) -> None:
    page = tab.page
    with serving(tiled_app) as url:
        page.goto(f"{url}/search?q=02115")
        page.locator("img.leaflet-tile-loaded").first.wait_for()
        assert Tiles.served
        credit = page.locator(".leaflet-control-attribution")
        assert "© OpenStreetMap contributors" in credit.inner_text()
        osm = credit.get_by_role("link", name="OpenStreetMap")
        assert osm.get_attribute("href") == "https://www.openstreetmap.org/copyright"
        links = credit.locator("a")
        assert links.count() == 2  # Leaflet's and the tiles'
        for i in range(links.count()):
            assert set(links.nth(i).get_attribute("rel").split()) == {"noopener", "noreferrer"}
        assert page.locator("[data-xss]").count() == 0
        # The About page credits the tiles too, as plain text.
        page.goto(f"{url}/about")
        assert "Map tiles: © OpenStreetMap contributors." in page.locator("main").inner_text()
        assert page.locator("[data-xss]").count() == 0
    tab.assert_clean()
