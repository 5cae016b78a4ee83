"""Coverage pages, area pages and downloads. Thin: parse the query, call a use case, render."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from ..accounts.auth import roles_required
from ..maps import render_map
from . import pages
from .params import parse_params
from .service import url_kind

bp = Blueprint("coverage", __name__)
ROLES = ("commissioner", "admin", "coordinator")


def area_url_for(p):
    """Links to area pages that keep the chosen category, audience and freshness."""
    kind, args = url_kind(p.geography), p.area_args()
    return lambda code: url_for("coverage.area", kind=kind, code=code, **args)


def _download(body, mimetype: str, filename: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/coverage")
@roles_required(*ROLES)
def coverage():
    p = parse_params(request.args)
    page = pages.coverage_page(p, area_url_for(p))
    return render_template("coverage/index.html", rendered=render_map(page.pop("map")), **page)


@bp.get("/coverage/gaps.<any(csv, geojson):fmt>")
@roles_required(*ROLES)
def gaps(fmt: str):
    p = parse_params(request.args)
    if fmt == "csv":
        body, name = pages.csv_download(p)
        return _download(body, "text/csv; charset=utf-8", name)
    body, name = pages.geojson_download(p)
    return _download(body, "application/geo+json", name)


@bp.get("/coverage/map.png")
@roles_required(*ROLES)
def map_png():
    p = parse_params(request.args)
    resp = Response(pages.map_image(p), mimetype="image/png")
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@bp.get("/coverage/report")
@roles_required(*ROLES)
def report():
    p = parse_params(request.args)
    page = pages.report_page(p, area_url_for(p))
    return render_template("coverage/report.html", map_src=url_for("coverage.map_png", **p.query_args()), **page)


@bp.get("/areas/<kind>/<code>")
@roles_required(*ROLES)
def area(kind: str, code: str):
    p = parse_params(request.args)
    page = pages.area_page(kind, code, p)
    m = page.pop("map", None)
    rendered = render_map(m) if m is not None else None
    return render_template("coverage/area.html", rendered=rendered, **page)
