"""The app's security wiring: the secret key, and ids beyond the database's range."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from finder import create_app


def test_a_placeholder_secret_key_stops_a_production_start(
    database_url: str, tmp_path: Path
) -> None:
    for weak in ("dev", "short-key"):
        with pytest.raises(RuntimeError, match="FINDER_SECRET_KEY=\\$\\(python3 -c"):
            create_app({"SECRET_KEY": weak, "DATABASE_URL": database_url})
    # Debug and tests may keep one.
    assert create_app({"SECRET_KEY": "dev", "DEBUG": True, "DATABASE_URL": database_url})


def test_without_a_key_one_is_made_once_and_kept(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    with caplog.at_level(logging.WARNING, logger="finder.security"):
        first = create_app({"DATABASE_URL": database_url})
    key = instance / "secret_key"
    assert "No FINDER_SECRET_KEY set: made one in" in caplog.text
    assert first.secret_key == key.read_text().strip() and len(first.secret_key) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # readable by the app's user only
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="finder.security"):
        second = create_app({"DATABASE_URL": database_url})
    assert second.secret_key == first.secret_key  # every worker signs sessions alike
    assert caplog.text == ""


@pytest.mark.parametrize(
    "path",
    [
        "/listings/2147483648",  # past PostgreSQL's integer
        "/listings/9223372036854775808",  # past SQLite's
        "/listings/99999999999999999999999999",
        "/api/v1/listings/9223372036854775808",
    ],
)
def test_ids_past_the_database_range_are_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_largest_id_is_looked_up(client: FlaskClient) -> None:
    assert client.get("/listings/2147483647").status_code == 404
