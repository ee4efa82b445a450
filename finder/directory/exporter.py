"""CSV export of listings in the import format, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import IO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder.directory import listings
from finder.directory.rows import EXPORT_COLUMNS
from finder.models import Listing

# A cell that starts with one of these runs as a formula in Excel or LibreOffice (OWASP
# "CSV injection"); a leading apostrophe makes it text. Plain numbers are left alone.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


def safe_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula."""
    if value.startswith(FORMULA_START) and not NUMBER.match(value):
        return "'" + value
    return value


def rows(session: Session, source: str | None = None) -> Iterator[dict[str, str]]:
    """Listings (of one source, or all) as CSV rows, oldest first, with their source and
    published state, so that importing the file again changes nothing."""
    stmt = sa.select(Listing).order_by(Listing.id).execution_options(yield_per=1000)
    if source:
        stmt = stmt.where(Listing.source == source)
    for item in session.scalars(stmt):
        text = listings.as_text(item)
        text["source"], text["published"] = item.source, "yes" if item.published else "no"
        yield {column: safe_cell(value) for column, value in text.items()}


def write_csv(session: Session, out: IO[str], source: str | None = None) -> int:
    """Write listings as CSV in the import format; returns how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows(session, source):
        writer.writerow(row)
        count += 1
    return count
