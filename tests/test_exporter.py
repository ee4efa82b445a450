"""The export: a round trip through import-csv changes nothing, across sources."""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from finder import accounts, db
from finder.directory import listings
from finder.models import Listing

HEADER = "external_id,kind,name,address,city,state,zip,phone,tumor_sites,virtual,last_verified\n"
PARTNER = [
    "p1,doctor,Dr. Ana Peña,1 Example St,Boston,MA,02115,+1 617 555 0142,pancreas,no,2026-01-31\n",
    "p2,program,=NET Center,2 Example Ave,Boston,MA,02115,,lung,no,\n",
    ",support_group,-Online NET Circle,,,,,,,yes,\n",
]
CLINIC = ["c1,doctor,Dr. Lee Park,5 Example Rd,Chicago,IL,60611,,small-intestine,no,\n"]
EMAIL, PASSWORD = "admin@example.org", "correct horse battery staple 42"


def invoke(runner: FlaskCliRunner, *args: str) -> str:
    with runner.app.app_context():
        result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def state(app: Flask) -> list[tuple[str, str | None, str, bool]]:
    with app.app_context():
        rows = db.session().execute(
            sa.select(
                Listing.source, Listing.external_id, Listing.name, Listing.published
            ).order_by(Listing.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def directory(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    """Two sources, and one listing an admin has hidden."""
    for source, rows in (("partner", PARTNER), ("clinic", CLINIC)):
        path = tmp_path / f"{source}.csv"
        path.write_text(HEADER + "".join(rows), encoding="utf-8")
        invoke(runner, "import-csv", str(path), "--source", source)
    with app.app_context():
        session = db.session()
        hidden = session.scalar(sa.select(Listing.id).where(Listing.external_id == "p2"))
        assert hidden is not None
        listings.set_published(session, hidden, False)


def test_export_of_all_sources_imports_again_with_no_change(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    directory(app, runner, tmp_path)
    before = state(app)
    out = tmp_path / "all.csv"
    assert "Wrote 4 listings" in invoke(runner, "export-csv", str(out))
    exported = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["source"], r["external_id"], r["published"]) for r in exported] == [
        ("partner", "p1", "yes"),
        ("partner", "p2", "no"),
        ("partner", "", "yes"),
        ("clinic", "c1", "yes"),
    ]
    assert exported[0]["last_verified"] == "2026-01-31"

    # Whatever --source the admin names, each row goes back to its own source.
    report = invoke(runner, "import-csv", str(out), "--source", "admin")
    counts = dict(re.findall(r"^\s+(\w+)\s+(\d+)", report, flags=re.M))
    assert counts == {
        "created": "0",
        "updated": "0",
        "unchanged": "4",
        "rejected": "0",
        "unpublished": "0",
    }
    assert state(app) == before  # the hidden listing stays hidden


def test_published_column_hides_and_shows(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    directory(app, runner, tmp_path)
    path = tmp_path / "edit.csv"
    path.write_text(
        "external_id,kind,name,address,city,state,zip,published\n"
        "p1,doctor,Dr. Ana Peña,1 Example St,Boston,MA,02115,no\n"
        "p9,doctor,Dr. New Hidden,9 Example St,Boston,MA,02115,no\n",
        encoding="utf-8",
    )
    invoke(runner, "import-csv", str(path), "--source", "partner")
    shown = {(s, e): p for s, e, _n, p in state(app)}
    assert shown[("partner", "p1")] is False and shown[("partner", "p9")] is False
    path.write_text(
        "external_id,kind,name,address,city,state,zip,published\n"
        "p1,doctor,Dr. Ana Peña,1 Example St,Boston,MA,02115,maybe\n",
        encoding="utf-8",
    )
    with runner.app.app_context():
        result = runner.invoke(args=["import-csv", str(path), "--source", "partner"])
    assert result.exit_code == 1 and "published: “maybe” is not yes or no." in result.output


def test_web_export_is_the_same_file(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    directory(app, runner, tmp_path)
    out = tmp_path / "all.csv"
    invoke(runner, "export-csv", str(out))
    with app.app_context():
        accounts.set_password(db.session(), EMAIL, PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token[1]}
    assert client.post("/admin/login", data=form).status_code == 302
    web = client.get("/admin/export.csv")
    assert web.status_code == 200
    # The same rows; the web's file opens with a byte-order mark, so Excel reads it as UTF-8.
    assert web.get_data() == codecs.BOM_UTF8 + out.read_bytes()
