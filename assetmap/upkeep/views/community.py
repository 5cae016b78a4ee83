"""The review queue, and community suggestions and problem reports (no account needed to send one)."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import parsing
from ...accounts import limiter
from ...accounts.auth import roles_required
from ...directory import access
from ...errors import ValidationError
from ...once import FIELD as FORM_TOKEN
from ...once import once
from ...web import error_map
from .. import bp, queries
from ..fields import record_errors
from ..usecases import duplicates, proposals, suggestions

log = logging.getLogger("assetmap.suggestions")
#: a limit per visitor on sending suggestions and reports (the sign-in form has its own)
SUGGEST_LIMIT = "5 per minute; 30 per hour"
MAX_QUEUE_PAGE = 10_000


@bp.get("/review")
@roles_required("coordinator", "admin")
def review_queue():
    page = parsing.integer(
        request.args.get("page") or None, "page", low=1, high=MAX_QUEUE_PAGE, label="Page", default=1
    )
    return review_page(page, request.args.get("mine") == "yes")


def review_page(page: int, steward_only: bool, verify_error: tuple | None = None, status: int = 200):
    """The review queue; ``verify_error`` is (asset id, message) for a 'Still accurate' sent with no method."""
    months = current_app.config.get("REVIEW_AFTER_MONTHS", 6)
    due = queries.due_assets(current_user, months, steward_only=steward_only, page=page)
    open_items = suggestions.open_for(current_user)
    waiting = proposals.open_for(current_user)
    services = queries.services_by_id([i.service_id for i in open_items] + [p.service_id for p in waiting])
    ward_names = access.ward_names({i.ward_code for i in open_items if i.ward_code})
    return render_template(
        "upkeep/review_queue.html",
        due=due,
        months=months,
        steward_only=steward_only,
        open_items=open_items,
        proposals=waiting,
        bounced=queries.bounced_contacts(current_user),
        services=services,
        ward_names=ward_names,
        verify_error=verify_error,
    ), status


def _is_bot() -> bool:
    """The honeypot: a field hidden from people that form-filling robots complete."""
    if request.form.get("website_url"):
        log.warning("honeypot filled", extra={"path": request.path})
        return True
    return False


@bp.route("/suggest", methods=["GET", "POST"])
@limiter.limit(SUGGEST_LIMIT, methods=["POST"])
def suggest():
    values, errors, status = {}, [], 200
    if request.method == "POST":
        values = request.form.to_dict()
        sent = url_for("upkeep.suggestion_sent")
        if _is_bot():
            return redirect(sent)
        try:
            with once("suggestion", request.form.get(FORM_TOKEN), fallback=sent, recall=True):
                suggestions.suggest_asset(values)
        except ValidationError as exc:
            errors, status = record_errors(exc), 400
        else:
            return redirect(sent)
    return render_template(
        "upkeep/suggest.html",
        values=values,
        errors=errors,
        error_map=error_map(errors),
        ward_groups=access.wards_by_council(),
    ), status


@bp.get("/suggest/sent")
def suggestion_sent():
    return render_template("upkeep/thanks.html", kind="suggestion")


@bp.route("/assets/<uuid:asset_id>/report", methods=["GET", "POST"])
@limiter.limit(SUGGEST_LIMIT, methods=["POST"])
def report_problem(asset_id):
    service = access.readable_service(current_user, asset_id)
    values, errors, status = {}, [], 200
    if request.method == "POST":
        values = request.form.to_dict()
        sent = url_for("upkeep.report_sent", asset_id=asset_id)
        if _is_bot():
            return redirect(sent)
        try:
            with once("problem-report", request.form.get(FORM_TOKEN), fallback=sent, recall=True):
                suggestions.report_problem(current_user, asset_id, values)
        except ValidationError as exc:
            errors, status = record_errors(exc), 400
        else:
            return redirect(sent)
    wards = access.ward_names(access.service_wards(service.id))
    return render_template(
        "upkeep/report_problem.html",
        service=service,
        wards=wards,
        values=values,
        errors=errors,
        error_map=error_map(errors),
    ), status


@bp.get("/assets/<uuid:asset_id>/report/sent")
def report_sent(asset_id):
    return render_template("upkeep/thanks.html", kind="report", service=access.readable_service(current_user, asset_id))


@bp.get("/review/suggestions/<uuid:suggestion_id>")
@roles_required("coordinator", "admin")
def suggestion(suggestion_id):
    row = suggestions.for_review(current_user, suggestion_id)
    service = queries.services_by_id([row.service_id]).get(row.service_id)
    wards = access.ward_names({row.ward_code} if row.ward_code else set())
    matches = duplicates.of_suggestion(current_user, row) if row.kind == "new_asset" and row.status == "open" else []
    return render_template("upkeep/suggestion.html", item=row, service=service, wards=wards, matches=matches)


@bp.post("/review/suggestions/<uuid:suggestion_id>/resolve")
@roles_required("coordinator", "admin")
def resolve_suggestion(suggestion_id):
    status = request.form.get("status", "")
    with once("suggestion-resolve", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.review_queue")):
        row = suggestions.resolve(current_user, suggestion_id, status)
    flash(
        "The problem report is closed."
        if row.kind == "problem" and status == "accepted"
        else "The suggestion has been turned down."
        if status == "rejected"
        else "The suggestion is closed."
    )
    return redirect(url_for("upkeep.review_queue"))
