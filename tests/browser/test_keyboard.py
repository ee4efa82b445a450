"""Keyboard only, and 200% zoom (issue 13): a walk from the home page with Tab, Shift+Tab,
Enter and Space (type a ZIP, search, skip to the results, open a listing, reach the map's
markers, open an education page and its links) with a visible focus at every step; a heading
outline without jumps; and no sideways scrolling at 640 px, which is 1280 px at 200% zoom."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from finder import db
from finder.directory.importer import load_csv
from finder.paths import DATA
from tests.browser.conftest import Tab, shoot

# What has focus, and whether a person can see where it is: an outline or a ring of shadow
# drawn round an element that takes up room.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(),
    name: (e.getAttribute('aria-label') || e.getAttribute('title') || e.innerText || e.value || '')
      .trim().replace(/\\s+/g, ' '),
    href: e.getAttribute('href'),
    inside: ['#results', '.leaflet-marker-pane', 'main', 'header', 'footer']
      .filter(sel => e.closest(sel)),
    ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
    box: r.width > 0 && r.height > 0,
  };
}"""


@pytest.fixture
def demo(app: Flask) -> None:
    """The shipped demo directory, as `finder load-demo` loads it."""
    with app.app_context():
        report = load_csv(db.session(), (DATA / "demo_listings.csv").read_bytes(), "demo")
        assert report.applied, report.problems


def press(page: Any, key: str) -> dict[str, Any]:
    """Press one key; return what then has focus, having checked that a person can see it."""
    page.keyboard.press(key)
    focus = page.evaluate(FOCUSED)
    assert focus is not None, f"{key}: focus left the page"
    assert focus["box"] and focus["ring"], f"{key}: focus is not visible on {focus}"
    return dict(focus)


def tab_until(page: Any, wanted: Any, limit: int, key: str = "Tab") -> list[dict[str, Any]]:
    """Press Tab (or Shift+Tab) until `wanted(focus)`; every stop on the way, the last one
    wanted. Fails after `limit` presses."""
    stops = []
    for _ in range(limit):
        stops.append(press(page, key))
        if wanted(stops[-1]):
            return stops
    raise AssertionError(f"not reached in {limit} presses of {key}: {stops[-5:]}")


def test_search_results_listing_and_map_by_keyboard_alone(
    live_url: str, tab: Tab, demo: None
) -> None:
    page = tab.page
    page.goto(live_url + "/")
    skip = press(page, "Tab")
    assert skip["name"] == "Skip to main content"
    page.keyboard.press("Enter")
    field = press(page, "Tab")
    assert field["tag"] == "input" and "main" in field["inside"]  # the ZIP box, first in main
    page.keyboard.type("02115")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search?" in page.url and "q=02115" in page.url

    # Skip the form (folded into one line) and land in the results.
    assert press(page, "Tab")["name"] == "Skip to main content"
    skip = press(page, "Tab")
    assert skip["name"] == "Skip to results" and skip["href"] == "#results"
    box = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    assert box["x"] >= 0 and box["y"] >= 0  # shown on screen while it has focus
    shoot(page, "keyboard-skip-to-results")
    page.keyboard.press("Enter")
    first_title = page.locator("section.results > ol.result-list > li h3 a").first
    first_href = first_title.get_attribute("href")
    first_name = first_title.inner_text()
    stops = tab_until(page, lambda f: f["href"] == first_href, limit=6)
    # Nothing but the results' own tools on the way: sorting, the list without a map, print.
    assert all("#results" in f["inside"] for f in stops), stops

    # On to the map: every card's links and buttons, then the first marker, a Tab stop
    # with the listing's name.
    stops = tab_until(page, lambda f: ".leaflet-marker-pane" in f["inside"], limit=200)
    marker = stops[-1]
    assert marker["name"], marker
    shoot(page, "keyboard-marker")
    following = press(page, "Tab")
    assert ".leaflet-marker-pane" in following["inside"] and following["name"]
    # Back to the list with Shift+Tab, and open the first result.
    tab_until(page, lambda f: f["href"] == first_href, limit=250, key="Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live_url + first_href
    assert page.get_by_role("heading", level=1).inner_text().startswith(first_name)
    # The listing's own links: phone, website and the correction form, one after another.
    page.keyboard.press("Tab")  # "Skip to main content"
    page.keyboard.press("Enter")
    stops = tab_until(page, lambda f: f["name"] == "Report a correction", limit=20)
    hrefs = [f["href"] or "" for f in stops]
    assert any(h.startswith("tel:") for h in hrefs) and any(h.startswith("https://") for h in hrefs)
    tab.assert_clean()


def test_education_pages_by_keyboard_alone(live_url: str, tab: Tab) -> None:
    page = tab.page
    page.goto(live_url + "/")
    nav = tab_until(page, lambda f: f["name"] == "Where NETs occur", limit=6)[-1]
    assert "header" in nav["inside"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/sites/")
    # Past the page's search box to the list of tumor sites, and into one of them.
    stops = tab_until(page, lambda f: (f["href"] or "").endswith("/sites/pancreas"), limit=60)
    assert all(f["ring"] for f in stops)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/sites/pancreas")
    # Its links: a figure's reference, which Enter follows down the page, then on past the
    # references to the other pages about NETs; Shift+Tab walks back up to the breadcrumb.
    ref = tab_until(page, lambda f: (f["href"] or "").startswith("#ref-"), limit=20)[-1]
    page.keyboard.press("Enter")
    assert page.url.endswith(ref["href"])
    assert page.locator(ref["href"]).is_visible()
    top = page.locator(ref["href"]).evaluate("e => e.getBoundingClientRect().top")
    assert top >= 0  # scrolled to the reference
    further = tab_until(page, lambda f: f["href"] == "/sites/spread", limit=60)[-1]
    assert "main" in further["inside"]
    shoot(page, "keyboard-education-link")
    back = tab_until(page, lambda f: f["name"] == "Where NETs occur", limit=120, key="Shift+Tab")
    assert back[-1]["href"] == "/sites/"
    tab.assert_clean()


def headings(page: Any) -> list[int]:
    return [
        int(tag[1])
        for tag in page.locator("h1, h2, h3, h4, h5, h6").evaluate_all(
            "hs => hs.map(h => h.tagName)"
        )
    ]


def test_results_headings_go_down_one_level_at_a_time(live_url: str, tab: Tab, demo: None) -> None:
    page = tab.page
    page.goto(live_url + "/search?q=02115")
    levels = headings(page)
    assert levels[0] == 1 and levels.count(1) == 1
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert jumps == [], levels
    assert page.locator("#results > h2").count() == 1  # the list's own heading, under the h1


ZOOM_200 = {"width": 640, "height": 450}  # a 1280 × 900 window at 200% zoom


@pytest.mark.parametrize(
    "path", ["/", "/search?q=02115", "/listings/1", "/sites/pancreas", "/sites/"]
)
def test_no_sideways_scrolling_at_200_percent_zoom(
    live_url: str, tab: Tab, demo: None, path: str
) -> None:
    page = tab.page
    page.set_viewport_size(ZOOM_200)
    page.goto(live_url + path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.clientWidth")
    assert width == ZOOM_200["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Nor does any text run off the right edge (a box wider than the page but clipped).
    wide = page.evaluate(
        """w => Array.from(document.querySelectorAll(
             'main p, main li, main h1, main h2, main h3, main dd, main label, main a'))
           .filter(e => !e.closest('.leaflet-container'))
           .filter(e => e.getBoundingClientRect().right > w + 1)
           .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))""",
        width,
    )
    assert wide == []
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
    shoot(page, f"zoom-200-{name}")
    tab.assert_clean()
