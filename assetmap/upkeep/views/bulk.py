"""Pages for bulk import (upload -> dry-run report -> apply) and export of an area's assets."""

from __future__ import annotations

import csv
import io

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.auth import roles_required
from ...directory import access
from ...directory.imports import areas
from ...directory.imports.read import FORMATS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from ...directory.imports.xlsx import XLSX_MIMETYPE, to_xlsx
from ...directory.organisers import FIELDS as ORGANISER_FIELDS
from ...directory.records import TEMPLATE_FIELDS, TERM_FIELDS
from ...errors import AppError
from ...once import once
from ...taxonomy import all_terms
from .. import bp, exports, queries, uploads
from ..fields import FIELD_LABELS
from ..usecases import imports

TEMPLATE_EXAMPLE = {
    "source_id": "my-council-0001",
    "name": "Tuesday Walking Group",
    "organisation": "Friends of the Park",
    "description": "A gentle hour's walk round the park, then tea.\nAll welcome; walkers go at the pace of the slowest.",
    "categories": "physical-activity;social-groups",
    "audiences": "older-people;all-adults",
    "capabilities": "enjoyment;love-friendship-support",
    "asset_type": "association",
    "modes": "in_person",
    "address": "Park gates, Church Road",
    "postcode": "B1 1BA",
    "lat": "",
    "lon": "",
    "service_area_wards": "",
    "schedule": "tue 10:00-11:00",
    "cost_amount": "0",
    "cost_description": "Free",
    "accessibility": "step-free",
    "how_to_get_there": "Bus 9 to Church Road",
    "contact_name": "Sam",
    "email": "walks@example.org",
    "phone": "0121 496 0000",
    "url": "https://example.org/walks",
    "charity_number": "",
    "visibility": "public",
    "last_verified": "",
    "verification_method": "",
    "illustrative": "no",
    "organiser_name": "Sam Example",
    "organiser_email": "sam.organiser@example.org",
    "organiser_consent_on": "2026-03-02",
    "organiser_consent_method": "phone",
}
#: the import template: the asset's columns, then its organiser's (imported, never exported)
IMPORT_TEMPLATE_FIELDS = [*TEMPLATE_FIELDS, *ORGANISER_FIELDS]


def _limit() -> int:
    return current_app.config.get("MAX_IMPORT_BYTES", MAX_IMPORT_BYTES)


def _upload_page(errors=(), source=imports.DEFAULT_SOURCE, status=200):
    return render_template(
        "upkeep/import.html",
        errors=list(errors),
        source=source,
        terms=all_terms(),
        term_headings=TERM_FIELDS,
        max_mb=max(1, _limit() // 1048576),
        max_rows=MAX_IMPORT_ROWS,
        fields=IMPORT_TEMPLATE_FIELDS,
        labels=FIELD_LABELS,
        wards=areas.ward_list(),
        constituencies=areas.constituency_list(),
    ), status


@bp.route("/import", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def import_assets():
    if request.method == "GET":
        return _upload_page()
    upload = request.files.get("file")
    source = request.form.get("source", imports.DEFAULT_SOURCE)
    if upload is None or not upload.filename:
        return _upload_page([("file", "Choose a file to upload")], source, 400)
    data = upload.read(_limit() + 1)
    try:
        plan, read = imports.plan_import(current_user, upload.filename, data, source)
    except AppError as exc:
        return _upload_page([(exc.field or "file", exc.message)], source, exc.status)
    token = (
        uploads.stash_upload(current_user, upload.filename, data, imports.check_source(source), plan.error_rows)
        if plan.valid_rows
        else None
    )
    return render_template(
        "upkeep/import_report.html",
        plan=plan,
        read=read,
        token=token,
        names=read.names(),
        filename=upload.filename,
        formats=FORMATS,
        labels=FIELD_LABELS,
    )


@bp.post("/import/apply")
@roles_required("coordinator", "admin")
def import_apply():
    token = request.form.get("token", "")
    skip = request.form.get("skip_invalid") == "yes"  # the explicit "import the valid rows, skip the rest"
    # the upload's own one-time token: applying it again (reload, back) is recognised, never imported twice
    with once("import", token, fallback=url_for("upkeep.review_queue")):
        filename, data, source, error_rows = uploads.load_upload(current_user, token)
        plan = imports.apply_import(current_user, filename, data, source, skip_rows=error_rows if skip else None)
    uploads.drop_upload(token)
    skipped = f", {len(plan.error_rows)} rows with errors skipped" if skip else ""
    flash(
        f"Imported {filename}: {len(plan.create)} added, {len(plan.update)} updated, "
        f"{len(plan.unchanged)} unchanged{skipped}."
    )
    return redirect(url_for("upkeep.review_queue"))


@bp.get("/import/template.xlsx")
def import_template_xlsx():
    """The same template as an Excel workbook."""
    return Response(
        to_xlsx(IMPORT_TEMPLATE_FIELDS, [TEMPLATE_EXAMPLE]),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": 'attachment; filename="assetmap-template.xlsx"'},
    )


@bp.get("/import/template.csv")
def import_template():
    """The CSV template with one example row (quoted newline included, as spreadsheets write them)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_TEMPLATE_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(TEMPLATE_EXAMPLE)
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="assetmap-template.csv"'},
    )


def _export_areas() -> list[tuple[str, list[tuple[str, str]]]]:
    return queries.export_areas(access.editable_wards(current_user))


@bp.get("/export")
@roles_required("coordinator", "admin", "commissioner")
def export():
    fmt = request.args.get("format")
    area = request.args.get("area", "")
    if fmt not in exports.FORMATS:
        return render_template("upkeep/export.html", groups=_export_areas(), errors=[], area=area)
    try:
        rows = queries.export_rows(current_user, area)
    except AppError as exc:
        return render_template(
            "upkeep/export.html", groups=_export_areas(), errors=[("area", exc.message)], area=area
        ), 400
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "geojson": exports.to_geojson}[fmt](rows)
    filename = exports.export_filename(queries.area_label(area), fmt)
    return Response(
        body, mimetype=exports.FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
