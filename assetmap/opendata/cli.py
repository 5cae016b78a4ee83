"""`assetmap import oruk URL-or-FILE [--dry-run/--apply]`: the import engine, with records checked against the
ORUK 3.0 service schema this room publishes by."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..errors import AppError


@click.command("oruk")
@click.argument("location")
@click.option(
    "--dry-run/--apply",
    "dry_run",
    default=True,
    show_default=True,
    help="Dry run (the default) says what would change and writes nothing; --apply imports, all or nothing.",
)
@click.option("--source", help="Match re-imports on this source name instead of oruk:<host or file name>.")
@click.option("--verbose", "-v", is_flag=True, help="List every asset and every detail left out or assumed.")
@with_appcontext
def oruk(location, dry_run, source, verbose):
    """Import an Open Referral UK 3.0 feed (its API address, e.g. https://example.gov.uk/oruk) or a saved file."""
    from ..directory.imports.usecases import import_feed
    from .schemas import validator

    click.echo(f"Reading {location} …")
    try:
        report = import_feed(
            location, apply=not dry_run, progress=click.echo, source=source, conformance=validator("service")
        )
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"The database refused the import, so nothing was written ({type(getattr(exc, 'orig', exc)).__name__})."
        ) from None
    for line in report.lines(verbose):
        click.echo(line)
