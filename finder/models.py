"""The directory's tables: listings of NET doctors, programs and support groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from finder.db import Base

PRECISIONS = {
    "given": "as given",
    "rooftop": "exact address",
    "street": "street",
    "zip": "ZIP code area (approximate)",
    "city": "city (approximate)",
}
# Pins on the building itself; the others stand for an area, so directions go by address.
EXACT_PRECISIONS = frozenset({"given", "rooftop", "street"})


class TagList(sa.types.TypeDecorator[list[str]]):
    """A list of slugs stored as '|a|b|', so `tag_filter` is a portable LIKE on any engine."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Any) -> str:
        return "|" + "|".join(value) + "|" if value else ""

    def process_result_value(self, value: str | None, dialect: Any) -> list[str]:
        return [v for v in (value or "").split("|") if v]


def tag_filter(column: Any, slug: str) -> sa.ColumnElement[bool]:
    """SQL condition: this TagList column holds the slug."""
    # type_coerce: compare the stored text, not a list run through TagList's bind processing.
    return sa.type_coerce(column, sa.String).contains(f"|{slug}|", autoescape=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Listing(Base):
    """One NET doctor, treatment program or support group, as patients see it.

    No B-tree indexes on kind, state or published: they select poorly, and SQLite's planner
    would pick them over the R*Tree and scan thousands of rows per search.
    """

    __tablename__ = "listing"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id", name="uq_listing_source_external_id"),
        sa.CheckConstraint(
            "kind IN ('doctor', 'program', 'support_group')", name="ck_listing_kind"
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
            name="ck_listing_coordinates",
        ),
        # Partial indexes for the online-and-telehealth section. A query for nearby listings
        # (virtual = 0, no state) can't use them, so the planner keeps the R*Tree there.
        sa.Index(
            "ix_listing_online",
            "name",
            sqlite_where=sa.text("virtual = 1"),
            postgresql_where=sa.text("virtual"),
        ),
        sa.Index(
            "ix_listing_telehealth_state",
            "state",
            sqlite_where=sa.text("telehealth = 1 AND virtual = 0"),
            postgresql_where=sa.text("telehealth AND NOT virtual"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    credentials: Mapped[str] = mapped_column(sa.String(100), default="")
    specialties: Mapped[list[str]] = mapped_column(TagList(400), default=list)
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    services: Mapped[list[str]] = mapped_column(TagList(400), default=list)
    tumor_sites: Mapped[list[str]] = mapped_column(TagList(400), default=list)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    address2: Mapped[str] = mapped_column(sa.String(200), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    state: Mapped[str] = mapped_column(sa.String(2), default="")
    zip: Mapped[str] = mapped_column(sa.String(10), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    website: Mapped[str] = mapped_column(sa.String(500), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    precision: Mapped[str] = mapped_column(sa.String(10), default="given")
    telehealth: Mapped[bool] = mapped_column(default=False)
    virtual: Mapped[bool] = mapped_column(default=False)
    languages: Mapped[list[str]] = mapped_column(TagList(400), default=list)
    meeting_schedule: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    last_verified: Mapped[dt.date | None]
    verified_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    published: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(sa.String(100), default="manual")
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)
    # Provenance: the import that created the listing and the last one that changed it (None
    # for listings an admin added, and for those older than this record).
    created_by_import: Mapped[int | None]
    changed_by_import: Mapped[int | None]

    @property
    def one_line_address(self) -> str:
        """Street, city, state and ZIP on one line, skipping empty parts."""
        street = ", ".join(p for p in (self.address, self.address2) if p)
        place = " ".join(
            p for p in (f"{self.city}," if self.city else "", self.state, self.zip) if p
        )
        return ", ".join(p for p in (street, place.strip(" ,")) if p)


class ImportRun(Base):
    """One CSV import (or attempt): who, when, which file, what it did, and its full report."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    filename: Mapped[str] = mapped_column(sa.String(300), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    user: Mapped[str] = mapped_column(sa.String(200), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=_now)
    applied: Mapped[bool] = mapped_column(default=False)
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    unpublished: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class GeocodeCache(Base):
    """Street addresses the online geocoder already answered, so re-imports don't ask again.

    No coordinates means the service found no single match. `service` says which one
    answered: a place found by either is used, but a "not found" counts only for the service
    that said it, so switching services asks again.
    """

    __tablename__ = "geocode_cache"

    address: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    service: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")


class AdminUser(Base):
    """Someone who may manage the directory."""

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    # Every session cookie names the version it was issued under; signing out or a new
    # password moves it on, which ends all of them (a cookie can't be revoked on its own).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")


class SignInFailure(Base):
    """One failed (or still running) admin sign-in, counted against a hashed key.

    A table rather than each worker's memory, so every worker and app server counts the same
    failures. Keys are keyed hashes of "email:…" and "address:…", never the raw values.
    """

    __tablename__ = "signin_failure"
    __table_args__ = (sa.Index("ix_signin_failure_key_at", "key_hash", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(index=True)


class PendingUpload(Base):
    """An uploaded CSV file waiting between an admin's preview and confirm.

    In the database, not on one server's disk, so the confirm may reach any app server. The
    key is a hash of the token the browser holds, so the table alone can't confirm anything.
    """

    __tablename__ = "pending_upload"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(300))
    source: Mapped[str] = mapped_column(sa.String(100))
    skip_invalid: Mapped[bool]
    replace_source: Mapped[bool]
    user: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


# Objects the models don't describe: migrations' model comparison leaves them alone.
UNMODELLED = {
    "listing_rtree",
    "listing_rtree_node",
    "listing_rtree_parent",
    "listing_rtree_rowid",
    "spatial_ref_sys",
    "geog",
    "ix_listing_geog",
}


REPORT_KINDS = ("correction", "suggestion")
REPORT_STATUSES = ("new", "accepted", "rejected", "done")


class Report(Base):
    """What a patient told us: a correction to a listing, or a specialist the directory lacks.

    Nothing in it is published: an admin reads it in the review queue and acts on it.
    """

    __tablename__ = "report"
    __table_args__ = (sa.Index("ix_report_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # one of REPORT_KINDS
    listing_id: Mapped[int | None] = mapped_column(index=True)  # a correction's listing
    message: Mapped[str] = mapped_column(sa.Text)  # what is wrong, or why to add someone
    right_value: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")  # only if they want an answer
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # a suggestion's
    status: Mapped[str] = mapped_column(sa.String(20), default="new")  # one of REPORT_STATUSES
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    # A keyed hash of the sender's address, for the throttle; cleared once it no longer counts.
    sender_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    closed_by: Mapped[str] = mapped_column(sa.String(200), default="")
    closed_at: Mapped[dt.datetime | None]
    result_listing_id: Mapped[int | None]  # the listing a suggestion became


class ListingChange(Base):
    """One field of a listing changed by an admin: the old and new value, who and when.

    No foreign key: the history of a deleted listing stays readable.
    """

    __tablename__ = "listing_change"
    __table_args__ = (sa.Index("ix_listing_change_listing_at", "listing_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int]
    field: Mapped[str] = mapped_column(sa.String(50))
    old: Mapped[str] = mapped_column(sa.Text, default="")
    new: Mapped[str] = mapped_column(sa.Text, default="")
    user: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[dt.datetime] = mapped_column(default=_now)
