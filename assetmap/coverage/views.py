"""Coverage pages, area pages, downloads and area sets. Thin: parse the query, call a use case, render."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.auth import roles_required
from ..errors import ValidationError
from ..maps import render_map
from ..once import FIELD as FORM_TOKEN
from ..once import once
from . import areasets, pages
from .params import parse_params
from .usecases import url_kind

bp = Blueprint("coverage", __name__)
ROLES = ("commissioner", "admin", "coordinator")
SET_ROLES = ("commissioner", "admin")


def area_url_for(p):
    """Links to area pages that keep the chosen categories, audiences and freshness (and the area set)."""
    kind, args = url_kind(p.geography), p.area_args()
    if p.area_set:
        args["set"] = str(p.area_set)
    return lambda code: url_for("coverage.area", kind=kind, code=code, **args)


def _download(body, mimetype: str, filename: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _csv(body_name) -> Response:
    body, name = body_name
    return _download(body, "text/csv; charset=utf-8", name)


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
        return _csv(pages.csv_download(p))
    body, name = pages.geojson_download(p)
    return _download(body, "application/geo+json", name)


@bp.get("/coverage/trends.csv")
@roles_required(*ROLES)
def trends_csv():
    return _csv(pages.trend_download(parse_params(request.args)))


@bp.get("/coverage/impact.csv")
@roles_required(*ROLES)
def impact_csv():
    return _csv(pages.impact_download(parse_params(request.args), (request.args.get("by") or "area").strip()))


@bp.get("/coverage/map.png")
@roles_required(*ROLES)
def map_png():
    p = parse_params(request.args)
    shape = request.args.get("shape")
    if shape not in (None, "portrait", "landscape"):
        raise ValidationError("The map's shape is portrait or landscape.", field="shape")
    resp = Response(
        pages.map_image(p, with_legend=request.args.get("legend") != "no", shape=shape), mimetype="image/png"
    )
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


@bp.get("/coverage/report")
@roles_required(*ROLES)
def report():
    p = parse_params(request.args)
    return render_template(
        "coverage/report.html",
        area_url=area_url_for(p),
        map_src=url_for("coverage.map_png", legend="no", shape="portrait", **p.query_args()),
        map_src_landscape=url_for("coverage.map_png", legend="no", shape="landscape", **p.query_args()),
        **pages.report_context(p),
    )


@bp.get("/coverage/compare")
@roles_required(*ROLES)
def compare():
    p = parse_params(request.args)
    page = pages.compare_page(
        p, (request.args.get("a") or "").strip(), (request.args.get("b") or "").strip(), area_url_for(p)
    )
    return render_template("coverage/compare.html", **page)


@bp.get("/areas/<kind>/<code>")
@roles_required(*ROLES)
def area(kind: str, code: str):
    p = parse_params(request.args)
    page = pages.area_page(kind, code, p)
    m = page.pop("map", None)
    rendered = render_map(m) if m is not None else None
    return render_template("coverage/area.html", rendered=rendered, **page)


@bp.route("/coverage/area-sets", methods=["GET", "POST"])
@roles_required(*SET_ROLES)
def area_sets():
    values = {
        "name": (request.form.get("name") or "").strip(),
        "name_field": (request.form.get("name_field") or "").strip(),
    }
    if request.method == "GET":
        return render_template("coverage/area_sets.html", values=values, errors=[], **pages.area_sets_page())
    try:
        with once("area-set", request.form.get(FORM_TOKEN), fallback=url_for("coverage.area_sets")):
            done = areasets.upload_file(
                request.files.get("file"), values["name"], values["name_field"] or None, current_user.id
            )
    except ValidationError as exc:
        return render_template(
            "coverage/area_sets.html",
            values=values,
            errors=[(exc.field or "file", exc.message)],
            **pages.area_sets_page(),
        ), 400
    flash(
        f"Loaded {done.areas} areas as '{done.name}', with {done.residents:,.0f} residents apportioned from "
        f"{done.lsoas} neighbourhoods (LSOAs).{' ' + done.note.capitalize() + '.' if done.note else ''}"
    )
    return redirect(url_for("coverage.area_sets"), code=303)


@bp.post("/coverage/area-sets/<set_id>/remove")
@roles_required(*SET_ROLES)
def remove_area_set(set_id: str):
    with once("area-set-remove", request.form.get(FORM_TOKEN), fallback=url_for("coverage.area_sets")):
        name = areasets.remove(set_id)
    flash(f"Removed the set '{name}'.")
    return redirect(url_for("coverage.area_sets"), code=303)
