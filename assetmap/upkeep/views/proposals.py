"""The steward's review of an organiser's proposed update: field by field, accept all or some, or turn it down."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import parsing
from ...accounts.auth import roles_required
from ...directory import access
from ...directory.records import RecordInvalid
from ...errors import ValidationError
from ...once import FIELD as FORM_TOKEN
from ...once import once
from .. import bp
from ..display import proposal_rows
from ..usecases import proposals


def _page(proposal_id, errors=(), status=200):
    row, service = proposals.for_review(current_user, proposal_id)
    rows = proposal_rows(row, service) if row.kind == "change" else []
    return render_template(
        "upkeep/proposal.html",
        item=row,
        service=service,
        rows=rows,
        errors=list(errors),
        wards=access.ward_names(access.service_wards(service.id)),
    ), status


@bp.get("/review/proposals/<uuid:proposal_id>")
@roles_required("coordinator", "admin")
def proposal(proposal_id):
    return _page(proposal_id)


@bp.post("/review/proposals/<uuid:proposal_id>")
@roles_required("coordinator", "admin")
def resolve_proposal(proposal_id):
    decision = request.form.get("decision", "")
    back = url_for("upkeep.review_queue")
    if decision not in ("accept", "reject"):
        return _page(proposal_id, [("decision", "Choose accept or turn down")], 400)
    version = parsing.integer(
        request.form.get("version") or None, "version", low=1, high=parsing.MAX_VERSION, default=None
    )
    try:
        with once("proposal", request.form.get(FORM_TOKEN), fallback=back):
            if decision == "reject":
                proposals.reject(current_user, proposal_id)
                flash("The proposed update has been turned down. The listing is unchanged.")
            else:
                proposals.accept(current_user, proposal_id, request.form.getlist("fields"), version)
                flash("The listing has been updated as proposed." if request.form.getlist("fields") else "Done.")
    except RecordInvalid as exc:
        return _page(
            proposal_id,
            [("fields", f"These changes cannot be saved as they are: {exc.message}. Edit the listing instead.")],
            400,
        )
    except ValidationError as exc:
        return _page(proposal_id, [(exc.field or "fields", exc.message)], 400)
    return redirect(back)
