"""Admin listing pages: find, add and edit (with the import's own validation, logged field by
field), place by street address, publish, hide, delete."""

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
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from finder import db, vocab
from finder.directory import history, listings, locate, lookup
from finder.directory.cells import VOCABULARIES
from finder.directory.rows import BOOLEANS, COLUMNS, Problem
from finder.models import Listing, Report
from finder.places import geocode
from finder.web.admin.auth import safe_next

KINDS = {k.slug for k in vocab.KINDS}
# One press of "place all" must answer within gunicorn's 30 s: one Census batch of this many
# listings (the admin's geocoder waits at most 20 s for it), or this many one-by-one look-ups
# (about a second each). `finder geocode-listings` has no such bound.
PER_PRESS = {"census": 1000, "nominatim": 20}
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
        service=_service(),
        geocoder_names=lookup.SERVICES,
        approximate=locate.approximate(db.session()) if _service() else 0,
        per_press=PER_PRESS.get(_service(), 0),
    )


def _service() -> str:
    """The online geocoder's name for listings' addresses, or "" when there is none."""
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    return lookup.service_name(geocoders.listings) if geocoders.listings else ""


def _raw(form: MultiDict[str, str]) -> dict[str, str]:
    """The edit form as the CSV-column text an import file would hold."""
    raw = {column: form.get(column, "") for column in COLUMNS}
    for column in VOCABULARIES:  # checkboxes, one value each
        raw[column] = ";".join(form.getlist(column))
    for column in BOOLEANS:
        raw[column] = "yes" if form.get(column) else "no"
    return raw


def _edit_page(
    item: Listing,
    values: dict[str, str],
    problems: list[Problem],
    *,
    verified: bool = True,
    report: Report | None = None,
) -> str:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.column, []).append(p.message)
    session = db.session()
    return render_template(
        "admin/edit.html",
        listing=item,
        values=values,
        errors=errors,
        chosen={c: set(values[c].split(";")) for c in VOCABULARIES},
        service=_service(),
        geocoder_names=lookup.SERVICES,
        verified=verified,
        report=report,
        changes=listings.history(session, item.id) if item.id else [],
        imports={
            n: history.run(session, n)
            for n in (item.created_by_import, item.changed_by_import)
            if n is not None
        },
    )


@bp.get("/listings/<int:listing_id>/edit")
def edit(listing_id: int) -> str:
    """The edit form for one listing; from an accepted report, with the report beside it and
    its right value in the field the admin chose."""
    item = _listing(listing_id)
    values = listings.as_text(item)
    report = db.session().get(Report, request.args.get("report", 0, type=int))
    if report is not None and request.args.get("field") in values:
        values[request.args["field"]] = report.right_value
    return _edit_page(item, values, [], report=report)


@bp.get("/listings/new")
def new() -> str:
    """An empty form for a listing no file has: the edit form, with the edit's checks."""
    return _edit_page(Listing(source="manual", published=False), dict.fromkeys(COLUMNS, ""), [])


@bp.post("/listings/new")
def create() -> Response | tuple[str, int]:
    """Add a listing from the form; it starts unpublished, for a last look before patients
    see it."""
    item = Listing(source="manual", published=False)
    saved = _save(item)
    if saved is not None:
        return saved
    flash(f"Added “{item.name}”. It is unpublished: check it, then publish it.")
    return redirect(url_for("admin.listings.edit", listing_id=item.id))


def _save(item: Listing) -> tuple[str, int] | None:
    """Check and save the posted form into `item`; the form again, with problems, if any."""
    raw = _raw(request.form)
    verified = bool(request.form.get("verified"))
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    problems, notes = listings.update(
        db.session(),
        item,
        raw,
        user=g.admin.email,
        verified=verified,
        geocoder=geocoders.listings_web,
        min_delay=geocoders.min_delay,
    )
    if problems:
        return _edit_page(item, raw, problems, verified=verified), 400
    for note in notes:
        flash(note)
    return None


# Saving and deleting have POST-only routes of their own: a view serving GET and POST that
# tests `method == "GET"` runs its POST branch for a HEAD, which CSRFProtect lets through.
@bp.post("/listings/<int:listing_id>/edit")
def save(listing_id: int) -> Response | tuple[str, int]:
    """Save an edited listing; it is checked by the same rules as an imported row."""
    item = _listing(listing_id)
    saved = _save(item)
    if saved is not None:
        return saved
    flash(f"Saved “{item.name}”.")
    return redirect(url_for("admin.listings.edit", listing_id=item.id))


def _place(listing_ids: list[int] | None) -> locate.Placing | None:
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    if geocoders.listings_web is None:
        flash("No online geocoder is set, so listings stay at their ZIP code's centre.")
        return None
    service = lookup.service_name(geocoders.listings_web)
    placing = locate.place_listings(
        db.session(),
        geocoders.listings_web,
        geocoders.min_delay,
        listing_ids=listing_ids,
        limit=PER_PRESS[service],
    )
    for sentence in placing.sentences():
        flash(sentence)
    return placing


@bp.post("/listings/<int:listing_id>/place")
def place(listing_id: int) -> Response:
    """Pin one listing placed by ZIP code or city at its street address."""
    _place([_listing(listing_id).id])
    return redirect(url_for("admin.listings.edit", listing_id=listing_id))


@bp.post("/listings/place")
def place_all() -> Response:
    """Pin listings placed only by ZIP code or city at their street addresses, a bounded
    number a press (PER_PRESS)."""
    placing = _place(None)
    if placing is not None and placing.remaining:
        flash("Press the button again for the next ones, or run `finder geocode-listings`.")
    return redirect(url_for("admin.listings.index"))


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
