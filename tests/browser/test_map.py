"""The map in Chromium: a basemap a patient can read (place names, county lines), every listing
reachable and named (clusters, fanned-out addresses), keyboard use, and what a visit costs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from finder.models import Listing
from tests.browser.conftest import Tab, serving, shoot
from tests.browser.test_pages import wait_for_map

ANCHORAGE = (61.1919, -149.8695)  # near 99508, a couple of miles from 99501's centre
SALT_LAKE = (40.7713, -111.8394)  # one clinic's address, four listings


def the_map(page: Any, js: str) -> Any:
    """Run `js` with `m`, the page's Leaflet map."""
    return page.evaluate(
        "() => { const m = window[document.querySelector('[data-map]').dataset.map]; " + js + " }"
    )


def visible_basemap(page: Any) -> tuple[list[str], int]:
    """The place names drawn inside the map's box, and how many county-line paths cross it."""
    page.wait_for_function(
        "() => document.querySelectorAll('.place-label').length > 0"
        " && document.querySelectorAll('.leaflet-counties-pane path').length > 0"
    )
    page.wait_for_timeout(300)  # names are placed once the clusters are
    return page.evaluate(
        """() => {
          const box = document.querySelector('.leaflet-container').getBoundingClientRect();
          const inside = r => r.width > 0 && r.right > box.left && r.left < box.right
                              && r.bottom > box.top && r.top < box.bottom;
          const names = Array.from(document.querySelectorAll('.place-label span'))
            .filter(el => inside(el.getBoundingClientRect())
                          && getComputedStyle(el).visibility !== 'hidden')
            .map(el => el.textContent);
          const lines = Array.from(document.querySelectorAll('.leaflet-counties-pane path'))
            .filter(p => p.getTotalLength() > 20 && inside(p.getBoundingClientRect())).length;
          return [names, lines];
        }"""
    )


def test_a_listing_page_at_street_zoom_has_place_names_and_county_lines(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    item = add(name="Dr. Ada Street (demo)", latitude=42.3496, longitude=-71.0746)
    page.goto(f"{live_url}/listings/{item.id}")
    wait_for_map(page, 1)
    assert the_map(page, "return m.getZoom();") >= 11
    names, lines = visible_basemap(page)
    assert "Boston" in names and "Cambridge" in names, names
    assert lines >= 1
    # The names are paper, not controls: no focus, no clicks, not read out.
    pane = page.locator(".leaflet-labels-pane")
    assert pane.get_attribute("aria-hidden") == "true"
    assert pane.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    assert (
        page.locator(".leaflet-labels-pane [tabindex], .leaflet-counties-pane [tabindex]").count()
        == 0
    )
    # Markers sit above the names.
    z = page.evaluate(
        "() => [getComputedStyle(document.querySelector('.leaflet-labels-pane')).zIndex,"
        " getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex].map(Number)"
    )
    assert z[0] < z[1]
    shoot(page, "map-listing-street-zoom")
    tab.assert_clean()


def test_a_sparse_search_shows_where_it_is(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    add(
        name="Dr. Northern Light (demo)",
        latitude=ANCHORAGE[0],
        longitude=ANCHORAGE[1],
        city="Anchorage",
        state="AK",
        zip="99508",
    )
    page.goto(f"{live_url}/search?q=99501")
    wait_for_map(page, 1)
    names, lines = visible_basemap(page)
    assert "Anchorage" in names, names
    assert len(names) >= 4, names  # the towns around it too
    assert lines >= 1
    shoot(page, "map-99501")
    tab.assert_clean()


def test_four_listings_at_one_address_each_reachable_and_named(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    shared = dict(
        latitude=SALT_LAKE[0],
        longitude=SALT_LAKE[1],
        city="Salt Lake City",
        state="UT",
        zip="84112",
    )
    names = [
        "Dr. Ana One (demo)",
        "Dr. Ben Two (demo)",
        "Carla Three Program (demo)",
        "Dr. Dee Four (demo)",
    ]
    add(name=names[0], **shared)
    add(name=names[1], **shared)
    add(name=names[2], kind="program", **shared)
    add(name=names[3], **shared)
    add(
        name="Dr. Eve Apart (demo)",
        latitude=40.55,
        longitude=-111.9,
        city="Sandy",
        state="UT",
        zip="84070",
    )
    page.goto(f"{live_url}/search?q=84112")
    wait_for_map(page, 5)

    # Every result in the list is named by a marker or a cluster.
    listed = page.locator("ol.result-list > li h3 a").all_inner_texts()
    assert sorted(listed) == sorted([*names, "Dr. Eve Apart (demo)"])
    labels = page.locator(".map-pin").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    cluster = page.locator(".map-cluster")
    assert cluster.count() == 1
    label = cluster.get_attribute("aria-label")
    # How many and whose: the nearest three by name, and how many more.
    assert re.fullmatch(r"4 listings: (.+), (.+), (.+) and 1 more", label), label
    assert set(re.fullmatch(r"4 listings: (.+) and 1 more", label).group(1).split(", ")) < set(
        names
    )
    assert cluster.get_attribute("role") == "button"
    assert cluster.get_attribute("tabindex") == "0"
    assert any(a.startswith("Dr. Eve Apart (demo), NET doctor, ") for a in labels)
    # A program's colour still shows on the cluster that holds it.
    assert cluster.locator(".kinds i").count() == 2
    shoot(page, "map-cluster-closed")

    # Enter on the cluster fans the four out, and focus goes to the first of them.
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.map-listing[data-listing]').length === 5"
    )
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('.map-listing')"
    )
    fanned = page.locator(".map-listing[data-listing]")
    by_name = {}
    for i in range(fanned.count()):
        aria = fanned.nth(i).get_attribute("aria-label")
        by_name[aria.split(", ")[0]] = fanned.nth(i)
    assert set(by_name) == {*names, "Dr. Eve Apart (demo)"}
    assert (
        by_name[names[2]]
        .get_attribute("aria-label")
        .startswith(f"{names[2]}, NET treatment program, ")
    )
    assert re.search(r", \d+(\.\d)? miles away$", by_name[names[0]].get_attribute("aria-label"))
    # Drawn apart: four different spots, each clickable, each opening its own popup.
    spots = {
        tuple(round(v) for v in (b["x"], b["y"]))
        for b in (by_name[n].bounding_box() for n in names)
    }
    assert len(spots) == 4
    shoot(page, "map-cluster-spiderfied")
    popup = page.locator(".leaflet-popup-content")
    for n in names:
        by_name[n].click()
        page.wait_for_function(
            "n => { const p = document.querySelector('.leaflet-popup-content strong');"
            " return p && p.textContent === n; }",
            arg=n,
        )
        assert n in popup.inner_text()
        page.keyboard.press("Escape")  # the click focused the marker
        popup.wait_for(state="detached")

    # Zoomed out, all five gather in one cluster; Enter zooms in to them and focus follows
    # to where the nearest now is (its marker, or the smaller cluster holding it).
    the_map(page, "m.setZoom(6, {animate: false});")
    whole = page.locator(".map-cluster", has_text="5")
    whole.wait_for()
    assert whole.get_attribute("aria-label").startswith("5 listings: ")
    assert whole.get_attribute("aria-label").endswith(" and 2 more")
    whole.focus()
    before = whole.element_handle()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "old => document.activeElement !== old && document.activeElement.matches('.map-pin')",
        arg=before,
    )
    assert the_map(page, "return m.getZoom();") > 6
    tab.assert_clean()


def test_enter_opens_a_marker_and_escape_closes_it_and_returns_focus(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    add(name="Dr. Keys (demo)", latitude=42.36, longitude=-71.06)
    page.goto(f"{live_url}/search?q=02115")
    marker = wait_for_map(page, 1).first
    assert marker.get_attribute("role") == "button"
    assert re.fullmatch(
        r"Dr\. Keys \(demo\), NET doctor, \d+(\.\d)? miles away", marker.get_attribute("aria-label")
    )
    marker.focus()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == "Dr. Keys (demo)"

    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Dr. Keys (demo)" in popup.inner_text()
    # The name shown on focus doesn't stay behind the popup.
    page.wait_for_function("() => !document.querySelector('.leaflet-tooltip')")
    # Focus is in the popup, so its links come next with Tab.
    assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Details"

    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert page.evaluate(
        "() => document.activeElement.getAttribute('aria-label')"
    ) == marker.get_attribute("aria-label")

    # Space works as Enter does (a button), and Escape on the marker itself closes it too.
    page.keyboard.press(" ")
    popup.wait_for()
    marker.focus()
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.matches('.map-listing')")
    tab.assert_clean()


def with_show_on_map_buttons(page: Any) -> None:
    """Add the results list's "Show on map" buttons (templates/search/results.html gets them
    in another branch) to each card, as the template will, before the page's scripts run;
    once the template has them, the page is left as it is."""

    def patch(route: Any) -> None:
        res = route.fetch()
        if "data-show-on-map" in res.text():  # the template has them (after the merge)
            route.fulfill(response=res)
            return
        html = re.sub(
            r'(<h3[^>]*>\s*<a href="/listings/(\d+)".*?</h3>)',
            r'\1<button type="button" class="show-on-map" data-show-on-map="\2" hidden>'
            r"Show on map</button>",
            res.text(),
            flags=re.S,
        )
        route.fulfill(response=res, body=html)

    page.route(re.compile(r".*/search\?.*"), patch)


def test_show_on_map_brings_a_clustered_listing_out_and_focuses_it(
    live_url: str, tab: Tab, add: Callable[..., Listing]
) -> None:
    page = tab.page
    for n in ("Dr. One (demo)", "Dr. Two (demo)", "Dr. Three (demo)"):
        add(name=n, latitude=SALT_LAKE[0], longitude=SALT_LAKE[1], zip="84112", state="UT")
    with_show_on_map_buttons(page)
    page.goto(f"{live_url}/search?q=84112")
    wait_for_map(page, 3)
    assert page.locator(".map-cluster").count() == 1
    buttons = page.get_by_role("button", name="Show on map")
    assert buttons.count() == 3  # un-hidden: the map works
    card = page.locator("ol.result-list > li").filter(has_text="Dr. Two (demo)")
    card.get_by_role("button", name="Show on map").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Dr. Two (demo)" in popup.inner_text()
    page.wait_for_function(
        "() => (document.activeElement.getAttribute('aria-label') || '')"
        ".startsWith('Dr. Two (demo), ')"
    )
    tab.assert_clean()


def test_the_basemap_is_fetched_as_cached_versioned_files(
    app: Flask, open_tab: Callable[..., Tab], add: Callable[..., Listing]
) -> None:
    """What a first visit downloads for the basemap, in Chromium: a national view (a search
    whose results span the country) and a listing page's map. Printed for the closing note."""
    far = add(name="Dr. West (demo)", latitude=34.05, longitude=-118.25, zip="90012", state="CA")
    add(name="Dr. North (demo)", latitude=47.61, longitude=-122.33, zip="98101", state="WA")
    with serving(app) as url:
        weights = {}
        for view, path in (
            # Nothing within 5 miles of Boston: the nearest anyway, across the country.
            ("national", "/search?q=02115&radius=5"),
            ("listing", f"/listings/{far.id}"),
        ):
            tab = open_tab()  # a fresh profile: nothing cached
            page = tab.page
            seen: list[Any] = []
            page.on("requestfinished", lambda r, seen=seen: seen.append(r))
            page.goto(url + path)
            page.wait_for_function("() => document.querySelectorAll('.place-label').length > 0")
            page.wait_for_load_state("networkidle")
            if view == "national":
                assert the_map(page, "return m.getZoom();") <= 5
            html = page.content()
            basemap = [r for r in seen if "/basemap/" in r.url or "us_states" in r.url]
            assert basemap
            total = 0
            for r in basemap:
                res = r.response()
                name = r.url.rsplit("/", 1)[1]
                assert re.fullmatch(r"[a-z0-9_-]+\.[0-9a-f]{12}\.json", name, re.I), name
                assert "immutable" in res.headers["cache-control"]
                assert "max-age=31536000" in res.headers["cache-control"]
                assert res.headers.get("content-encoding") == "gzip"
                assert name not in html or name.startswith("index.")
                sizes = r.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            weights[view] = (total, len(basemap))
            tab.assert_clean()
    print(f"\nfirst-visit basemap bytes: {weights}")
    assert weights["national"][0] < 150_000
    assert weights["listing"][0] < 200_000
