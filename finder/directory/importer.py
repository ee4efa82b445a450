"""CSV import of listings: decode, validate every row, locate, then apply all of it in one
transaction, or nothing."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import gc
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from geopy.geocoders.base import Geocoder
from sqlalchemy.orm import Session

from finder import db
from finder.directory import locate
from finder.directory.rows import COLUMNS, Problem, canonical_header, clean_row, misplaced
from finder.models import ImportRun, Listing, _now
from finder.search import index

# Columns an import writes; comparing them tells an updated row from an unchanged one.
FIELDS = tuple(c for c in COLUMNS if c != "external_id") + ("precision",)
CHUNK = 5000  # rows per bulk statement
# Seconds an import waits for another one to finish writing before it is refused: short
# enough that an upload confirmed in the browser still gets its page within gunicorn's 30 s.
WAIT = 15.0


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
    notes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)  # a few of the changes
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (for the import log)."""
        out = dataclasses.asdict(self)
        out["problems"] = [dataclasses.asdict(p) for p in self.problems]
        return out


class BadFile(ValueError):
    """A file that can't be read as a listings CSV at all."""


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 as Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


DELIMITERS = (",", ";", "\t")  # Excel writes ";" where "," is the decimal comma


def _open(text: str) -> tuple[Any, list[str], list[str]]:
    """A CSV reader past the header row, the canonical column of each header ("" for one we
    ignore) and the header itself. The delimiter is the one whose header names the most
    columns we know: a header holds no quoted data that could mislead a count."""
    best: tuple[int, Any, list[str], list[str]] | None = None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader)
        columns = [canonical_header(h) or "" for h in header]
        known = sum(1 for c in columns if c)
        if best is None or known > best[0]:
            best = (known, reader, columns, header)
    assert best is not None
    return best[1], best[2], best[3]


def read_rows(text: str, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    """Parse CSV text into (line number, row keyed by canonical column) pairs, as they are read
    (the header is checked before the first)."""
    if "\x00" in text[:4096]:
        raise BadFile("This is not a CSV file. Save the spreadsheet as CSV and upload that.")
    try:
        reader, columns, header = _open(text)
    except StopIteration:
        raise BadFile("The file is empty. Start from the template's header row.") from None
    except csv.Error as exc:
        raise BadFile(f"This file can't be read as CSV ({exc}).") from None
    report.ignored_columns = [h for h, c in zip(header, columns, strict=True) if not c and h]
    if "kind" not in columns or "name" not in columns:
        raise BadFile(
            "The header row needs at least “kind” and “name” columns. Start from the template."
        )
    try:
        for values in reader:
            if any(v.strip() for v in values):
                # Quoted newlines make a row span lines; line_num is where it ends.
                row = dict(zip(columns, values, strict=False))
                row.pop("", None)
                yield reader.line_num, row
    except csv.Error as exc:
        raise BadFile(f"Line {reader.line_num} can't be read as CSV ({exc}).") from None


def _key(values: dict[str, Any]) -> tuple[str, ...]:
    """Identity of a row without an external id: kind, normalized name, address and ZIP."""
    return tuple(
        " ".join(str(values.get(c) or "").lower().replace(".", "").replace(",", "").split())
        for c in ("kind", "name", "address", "zip")
    )


def load_csv(
    session: Session,
    data: bytes,
    source: str,
    *,
    filename: str = "",
    user: str = "",
    dry_run: bool = False,
    skip_invalid: bool = False,
    replace_source: bool = False,
    geocoder: Geocoder | None = None,
    min_delay: float = 1.0,
    progress: Callable[[int], None] | None = None,
    status: Callable[[str], None] | None = None,
    wait: float | None = None,
) -> ImportReport:
    """Import a listings CSV for `source`: every row in one transaction, or none of them.

    `geocoder` (the app's online one, if it has one) places street addresses, its calls
    `min_delay` seconds apart. `progress` hears the rows read so far, `status` each step in
    words. One import writes at a time: another waits up to `wait` seconds (WAIT unless
    given), then raises db.Busy.
    """
    with _gc_paused():
        report = ImportReport(source, filename, hashlib.sha256(data).hexdigest(), dry_run=dry_run)
        clean: list[dict[str, Any]] = []
        seen: dict[Any, int] = {}
        # Each row is checked as soon as it is read, while its text is still in the CPU's caches.
        for line, raw in read_rows(decode(data), report):
            report.rows += 1
            values, problems = clean_row(raw, line, state_check=False)
            if values is not None:
                key = (values["source"], values["external_id"] or _key(values))
                if key in seen:
                    column = "external_id" if values["external_id"] else "name"
                    problems = [
                        Problem(
                            line,
                            column,
                            f"Duplicate of line {seen[key]} in this file.",
                            values["name"],
                        )
                    ]
                    values = None
                else:
                    seen[key] = line
                    values["_line"] = line
                    clean.append(values)
            report.problems.extend(problems)
            if progress and report.rows % 1000 == 0:
                progress(report.rows)
        outside = misplaced(clean)
        if outside:
            bad_lines = {p.line for p in outside}
            clean = [v for v in clean if v["_line"] not in bad_lines]
            report.problems = sorted([*report.problems, *outside], key=lambda p: p.line)
        report.skipped = len({p.line for p in report.problems})
        if report.problems and not skip_invalid:
            _record(session, report, user)
            return report
        report.notes += locate.locate_rows(session, clean, geocoder, min_delay)
        try:
            _begin_writing(session, WAIT if wait is None else wait, status)
            if status:
                status(f"Writing {len(clean):,} rows")
            # The run is logged first, inside the transaction, so each listing can name it.
            run = _run(report, user)
            session.add(run)
            session.flush()
            _apply(session, clean, report, replace_source, run.id)
            if report.problems and not skip_invalid:  # likely duplicates found while matching
                session.rollback()
                report.created = report.updated = report.unchanged = report.unpublished = 0
                _record(session, report, user)
                return report
            if dry_run:
                session.rollback()
                return report
            report.applied = True
            _fill(run, report)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return report


def _begin_writing(session: Session, wait: float, status: Callable[[str], None] | None) -> None:
    """Open the import's one transaction once no other import is writing. On SQLite it holds
    the write lock from here on, so the bulk insert's DDL is inside it, and the listings read
    to match rows against can't change before they are written."""
    conn = session.connection()
    try:
        db.lock_writes(conn, 0)
    except db.Busy:
        if status:
            status("Waiting for another import to finish")
        db.lock_writes(conn, wait)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of the block."""
    # An import holds a few hundred thousand fresh dicts and lists at once, and every collection
    # walks them again: measured at 20 µs a row, more than validating the row. None of them is
    # in a reference cycle, so reference counting frees them without the collector, which is
    # back on (process-wide) as soon as the import returns or fails.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(report: ImportReport, user: str) -> ImportRun:
    run = ImportRun(source=report.source, filename=report.filename, sha256=report.sha256, user=user)
    _fill(run, report)
    return run


def _fill(run: ImportRun, report: ImportReport) -> None:
    """Copy what an import did into its log entry."""
    run.applied = report.applied
    run.rows, run.created, run.updated = report.rows, report.created, report.updated
    run.unchanged, run.skipped, run.unpublished = (
        report.unchanged,
        report.skipped,
        report.unpublished,
    )
    run.report = report.as_dict()


def _record(session: Session, report: ImportReport, user: str) -> None:
    """Log a refused import (previews are not logged)."""
    session.rollback()
    if not report.dry_run:
        session.add(_run(report, user))
        session.commit()


def _apply(
    session: Session,
    clean: list[dict[str, Any]],
    report: ImportReport,
    replace_source: bool,
    run_id: int,
) -> None:
    """Insert new rows and update changed ones, in bulk, inside the caller's transaction;
    each records that this run (`run_id`) created or last changed it."""
    table = cast(sa.Table, Listing.__table__)
    cols = [table.c.id, table.c.source, table.c.external_id, table.c.published]
    cols += [table.c[f] for f in FIELDS]
    # Each row belongs to its own `source` cell (an export's), else to the import's source.
    for values in clean:
        values["source"] = values["source"] or report.source
    sources = sorted({v["source"] for v in clean} or {report.source})
    existing: dict[Any, tuple[int, dict[str, Any]]] = {}
    by_name: dict[tuple[str, ...], int] = {}
    for row in session.execute(sa.select(*cols).where(table.c.source.in_(sources))):
        values = row._asdict()
        key = (values["source"], values["external_id"] or _key(values))
        existing[key] = (values["id"], {f: values[f] for f in (*FIELDS, "published")})
        by_name[(values["source"], *_key(values)[:2], values["zip"])] = values["id"]
    now = _now()
    new = {
        "created_at": now,
        "updated_at": now,
        "verified_by": "",
        "created_by_import": run_id,
        "changed_by_import": run_id,
    }
    inserts, updates, matched = [], [], set()
    for values in clean:
        line = values.pop("_line")
        key = (values["source"], values["external_id"] or _key(values))
        found = existing.get(key)
        if found is None:
            twin = (
                None
                if values["external_id"]
                else by_name.get((values["source"], *_key(values)[:2], values["zip"]))
            )
            if twin is not None and twin not in matched:
                # Same kind, name and ZIP but another address: most likely the same listing
                # typed twice. Say so rather than create it again.
                report.problems.append(
                    Problem(
                        line,
                        "name",
                        (
                            f"Looks like listing #{twin} (same kind, name and ZIP code, another "
                            "address). Give both rows an external_id, or fix the address."
                        ),
                        values["name"],
                    )
                )
                continue
            values.update(new)  # in place: these dicts are the import's own
            if values["published"] is None:
                values["published"] = True
            inserts.append(values)
        else:
            matched.add(found[0])
            # A blank or missing `published` cell keeps the listing's state (hidden stays hidden).
            if values["published"] is None:
                values["published"] = found[1]["published"]
            changes = [f for f in (*FIELDS, "published") if found[1][f] != values[f]]
            if changes:
                updates.append(
                    {
                        "id": found[0],
                        **{f: values[f] for f in (*FIELDS, "published")},
                        "updated_at": now,
                        "changed_by_import": run_id,
                    }
                )
                if len(report.sample) < 10:
                    report.sample.append(
                        {
                            "action": "update",
                            "id": found[0],
                            "name": values["name"],
                            "changes": sorted(changes),
                        }
                    )
            else:
                report.unchanged += 1
    for values in inserts[: max(0, 10 - len(report.sample))]:
        report.sample.append({"action": "create", "name": values["name"]})
    index.bulk_insert(session, inserts, CHUNK)
    if updates:
        session.execute(sa.update(Listing), updates)
    report.created, report.updated = len(inserts), len(updates)
    if replace_source:
        missing = sorted({v[0] for v in existing.values()} - matched)
        for i in range(0, len(missing), CHUNK):  # stay under SQLite's bound-parameter limit
            result = session.execute(
                sa.update(table)
                .where(table.c.id.in_(missing[i : i + CHUNK]), table.c.published.is_(True))
                .values(published=False, updated_at=now, changed_by_import=run_id)
            )
            report.unpublished += cast(sa.CursorResult[Any], result).rowcount or 0
