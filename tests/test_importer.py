"""CSV import: encodings, all-or-nothing, upsert, re-import, geocoding, and the import log."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from finder import db
from finder.directory import exporter, importer
from finder.models import GeocodeCache, ImportRun, Listing
from finder.places import geocode
from tests.conftest import HEADER, ROWS, FakeNominatim, csv_bytes


def load(app: Flask, data: bytes, source: str = "partner", **options: Any) -> importer.ImportReport:
    with app.app_context():
        return importer.load_csv(db.session(), data, source, filename="test.csv", **options)


def listings(app: Flask) -> list[tuple[str, str, str, bool]]:
    with app.app_context():
        rows = db.session().scalars(sa.select(Listing).order_by(Listing.external_id))
        return [(x.external_id or "", x.name, x.precision, x.published) for x in rows]


def test_import_creates_and_locates(app: Flask) -> None:
    report = load(app, csv_bytes(*ROWS))
    assert report.ok and report.applied and (report.created, report.rows) == (3, 3)
    assert listings(app) == [
        ("a1", "Dr. Ana Peña", "zip", True),
        ("a2", "Côte NET Center", "given", True),
        ("a3", "Online NET Circle", "given", True),
    ]
    with app.app_context():
        a1 = db.session().scalar(sa.select(Listing).where(Listing.external_id == "a1"))
        assert (round(a1.latitude, 2), round(a1.longitude, 2)) == (42.34, -71.09)


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes(*ROWS),
        b"\xef\xbb\xbf" + csv_bytes(*ROWS),  # UTF-8 with a byte-order mark
        csv_bytes(*ROWS, encoding="cp1252"),  # Excel's Windows-1252
        csv_bytes(*ROWS).replace(b"\n", b"\r\n"),  # Windows line ends
    ],
    ids=["utf8", "bom", "cp1252", "crlf"],
)
def test_encodings_keep_accented_names(app: Flask, data: bytes) -> None:
    assert load(app, data).ok
    names = [n for _, n, _, _ in listings(app)]
    assert names == ["Dr. Ana Peña", "Côte NET Center", "Online NET Circle"]


def test_quoted_newlines_and_line_numbers(app: Flask) -> None:
    data = csv_bytes(
        'b1,doctor,"Dr. Two\nLines",1 Example St,Boston,MA,02115,,,,no\n',
        "b2,doctor,,1 Example St,Boston,MA,02115,,,,no\n",
    )
    report = load(app, data)
    assert [(p.line, p.column) for p in report.problems] == [(4, "name")]


def test_header_aliases_and_unknown_columns(app: Flask) -> None:
    header = "ID,Type,Full Name,Street Address,City,ST,Zip Code,Phone Number,Shoe size\n"
    report = load(
        app,
        csv_bytes("c1,Doctor,Dr. C,1 Example St,Boston,ma,02115,6175550100,44\n", header=header),
    )
    assert report.ok and report.created == 1
    assert report.ignored_columns == ["Shoe size"]


def test_one_bad_row_changes_nothing_and_reports_everything(app: Flask) -> None:
    load(app, csv_bytes(ROWS[0]))
    before = listings(app)
    bad = csv_bytes(
        "a1,doctor,Dr. Ana Peña RENAMED,1 Example St,Boston,MA,02115,,,,no\n",
        "x1,wizard,Merlin,1 Example St,Boston,MA,02115,,,,no\n",
        "x2,doctor,Dr. Swap,1 Example St,Boston,MA,02115,-71.09,42.34,,no\n",
        "x3,doctor,Dr. Site,1 Example St,Boston,MA,02115,,,brain,no\n",
    )
    report = load(app, bad)
    assert not report.applied
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "kind"),
        (4, "latitude"),
        (5, "tumor_sites"),
    ]
    assert listings(app) == before


def test_skip_invalid_imports_the_rest(app: Flask) -> None:
    report = load(
        app, csv_bytes(ROWS[0], "x1,wizard,Merlin,1 St,Boston,MA,02115,,,,no\n"), skip_invalid=True
    )
    assert report.applied and report.created == 1 and report.skipped == 1
    assert [n for _, n, _, _ in listings(app)] == ["Dr. Ana Peña"]


def test_dry_run_changes_nothing(app: Flask) -> None:
    report = load(app, csv_bytes(*ROWS), dry_run=True)
    assert report.created == 3 and not report.applied
    assert listings(app) == []


def test_reimport_is_idempotent_and_updates_changes(app: Flask) -> None:
    load(app, csv_bytes(*ROWS))
    again = load(app, csv_bytes(*ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = load(app, csv_bytes(ROWS[0].replace("Dr. Ana Peña", "Dr. Ana Peña-Ruiz"), *ROWS[1:]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert changed.sample[0]["changes"] == ["name"]
    assert load(app, csv_bytes(*ROWS), source="other").created == 3  # sources are separate


def test_duplicates(app: Flask) -> None:
    report = load(app, csv_bytes(ROWS[0], ROWS[0]))
    assert [(p.line, p.message) for p in report.problems] == [
        (3, "Duplicate of line 2 in this file.")
    ]
    no_id = "doctor,Dr. Same,1 Example St,Boston,MA,02115\n"
    header = "kind,name,address,city,state,zip\n"
    assert load(app, csv_bytes(no_id, header=header)).created == 1
    assert load(app, csv_bytes(no_id, header=header)).unchanged == 1  # matched, not doubled
    moved = load(app, csv_bytes("doctor,Dr. Same,9 Other Rd,Boston,MA,02115\n", header=header))
    assert not moved.applied and "Looks like listing" in moved.problems[0].message


def test_replace_source_unpublishes_missing(app: Flask) -> None:
    load(app, csv_bytes(*ROWS))
    report = load(app, csv_bytes(ROWS[0]), replace_source=True)
    assert report.unpublished == 2
    assert [(e, p) for e, _, _, p in listings(app)] == [("a1", True), ("a2", False), ("a3", False)]


def test_every_import_is_logged(app: Flask) -> None:
    load(app, csv_bytes(*ROWS))
    load(app, csv_bytes("x,wizard,Merlin,1 St,Boston,MA,02115,,,,no\n"))
    load(app, csv_bytes(*ROWS), dry_run=True)  # previews are not imports
    with app.app_context():
        runs = db.session().scalars(sa.select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.applied, r.created, r.filename) for r in runs] == [
            (True, 3, "test.csv"),
            (False, 0, "test.csv"),
        ]
        assert runs[1].report["problems"][0]["column"] == "kind"
        assert len(runs[0].sha256) == 64


def test_not_a_csv(app: Flask) -> None:
    with pytest.raises(importer.BadFile):
        load(app, b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(importer.BadFile):
        load(app, b"")
    with pytest.raises(importer.BadFile, match="kind"):
        load(app, b"foo,bar\n1,2\n")


def test_a_crash_mid_import_leaves_the_database_as_it_was(app: Flask, monkeypatch) -> None:
    load(app, csv_bytes(ROWS[0]))
    before = listings(app)

    def explode(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    # Two rows are inserted, then building the update for the third fails.
    monkeypatch.setattr(importer.sa, "update", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        load(app, csv_bytes(ROWS[0].replace("Peña", "Peña 2"), *ROWS[1:]))
    monkeypatch.undo()
    assert listings(app) == before


def test_a_killed_import_leaves_the_database_as_it_was(app: Flask, tmp_path) -> None:
    load(app, csv_bytes(ROWS[0]))
    before = listings(app)
    path = tmp_path / "big.csv"
    path.write_bytes(
        csv_bytes(*(f"k{i},doctor,Dr. K{i},1 St,Boston,MA,02115,,,,no\n" for i in range(20000)))
    )
    # A child process imports, and kills itself with SIGKILL right after the bulk insert ran
    # inside the transaction: no Python clean-up, no rollback, as in a power cut.
    script = textwrap.dedent(f"""
        import os, signal
        from finder import create_app, db
        from finder.directory import importer
        from finder.search import index
        app = create_app({{"DATABASE_URL": {app.config["DATABASE_URL"]!r}}})
        insert = index.bulk_insert
        def insert_then_die(session, rows, *args):
            insert(session, rows, *args)  # 20,000 rows written, not yet committed
            assert session.connection().exec_driver_sql(
                "SELECT count(*) FROM listing").scalar() > 20000
            os.kill(os.getpid(), signal.SIGKILL)
        index.bulk_insert = insert_then_die
        with app.app_context():
            importer.load_csv(db.session(), open({str(path)!r}, "rb").read(), "partner")
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert listings(app) == before


def test_online_geocoder_on_import_is_cached_and_outage_falls_back(
    app: Flask, fake_nominatim
) -> None:
    online = geocode.online_geocoder(fake_nominatim)
    report = load(app, csv_bytes(*ROWS), geocoder=online, min_delay=0)
    assert report.ok and len(FakeNominatim.requests) == 1  # only a1 has an address without coords
    assert [p for _, _, p, _ in listings(app)] == ["street", "given", "given"]
    load(
        app, csv_bytes(ROWS[0].replace("Peña", "Peña 2")), source="b", geocoder=online, min_delay=0
    )
    assert len(FakeNominatim.requests) == 1  # the same address came from the cache
    with app.app_context():
        assert db.session().get(GeocodeCache, "1 Example St, Boston, MA, 02115") is not None
    FakeNominatim.mode = "down"
    report = load(
        app,
        csv_bytes("d1,doctor,Dr. D,5 New St,Boston,MA,02115,,,,no\n"),
        source="c",
        geocoder=online,
        min_delay=0,
    )
    assert report.applied and report.notes and "ZIP code" in report.notes[0]
    assert ("d1", "Dr. D", "zip", True) in listings(app)


def test_export_round_trip_changes_nothing(app: Flask) -> None:
    load(app, csv_bytes(*ROWS, 'a4,doctor,=HYPERLINK("x"),1 St,Boston,MA,02115,,,,no\n'))
    with app.app_context():
        out = io.StringIO()
        assert exporter.write_csv(db.session(), out, "partner") == 4
    text = out.getvalue()
    assert "'=HYPERLINK" in text  # a formula is text in a spreadsheet
    assert "-71.07" in text  # a negative number is still a number
    again = load(app, text.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4), again.problems


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-71.09", "-71.09"),
        ("Dr. Safe", "Dr. Safe"),
    ],
)
def test_csv_injection_is_neutralised(cell: str, safe: str) -> None:
    assert exporter.safe_cell(cell) == safe


def test_a_big_import_keeps_the_spatial_index_in_step(app: Flask, add) -> None:
    from finder.places.geocode import locate
    from finder.search.nearby import nearby

    rows = (
        f"g{i},doctor,Dr. G{i},1 St,Boston,MA,02115,{42.0 + i / 10000:.5f},-71.09,,no\n"
        for i in range(2500)
    )
    assert load(app, csv_bytes(*rows)).created == 2500  # the bulk path (R*Tree rebuilt)
    later = add(name="Dr. Later", latitude=41.9, longitude=-71.09)  # the trigger is back
    with app.app_context():
        found = nearby(db.session(), locate("02115"), 100, limit=200).nearby
        ids = {r.listing.external_id for r in found}
        assert len(found) == 200 and "g2499" in ids
        near = nearby(db.session(), locate(lat=41.9, lon=-71.09), 5, limit=1).nearby
        assert near[0].listing.id == later.id


def test_a_bad_value_repeated_down_the_file_is_reported_on_every_line(app: Flask) -> None:
    rows = [ROWS[0].replace("a1,", f"r{i},").replace(",MA,", ",Narnia,") for i in range(3)]
    report = load(app, csv_bytes(ROWS[1], *rows, ROWS[2]))
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "state"),
        (4, "state"),
        (5, "state"),
    ]
    assert "Unknown state “Narnia”" in report.problems[2].message
    assert listings(app) == []


def test_a_big_import_stores_values_as_the_orm_does(app: Flask) -> None:
    header = HEADER.replace(",virtual\n", ",virtual,last_verified,languages\n")
    rows = (
        f"v{i},doctor,Dr. V{i},1 St,Boston,MA,02115,,,pancreas;lung,no,1/31/2026,english\n"
        for i in range(2500)
    )
    assert load(app, csv_bytes(*rows, header=header)).created == 2500  # the bulk path
    with app.app_context():
        bulk = db.session().scalar(sa.select(Listing).where(Listing.external_id == "v7"))
        assert bulk.tumor_sites == ["pancreas", "lung"] and bulk.languages == ["English"]
        assert bulk.last_verified.isoformat() == "2026-01-31"
        assert bulk.created_at.year >= 2026 and bulk.published and not bulk.virtual
        if db.engine().dialect.name != "sqlite":
            return
        stored = (
            db.session().execute(sa.text("SELECT created_at, last_verified FROM listing")).first()
        )
    # SQLite keeps dates as text: the text SQLAlchemy itself writes, so every reader agrees.
    assert len(stored[0]) == len("2026-01-31 12:00:00.000000") and stored[1] == "2026-01-31"


# What Excel writes in many locales: ";" between cells, Windows-1252, the headers people type.
EXCEL_HEADER = [
    "ID",
    "Listing Type",
    "Provider Name",
    "Specialty",
    "Services Offered",
    "Tumor Site(s)",
    "Street Address",
    "City",
    "State",
    "ZIP/Postal Code",
    "Phone #",
    "E-mail",
    "Languages Spoken",
    "Last Verified Date",
]
EXCEL_ROW = [
    "x1",
    "Physician",
    "Dr. José Peña",
    "Medical Oncology",
    "Ga-68 DOTATATE PET; Lutathera",
    "small bowel; Pancreatic",
    "1 Example St",
    "Boston",
    "Massachusetts",
    "2115",
    "617-555-0142",
    "jose@example.org",
    "English; Español",
    "3/1/2026",
]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_excel_files_in_any_delimiter(app: Flask, delimiter: str) -> None:
    # Cells holding ";" are quoted, as Excel quotes them; they must not confuse the detection.
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([EXCEL_HEADER, EXCEL_ROW])
    report = load(app, out.getvalue().encode("cp1252"))
    assert report.ok and report.applied, report.problems
    assert report.ignored_columns == []
    with app.app_context():
        item = db.session().scalar(sa.select(Listing).where(Listing.external_id == "x1"))
        assert item is not None
        assert (item.kind, item.name, item.zip, item.state) == (
            "doctor",
            "Dr. José Peña",
            "02115",
            "MA",
        )
        assert item.services == ["dotatate-pet", "prrt"]
        assert item.tumor_sites == ["small-intestine", "pancreas"]
        assert item.specialties == ["medical-oncology"]
        assert item.languages == ["English", "Spanish"]
        assert (item.phone, item.email) == ("(617) 555-0142", "jose@example.org")
        assert str(item.last_verified) == "2026-03-01"


def test_a_quoted_cell_full_of_semicolons_keeps_the_comma_file_a_comma_file(app: Flask) -> None:
    data = csv_bytes('a9,doctor,"Dr. A; B; C; D",1 Example St,Boston,MA,02115,,,lung;colon,no')
    report = load(app, data)
    assert report.ok and report.created == 1, report.problems
