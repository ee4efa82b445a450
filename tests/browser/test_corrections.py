"""In Chromium: a patient reports a correction from a listing page and an admin takes it
through the queue into an edit; every admin page fits a 390 px phone without sideways
scrolling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from finder import accounts, db
from finder.directory import reports
from finder.models import Listing, Report
from tests.browser.conftest import Tab, shoot

EMAIL, PASSWORD = "admin@example.org", "correct horse battery"


def sign_in(page: Any, live_url: str) -> None:
    page.goto(live_url + "/admin/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def widest(page: Any) -> str:
    """The element reaching furthest right, to name in a failure."""
    return str(
        page.evaluate(
            """() => {
              let best = null, right = 0;
              for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect().right;
                if (r > right) { right = r; best = el; }
              }
              return best ? best.outerHTML.slice(0, 120) + ' ends at ' + Math.round(right) : '';
            }"""
        )
    )


def test_a_correction_from_the_listing_page_to_the_edit(
    app: Flask, live_url: str, open_tab: Callable[..., Tab], add: Callable[..., Listing]
) -> None:
    app.config["SESSION_COOKIE_SECURE"] = False  # the live server is plain http
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)
    item = add(
        name="Dr. Rosa Moved (demo)", phone="(617) 555-0100", last_verified=dt.date(2024, 2, 1)
    )

    patient = open_tab()
    page = patient.page
    page.goto(f"{live_url}/listings/{item.id}")
    assert page.get_by_text("Not verified since February 2024").is_visible()
    page.get_by_role("link", name="Report a correction").click()
    page.get_by_label("What is wrong? (required)").fill("Her office moved; the phone changed.")
    page.get_by_label("The right details, if you know them").fill("(617) 555-0199")
    shoot(page, "correction-1-form", full_page=True)
    page.get_by_role("button", name="Send the correction").click()
    page.wait_for_url("**/thanks**")
    assert page.get_by_role("heading", name="Thank you").is_visible()
    assert "An admin will check it" in page.inner_text("main")
    shoot(page, "correction-2-thanks")
    patient.assert_clean()

    admin = open_tab()
    page = admin.page
    sign_in(page, live_url)
    assert "Reports waiting" in page.inner_text("main")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Correction: Dr. Rosa Moved (demo)").click()
    assert page.get_by_text("Her office moved; the phone changed.").is_visible()
    assert page.get_by_text("(617) 555-0100").is_visible()  # the listing now, beside it
    shoot(page, "correction-3-report", full_page=True)
    page.get_by_label("Put the right details in").select_option("phone")
    page.get_by_role("button", name="Accept and edit the listing").click()
    page.wait_for_url("**/edit?**")
    assert page.get_by_label("Phone").input_value() == "(617) 555-0199"
    assert page.get_by_label("I checked these details today").is_checked()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/admin/listings/{item.id}/edit")
    assert page.get_by_text("Saved “Dr. Rosa Moved (demo)”.").is_visible()
    shoot(page, "correction-4-saved", full_page=True)
    admin.assert_clean()
    with app.app_context():
        saved = db.session().get(Listing, item.id)
        assert saved is not None and saved.phone == "(617) 555-0199"
        assert saved.last_verified == dt.date.today()
        [report] = db.session().scalars(sa.select(Report)).all()
        assert (report.status, report.closed_by) == ("accepted", EMAIL)


def test_every_admin_page_fits_a_phone(
    app: Flask, live_url: str, open_tab: Callable[..., Tab], add: Callable[..., Listing]
) -> None:
    app.config["SESSION_COOKIE_SECURE"] = False
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)
        report = reports.suggest(
            db.session(),
            {
                "name": "Dr. A Very Long Suggested Name Indeed (demo)",
                "kind": "doctor",
                "website": "https://example.org/a/very/long/path/that/could/overflow/a/phone",
            },
            reports.Sender("test"),
            per_hour=5,
        )
    for n in range(3):
        add(
            name=f"Dr. Example With A Long Name Number {n} (demo)",
            organization="Example Regional Neuroendocrine Tumor Program (demo)",
            external_id=f"partner-external-id-{n}",
            last_verified=dt.date(2023, 1, 1),
        )
    tab = open_tab()
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_url)
    with app.app_context():
        first = db.session().scalar(sa.select(Listing.id).order_by(Listing.id))
    paths = [
        "/admin/",
        "/admin/listings",
        f"/admin/listings/{first}/edit",
        "/admin/listings/new",
        "/admin/reports",
        f"/admin/reports/{report.id}",
        "/admin/due",
        "/admin/import",
        "/admin/imports",
        "/admin/format",
    ]
    for path in paths:
        page.goto(live_url + path)
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, f"{path} is {wide} px wide on a 390 px phone: {widest(page)}"
    page.goto(live_url + "/admin/listings")
    shoot(page, "admin-listings-phone", full_page=True)
    # The row actions are on the screen, not off to the right.
    button = page.get_by_role("button", name="Unpublish Dr. Example With A Long Name Number 0")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    tab.assert_clean()
