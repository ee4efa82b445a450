"""Patients' corrections and suggestions: from the listing page to the admin's review queue,
never published on their own, throttled per address, and closed by an admin."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from finder import db
from finder.models import Listing, ListingChange, Report
from tests.test_admin import EMAIL, _admin_account, login  # noqa: F401  (an autouse fixture)


def token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no form token on {path}"
    return found.group(1)


def send(client: FlaskClient, path: str, **fields: str) -> tuple[int, str, str]:
    """Fill in and send a form as a browser would: status, page text and where it led."""
    data = {"csrf_token": token(client, path), **fields}
    response = client.post(path, data=data)
    location = response.headers.get("Location", "")
    page = client.get(location).get_data(as_text=True) if location else response.get_data(True)
    return response.status_code, page, location


def all_reports(app: Flask) -> list[Report]:
    with app.app_context():
        return list(db.session().scalars(sa.select(Report).order_by(Report.id)))


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    """A second browser, signed in as the admin."""
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def test_a_correction_reaches_the_queue_and_is_accepted_into_an_edit(
    app: Flask, client: FlaskClient, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add(name="Dr. Moved", phone="(617) 555-0100")
    listing_page = client.get(f"/listings/{item.id}").get_data(as_text=True)
    assert f'href="/listings/{item.id}/report"' in listing_page
    status, page, location = send(
        client,
        f"/listings/{item.id}/report",
        message="The phone number has changed.",
        right_value="(617) 555-0199",
        email="pat@example.org",
    )
    assert status == 302 and location.startswith("/thanks")
    assert "We have your correction" in page and "An admin will check it" in page
    # Not published: the listing is as it was.
    assert "(617) 555-0100" in client.get(f"/listings/{item.id}").get_data(as_text=True)
    [report] = all_reports(app)
    assert (report.kind, report.listing_id, report.status) == ("correction", item.id, "new")

    queue = admin.get("/admin/reports").get_data(as_text=True)
    assert "Correction: Dr. Moved" in queue and "1 report waiting" in queue
    detail = admin.get(f"/admin/reports/{report.id}").get_data(as_text=True)
    assert "The phone number has changed." in detail and "(617) 555-0100" in detail
    data = {"csrf_token": token(admin, f"/admin/reports/{report.id}"), "field": "phone"}
    accepted = admin.post(f"/admin/reports/{report.id}/accept", data=data)
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith(f"/admin/listings/{item.id}/edit")
    [report] = all_reports(app)
    assert (report.status, report.closed_by) == ("accepted", EMAIL)
    assert report.closed_at is not None
    assert "0 reports waiting" in admin.get("/admin/reports").get_data(as_text=True)


def test_a_correction_can_be_rejected_or_marked_done(
    app: Flask, client: FlaskClient, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    for message in ("Wrong!", "Closed in 2019"):
        send(client, f"/listings/{item.id}/report", message=message)
    first, second = all_reports(app)
    for report, action in ((first, "reject"), (second, "done")):
        data = {"csrf_token": token(admin, f"/admin/reports/{report.id}")}
        assert admin.post(f"/admin/reports/{report.id}/{action}", data=data).status_code == 302
    assert [(r.status, r.closed_by) for r in all_reports(app)] == [
        ("rejected", EMAIL),
        ("done", EMAIL),
    ]
    rejected = admin.get("/admin/reports?status=rejected").get_data(as_text=True)
    assert "Wrong!" in rejected and "rejected by admin@example.org" in rejected


def test_a_suggestion_becomes_an_unpublished_listing_in_one_step(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    status, page, _ = send(
        client,
        "/suggest",
        name="Dr. Nadia Newcomer",
        kind="doctor",
        city="Denver",
        state="Colorado",
        phone="303 555 0123",
        why="She runs the NET clinic at the university.",
    )
    assert status == 302 and "We have your suggestion" in page
    [report] = all_reports(app)
    assert report.details["state"] == "CO" and report.details["phone"] == "(303) 555-0123"
    data = {"csrf_token": token(admin, f"/admin/reports/{report.id}")}
    made = admin.post(f"/admin/reports/{report.id}/listing", data=data)
    assert made.status_code == 302
    with app.app_context():
        listing = db.session().scalar(sa.select(Listing).where(Listing.name.like("Dr. Nadia%")))
        assert listing is not None and not listing.published
        assert (listing.kind, listing.city, listing.state, listing.source) == (
            "doctor",
            "Denver",
            "CO",
            "suggestion",
        )
        assert listing.precision == "city" and 39.5 < (listing.latitude or 0) < 40
    assert made.headers["Location"] == f"/admin/listings/{listing.id}/edit"
    [report] = all_reports(app)
    assert (report.status, report.result_listing_id) == ("accepted", listing.id)
    # Patients don't see it until an admin publishes it.
    assert client.get(f"/listings/{listing.id}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "doctor", "phone": "617 555 0100"}, "Give the specialist"),
        ({"name": "Dr. X", "phone": "617 555 0100"}, "Choose a doctor"),
        ({"name": "Dr. X", "kind": "doctor"}, "Give a phone number or a website"),
        (
            {"name": "Dr. X", "kind": "doctor", "website": "javascript:alert(1)"},
            "Check the website",
        ),
        ({"name": "Dr. X", "kind": "doctor", "phone": "1", "email": "nope"}, "Check the phone"),
    ],
)
def test_a_suggestion_with_a_problem_says_what_to_fix(
    app: Flask, client: FlaskClient, fields: dict[str, str], message: str
) -> None:
    status, page, _ = send(client, "/suggest", **fields)
    assert status == 400 and message in page and "The suggestion was not sent" in page
    assert all_reports(app) == []


def test_an_empty_correction_says_what_to_write(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    status, page, _ = send(client, f"/listings/{item.id}/report", message="  ")
    assert status == 400 and "Tell us what is wrong" in page
    assert all_reports(app) == []


def test_the_honeypot_thanks_a_bot_and_keeps_nothing(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    status, page, _ = send(
        client, f"/listings/{item.id}/report", message="Buy now", homepage="http://spam.example"
    )
    assert status == 302 and "Thank you" in page
    assert all_reports(app) == []


def test_an_address_may_send_five_reports_an_hour(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    for n in range(5):
        assert send(client, f"/listings/{item.id}/report", message=f"Report {n}")[0] == 302
    status, page, _ = send(client, f"/listings/{item.id}/report", message="One more")
    assert status == 429 and "try again in an hour" in page
    assert len(all_reports(app)) == 5
    # Another address is not held back by this one.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert send(other, f"/listings/{item.id}/report", message="Mine")[0] == 302
    # An hour later the address may send again, and its old hashes are cleared.
    with app.app_context():
        session = db.session()
        for report in session.scalars(sa.select(Report)):
            report.created_at -= dt.timedelta(hours=1)
        session.commit()
    assert send(client, f"/listings/{item.id}/report", message="Later")[0] == 302
    hashes = [r.sender_hash for r in all_reports(app)]
    assert hashes[:6] == [None] * 6 and hashes[6] is not None


def test_a_report_without_the_form_token_is_refused_kindly(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    response = client.post(f"/listings/{item.id}/report", data={"message": "x"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert all_reports(app) == []


def test_an_anonymous_visitor_is_refused_from_the_queue(
    app: Flask, client: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add()
    send(client, f"/listings/{item.id}/report", message="Private words")
    [report] = all_reports(app)
    for path in ("/admin/reports", f"/admin/reports/{report.id}", "/admin/due"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    data = {"csrf_token": token(client, f"/listings/{item.id}/report")}
    for action in ("accept", "reject", "done", "listing"):
        assert client.post(f"/admin/reports/{report.id}/{action}", data=data).status_code == 403
    assert all_reports(app)[0].status == "new"


def test_due_for_review_lists_the_oldest_first_and_verified_today_stamps(
    app: Flask, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    fresh = add(name="Dr. Fresh", last_verified=dt.date.today())
    old = add(name="Dr. Old", last_verified=dt.date(2023, 5, 1))
    never = add(name="Dr. Never", last_verified=None)
    page = admin.get("/admin/due").get_data(as_text=True)
    assert "2 listings due" in page and "Dr. Fresh" not in page
    assert page.index("Dr. Never") < page.index("Dr. Old")
    home = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r"Due for review</a></dt><dd>2</dd>", home)
    data = {"csrf_token": token(admin, "/admin/due"), "next": "/admin/due"}
    assert admin.post(f"/admin/listings/{old.id}/verify", data=data).status_code == 302
    with app.app_context():
        stamped = db.session().get(Listing, old.id)
        assert stamped is not None
        assert (stamped.last_verified, stamped.verified_by) == (dt.date.today(), EMAIL)
        [change] = db.session().scalars(sa.select(ListingChange)).all()
        assert (change.listing_id, change.field, change.old, change.user) == (
            old.id,
            "last_verified",
            "2023-05-01",
            EMAIL,
        )
    page = admin.get("/admin/due").get_data(as_text=True)
    assert "1 listing due" in page and "“Dr. Old” is verified as of today." in page
    assert ">Dr. Old</a>" not in page and ">Dr. Never</a>" in page
    assert fresh.id and never.id
