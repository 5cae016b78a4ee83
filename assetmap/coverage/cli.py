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
@click.option("--category", default="all", show_default=True, help="Category code, e.g. carers-support, or all.")
@click.option(
    "--audience",
    default="all",
    show_default=True,
    help="Audience code, e.g. older-people (rates then use residents aged 65+), or all.",
)
@click.option("--capability", default="all", show_default=True, help="What-matters code, or all.")
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
    help="The measure the report's map shows.",
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
def coverage_report(geography, category, audience, capability, la, verified_only, days, measure, out):
    """Coverage and gaps for commissioners, written as CSV, GeoJSON, HTML report or PNG."""
    from . import exports, pages, service
    from .params import parse_params

    path = Path(out)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise click.BadParameter("end the file name with .csv, .geojson, .json, .html or .png", param_hint="--out")
    try:
        p = parse_params(
            {
                "geography": geography,
                "category": category,
                "audience": audience,
                "capability": capability,
                "la": la,
                "verified": "yes" if verified_only else "",
                "days": days,
                "measure": measure,
            }
        )
        cov = service.coverage(p)
        if kind == "csv":
            path.write_text(exports.to_csv(cov), encoding="utf-8")
        elif kind == "geojson":
            path.write_text(pages.geojson_download(p)[0], encoding="utf-8")
        elif kind == "png":
            path.write_bytes(pages.map_image(p, cov))
        else:
            png = base64.b64encode(pages.map_image(p, cov)).decode()
            with current_app.test_request_context("/"):
                html = render_template(
                    "coverage/report_document.html",
                    cov=cov,
                    p=p,
                    area_url=None,
                    fmt=pages.present.fmt,
                    max_rows=pages.MAX_TABLE_ROWS,
                    map_src=f"data:image/png;base64,{png}",
                )
            path.write_text(html, encoding="utf-8")
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Wrote {len(cov.areas)} {GEOGRAPHIES[p.geography][1]} in {cov.scope_name} ({cov.labels['category']}) to {path}"
    )
