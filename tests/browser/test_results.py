"""The results page in Chromium (issue 11): the first result on a phone's first screen, every
result reachable by paging, and a city without its state offering each state as a link."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from finder import db
from finder.directory.importer import load_csv
from finder.paths import DATA
from tests.browser.conftest import Tab, shoot

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(app: Flask) -> None:
    """The shipped demo directory: 64 listings within 500 miles of 02115."""
    with app.app_context():
        report = load_csv(db.session(), (DATA / "demo_listings.csv").read_bytes(), "demo")
        assert report.applied, report.problems


def _search_from_home(page: Any, live_url: str, q: str) -> None:
    page.goto(live_url + "/")
    page.get_by_label("ZIP code or city").fill(q)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")


def test_first_result_is_on_a_phone_s_first_screen(live_url: str, tab: Tab, demo: None) -> None:
    page = tab.page
    page.set_viewport_size(PHONE)
    _search_from_home(page, live_url, "02115")
    shoot(page, "results-phone")
    first = page.locator("section.results > ol.result-list > li").first
    box = first.bounding_box()
    assert box is not None
    # Wholly on the first screen, without scrolling.
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert page.evaluate("window.scrollY") == 0
    # The folded form opens on demand, without JavaScript's help, and searches again.
    page.get_by_text("Change your search").click()
    page.get_by_label("Within", exact=True).select_option("25")
    shoot(page, "results-phone-form-open")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**radius=25**")
    assert "Within 25 miles of 02115" in page.locator("summary").first.inner_text()
    tab.assert_clean()


def test_next_reaches_every_result_the_api_counts(
    live_url: str, tab: Tab, demo: None, app: Flask
) -> None:
    api = app.test_client().get("/api/v1/search?q=02115&radius=500").get_json()
    total = api["total"]
    assert total > 50 and api["total_exact"]  # more than a page
    page = tab.page
    page.goto(live_url + "/search?q=02115&radius=500&kind=doctor&kind=program&kind=support_group")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert f"Showing 1–50 of {total} within 500 miles" in heading
    shoot(page, "results-desktop", full_page=False)
    seen: list[str] = []
    while True:
        seen += page.locator("section.results > ol.result-list > li h3 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        following = page.locator("a[rel=next]")
        if following.count() == 0:
            break
        following.click()
        page.wait_for_load_state()
        assert "kind=program" in page.url  # the filters stay in the URL
    api_ids = {f"/listings/{r['id']}" for r in api["results"]}
    assert len(seen) == len(set(seen)) == total
    assert api_ids <= set(seen)
    assert f"Showing 51–{total} of {total}" in page.get_by_role("heading", level=1).inner_text()
    page.locator("a[rel=prev]").click()
    assert "Showing 1–50" in page.get_by_role("heading", level=1).inner_text()
    tab.assert_clean()


def test_a_city_without_its_state_offers_each_state(live_url: str, tab: Tab, demo: None) -> None:
    page = tab.page
    page.goto(live_url + "/search?q=boston&radius=250")
    assert "Add the state" in page.get_by_role("alert").inner_text()
    shoot(page, "error-boston-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "error-boston-phone")
    links = page.locator(".place-choices a")
    assert links.count() >= 5 and links.first.inner_text() == "Boston, MA"
    links.first.click()
    page.wait_for_url("**/search?q=Boston**")
    assert "radius=250" in page.url
    assert "Boston, MA" in page.get_by_role("heading", level=1).inner_text()
    tab.assert_clean()
