"""Command line: import-csv, export-csv and create-admin, as an admin at a terminal sees them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from finder import accounts, db
from finder.models import ImportRun, Listing

HEADER = "external_id,kind,name,address,city,state,zip,latitude,longitude,tumor_sites,virtual\n"
ROWS = [
    "a1,doctor,Dr. Ana Peña,1 Example St,Boston,MA,02115,,,pancreas,no\n",
    "a2,program,Côte NET Center,2 Example Ave,Boston,MA,2115,42.35,-71.07,lung,no\n",
    "a3,support_group,Online NET Circle,,,,,,,,yes\n",
]
BAD_ROW = "x1,wizard,Merlin,1 Example St,Boston,MA,02115,,,,no\n"


def write(tmp_path: Path, *rows: str, name: str = "partner.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return str(path)


def invoke(runner: FlaskCliRunner, *args: str, input: str | None = None) -> Result:
    """Run a command as the `finder` script does: inside the app's context (FlaskGroup pushes
    one; the test runner calls the app's command group directly, which doesn't)."""
    with runner.app.app_context():
        return runner.invoke(args=list(args), input=input)


def names(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(sa.select(Listing.name).order_by(Listing.external_id)))


def run_count(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(sa.select(sa.func.count()).select_from(ImportRun)) or 0


def test_import_csv_prints_a_summary(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "import-csv", write(tmp_path, *ROWS), "--source", "partner")
    assert result.exit_code == 0, result.output
    assert "partner.csv: 3 rows, source 'partner'" in result.stdout
    assert "created             3" in result.stdout
    assert names(app) == ["Dr. Ana Peña", "Côte NET Center", "Online NET Circle"]
    again = invoke(runner, "import-csv", write(tmp_path, *ROWS), "--source", "partner")
    assert again.exit_code == 0 and "unchanged           3" in again.stdout


def test_import_csv_with_a_bad_row_changes_nothing_and_fails(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    result = invoke(runner, "import-csv", write(tmp_path, ROWS[0], BAD_ROW), "--source", "partner")
    assert result.exit_code == 1
    assert "line 3 (Merlin), kind: Unknown kind “wizard”" in result.stderr
    assert "nothing was changed" in result.stdout
    assert names(app) == [] and run_count(app) == 1  # the refusal is logged


def test_import_csv_skip_invalid_imports_the_rest_but_still_fails(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, ROWS[0], BAD_ROW)
    result = invoke(runner, "import-csv", path, "--source", "partner", "--skip-invalid")
    assert result.exit_code == 1  # rows were rejected
    assert "rejected            1" in result.stdout
    assert names(app) == ["Dr. Ana Peña"]


def test_import_csv_dry_run_changes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, *ROWS)
    result = invoke(runner, "import-csv", path, "--source", "partner", "--dry-run")
    assert result.exit_code == 0
    assert "created             3 would be" in result.stdout
    assert names(app) == [] and run_count(app) == 0


def test_import_csv_refuses_a_file_that_is_not_csv(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    result = invoke(runner, "import-csv", str(path), "--source", "partner")
    assert result.exit_code == 1 and "This is not a CSV file" in result.stderr
    assert run_count(app) == 0


def test_import_csv_needs_a_source(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "import-csv", write(tmp_path, *ROWS))
    assert result.exit_code == 2 and "--source" in result.stderr


def test_export_then_import_changes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    invoke(runner, "import-csv", write(tmp_path, *ROWS), "--source", "partner")
    out = tmp_path / "export.csv"
    result = invoke(runner, "export-csv", str(out), "--source", "partner")
    assert result.exit_code == 0 and f"Wrote 3 listings to {out}." in result.stdout
    assert out.read_text(encoding="utf-8").startswith("external_id,kind,name,credentials,")
    again = invoke(runner, "import-csv", str(out), "--source", "partner")
    assert again.exit_code == 0 and "unchanged           3" in again.stdout
    other = invoke(runner, "export-csv", str(out), "--source", "nobody")
    assert "Wrote 0 listings" in other.stdout


def test_create_admin_reads_the_password_from_stdin(app: Flask, runner: FlaskCliRunner) -> None:
    result = invoke(runner, "create-admin", "Admin@Example.org", input="correct horse battery\n")
    assert result.exit_code == 0
    assert "Admin admin@example.org can now sign in at /admin." in result.stdout
    with app.app_context():
        assert accounts.check(db.session(), "admin@example.org", "correct horse battery")
        assert accounts.check(db.session(), "admin@example.org", "wrong") is None
    # Run again: a new password for the same admin.
    invoke(runner, "create-admin", "admin@example.org", input="another long password\n")
    with app.app_context():
        assert accounts.check(db.session(), "admin@example.org", "another long password")


def test_create_admin_refuses_a_short_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = invoke(runner, "create-admin", "admin@example.org", input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.stderr
    with app.app_context():
        assert accounts.check(db.session(), "admin@example.org", "short") is None


def test_config_prints_the_settings_in_effect_with_secrets_hidden(
    app: Flask, runner: FlaskCliRunner
) -> None:
    app.config["DATABASE_URL"] = "postgresql+psycopg://finder:s3cret@db.internal/finder"
    result = invoke(runner, "config")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "GEOCODER = 'offline'  # default" in lines
    assert "GEOCODER_MIN_DELAY = 0.0  # test_config" in lines
    assert "SECRET_KEY = <hidden>  # default: made once in instance/secret_key" in lines
    assert (
        "DATABASE_URL = 'postgresql+psycopg://finder:***@db.internal/finder'  # test_config"
        in lines
    )
    assert app.config["SECRET_KEY"] not in result.stdout and "s3cret" not in result.stdout
