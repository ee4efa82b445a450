"""Admin listing pages: find, edit (with the import's own validation), publish, hide, delete."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.directory import listings
from finder.directory.cells import VOCABULARIES
from finder.directory.rows import BOOLEANS, COLUMNS, Problem
from finder.models import Listing
from finder.places import geocode
from finder.web.admin.auth import safe_next

KINDS = {k.slug for k in vocab.KINDS}
PUBLISHED = {"yes": True, "no": False}

bp = Blueprint("listings", __name__)


def _listing(listing_id: int) -> Listing:
    item = listings.get(db.session(), listing_id)
    if item is None:
        abort(404)
    return item


@bp.get("/listings")
def index() -> str:
    """Listings by name, filtered by text, kind, source and whether patients see them."""
    args = request.args
    filters = {
        "q": args.get("q", "").strip()[:200],
        "kind": args.get("kind", "") if args.get("kind") in KINDS else "",
        "source": args.get("source", "")[:100],
        "published": args.get("published", "") if args.get("published") in PUBLISHED else "",
    }
    page = listings.find(
        db.session(),
        text=filters["q"],
        kind=filters["kind"],
        source=filters["source"],
        published=PUBLISHED.get(filters["published"]),
        page=args.get("page", 1, type=int),
    )
    return render_template(
        "admin/listings.html",
        page=page,
        filters=filters,
        sources=listings.sources(db.session()),
    )


def _raw(form: MultiDict[str, str]) -> dict[str, str]:
    """The edit form as the CSV-column text an import file would hold."""
    raw = {column: form.get(column, "") for column in COLUMNS}
    for column in VOCABULARIES:  # checkboxes, one value each
        raw[column] = ";".join(form.getlist(column))
    for column in BOOLEANS:
        raw[column] = "yes" if form.get(column) else "no"
    return raw


def _edit_page(item: Listing, values: dict[str, str], problems: list[Problem]) -> str:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.column, []).append(p.message)
    return render_template(
        "admin/edit.html",
        listing=item,
        values=values,
        errors=errors,
        chosen={c: set(values[c].split(";")) for c in VOCABULARIES},
    )


@bp.get("/listings/<int:listing_id>/edit")
def edit(listing_id: int) -> str:
    """The edit form for one listing."""
    item = _listing(listing_id)
    return _edit_page(item, listings.as_text(item), [])


# Saving and deleting have POST-only routes of their own: a view serving GET and POST that
# tests `method == "GET"` runs its POST branch for a HEAD, which CSRFProtect lets through.
@bp.post("/listings/<int:listing_id>/edit")
def save(listing_id: int) -> Response | tuple[str, int]:
    """Save an edited listing; it is checked by the same rules as an imported row."""
    item = _listing(listing_id)
    raw = _raw(request.form)
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    problems, notes = listings.update(
        db.session(), item, raw, geocoder=geocoders.online, min_delay=geocoders.min_delay
    )
    if problems:
        return _edit_page(item, raw, problems), 400
    flash(f"Saved “{item.name}”.")
    for note in notes:
        flash(note)
    return redirect(url_for("admin.listings.edit", listing_id=item.id))


def _set_published(listing_id: int, published: bool) -> Response:
    item = listings.set_published(db.session(), listing_id, published)
    if item is None:
        abort(404)
    state = "published: patients can find it" if published else "hidden from patients"
    flash(f"“{item.name}” is {state}.")
    return redirect(safe_next(request.form.get("next")))


@bp.post("/listings/<int:listing_id>/publish")
def publish(listing_id: int) -> Response:
    """Show a listing to patients again."""
    return _set_published(listing_id, True)


@bp.post("/listings/<int:listing_id>/unpublish")
def unpublish(listing_id: int) -> Response:
    """Hide a listing from patients; it stays in the directory."""
    return _set_published(listing_id, False)


@bp.get("/listings/<int:listing_id>/delete")
def ask_delete(listing_id: int) -> str:
    """Ask before deleting a listing for good."""
    return render_template("admin/delete.html", listing=_listing(listing_id))


@bp.post("/listings/<int:listing_id>/delete")
def delete(listing_id: int) -> Response:
    """Delete a listing for good."""
    item = listings.delete(db.session(), listing_id)
    if item is None:
        abort(404)
    flash(f"Deleted “{item.name}”.")
    return redirect(url_for("admin.listings.index"))
