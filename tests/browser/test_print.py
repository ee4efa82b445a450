"""The printout to take to the doctor (issue 13), in Chromium: print media shows when it was
printed, the search in words and the results, and hides the form, the navigation and the map;
the demo's Boston search prints on at most two Letter pages, a listing on one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask

from finder import db
from finder.directory.importer import load_csv
from finder.paths import DATA
from tests.browser.conftest import SHOTS, Tab

BOSTON = "/search?q=02115"  # the demo's Boston search at the default radius


@pytest.fixture
def demo(app: Flask) -> None:
    """The shipped demo directory, as `finder load-demo` loads it."""
    with app.app_context():
        report = load_csv(db.session(), (DATA / "demo_listings.csv").read_bytes(), "demo")
        assert report.applied, report.problems


def pdf_pages(page: Any, name: str) -> int:
    """Print the page to a Letter PDF (kept for a person to look at) and count its pages: one
    `/Type /Page` object each (Chromium's PDFs keep them uncompressed; `/Pages` is the tree)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(format="Letter", path=str(SHOTS / f"{name}.pdf"))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def shown(page: Any, selector: str) -> bool:
    """Whether any element the selector matches takes up room on the (printed) page."""
    return bool(
        page.locator(selector).evaluate_all(
            "els => els.some(e => e.getClientRects().length > 0"
            " && getComputedStyle(e).visibility !== 'hidden')"
        )
    )


def test_print_media_shows_the_date_the_search_and_the_results_and_no_controls(
    live_url: str, tab: Tab, demo: None
) -> None:
    page = tab.page
    url = live_url + "/search?q=02115&radius=250&kind=doctor&kind=program&site=pancreas&sort=name"
    page.goto(url)
    page.wait_for_selector(".leaflet-control-zoom")
    # On screen: the button (shown by print.js) opens the print dialog; no print-only text.
    button = page.get_by_role("button", name="Print this list")
    # (A function, not an assignment expression: evaluate would call the function it returns.)
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1
    assert not shown(page, ".print-only")

    page.emulate_media(media="print")
    stamp = page.locator(".print-stamp").inner_text()
    now = dt.datetime.now(dt.UTC)
    assert re.fullmatch(rf"Printed {now:%B} {now.day}, {now.year}, \d\d:\d\d UTC", stamp)
    # The search in words: each term (a <dt>, its ": " generated) and what was chosen.
    criteria = dict(
        page.locator(".print-criteria dt").evaluate_all(
            "dts => dts.map(dt => [dt.textContent, dt.nextElementSibling.textContent])"
        )
    )
    assert criteria == {
        "Near": "02115 (Boston, MA)",
        "Within": "250 miles",
        "Showing": "NET doctors, NET treatment programs",
        "Tumor site": "Pancreas",
        "Specialty": "Any specialty",
        "Service": "Any service",
        "Language spoken": "Any language",
        "Sorted by": "name",
    }
    assert shown(page, ".print-criteria")
    assert page.locator(".print-url").inner_text() == f"This page online: {url}"
    # The results, each with what the doctor needs, and the website's whole address.
    cards = page.locator("section.results > ol.result-list > li")
    assert cards.count() > 3 and shown(page, "section.results > ol.result-list > li")
    first = cards.first.inner_text()
    assert re.search(r"NET (doctor|treatment program) · \d+(\.\d)? miles", first)
    assert re.search(r"\(\d{3}\) 555-\d{4}", first)
    assert re.search(r"Verified|Not verified since", first)
    website = cards.first.locator("a.website")
    href = website.get_attribute("href")
    assert href and href.startswith("https://")
    assert website.evaluate("a => getComputedStyle(a, '::after').content") == f'"{href}"'
    # None of the controls: form, navigation, paging and sorting, buttons, the map.
    for selector in (
        "form",
        "button",
        "nav",
        ".search-summary",
        ".list-tools",
        ".map-panel",
        ".leaflet-control-zoom",
        ".legend",
        "a.directions",
        ".skip",
    ):
        assert not shown(page, selector), selector
    page.screenshot(path=str(SHOTS / "print-results-media.png"), full_page=True)
    tab.assert_clean()


def test_the_boston_demo_search_prints_on_two_letter_pages_and_a_listing_on_one(
    live_url: str, tab: Tab, demo: None
) -> None:
    page = tab.page
    page.goto(live_url + BOSTON)
    page.wait_for_selector(".leaflet-control-zoom")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert re.match(r"\d+ results within 100 miles of 02115", heading)  # the default radius
    assert page.locator("section.results li.result").count() >= 20  # nearby and online
    assert pdf_pages(page, "print-boston") <= 2
    page.locator("section.results > ol.result-list > li h3 a").first.click()
    page.wait_for_url("**/listings/*")
    page.get_by_role("button", name="Print this page").wait_for()
    assert pdf_pages(page, "print-listing") == 1
    page.emulate_media(media="print")
    assert shown(page, ".print-stamp") and shown(page, ".print-url")
    assert "Last verified" in page.locator("article.listing").inner_text()
    for selector in ("nav", "button", ".map-panel", ".report-link", "a.directions", ".pin-note"):
        assert not shown(page, selector), selector
    tab.assert_clean()


def test_the_spanish_printout_speaks_spanish_and_fits_two_pages(
    live_url: str, tab: Tab, demo: None
) -> None:
    page = tab.page
    url = live_url + "/es" + BOSTON
    page.goto(url)
    page.wait_for_selector(".leaflet-control-zoom")
    page.emulate_media(media="print")
    stamp = page.locator(".print-stamp").inner_text()
    assert re.fullmatch(r"Impreso el \d{1,2} de \w+ de \d{4}, \d\d:\d\d UTC", stamp), stamp
    criteria = dict(
        page.locator(".print-criteria dt").evaluate_all(
            "dts => dts.map(dt => [dt.textContent, dt.nextElementSibling.textContent])"
        )
    )
    assert criteria["Cerca de"] == "02115 (Boston, MA)"
    assert criteria["Ordenado por"] != "distance"  # the order in Spanish too
    assert page.locator(".print-url").inner_text() == f"Esta página en internet: {url}"
    for selector in ("form", "button", "nav", ".map-panel"):
        assert not shown(page, selector), selector
    assert pdf_pages(page, "print-boston-es") <= 2
    page.locator("section.results > ol.result-list > li h3 a").first.click()
    page.wait_for_url("**/es/listings/*")
    assert pdf_pages(page, "print-listing-es") == 1
    assert page.locator(".print-stamp").inner_text().startswith("Impreso el ")
    tab.assert_clean()
