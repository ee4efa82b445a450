"""Uploaded CSV files waiting on the server between an admin's preview and confirm."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept


@dataclass(frozen=True)
class Pending:
    """One previewed upload: its bytes and the options it was previewed with."""

    token: str
    sha256: str
    filename: str
    source: str
    skip_invalid: bool
    replace_source: bool
    user: str
    data: bytes = b""


def _write(path: Path, data: bytes) -> None:
    # Only this process's user may read an upload: it can hold contact details.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def save(
    folder: Path,
    data: bytes,
    *,
    filename: str,
    source: str,
    skip_invalid: bool,
    replace_source: bool,
    user: str,
) -> Pending:
    """Keep an upload for confirmation; only the returned token goes to the browser."""
    folder.mkdir(parents=True, exist_ok=True)
    sweep(folder)
    pending = Pending(
        secrets.token_urlsafe(24),
        hashlib.sha256(data).hexdigest(),
        filename,
        source,
        skip_invalid,
        replace_source,
        user,
    )
    meta = {k: v for k, v in asdict(pending).items() if k != "data"}
    _write(folder / f"{pending.token}.csv", data)
    _write(folder / f"{pending.token}.json", json.dumps(meta).encode())
    return pending


def take(folder: Path, token: str, user: str) -> Pending | None:
    """The upload behind a token, removed from the folder so it is imported at most once.

    None when the token is malformed, unknown, expired, someone else's, or the file changed.
    """
    if not TOKEN.match(token):
        return None
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.csv"
    taken = folder / f"{token}.taken"
    try:
        meta_path.rename(taken)  # atomic: a second confirm of the same upload finds nothing
    except FileNotFoundError:
        return None
    try:
        if taken.stat().st_mtime < time.time() - MAX_AGE:
            return None
        meta = json.loads(taken.read_text())
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    finally:
        taken.unlink(missing_ok=True)
        data_path.unlink(missing_ok=True)
    pending = Pending(**meta, data=data)
    if pending.user != user or hashlib.sha256(data).hexdigest() != pending.sha256:
        return None
    return pending


def discard(folder: Path, token: str, user: str) -> None:
    """Forget an upload that won't be confirmed."""
    take(folder, token, user)


def sweep(folder: Path, max_age: float = MAX_AGE) -> None:
    """Delete uploads nobody confirmed in time."""
    cutoff = time.time() - max_age
    for path in folder.glob("*.*"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
