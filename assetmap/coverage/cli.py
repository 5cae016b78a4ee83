"""`assetmap report coverage`: the gap table, areas as GeoJSON, or the printable report, from the command line."""

from __future__ import annotations

import base64
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from ..errors import AppError
from .params import GEOGRAPHIES, MEASURES, PERIODS

FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".html": "report", ".htm": "report", ".png": "png"}


@click.command("coverage")
@click.option(
    "--geography",
    type=click.Choice(list(GEOGRAPHIES)),
    default="ward",
    show_default=True,
    help="Areas to compare (la = each local authority as a whole).",
)
@click.option(
    "--category",
    multiple=True,
    default=["all"],
    show_default=True,
    help="Category code, e.g. carers-support, or all (repeat for several).",
)
@click.option(
    "--audience",
    multiple=True,
    default=["all"],
    show_default=True,
    help="Audience code, e.g. older-people (rates then use residents aged 65+), or all (repeatable).",
)
@click.option(
    "--capability", multiple=True, default=["all"], show_default=True, help="What-matters code, or all (repeatable)."
)
@click.option("--area-set", "area_set", default="", help="Name of an uploaded area set (with --geography custom).")
@click.option("--la", default="", help="Local authority code, or all (default: the most populous loaded).")
@click.option("--verified-only", is_flag=True, help="Count only assets checked in the last 12 months.")
@click.option(
    "--days",
    type=click.Choice([str(d) for d in PERIODS]),
    default="90",
    show_default=True,
    help="Demand period for connections and 'nothing suitable' signals.",
)
@click.option(
    "--measure",
    type=click.Choice(list(MEASURES)),
    default="gap",
    show_default=True,
    help="The measure the report's map shows and its table is ranked by.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write; its extension picks the format: .csv (gap table, one row per area), "
    ".geojson or .json (areas with their measures), .html (printable commissioning report "
    "with the map embedded), .png (the map image).",
)
@with_appcontext
def coverage_report(geography, category, audience, capability, area_set, la, verified_only, days, measure, out):
    """Coverage and gaps for commissioners, written as CSV, GeoJSON, HTML report or PNG."""
    from . import exports, pages, queries, usecases
    from .params import parse_params

    path = Path(out)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise click.BadParameter("end the file name with .csv, .geojson, .json, .html or .png", param_hint="--out")
    try:
        found = None
        if area_set or geography == "custom":
            found = queries.area_set_named(area_set)
            if found is None:
                raise click.BadParameter(
                    "name one of the uploaded area sets: "
                    + (", ".join(s.name for s in queries.area_sets()) or "none yet"),
                    param_hint="--area-set",
                )
        p = parse_params(
            {
                "geography": geography,
                "category": list(category),
                "audience": list(audience),
                "capability": list(capability),
                "la": la,
                "verified": "yes" if verified_only else "",
                "days": days,
                "measure": measure,
                "set": str(found.id) if found else "",
            }
        )
        cov = usecases.coverage(p)
        if kind == "csv":
            path.write_text(exports.to_csv(cov), encoding="utf-8")
        elif kind == "geojson":
            path.write_text(pages.geojson_download(p)[0], encoding="utf-8")
        elif kind == "png":
            path.write_bytes(pages.map_image(p, cov))
        else:
            png = base64.b64encode(pages.map_image(p, cov, with_legend=False, shape="portrait")).decode()
            with current_app.test_request_context("/"):
                html = render_template(
                    "coverage/report_document.html",
                    area_url=None,
                    map_src=f"data:image/png;base64,{png}",
                    **pages.report_context(p, cov),
                )
            path.write_text(html, encoding="utf-8")
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Wrote {len(cov.areas)} {GEOGRAPHIES[p.geography][1]} in {cov.scope_name} ({cov.labels['category']}) to {path}"
    )


@click.command("snapshot")
@click.option("--date", "day", default="", help="A day in the month to take (YYYY-MM-DD; default today).")
@with_appcontext
def snapshot(day):
    """Keep this month's snapshot of every measure for every area (taking a month again replaces it)."""
    import datetime as dt
    import time

    from .snapshots import take_monthly_snapshot

    try:
        when = dt.date.fromisoformat(day) if day else dt.date.today()
    except ValueError:
        raise click.BadParameter("give a date as YYYY-MM-DD, e.g. 2026-11-01", param_hint="--date") from None
    started = time.perf_counter()
    n = take_monthly_snapshot(when, progress=lambda view: click.echo(f"  {view}", err=True))
    click.echo(f"Kept {n:,} snapshot rows for {when.strftime('%B %Y')} in {time.perf_counter() - started:.1f} s")


@click.command("area-set")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="What to call the set, e.g. 'Primary Care Networks 2025'.")
@click.option("--name-field", default="", help="The column holding each area's name (default: found by itself).")
@with_appcontext
def load_area_set(path, name, name_field):
    """Upload a GeoJSON, GeoPackage or zipped shapefile of named areas as a custom area set."""
    from . import areasets

    try:
        result = areasets.upload(path, name, name_field or None, user_id=None)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Loaded {result.areas} areas as '{result.name}' ({result.residents:,.0f} residents apportioned "
        f"from {result.lsoas} LSOAs{'; ' + result.note if result.note else ''})"
    )
