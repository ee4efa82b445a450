"""axe-core (WCAG 2.1 A and AA) on every page type, public (in English and Spanish) and admin,
at desktop and phone widths, in the Chromium the suite drives: zero violations, or the build
fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask

from finder import accounts, db
from finder.directory import reports
from finder.models import Listing
from tests.browser.conftest import Tab

EMAIL, PASSWORD = "admin@example.org", "correct horse battery"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
AXE = Axe()
CHECKED: list[tuple[str, str, int]] = []  # (page, width, violations), for the summary


def public_pages(listing_id: int) -> list[str]:
    return [
        "/",
        "/search?q=02115&radius=100",
        "/search?q=02115&radius=500&sort=name",
        "/search?q=99501&radius=25",
        "/search?q=boston",
        "/search?q=99999",
        f"/listings/{listing_id}",
        f"/listings/{listing_id}/report",
        "/suggest",
        "/thanks?kind=suggestion",
        "/sites/",
        "/sites/pancreas",  # one tumor site page; they share one template
        "/sites/spread",  # and one guide page
        "/about",
        "/nothing-here",
    ]


def admin_pages(listing_id: int, report_id: int) -> list[str]:
    return [
        "/admin/",
        "/admin/listings",
        f"/admin/listings/{listing_id}/edit",
        "/admin/listings/new",
        "/admin/reports",
        f"/admin/reports/{report_id}",
        "/admin/due",
        "/admin/import",
        "/admin/imports",
        "/admin/format",
    ]


def violations(page: Any) -> list[str]:
    """Every WCAG 2.1 A/AA violation on the page: rule, impact and the elements."""
    found = AXE.run(page, options=RULES).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in found
    ]


@pytest.fixture
def directory(app: Flask, add: Callable[..., Listing]) -> Iterator[tuple[int, int]]:
    """A few listings of every kind around Boston and Anchorage, an admin and a report."""
    app.config["SESSION_COOKIE_SECURE"] = False
    first = add(
        name="Dr. Ada Near (demo)",
        organization="Example NET Center (demo)",
        phone="(617) 555-0142",
        website="https://example.org/ada",
        languages=["English", "Spanish"],
        last_verified=dt.date(2023, 4, 1),
        specialties=["medical-oncology"],
        tumor_sites=["pancreas"],
    )
    add(name="Example NET Program (demo)", kind="program", latitude=42.36, longitude=-71.06)
    add(name="Example NET Circle (demo)", kind="support_group", latitude=42.37, longitude=-71.1)
    add(
        name="Dr. Alaska (demo)",
        latitude=61.2,
        longitude=-149.9,
        city="Anchorage",
        state="AK",
        zip="99501",
    )
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)
        report = reports.suggest(
            db.session(),
            {"name": "Dr. Suggested (demo)", "kind": "doctor", "phone": "617 555 0100"},
            reports.Sender("test"),
            per_hour=5,
        )
    yield first.id, report.id


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_type_has_no_wcag_violations(
    live_url: str, open_tab: Callable[..., Tab], directory: tuple[int, int], width: str
) -> None:
    listing_id, report_id = directory
    tab = open_tab()
    page = tab.page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    problems = {}
    # Every public page in English, then in Spanish (/es/…); the admin pages stay English.
    paths = public_pages(listing_id)
    for path in [*paths, *("/es" + p for p in paths)]:
        page.goto(live_url + path)
        found = violations(page)
        CHECKED.append((path, width, len(found)))
        if found:
            problems[path] = found
    page.goto(live_url + "/admin/login")
    problems.update({"/admin/login": v} if (v := violations(page)) else {})
    CHECKED.append(("/admin/login", width, len(v)))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    for path in admin_pages(listing_id, report_id):
        page.goto(live_url + path)
        found = violations(page)
        CHECKED.append((path, width, len(found)))
        if found:
            problems[path] = found
    print(
        f"\naxe, {width}: {len(CHECKED)} page loads checked so far, "
        f"{sum(n for *_, n in CHECKED)} violations"
    )
    for path, found in problems.items():
        print(f"{width} {path}:\n  " + "\n  ".join(found))
    assert problems == {}
