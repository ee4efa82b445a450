"""End to end in Debian's headless Chromium: search a ZIP, read the list, open a map popup."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from finder.models import Listing

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(tmp_path: Any) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/test installs Debian's chromium as root.")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                # Only the app on 127.0.0.1 resolves: a page that needs anything else fails.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


def test_search_list_map_and_popup(live_url: str, page: Any, add: Callable[..., Listing]) -> None:
    add(
        name="Dr. Ada Near (demo)",
        organization="Example NET Center",
        phone="(617) 555-0142 ext. 7",
    )
    add(name="Dr. Bo Shared (demo)", latitude=42.36, longitude=-71.06)
    add(name="Dr. Cy Shared (demo)", latitude=42.36, longitude=-71.06)
    add(name="<b>Dr. Tag</b>", latitude=42.5, longitude=-71.2)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(live_url + "/")
    page.get_by_label("ZIP code or city").fill("02115")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")

    items = page.locator("ol.result-list > li h3")
    assert items.count() == 4
    assert items.nth(0).inner_text().startswith("Dr. Ada Near (demo)")
    assert page.get_by_role("heading", level=3, name="<b>Dr. Tag</b>").count() == 1

    markers = page.locator(".leaflet-overlay-pane path.leaflet-interactive[data-listing]")
    markers.first.wait_for()
    assert markers.count() == 4
    # The two listings at one address are drawn apart, each clickable.
    boxes = {
        (round(b["x"]), round(b["y"])) for b in (markers.nth(i).bounding_box() for i in range(4))
    }
    assert len(boxes) == 4

    first_id = page.locator("ol.result-list > li h3 a").first.get_attribute("href").split("/")[-1]
    page.locator(f'path.leaflet-interactive[data-listing="{first_id}"]').click(force=True)
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

    # The state outlines (served by the app) are drawn even though no tiles are configured.
    assert page.locator(".leaflet-outlines-pane path").count() > 40
    assert errors == []
    assert failed == []
