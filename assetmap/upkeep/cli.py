"""`assetmap import assets FILE` (dry run first, then --apply) and `assetmap export assets`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import session
from ..errors import AppError
from ..models import User

MAX_ERRORS_SHOWN = 50


class _Operator:
    """Whoever runs the command line: reads every live asset, like a signed-in admin."""

    is_authenticated = True
    role = "admin"
    id = None


def _as_user(email: str | None):
    if not email:
        return None
    user = session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None or user.role not in ("coordinator", "admin") or not user.active:
        raise click.ClickException(f"{email} is not an active coordinator or admin account")
    from ..accounts.auth import SessionUser

    return SessionUser(user)


@click.command("assets")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--dry-run/--apply",
    "dry_run",
    default=True,
    show_default=True,
    help="Report what would change (default), or apply the whole file in one transaction.",
)
@click.option("--source", default="import", show_default=True, help="Source name re-imports match on.")
@click.option(
    "--as",
    "as_email",
    help="Import with this coordinator's rights (rows outside their wards are refused) and record them as the author.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="With --apply: import the valid rows and skip the rows with "
    "errors (by default a file with any error imports nothing).",
)
@with_appcontext
def import_assets_cmd(path, dry_run, source, as_email, skip_invalid):
    """Import assets from an Excel workbook or CSV (template), GeoJSON or Open Referral UK JSON."""
    from .usecases import imports

    user = _as_user(as_email)
    name, data = Path(path).name, Path(path).read_bytes()
    try:
        plan, read = imports.plan_import(user, name, data, source)
        _report(plan, read)
        if not plan.ok and not (skip_invalid and not dry_run):
            click.echo(
                "Nothing can be imported until every error is put right"
                + (" (or run with --apply --skip-invalid to import the other rows)." if plan.valid_rows else ".")
            )
            sys.exit(1)
        if dry_run:
            click.echo("Dry run: nothing was changed. Run again with --apply to import.")
            return
        plan = imports.apply_import(user, name, data, source, skip_rows=plan.error_rows if skip_invalid else None)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    skipped = f", {len(plan.error_rows)} rows with errors skipped" if skip_invalid else ""
    click.echo(
        f"Imported: {len(plan.create)} added, {len(plan.update)} updated, {len(plan.unchanged)} unchanged{skipped}."
    )


def _report(plan, read) -> None:
    if read is not None:
        click.echo(f"Read {read.format} ({read.encoding}): {len(read.rows) + len(read.errors)} rows")
        for note in read.notes:
            click.echo(f"  {note}")
    click.echo(f"  {plan.summary()}")
    if plan.possible_duplicates:
        from ..directory.duplicates import says

        created = dict(plan.create)
        n = len(plan.possible_duplicates)
        click.echo(f"  {n} row{'' if n == 1 else 's'} to be added may already be listed:")
        for n, matches in sorted(plan.possible_duplicates.items()):
            click.echo(f"    row {n} ({created[n].name}): " + " | ".join(says(m) for m in matches))
    names = read.names() if read is not None else {}
    for e in plan.errors[:MAX_ERRORS_SHOWN]:
        listing = f" ({names[e.row]})" if e.row in names else ""
        click.echo(f"  row {e.row}{listing}, {e.field}: {e.message}")
    if len(plan.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"  … and {len(plan.errors) - MAX_ERRORS_SHOWN} more errors")


@click.command("assets")
@click.option("--area", required=True, help="ward:E05…, constituency:E14… or la:E08…")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "geojson"]), default="csv", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output).",
)
@with_appcontext
def export_assets_cmd(area, fmt, output):
    """Export an area's live assets (confidential places left out; formulas neutralised)."""
    from . import exports, queries

    try:
        rows = queries.export_rows(_Operator(), area)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "geojson": exports.to_geojson}[fmt](rows)
    if output == "-":
        if isinstance(body, bytes):
            raise click.ClickException("An Excel workbook is a file: give --output FILE.xlsx")
        click.echo(body, nl=False)
    else:
        if isinstance(body, bytes):
            Path(output).write_bytes(body)
        else:
            Path(output).write_text(body, encoding="utf-8")
        click.echo(f"Wrote {len(rows)} assets to {output}", err=True)


@click.command("report")
@click.argument("council")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV (one row a pair) instead of a readable list.")
@with_appcontext
def duplicates_report_cmd(council, as_csv):
    """Likely duplicate pairs among a council's live listings (COUNCIL: its code, e.g. E08000025, or name).

    A confidential listing is named but never placed: no reason given is a distance involving it.
    """
    import csv

    from .usecases import duplicates

    try:
        name, pairs = duplicates.council_report(council)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    if as_csv:
        out = csv.writer(sys.stdout)
        out.writerow(
            ["score", "listing_a_id", "listing_a", "ward_a", "listing_b_id", "listing_b", "ward_b", "alike", "differ"]
        )
        for p in pairs:
            out.writerow(
                [
                    f"{p.score.total:.1f}",
                    p.a.id,
                    p.a.name,
                    p.a.ward or "",
                    p.b.id,
                    p.b.name,
                    p.b.ward or "",
                    "; ".join(r.says for r in p.score.alike),
                    "; ".join(r.says for r in p.score.differ),
                ]
            )
        return
    click.echo(f"{name}: {len(pairs)} likely duplicate pair{'' if len(pairs) == 1 else 's'}")
    for p in pairs:
        click.echo("")
        click.echo(f"  {p.a.name} ({p.a.ward or 'no ward'}) [{p.a.id}]")
        click.echo(f"  {p.b.name} ({p.b.ward or 'no ward'}) [{p.b.id}]")
        click.echo(f"    score {p.score.total:.1f}: " + "; ".join(r.says for r in p.score.alike))
        if p.score.differ:
            click.echo("    but: " + "; ".join(r.says for r in p.score.differ))
