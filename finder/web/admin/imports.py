"""Admin import pages: upload, preview, confirm, the import log, the format, template and
export."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.wrappers import Response

from finder import db
from finder.directory import exporter, history, importer, listings, uploads
from finder.directory.manual import csv_format_html
from finder.paths import DATA
from finder.places import geocode

SHOWN_PROBLEMS = 1000  # problems listed on one page; `finder import-csv --dry-run` lists all
CSV_SUFFIXES = (".csv", ".txt")

bp = Blueprint("imports", __name__)


def _upload_page(errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    page = render_template(
        "admin/upload.html",
        form=request.form,
        errors=errors,
        sources=listings.sources(db.session()),
    )
    return page, status


@bp.get("/import")
def upload() -> tuple[str, int]:
    """The upload form: a CSV file, its source, and the import options."""
    return _upload_page({})


@bp.post("/import")
def preview() -> tuple[str, int]:
    """Check an uploaded file without changing anything, and show what confirming would do."""
    source = request.form.get("source", "").strip()
    skip_invalid = request.form.get("skip_invalid") == "1"
    replace_source = request.form.get("replace_source") == "1"
    file = request.files.get("file")
    filename = Path((file.filename or "").replace("\\", "/")).name[:300] if file else ""
    errors = {}  # in the order of the form
    if file is None or not filename:
        errors["file"] = "Choose a CSV file to upload."
    elif not filename.lower().endswith(CSV_SUFFIXES):
        errors["file"] = (
            f"“{filename}” is not a CSV file. Save the spreadsheet as CSV (in Excel: "
            "File, Save As, CSV UTF-8) and upload that."
        )
    if not source:
        errors["source"] = "Name the source, like the partner or spreadsheet the file came from."
    elif len(source) > 100:
        errors["source"] = "Use a source name of at most 100 characters."
    if errors or file is None:
        return _upload_page(errors, 400)
    data = file.read()
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    try:
        report = importer.load_csv(
            db.session(),
            data,
            source,
            filename=filename,
            user=g.admin.email,
            dry_run=True,
            skip_invalid=skip_invalid,
            replace_source=replace_source,
            geocoder=geocoders.listings_web,
            min_delay=geocoders.min_delay,
        )
    except importer.BadFile as exc:
        return _upload_page({"file": str(exc)}, 400)
    token = ""
    if report.ok or skip_invalid:
        # The bytes wait in the database (any app server can confirm them); the browser only
        # gets a token to confirm them with.
        token = uploads.save(
            db.session(),
            data,
            filename=filename,
            source=source,
            skip_invalid=skip_invalid,
            replace_source=replace_source,
            user=g.admin.email,
        )
    page = render_template(
        "admin/preview.html",
        report=report.as_dict(),
        token=token,
        skip_invalid=skip_invalid,
        replace_source=replace_source,
        shown=SHOWN_PROBLEMS,
    )
    return page, 200


@bp.post("/import/confirm")
def confirm() -> Response:
    """Import a previewed upload for real, then show the import's report."""
    session = db.session()
    try:
        pending = uploads.take(session, request.form.get("token", ""), g.admin.email)
    except uploads.Unavailable as exc:
        flash(str(exc))
        return redirect(url_for("admin.imports.upload"))
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    try:
        report = importer.load_csv(
            session,
            pending.data,
            pending.source,
            filename=pending.filename,
            user=g.admin.email,
            skip_invalid=pending.skip_invalid,
            replace_source=pending.replace_source,
            geocoder=geocoders.listings_web,
            min_delay=geocoders.min_delay,
        )
    except importer.BadFile as exc:  # the preview read it, so only a changed engine gets here
        flash(str(exc))
        return redirect(url_for("admin.imports.upload"))
    flash(
        "The file was imported."
        if report.applied
        else "Nothing was changed: the directory changed since the preview. See the problems."
    )
    run = history.latest(session, report.sha256, g.admin.email)
    if run is None:
        return redirect(url_for("admin.imports.index"))
    return redirect(url_for("admin.imports.run", run_id=run.id))


@bp.post("/import/cancel")
def cancel() -> Response:
    """Forget a previewed upload."""
    uploads.discard(db.session(), request.form.get("token", ""), g.admin.email)
    flash("Upload cancelled. Nothing was changed.")
    return redirect(url_for("admin.imports.upload"))


@bp.get("/imports")
def index() -> str:
    """The import log, newest first."""
    page = history.runs(db.session(), request.args.get("page", 1, type=int))
    return render_template("admin/imports.html", page=page)


@bp.get("/imports/<int:run_id>")
def run(run_id: int) -> str:
    """One import and its full report."""
    item = history.run(db.session(), run_id)
    if item is None:
        abort(404)
    return render_template("admin/run.html", run=item, report=item.report, shown=SHOWN_PROBLEMS)


@bp.get("/format")
def csv_format() -> str:
    """The CSV format, every column and vocabulary: data/README.md, rendered."""
    manual = csv_format_html(url_for("admin.imports.template"))
    return render_template("admin/format.html", manual=manual)


@bp.get("/template.csv")
def template() -> Response:
    """The empty CSV template: the header row in the import's column order."""
    return send_from_directory(
        DATA, "listings_template.csv", as_attachment=True, mimetype="text/csv"
    )


@bp.get("/export.csv")
def export() -> Response:
    """Every listing (or one source's) as a CSV in the import format."""
    source = request.args.get("source", "").strip()[:100]
    out = io.StringIO()
    exporter.write_csv(db.session(), out, source or None)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", source).strip("-").lower() or "all"
    name = f"listings-{slug}-{dt.date.today().isoformat()}.csv"
    # With a BOM, Excel reads the file as UTF-8 (accents intact); the importer accepts it.
    return Response(
        out.getvalue().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
