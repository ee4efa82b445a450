"""gunicorn as production runs it (gunicorn.conf.py, `finder:create_app()`) on a free loopback
port: the one launcher tests/test_serving.py and scripts/bench share.

    with gunicorn("sqlite:///path/to/db.sqlite", Path("logs")) as server:
        urllib.request.urlopen(server.base + "/healthz")
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it answers, its process, and its two log files."""

    base: str
    proc: subprocess.Popen[bytes]
    access_log: Path
    error_log: Path

    def stop(self, timeout: float = 30) -> None:
        """Stop gunicorn as an operator would (SIGTERM: requests in flight finish, logs are
        flushed) and wait for it; kill it if it takes longer than `timeout` seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    database_url: str, logs: Path, workers: int | None = None, start_timeout: float = 30
) -> Iterator[Server]:
    """gunicorn serving the app on `database_url`, logging to access.log and error.log in
    `logs`; it answers /healthz when this yields, and is stopped on the way out."""
    port = free_port()
    access_log, error_log = logs / "access.log", logs / "error.log"
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)]
    cmd += ["--access-logfile", str(access_log), "--error-logfile", str(error_log)]
    if workers:
        cmd += ["--workers", str(workers)]
    # How many workers is the config's choice or `workers`, never a WEB_CONCURRENCY that
    # happens to be set where the tests or the benchmark run.
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    env |= {"FINDER_DATABASE_URL": database_url, "PORT": str(port)}
    proc = subprocess.Popen(
        [*cmd, "finder:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(f"http://127.0.0.1:{port}", proc, access_log, error_log)
    try:
        _wait_until_ready(server, start_timeout)
        yield server
    finally:
        server.stop()


def _wait_until_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            # A slow answer is not a failure yet: on a loaded machine the first one takes seconds.
            with urllib.request.urlopen(server.base + "/healthz", timeout=10):  # noqa: S310
                return
        except OSError:
            if server.proc.poll() is not None or time.monotonic() > deadline:
                log = server.error_log.read_text() if server.error_log.exists() else ""
                raise RuntimeError(
                    f"gunicorn did not start (exit {server.proc.poll()}):\n{log[-2000:]}"
                ) from None
            time.sleep(0.1)
