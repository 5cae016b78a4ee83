"""The reminder cadence per council, and the freshness pages (share of listings confirmed in 12 months)."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.auth import roles_required
from ...directory.read import stale_cutoff
from ...errors import ValidationError
from ...once import FIELD as FORM_TOKEN
from ...once import once
from ...web import error_map
from .. import bp, queries
from ..usecases import settings


def _cadence_page(errors=(), posted=None, status=200):
    errors = list(errors)
    return render_template(
        "upkeep/cadence.html",
        rows=settings.cadence_rows(current_user),
        errors=errors,
        error_map=error_map(errors),
        posted=posted or {},
    ), status


@bp.get("/settings/reminders")
@roles_required("coordinator", "admin")
def cadence():
    return _cadence_page()


@bp.post("/settings/reminders")
@roles_required("coordinator", "admin")
def save_cadence():
    lad = request.form.get("lad_code", "")
    try:
        chosen = settings.parse_cadence(request.form)
        with once("cadence", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.cadence")):
            settings.save_cadence(current_user, lad, chosen)
    except ValidationError as exc:
        field = f"{lad}-{exc.field}" if exc.field and exc.field != "lad_code" else ""
        return _cadence_page([(field, exc.message)], posted={"lad_code": lad, **request.form.to_dict()}, status=400)
    flash("The reminder cadence has been saved. It applies from the next run of the reminders.")
    return redirect(url_for("upkeep.cadence"))


@bp.get("/freshness")
@roles_required("coordinator", "admin", "commissioner")
def freshness():
    council_list = queries.councils()
    codes = [c for c, _ in council_list]
    lad = request.args.get("council") or (codes[0] if codes else None)
    if lad not in codes:
        lad = codes[0] if codes else None
    today = dt.date.today()
    cutoff = stale_cutoff(today)
    wards = queries.freshness_by_ward(cutoff, lad)
    stewards = queries.freshness_by_steward(cutoff, lad)
    total = queries.FreshRow(
        lad,
        "All wards",
        *(sum(getattr(r, k) for r in stewards) for k in ("listings", "confirmed", "by_organiser", "unconfirmed")),
    )
    return render_template(
        "upkeep/freshness.html",
        councils=council_list,
        council=lad,
        wards=wards,
        stewards=stewards,
        total=total,
        cutoff=cutoff,
    )
