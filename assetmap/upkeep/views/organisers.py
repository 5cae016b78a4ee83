"""The organiser's pages, reached from the link in a reminder with no account: the listing as it stands and
three answers (still right, something has changed, no longer running), and their own contact details.

The link's token travels in the query string and then in each form's body, never in a path (the access log
records paths). Every GET only shows; each answer is a POST (mail scanners open links, and must not answer
for the organiser). The token itself makes a write happen once, so these forms need no form token of their own.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ...accounts import limiter
from ...directory import organisers as organiser_contacts
from ...errors import ValidationError
from ...web import error_map
from .. import bp, schedule_form
from ..fields import (
    ORGANISER_FORM_FIELDS,
    form_values,
    organiser_form_fields,
    padded_schedule,
    posted_values,
    record_errors,
)
from ..usecases import organisers

LINK_LIMIT = "20 per minute"
DONE = ("confirm", "change", "closure", "contact", "removed")


def _token():
    return request.values.get("t")


def _page(template: str, asset_id, status: int = 200, **extra):
    token = _token()
    page = organisers.listing_page(asset_id, token)
    return render_template(template, token=token, page=page, **extra), status


@bp.get("/listings/<uuid:asset_id>/check")
def organiser_listing(asset_id):
    return _page("upkeep/organiser/listing.html", asset_id)


@bp.route("/listings/<uuid:asset_id>/check/still-right", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"])
def organiser_still_right(asset_id):
    if request.method == "GET":
        return _page("upkeep/organiser/still_right.html", asset_id)
    organisers.still_right(asset_id, _token())
    return redirect(url_for("upkeep.organiser_done", asset_id=asset_id, what="confirm"))


def _change_form(asset_id, values: dict, errors: list, status: int = 200, note: str = ""):
    return _page(
        "upkeep/organiser/changes.html",
        asset_id,
        status,
        values=values,
        errors=errors,
        error_map=error_map(errors),
        schedule_rows=padded_schedule(values.get("schedule_rows") or []),
        closure=values.get("closure") or schedule_form.posted_closure({}),
        how_choices=schedule_form.HOW,
        positions=schedule_form.POSITIONS,
        schedule_error=any(k.startswith(("schedule-", "closed-")) for k, _ in errors),
        note=note,
        form_fields=ORGANISER_FORM_FIELDS,
    )


@bp.route("/listings/<uuid:asset_id>/check/changes", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"])
def organiser_changes(asset_id):
    if request.method == "GET":
        return _change_form(asset_id, form_values(organisers.snapshot_for(asset_id, _token())), [])
    page = organisers.listing_page(asset_id, _token())
    fields, errors = organiser_form_fields(request.form, with_place=page.shows_place)
    values = posted_values(request.form, fields)
    note = request.form.get("note", "")
    if errors:
        return _change_form(asset_id, values, errors, 400, note)
    try:
        organisers.propose_change(asset_id, _token(), fields, note)
    except ValidationError as exc:
        return _change_form(asset_id, values, record_errors(exc), 400, note)
    return redirect(url_for("upkeep.organiser_done", asset_id=asset_id, what="change"))


@bp.route("/listings/<uuid:asset_id>/check/stopped", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"])
def organiser_closed(asset_id):
    if request.method == "GET":
        return _page("upkeep/organiser/stopped.html", asset_id, errors=[], error_map={}, note="")
    note = request.form.get("note", "")
    try:
        organisers.propose_closure(asset_id, _token(), note)
    except ValidationError as exc:
        errors = record_errors(exc)
        return _page(
            "upkeep/organiser/stopped.html", asset_id, 400, errors=errors, error_map=error_map(errors), note=note
        )
    return redirect(url_for("upkeep.organiser_done", asset_id=asset_id, what="closure"))


@bp.route("/listings/<uuid:asset_id>/check/contact", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, methods=["POST"])
def organiser_contact(asset_id):
    if request.method == "GET":
        values = organiser_contacts.form_values(organisers.contact_for(asset_id, _token()))
        return _page("upkeep/organiser/contact.html", asset_id, values=values, errors=[], error_map={})
    remove = request.form.get("choice") == "remove"
    values = {k: request.form.get(k, "") for k in ("organiser_name", "organiser_email")}
    if request.form.get("choice") not in ("change", "remove"):
        errors = [("choice", "Choose whether to change your details or stop being the organiser")]
        return _page(
            "upkeep/organiser/contact.html", asset_id, 400, values=values, errors=errors, error_map=error_map(errors)
        )
    try:
        organisers.change_contact(asset_id, _token(), request.form.to_dict(), remove)
    except ValidationError as exc:
        errors = record_errors(exc)
        return _page(
            "upkeep/organiser/contact.html", asset_id, 400, values=values, errors=errors, error_map=error_map(errors)
        )
    return redirect(url_for("upkeep.organiser_done", asset_id=asset_id, what="removed" if remove else "contact"))


@bp.get("/listings/<uuid:asset_id>/check/done")
def organiser_done(asset_id):
    what = request.args.get("what")
    if what not in DONE:
        what = "confirm"
    # no name here: anyone may open this address, and it must say nothing about any listing
    return render_template("upkeep/organiser/done.html", what=what)
