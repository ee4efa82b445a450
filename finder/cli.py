"""Command line: thin click commands over the importer, exporter, accounts and settings."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from finder import accounts, config, db
from finder.directory import exporter, importer, listings, locate
from finder.paths import DATA
from finder.places import geocode
from finder.search import index

DEMO_CSV = DATA / "demo_listings.csv"


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the database tables, and check the spatial index against the listings,
    rebuilding it if they differ (safe to run again)."""
    db.create_schema(db.engine())
    click.echo("Database ready.")
    try:
        repair = index.repair_index(db.engine())
    except db.Busy as exc:
        raise click.ClickException(f"Spatial index not checked. {exc}") from None
    for problem in repair.problems:
        click.echo(f"Spatial index: {problem}.")
    if repair.problems:
        click.echo(f"Spatial index rebuilt: {index.listings_text(repair.listings)}.")
    else:
        click.echo(f"Spatial index: {index.listings_text(repair.listings)}, in step.")


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Only load when the directory has no listings.")
def load_demo(if_empty: bool) -> None:
    """Load the fictional demo directory (source "demo")."""
    db.create_schema(db.engine())
    session = db.session()
    if if_empty and listings.count(session) > 0:
        click.echo("The directory already has listings; demo not loaded.")
        return
    report = importer.load_csv(
        session, DEMO_CSV.read_bytes(), listings.DEMO_SOURCE, filename=DEMO_CSV.name, user="cli"
    )
    _print_report(report)
    if not report.ok:
        sys.exit(1)


def _print_report(report: importer.ImportReport) -> None:
    for p in report.problems:
        named = f" ({p.name})" if p.name else ""
        click.echo(f"line {p.line}{named}, {p.column}: {p.message}", err=True)
    for note in report.notes:
        click.echo(note, err=True)
    if report.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(report.ignored_columns)}", err=True)
    verb = "would be" if report.dry_run else ("" if report.applied else "NOT")
    click.echo(
        f"\n{report.filename or 'file'}: {report.rows} rows, source {report.source!r}"
        + ("" if report.applied or report.dry_run else " — nothing was changed")
    )
    table = [
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("rejected", report.skipped),
        ("unpublished", report.unpublished),
    ]
    for label, n in table:
        click.echo(f"  {label:<12} {n:>8} {verb}".rstrip())


@click.command("import-csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Where the file comes from (matches re-imports).")
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, list the others.")
@click.option(
    "--replace-source",
    is_flag=True,
    help="Unpublish this source's listings that are missing from the file.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    help="Seconds to wait for another import to finish writing before giving up.",
)
def import_csv(
    path: Path, source: str, dry_run: bool, skip_invalid: bool, replace_source: bool, wait: float
) -> None:
    """Import listings from a CSV file: all rows in one transaction, or none."""
    db.create_schema(db.engine())
    data = path.read_bytes()
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    with click.progressbar(
        length=max(1, data.count(b"\n")), label="Checking rows", file=sys.stderr
    ) as bar:
        last = 0

        def step(n: int) -> None:
            nonlocal last
            bar.update(n - last)
            last = n

        def say(message: str) -> None:
            # The bar's label becomes the step (on a terminal, and a line of its own in a log).
            bar.label = message
            bar.render_progress()

        try:
            report = importer.load_csv(
                db.session(),
                data,
                source,
                filename=path.name,
                user="cli",
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                replace_source=replace_source,
                geocoder=geocoders.listings,
                min_delay=geocoders.min_delay,
                progress=step,
                status=say,
                wait=wait,
            )
        except (importer.BadFile, db.Busy) as exc:
            raise click.ClickException(str(exc)) from None
    _print_report(report)
    if report.problems:
        sys.exit(1)


@click.command("geocode-listings")
@click.option(
    "--precision",
    "precisions",
    type=click.Choice(locate.APPROXIMATE),
    multiple=True,
    help="Only listings placed this way (repeatable); default: zip and city.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Look up at most this many listings.")
def geocode_listings(precisions: tuple[str, ...], limit: int | None) -> None:
    """Pin listings placed only by ZIP code or city at their street addresses, with the
    online geocoder (FINDER_GEOCODER=census or nominatim); answers are cached."""
    geocoders: geocode.Geocoders = current_app.extensions[geocode.EXTENSION]
    if geocoders.listings is None:
        raise click.ClickException(
            "No online geocoder is set: set FINDER_GEOCODER=census (or nominatim) first."
        )
    placing = locate.place_listings(
        db.session(),
        geocoders.listings,
        geocoders.min_delay,
        precisions=precisions or locate.APPROXIMATE,
        limit=limit,
    )
    for sentence in placing.sentences():
        click.echo(sentence)


@click.command("export-csv")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Only this source's listings.")
def export_csv(path: Path, source: str | None) -> None:
    """Write listings to a CSV file in the import format."""
    with path.open("w", encoding="utf-8", newline="") as out:
        n = exporter.write_csv(db.session(), out, source)
    click.echo(f"Wrote {n} listings to {path}.")


@click.command("create-admin")
@click.argument("email")
def create_admin(email: str) -> None:
    """Create an admin (or set a new password): asks for it, or reads it from stdin."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        accounts.set_password(db.session(), email, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Admin {email.strip().lower()} can now sign in at /admin.")


@click.command("config")
def show_config() -> None:
    """Print the settings in effect and where each came from (secrets hidden)."""
    for line in config.describe(current_app.config, current_app.extensions[config.EXTENSION]):
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group."""
    for command in (
        init_db,
        load_demo,
        import_csv,
        geocode_listings,
        export_csv,
        create_admin,
        show_config,
    ):
        app.cli.add_command(command)


def main() -> None:
    """The `finder` console script: Flask's CLI for this app (run, routes, shell, ...)."""
    from finder import create_app

    FlaskGroup(create_app=create_app, help="NET Finder")(prog_name="finder")
