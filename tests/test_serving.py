"""Production serving: gunicorn with the repo's config answers, and its logs keep ZIPs out."""

from __future__ import annotations

import gc
import json
import logging
import runpy
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from finder import create_app, db
from scripts.serving import CONFIG, Server, gunicorn


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    # Generous: a loaded machine may take seconds to answer; a hang still ends the test.
    with urllib.request.urlopen(request, timeout=30) as res:
        return res.status, res.read()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """gunicorn with gunicorn.conf.py on 127.0.0.1, an empty SQLite directory, logs to files."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        db.create_schema(db.engine())
        db.engine().dispose()
    with gunicorn(url, tmp_path, start_timeout=60) as running:
        yield running


def test_gunicorn_serves_and_logs_paths_without_query_strings(server: Server) -> None:
    base = server.base
    status, body = _get(base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body = _get(base + "/search?q=02115&radius=50")
    assert status == 200
    assert b"02115" in body
    # A listing page's referrer is the search that led to it: it must not reach the log either.
    status, _ = _get(base + "/about", Referer=f"{base}/search?q=02115")
    assert status == 200

    server.stop(timeout=30)
    access = server.access_log.read_text()
    assert '"GET /healthz" 200' in access
    assert '"GET /search" 200' in access
    assert "02115" not in access
    assert "02115" not in server.error_log.read_text()


def test_config_binds_to_loopback_and_strips_queries_from_the_error_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    # runpy runs the file's top level, which turns the collector off until gunicorn is ready.
    was_enabled = gc.isenabled()
    try:
        config = runpy.run_path(str(CONFIG))
    finally:
        if was_enabled:
            gc.enable()
    assert config["bind"] == "127.0.0.1:8123"
    assert config["preload_app"] is True
    assert config["worker_class"] == "sync"
    assert 2 <= config["workers"] <= 8
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):
        assert leaky not in config["access_log_format"]

    record = logging.LogRecord(
        "gunicorn.error",
        logging.ERROR,
        "",
        0,
        "Error handling request %s %s",
        ("GET", "/search?q=02115"),
        None,
    )
    config["on_starting"](None)
    logging.getLogger("gunicorn.error").filter(record)  # runs each of the logger's filters
    assert record.getMessage() == "Error handling request GET /search"
