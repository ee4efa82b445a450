"""Production serving: gunicorn with the repo's config answers, and its logs keep ZIPs out."""

from __future__ import annotations

import gc
import json
import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finder import create_app, db
from finder.paths import ROOT

CONFIG = ROOT / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as res:
        return res.status, res.read()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """gunicorn with gunicorn.conf.py on 127.0.0.1, an empty SQLite directory, logs to files."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        db.create_schema(db.engine())
        db.engine().dispose()
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {**os.environ, "FINDER_DATABASE_URL": url, "PORT": str(port)}
    env.pop("WEB_CONCURRENCY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)]
        + ["--access-logfile", str(access), "--error-logfile", str(errors)]
        + ["finder:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                _get(base + "/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = errors.read_text() if errors.exists() else ""
                    pytest.fail(f"gunicorn did not start (exit {proc.poll()}):\n{log[-2000:]}")
                time.sleep(0.1)
        yield {"base": base, "proc": proc, "access": access, "errors": errors}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_gunicorn_serves_and_logs_paths_without_query_strings(server: dict[str, Any]) -> None:
    base = server["base"]
    status, body = _get(base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body = _get(base + "/search?q=02115&radius=50")
    assert status == 200
    assert b"02115" in body
    # A listing page's referrer is the search that led to it: it must not reach the log either.
    status, _ = _get(base + "/about", Referer=f"{base}/search?q=02115")
    assert status == 200

    server["proc"].terminate()
    server["proc"].wait(timeout=10)
    access = server["access"].read_text()
    assert '"GET /healthz" 200' in access
    assert '"GET /search" 200' in access
    assert "02115" not in access
    assert "02115" not in server["errors"].read_text()


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
    for keep_out in logging.getLogger("gunicorn.error").filters:
        keep_out.filter(record)
    assert record.getMessage() == "Error handling request GET /search"
