"""Patients' report pages: "Report a correction" on each listing and "Suggest a specialist".
No account; a form token, a honeypot field and a per-address throttle keep them usable."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.directory import listings, reports
from finder.i18n import N_
from finder.models import Listing
from finder.web.i18n import gettext, translate

bp = Blueprint("reports", __name__)
HONEYPOT = "homepage"  # hidden from people; a bot that fills every field fills it
SUGGESTION_FIELDS = ("name", "kind", "city", "state", "phone", "website", "why", "email")
EXPIRED = N_("This form expired before it was sent, so nothing was sent. Please send it again.")
THROTTLED = N_(
    "You have sent several reports in the last hour, so we can't take another one just now. "
    "Please try again in an hour. Thank you for helping keep NET Finder right."
)


@bp.app_template_filter("source_name")
def _source_name(item: Listing) -> str:
    """Where a listing comes from, in the reader's language (the known sources are in the
    catalogue; any other source name is shown as it is)."""
    name = listings.source_name(item)
    return gettext(name) if item.source in listings.SOURCE_NAMES else name


def _sender() -> reports.Sender:
    return reports.Sender.of(request.remote_addr or "", current_app.secret_key or "")


def _translated(errors: dict[str, str]) -> dict[str, str]:
    """The domain's field errors in the reader's language."""
    return {name: translate(text) for name, text in errors.items()}


def _form(names: tuple[str, ...]) -> dict[str, str]:
    return {n: request.form.get(n, "") for n in names}


@bp.route("/listings/<int:listing_id>/report", methods=["GET", "POST"])
def correction(listing_id: int) -> str | Response | tuple[str, int]:
    """Tell us what is wrong with a listing; an admin checks it before anything changes."""
    item = listings.published(db.session(), listing_id)
    if item is None:
        abort(404)
    form = _form(("message", "right_value", "email"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get(HONEYPOT):
            return redirect(url_for("reports.thanks", kind="correction"))
        errors = _translated(reports.correction_errors(**form))
        if not errors:
            try:
                reports.report_correction(
                    db.session(),
                    item,
                    **form,
                    sender=_sender(),
                    per_hour=current_app.config["REPORTS_PER_HOUR"],
                )
            except reports.Throttled:
                return render_template(
                    "reports/correction.html", listing=item, form=form, errors={}, refused=THROTTLED
                ), 429
            return redirect(url_for("reports.thanks", kind="correction", listing=item.id))
    status = 400 if errors else 200
    return render_template(
        "reports/correction.html", listing=item, form=form, errors=errors, refused=""
    ), status


@bp.route("/suggest", methods=["GET", "POST"])
def suggestion() -> str | Response | tuple[str, int]:
    """Tell us about a NET specialist, program or group the directory lacks."""
    form = _form(SUGGESTION_FIELDS)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get(HONEYPOT):
            return redirect(url_for("reports.thanks", kind="suggestion"))
        errors = _translated(reports.suggestion_errors(form))
        if not errors:
            try:
                reports.suggest(
                    db.session(), form, _sender(), current_app.config["REPORTS_PER_HOUR"]
                )
            except reports.Throttled:
                return _suggestion_page(form, {}, THROTTLED), 429
            return redirect(url_for("reports.thanks", kind="suggestion"))
    return _suggestion_page(form, errors, ""), 400 if errors else 200


def _suggestion_page(form: dict[str, str], errors: dict[str, str], refused: str) -> str:
    return render_template(
        "reports/suggest.html", form=form, errors=errors, refused=refused, kinds=vocab.KINDS
    )


@bp.get("/thanks")
def thanks() -> str:
    """What happens next, after a report or a suggestion."""
    kind = request.args.get("kind", "correction")
    listing_id = request.args.get("listing", type=int)
    item = listings.published(db.session(), listing_id) if listing_id else None
    return render_template("reports/thanks.html", kind=kind, listing=item)


@bp.errorhandler(CSRFError)
def _expired(_exc: CSRFError) -> tuple[str, int]:
    # Flask-WTF's own wording ("The CSRF token is missing.") means nothing to a patient.
    context: dict[str, Any] = {"message": EXPIRED}
    return render_template("reports/expired.html", **context), 400
