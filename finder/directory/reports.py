"""What patients tell us about the directory: corrections to a listing and specialists it
lacks. Checked and throttled here, kept unpublished, and closed by an admin in the review
queue."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from finder import vocab
from finder.directory import cells
from finder.i18n import Text
from finder.models import Listing, Report
from finder.places import geocode

WINDOW = dt.timedelta(hours=1)  # the throttle counts one address's reports over this long
LIMITS = {"message": 2000, "right_value": 500, "name": 200, "city": 100, "why": 2000}
SUGGESTION_SOURCE = "suggestion"  # the source of listings made from patients' suggestions


class Throttled(Exception):
    """This address has sent as many reports as an hour allows."""


@dataclasses.dataclass(frozen=True)
class Sender:
    """Who sends a report, as the throttle knows them: a keyed hash of their address."""

    key: str

    @classmethod
    def of(cls, address: str, secret: str | bytes) -> Sender:
        """The sender at this client address (a keyed hash: the table never holds it)."""
        key = secret.encode() if isinstance(secret, str) else secret
        return cls(hmac.new(key, f"report:{address}".encode(), hashlib.sha256).hexdigest())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _length_errors(values: dict[str, str]) -> dict[str, str]:
    return {
        f: Text("Please keep this under %(limit)s characters.", limit=f"{LIMITS[f]:,}")
        for f, v in values.items()
        if f in LIMITS and len(v) > LIMITS[f]
    }


def _email_error(email: str) -> dict[str, str]:
    if not email:
        return {}
    _, problem = cells.email(email)
    return {"email": Text("Check the email address, or leave it empty.")} if problem else {}


def correction_errors(message: str, right_value: str, email: str) -> dict[str, str]:
    """What is wrong with a correction form, field by field (empty when it can be sent)."""
    errors = _length_errors({"message": message, "right_value": right_value})
    if not message.strip():
        errors["message"] = Text("Tell us what is wrong with this listing.")
    return errors | _email_error(email)


def suggestion_errors(fields: dict[str, str]) -> dict[str, str]:
    """What is wrong with a suggestion form, field by field (empty when it can be sent)."""
    errors = _length_errors(fields)
    if not fields.get("name", "").strip():
        errors["name"] = Text("Give the specialist's, program's or group's name.")
    if vocab.find(vocab.KINDS, fields.get("kind", "")) is None:
        errors["kind"] = Text("Choose a doctor, a treatment program or a support group.")
    if fields.get("state") and cells.state(fields["state"])[1]:
        errors["state"] = Text("Use the state's 2-letter code (like MA) or its name.")
    phone, website = fields.get("phone", "").strip(), fields.get("website", "").strip()
    if not phone and not website:
        errors["phone"] = Text("Give a phone number or a website, so we can check it.")
    elif phone and cells.phone(phone)[1]:
        errors["phone"] = Text("Check the phone number: a US number like (617) 555-0142.")
    if website and cells.website(website)[1]:
        errors["website"] = Text("Check the website: an address like https://example.org.")
    return errors | _email_error(fields.get("email", ""))


def _throttle(session: Session, sender: Sender, per_hour: int, now: dt.datetime) -> None:
    # Hashes older than the window no longer count: clear them, so none is kept for long.
    session.execute(
        sa.update(Report)
        .where(Report.sender_hash.is_not(None), Report.created_at <= now - WINDOW)
        .values(sender_hash=None)
    )
    recent = session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.sender_hash == sender.key, Report.created_at > now - WINDOW)
    )
    if (recent or 0) >= per_hour:
        session.commit()
        raise Throttled


def report_correction(
    session: Session,
    listing: Listing,
    message: str,
    right_value: str,
    email: str,
    sender: Sender,
    per_hour: int,
) -> Report:
    """Keep a checked correction to `listing` for the review queue; Throttled if the sender
    has sent `per_hour` reports in the last hour."""
    now = _now()
    _throttle(session, sender, per_hour, now)
    report = Report(
        kind="correction",
        listing_id=listing.id,
        message=message.strip(),
        right_value=right_value.strip(),
        email=email.strip(),
        details={"name": listing.name},
        created_at=now,
        sender_hash=sender.key,
    )
    session.add(report)
    session.commit()
    return report


def suggest(session: Session, fields: dict[str, str], sender: Sender, per_hour: int) -> Report:
    """Keep a checked suggestion of a missing specialist for the review queue; Throttled as
    report_correction."""
    now = _now()
    _throttle(session, sender, per_hour, now)
    kind = vocab.find(vocab.KINDS, fields["kind"])
    details = {
        "name": fields["name"].strip(),
        "kind": kind.slug if kind else "",
        "city": fields.get("city", "").strip(),
        "state": cells.state(fields.get("state", ""))[0],
        "phone": cells.phone(fields.get("phone", ""))[0],
        "website": cells.website(fields.get("website", ""))[0],
    }
    report = Report(
        kind="suggestion",
        message=fields.get("why", "").strip(),
        email=fields.get("email", "").strip(),
        details=details,
        created_at=now,
        sender_hash=sender.key,
    )
    session.add(report)
    session.commit()
    return report


def queue(session: Session, status: str = "new") -> list[Report]:
    """Reports in one status, newest first."""
    stmt = sa.select(Report).where(Report.status == status)
    return list(session.scalars(stmt.order_by(Report.created_at.desc(), Report.id.desc())))


def waiting(session: Session) -> int:
    """How many reports no admin has closed yet."""
    stmt = sa.select(sa.func.count()).select_from(Report).where(Report.status == "new")
    return session.scalar(stmt) or 0


def close(session: Session, report: Report, status: str, user: str) -> None:
    """Close a report as accepted, rejected or done, saying who and when."""
    report.status, report.closed_by, report.closed_at = status, user, _now()
    session.commit()


def to_listing(session: Session, report: Report, user: str) -> Listing:
    """Make a suggestion into a new, unpublished listing (an admin completes and publishes it),
    and close the suggestion as accepted."""
    d: dict[str, Any] = report.details
    place = None
    if d.get("city") and d.get("state"):
        # Placed at its city's centre until an admin gives the address.
        with contextlib.suppress(geocode.LocationError):
            place = geocode.offline_geocoder().place(f"{d['city']}, {d['state']}")
    item = Listing(
        latitude=place.lat if place else None,
        longitude=place.lon if place else None,
        kind=d["kind"],
        name=d["name"],
        city=d.get("city", ""),
        state=d.get("state", ""),
        phone=d.get("phone", ""),
        website=d.get("website", ""),
        description="",
        published=False,
        source=SUGGESTION_SOURCE,
        precision="city",
    )
    session.add(item)
    session.flush()
    report.result_listing_id = item.id
    close(session, report, "accepted", user)
    return item
