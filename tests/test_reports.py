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
from finder.directory import importer
from finder.models import Listing, ListingChange, Report
from tests.conftest import ROWS, csv_bytes
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


def edit_form(admin: FlaskClient, path: str) -> dict[str, str]:
    """The edit form's fields as a browser would send them back (checked boxes only)."""
    page = admin.get(path).get_data(as_text=True)
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) == "checkbox" and "checked" not in tag):
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = body
    for name, chosen in re.findall(
        r'<select [^>]*name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected', page, re.S
    ):
        fields[name] = chosen
    return fields


def test_an_accepted_correction_fills_the_edit_and_the_edit_is_logged(
    app: Flask, client: FlaskClient, admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    item = add(name="Dr. Phone", phone="(617) 555-0100", last_verified=dt.date(2024, 1, 2))
    send(client, f"/listings/{item.id}/report", message="New number", right_value="617-555-0199")
    [report] = all_reports(app)
    data = {"csrf_token": token(admin, f"/admin/reports/{report.id}"), "field": "phone"}
    edit_path = admin.post(f"/admin/reports/{report.id}/accept", data=data).headers["Location"]
    page = admin.get(edit_path).get_data(as_text=True)
    assert "Report #" in page and "New number" in page
    fields = edit_form(admin, edit_path)
    assert fields["phone"] == "617-555-0199" and fields["verified"] == "1"
    saved = admin.post(f"/admin/listings/{item.id}/edit", data=fields)
    assert saved.status_code == 302
    with app.app_context():
        listing = db.session().get(Listing, item.id)
        assert listing is not None
        assert listing.phone == "(617) 555-0199"  # through the import's own checks
        assert (listing.last_verified, listing.verified_by) == (dt.date.today(), EMAIL)
        changes = db.session().scalars(sa.select(ListingChange).order_by(ListingChange.field))
        assert [(c.field, c.old, c.new, c.user) for c in changes] == [
            ("last_verified", "2024-01-02", dt.date.today().isoformat(), EMAIL),
            ("phone", "(617) 555-0100", "(617) 555-0199", EMAIL),
        ]
    history = admin.get(f"/admin/listings/{item.id}/edit").get_data(as_text=True)
    assert '<code>phone</code></td><td class="pre">(617) 555-0100</td>' in history
    # An edit saved without the box ticked leaves "last verified" as it was.
    fields = edit_form(admin, f"/admin/listings/{item.id}/edit")
    fields.pop("verified")
    fields["name"] = "Dr. Phone Renamed"
    admin.post(f"/admin/listings/{item.id}/edit", data=fields)
    with app.app_context():
        [rename] = (
            db.session()
            .scalars(sa.select(ListingChange).where(ListingChange.field == "name"))
            .all()
        )
        assert (rename.old, rename.new) == ("Dr. Phone", "Dr. Phone Renamed")


def test_an_admin_adds_a_listing_without_a_file(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin, "/admin/listings/new")
    fields.update(
        kind="program",
        name="Example NET Center",
        address="1 Example St",
        zip="02115",
        phone="617 555 0111",
    )
    bad = admin.post("/admin/listings/new", data={**fields, "zip": "99999"})
    assert bad.status_code == 400 and "ZIP code 99999 was not found" in bad.get_data(True)
    made = admin.post("/admin/listings/new", data=fields)
    assert made.status_code == 302
    with app.app_context():
        item = db.session().scalar(sa.select(Listing).where(Listing.name == "Example NET Center"))
        assert item is not None and not item.published and item.source == "manual"
        assert (item.state, item.precision, item.phone) == ("MA", "zip", "(617) 555-0111")
        assert item.last_verified == dt.date.today()
    assert made.headers["Location"] == f"/admin/listings/{item.id}/edit"


def test_patients_see_a_stale_listing_and_its_source(
    client: FlaskClient, add: Callable[..., Listing]
) -> None:
    stale = add(last_verified=dt.date(2023, 3, 9), source="NANETS list")
    page = client.get(f"/listings/{stale.id}").get_data(as_text=True)
    assert "Not verified since March 2023" in page and "NANETS list" in page
    fresh = add(last_verified=dt.date.today(), source="manual")
    page = client.get(f"/listings/{fresh.id}").get_data(as_text=True)
    assert "Not verified since" not in page and "NET Finder&#39;s admins" in page


def test_an_import_names_itself_on_the_listings_it_made_and_changed(
    app: Flask, admin: FlaskClient
) -> None:
    with app.app_context():
        first = importer.load_csv(db.session(), csv_bytes(*ROWS), "partner", filename="a.csv")
        changed = ROWS[0].replace("Dr. Ana Peña", "Dr. Ana Peña-Ruiz")
        second = importer.load_csv(db.session(), csv_bytes(changed, *ROWS[1:]), "partner")
        assert first.created == 3 and second.updated == 1
        runs = db.session().scalars(sa.text("SELECT id FROM import_run ORDER BY id")).all()
        rows = (
            db.session()
            .execute(
                sa.select(
                    Listing.external_id, Listing.created_by_import, Listing.changed_by_import
                ).order_by(Listing.external_id)
            )
            .all()
        )
    assert [tuple(r) for r in rows] == [
        ("a1", runs[0], runs[1]),
        ("a2", runs[0], runs[0]),
        ("a3", runs[0], runs[0]),
    ]
    with app.app_context():
        a1 = db.session().scalar(sa.select(Listing.id).where(Listing.external_id == "a1"))
    page = admin.get(f"/admin/listings/{a1}/edit").get_data(as_text=True)
    assert f"import #{runs[0]}</a> (a.csv)" in page and f"import #{runs[1]}</a>" in page


def test_the_edit_form_attributes_are_attributes(
    admin: FlaskClient, add: Callable[..., Listing]
) -> None:
    # They came out escaped (inputmode="&quot;numeric&quot;"), which axe reports as invalid.
    item = add()
    page = admin.get(f"/admin/listings/{item.id}/edit").get_data(as_text=True)
    assert (
        'inputmode="numeric" autocomplete="off"' in page
        and "&quot;" not in page.split("<form")[1].split("</form>")[0]
    )
    assert 'maxlength="200"' in page
