"""Admin review pages: patients' reports and suggestions (the queue), and listings due for a
check (freshness), with the "Verified today" stamp."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from finder import db
from finder.directory import listings, reports
from finder.directory.rows import COLUMNS
from finder.models import REPORT_STATUSES, Report
from finder.web.admin.auth import safe_next

bp = Blueprint("reviews", __name__)


def _report(report_id: int) -> Report:
    item = db.session().get(Report, report_id)
    if item is None:
        abort(404)
    return item


@bp.get("/reports")
def queue() -> str:
    """Reports and suggestions in one status (new ones by default), newest first."""
    status = request.args.get("status", "new")
    if status not in REPORT_STATUSES:
        status = "new"
    items = reports.queue(db.session(), status)
    named = {r.listing_id: listings.get(db.session(), r.listing_id) for r in items if r.listing_id}
    return render_template("admin/reports.html", items=items, status=status, listings=named)


@bp.get("/reports/<int:report_id>")
def report(report_id: int) -> str:
    """One report, with the listing it is about beside it."""
    item = _report(report_id)
    listing = listings.get(db.session(), item.listing_id) if item.listing_id else None
    return render_template("admin/report.html", report=item, listing=listing, columns=COLUMNS)


@bp.post("/reports/<int:report_id>/accept")
def accept(report_id: int) -> Response:
    """Accept a correction: close it and open its listing's edit form, the right value in the
    field the admin chose (the edit goes through the same checks as every edit)."""
    item = _report(report_id)
    if item.kind != "correction" or item.listing_id is None:
        abort(400, "Only a correction to a listing can be accepted into an edit.")
    if listings.get(db.session(), item.listing_id) is None:
        abort(400, "The listing this report is about has been deleted. Mark the report done.")
    field = request.form.get("field", "")
    reports.close(db.session(), item, "accepted", g.admin.email)
    if field not in COLUMNS:
        field = ""
    target = url_for("admin.listings.edit", listing_id=item.listing_id, report=item.id, field=field)
    return redirect(target)


def _close(report_id: int, status: str) -> Response:
    item = _report(report_id)
    reports.close(db.session(), item, status, g.admin.email)
    flash(f"Report #{item.id} is {status}.")
    return redirect(url_for("admin.reviews.queue"))


@bp.post("/reports/<int:report_id>/reject")
def reject(report_id: int) -> Response:
    """Reject a report (it was wrong), saying who and when."""
    return _close(report_id, "rejected")


@bp.post("/reports/<int:report_id>/done")
def done(report_id: int) -> Response:
    """Mark a report done (handled some other way), saying who and when."""
    return _close(report_id, "done")


@bp.post("/reports/<int:report_id>/listing")
def to_listing(report_id: int) -> Response:
    """Make a suggestion into a new unpublished listing, and open it to be completed."""
    item = _report(report_id)
    if item.kind != "suggestion" or item.status != "new":
        abort(400, "Only a new suggestion can become a listing.")
    created = reports.to_listing(db.session(), item, g.admin.email)
    flash(
        f"“{created.name}” is a new unpublished listing. Check it, give its address, "
        "and publish it when it is right."
    )
    return redirect(url_for("admin.listings.edit", listing_id=created.id))


@bp.get("/due")
def due() -> str:
    """Listings due for review: not verified for STALE_AFTER_MONTHS, the oldest first."""
    months = current_app.config["STALE_AFTER_MONTHS"]
    before = listings.stale_before(months)
    page = listings.due_for_review(db.session(), before, page=request.args.get("page", 1, type=int))
    return render_template("admin/due.html", page=page, before=before, months=months)


@bp.post("/listings/<int:listing_id>/verify")
def verify(listing_id: int) -> Response:
    """Stamp a listing as checked today, by this admin."""
    item = listings.get(db.session(), listing_id)
    if item is None:
        abort(404)
    listings.verify(db.session(), item, g.admin.email)
    flash(f"“{item.name}” is verified as of today.")
    return redirect(safe_next(request.form.get("next") or url_for("admin.reviews.due")))
