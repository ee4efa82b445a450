"""What every browser test shares: Debian's headless Chromium, a tab that refuses and counts
every request beyond 127.0.0.1 and every policy violation, the app served on 127.0.0.1, and
screenshots for a person to look at. Every test in this folder is marked `browser`."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import POLL

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("FINDER_SCREENSHOTS", "/tmp/finder-screenshots"))

# Reports every policy violation to the console, where the test collects it (Chromium also
# logs its own "Refused to ..." line; either one fails the test).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI +
                " at " + e.sourceFile + ":" + e.lineNumber + " " + e.sample);
});
"""


@dataclass
class Tab:
    """A browser page and everything it did that a page of this app must never do."""

    page: Any
    outside: list[str] = field(default_factory=list)  # requests for anything but 127.0.0.1
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def console(self, message: Any) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.outside == []
        assert self.violations == []
        assert self.errors == []
        assert self.dialogs == []


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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
                # Only the app on 127.0.0.1 resolves, even for a request the routes miss.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_tab(browser: Any) -> Iterator[Callable[..., Tab]]:
    """Open a fresh browser context (its own profile) whose requests beyond 127.0.0.1 are
    aborted and counted; `bypass_csp=True` ignores the policy, to test escaping alone."""
    contexts = []

    def make(*, bypass_csp: bool = False) -> Tab:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        tab = Tab(page)
        context.route("**/*", tab.route)
        context.add_init_script(REPORT_VIOLATIONS)
        page.on("console", tab.console)
        page.on("pageerror", lambda e: tab.errors.append(str(e)))
        page.on("dialog", tab.dialog)
        return tab

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab: Callable[..., Tab]) -> Tab:
    """A page under the app's real policy."""
    return open_tab()


def shoot(page: Any, name: str, full_page: bool = False) -> None:
    """Save a screenshot for a person to look at, once any popup has faded in."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.leaflet-popup'))"
        ".every(p => getComputedStyle(p).opacity === '1')"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
