"""Command line: `finder init-db`, `finder load-demo`, and Flask's own commands."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from finder import ROOT, db, importer, listings

DEMO_CSV = ROOT / "data" / "demo_listings.csv"


@click.command("init-db")
def init_db() -> None:
    """Create the database tables (safe to run again)."""
    db.create_schema(db.engine())
    click.echo("Database ready.")


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
        session, DEMO_CSV.read_bytes(), listings.DEMO_SOURCE, filename=DEMO_CSV.name
    )
    for p in report.problems:
        click.echo(f"line {p.line}, {p.column}: {p.message}", err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(
        f"Demo listings: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI group."""
    for command in (init_db, load_demo):
        app.cli.add_command(command)


def main() -> None:
    """The `finder` console script: Flask's CLI for this app (run, routes, shell, ...)."""
    from finder import create_app

    FlaskGroup(create_app=create_app, help="NET Finder")(prog_name="finder")
