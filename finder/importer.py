"""CSV import of listings: decode, validate every row, then apply all of it in one transaction."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.models import Listing, _now
from finder.rows import COLUMNS, Problem, canonical_header, clean_row

# Columns an import writes; comparing them tells an updated row from an unchanged one.
FIELDS = tuple(c for c in COLUMNS if c != "external_id") + ("precision",)


@dataclass
class ImportReport:
    """What an import did, or would do: counts, every problem, and what it ignored."""

    source: str
    filename: str = ""
    sha256: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    unpublished: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return not self.problems


class BadFile(ValueError):
    """A file that can't be read as a listings CSV at all."""


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 as Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(text: str, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """Parse CSV text into (line number, row keyed by canonical column) pairs."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadFile("The file is empty. Start from the template's header row.") from None
    columns = [canonical_header(h) for h in header]
    report.ignored_columns = [h for h, c in zip(header, columns, strict=True) if c is None and h]
    if "kind" not in columns or "name" not in columns:
        raise BadFile(
            "The header row needs at least “kind” and “name” columns. Start from the template."
        )
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        # Quoted newlines make a row span lines; line_num is where it ends, as editors show it.
        rows.append((reader.line_num, {c: v for c, v in zip(columns, values, strict=False) if c}))
    return rows


def _key(values: dict[str, Any]) -> tuple[str, ...]:
    """Identity of a row without an external id: kind, normalized name and address."""
    norm = [
        " ".join(str(values.get(c) or "").lower().split())
        for c in ("kind", "name", "address", "zip")
    ]
    return tuple(norm)


def load_csv(
    session: Session,
    data: bytes,
    source: str,
    *,
    filename: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a listings CSV for `source`: all rows in one transaction, or none of them."""
    report = ImportReport(source, filename, hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    rows = read_rows(decode(data), report)
    report.rows = len(rows)
    clean: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    for n, (line, raw) in enumerate(rows, 1):
        values, problems = clean_row(raw, line)
        key = values.get("external_id") or _key(values) if values else None
        if values is not None and key in seen:
            problems = [
                Problem(
                    line,
                    "external_id" if values["external_id"] else "name",
                    f"Duplicate of line {seen[key]} in this file.",
                )
            ]
            values = None
        if values is None:
            report.problems.extend(problems)
            continue
        seen[key] = line
        clean.append(values)
        if progress and n % 1000 == 0:
            progress(n)
    if report.problems and not skip_invalid:
        return report
    report.skipped = len({p.line for p in report.problems})
    _apply(session, clean, report)
    if dry_run:
        session.rollback()
    else:
        session.commit()
        report.applied = True
    return report


def _apply(session: Session, clean: list[dict[str, Any]], report: ImportReport) -> None:
    """Insert new rows and update changed ones, in bulk, inside the caller's transaction."""
    table = Listing.__table__
    cols = [table.c.id, table.c.external_id, *(table.c[f] for f in FIELDS)]
    existing: dict[Any, tuple[int, dict[str, Any]]] = {}
    for row in session.execute(sa.select(*cols).where(table.c.source == report.source)):
        values = row._asdict()
        key = values["external_id"] or _key(values)
        existing[key] = (values["id"], {f: values[f] for f in FIELDS})
    now = _now()
    inserts, updates = [], []
    for values in clean:
        key = values["external_id"] or _key(values)
        found = existing.get(key)
        if found is None:
            inserts.append(
                {
                    **values,
                    "source": report.source,
                    "published": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif any(found[1][f] != values[f] for f in FIELDS):
            updates.append({"id": found[0], **{f: values[f] for f in FIELDS}, "updated_at": now})
        else:
            report.unchanged += 1
    if inserts:
        session.execute(sa.insert(table), inserts)
    if updates:
        session.execute(sa.update(Listing), updates)
    report.created, report.updated = len(inserts), len(updates)
