"""Asset pages for coordinators and admins: add, edit (with conflict page), check, archive, history."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import parsing, postcodes
from ...accounts.auth import roles_required
from ...directory import access, organisers, store
from ...directory.records import RecordInvalid
from ...errors import Conflict, Forbidden, NotFound, ValidationError
from ...models import Service
from ...once import FIELD as FORM_TOKEN
from ...once import once
from ...taxonomy import all_terms
from ...vocabulary import CHANGE_ACTIONS, STAFF_VERIFICATION_METHODS, VERIFICATION_METHODS
from ...web import error_map, has_endpoint
from .. import bp, queries, schedule_form
from ..display import Names, change_rows, three_way
from ..fields import (
    form_fields,
    form_values,
    in_form_order,
    padded_schedule,
    posted_values,
    record_errors,
)
from ..pin_map import pin_map
from ..usecases import assets, duplicates, suggestions
from ..usecases import organisers as organiser_links
from .community import MAX_QUEUE_PAGE, review_page

EDITORS = ("coordinator", "admin")
#: the button that shows the form again with one more empty session, saving nothing
ADD_SESSION = "add_session"
#: the new-asset form's "Not yet" answer to "Have you checked these details?" (records no check)
NOT_CHECKED = "not-yet"
NEW_ASSET_DEFAULTS = {
    "modes": ["in_person"],
    "visibility": "public",
    "categories": [],
    "audiences": [],
    "capabilities": [],
    "service_area_wards": [],
    "accessibility": [],
    "schedule": [],
}


def _ward_choices(values: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """Wards the user may pick for a service area, plus any the asset already has."""
    mine = access.editable_wards(current_user)
    return access.wards_by_council(None if mine is None else mine | set(values.get("service_area_wards") or []))


def _pin_position(values: dict) -> tuple[float | None, float | None]:
    """Where to put the pin: the position typed or stored (if it is a point in Great Britain), else the
    postcode typed, else nowhere yet. The map never sees NaN, infinity or a point off the map."""
    lon, lat = parsing.point_or_none(values.get("lon"), values.get("lat")) or (None, None)
    if (lat is None or lon is None) and values.get("postcode"):
        try:
            pt = postcodes.lookup(values["postcode"])
            lat, lon = pt.lat, pt.lon
        except (ValidationError, NotFound):
            pass
    return lat, lon


def _form_context(values: dict, errors: list, service: Service | None, suggestion=None, spare: int = 1) -> dict:
    lat, lon = _pin_position(values)
    area = access.editable_wards(current_user)
    show_wards = set(values.get("service_area_wards") or [])
    if service is not None:
        show_wards |= access.service_wards(service.id)
    if area is not None and not show_wards:
        show_wards = area
    stewards = assets.steward_choices(service, current_user)
    terms = all_terms()
    term_items = {
        tax: [(t.code, t.name, t.description if tax == "asset_type" else "") for t in items]
        for tax, items in terms.items()
    }
    if service is not None:
        snap = store.service_snapshot(service)
        original = {k: "" if snap[k] is None else snap[k] for k in ("postcode", "lat", "lon")}
    else:
        original = {k: request.form.get(f"original_{k}", "") for k in ("postcode", "lat", "lon")}
    marks = error_map(errors)
    return {
        "term_items": term_items,
        "original": original,
        "schedule_error": any(k.startswith(("schedule-", "closed-")) for k in marks),
        "values": values,
        "errors": errors,
        "error_map": marks,
        "service": service,
        "terms": terms,
        "ward_groups": _ward_choices(values),
        "organisations": queries.organisation_names(),
        "schedule_rows": padded_schedule(values.get("schedule_rows") or [], spare),
        "closure": values.get("closure") or schedule_form.posted_closure({}),
        "how_choices": schedule_form.HOW,
        "positions": schedule_form.POSITIONS,
        "pin": pin_map(lat, lon, show_wards),
        "stewards": stewards,
        "suggestion": suggestion,
        "organiser": assets.organiser_of(current_user, service.id) if service is not None else None,
    }


def _render_form(values, errors, service=None, status=200, suggestion=None, conflict=None, possible=None, spare=1):
    """``possible``: listings a new one may duplicate (asked before adding it); an edit page shows its own."""
    ctx = _form_context(values, errors, service, suggestion, spare)
    duplicates_of = duplicates.of_listing(current_user, service.id) if service is not None and not conflict else []
    return render_template(
        "upkeep/asset_form.html", conflict=conflict, possible=possible or [], duplicates_of=duplicates_of, **ctx
    ), status


def _checked_duplicates() -> list[str]:
    """The listings the coordinator was shown and said the new one is not ("None of these is the same")."""
    if request.form.get("not_duplicates") != "yes":
        return []
    return request.form.getlist("checked_duplicate")


def _steward_arg():
    return request.form.get("steward_id", "") if "steward_id" in request.form else assets.UNSET


def _extra_errors(fields: dict, form_errors: list) -> list:
    """Form errors plus what the record parser says about the rest, so every problem shows at once."""
    from ...directory.records import parse_record

    try:
        parse_record(dict(fields), store.vocabulary(), store.known_wards())
    except RecordInvalid as exc:
        return in_form_order(form_errors + [e for e in record_errors(exc) if not e[0].startswith("schedule")])
    return form_errors


@bp.route("/assets/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_asset():
    suggestion_id = request.values.get("suggestion") or None
    suggestion = suggestions.for_asset(current_user, suggestion_id)
    if request.method == "GET":
        values = form_values({**NEW_ASSET_DEFAULTS, **(suggestions.prefill(suggestion) if suggestion else {})})
        values["steward_id"] = str(current_user.id) if current_user.role == "coordinator" else ""
        return _render_form(values, [], suggestion=suggestion)
    fields, errors = form_fields(request.form)
    organiser = organisers.parse_contact(request.form, errors)
    method = request.form.get("verification_method") or ""
    if method and method != NOT_CHECKED:
        fields["last_verified"], fields["verification_method"] = dt.date.today().isoformat(), method
    values = {
        **posted_values(request.form, fields),
        **_organiser_values(),
        "verification_method": method,
        "steward_id": request.form.get("steward_id", ""),
    }
    if ADD_SESSION in request.form:
        return _render_form(values, [], suggestion=suggestion, spare=2)
    if errors:
        return _render_form(values, _extra_errors(fields, errors), status=400, suggestion=suggestion)
    try:
        with once("asset", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.review_queue"), recall=True) as claim:
            service = assets.create_asset(
                current_user,
                fields,
                steward_id=_steward_arg(),
                suggestion_id=suggestion_id,
                checked=_checked_duplicates(),
                organiser=organiser,
            )
            claim.send_to(url_for("upkeep.edit_asset", asset_id=service.id))
    except duplicates.PossibleDuplicates as exc:
        return _render_form(values, [], status=409, suggestion=suggestion, possible=exc.matches)
    except ValidationError as exc:
        return _render_form(values, record_errors(exc), status=400, suggestion=suggestion)
    except Forbidden as exc:
        if not exc.field:
            raise
        return _render_form(values, record_errors(exc), status=403, suggestion=suggestion)
    flash(f"{service.name} has been added.")
    return redirect(url_for("upkeep.edit_asset", asset_id=service.id))


@bp.route("/assets/<uuid:asset_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_asset(asset_id):
    service = access.editable_service(current_user, asset_id)
    suggestion_id = request.values.get("suggestion") or None
    suggestion = suggestions.for_asset(current_user, suggestion_id, service.id)
    if request.method == "GET":
        return _render_form(_stored_values(service), [], service, suggestion=suggestion)

    fields, errors = form_fields(request.form)
    organiser = organisers.parse_contact(request.form, errors, blank_removes=True)
    values = {
        **posted_values(request.form, fields),
        **_organiser_values(),
        "steward_id": request.form.get("steward_id", ""),
        "version": request.form.get("version", ""),
    }
    try:
        version = parsing.integer(request.form.get("version"), "version", low=1, high=parsing.MAX_VERSION)
    except ValidationError:
        raise ValidationError("The form is missing the version you opened; reload the page") from None
    if ADD_SESSION in request.form:
        return _render_form(values, [], service, suggestion=suggestion, spare=2)
    if errors:
        return _render_form(values, _extra_errors(fields, errors), service, 400, suggestion)
    try:
        with once("asset-edit", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.edit_asset", asset_id=asset_id)):
            _, changes = assets.edit_asset(
                current_user,
                asset_id,
                fields,
                version,
                steward_id=_steward_arg(),
                suggestion_id=suggestion_id,
                organiser=organiser,
            )
    except Conflict as exc:
        return _conflict_page(asset_id, fields, version, exc, suggestion)
    except ValidationError as exc:
        return _render_form(values, record_errors(exc), service, 400, suggestion)
    except Forbidden as exc:
        if not exc.field:
            raise
        return _render_form(values, record_errors(exc), service, 403, suggestion)
    flash("Your changes have been saved." if changes else "Nothing had changed, so nothing was saved.")
    return redirect(url_for("upkeep.edit_asset", asset_id=asset_id))


def _stored_values(service: Service) -> dict:
    values = form_values(store.service_snapshot(service))
    values.update(version=service.version, steward_id=str(service.steward_id or ""))
    values.update(organisers.form_values(assets.organiser_of(current_user, service.id)))
    return values


def _organiser_values() -> dict:
    return {k: request.form.get(k, "") for k in organisers.FIELDS}


@bp.post("/assets/<uuid:asset_id>/organiser-link")
@roles_required(*EDITORS)
def send_organiser_link(asset_id):
    """Email the organiser a link to check their listing now (outside the cadence)."""
    back = url_for("upkeep.edit_asset", asset_id=asset_id)
    try:
        with once("organiser-link", request.form.get(FORM_TOKEN), fallback=back):
            organiser_links.send_link_now(current_user, asset_id)
    except ValidationError as exc:
        flash(exc.message, "important")
        return redirect(back)
    flash("The organiser will get an email with a link to check the listing.")
    return redirect(back)


def _conflict_page(asset_id, fields: dict, version: int, exc: Conflict, suggestion):
    """409: what changed since the editor opened the form, with their changes merged over it (nothing lost)."""
    service = access.editable_service(current_user, asset_id)
    current = store.service_snapshot(service)
    try:
        base = store.change_at(service.id, version).snapshot
    except NotFound:  # a version that never existed: compare with what is saved now
        base = current
    last = store.history(service.id)[0]
    wards = (
        set(current["service_area_wards"])
        | set(base.get("service_area_wards") or [])
        | set(fields.get("service_area_wards") or [])
    )
    merged, rows = three_way(base, current, fields, Names(access.ward_names(wards)))
    values = {
        **form_values({**current, **{k: ("" if v is None else v) for k, v in merged.items()}}),
        "version": service.version,
        "steward_id": request.form.get("steward_id", ""),
        **_organiser_values(),
    }
    conflict = {
        "message": exc.message,
        "rows": rows,
        "by": last.changed_by,
        "at": last.changed_at,
        "your_version": version,
        "current_version": service.version,
    }
    return _render_form(values, [], service, 409, suggestion, conflict=conflict)


def _version_arg() -> int | None:
    """The version a form says it read, if it says one."""
    raw = request.form.get("version") or None
    return parsing.integer(raw, "version", low=1, high=parsing.MAX_VERSION, default=None)


def _back(asset_id) -> str:
    nxt = request.form.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return nxt
    return url_for("upkeep.edit_asset", asset_id=asset_id)


def _unchecked(asset_id):
    """'Still accurate' with no method: the page it was sent from again, with the error on the field (400)."""
    back = urlsplit(_back(asset_id))
    message = "Choose how you checked it before marking it as still accurate"
    if back.path == url_for("upkeep.review_queue"):
        args = parse_qs(back.query)
        page = (
            parsing.collect(
                [], parsing.integer, (args.get("page") or [None])[0], "page", low=1, high=MAX_QUEUE_PAGE, default=1
            )
            or 1
        )
        return review_page(page, (args.get("mine") or [""])[0] == "yes", verify_error=(asset_id, message), status=400)
    service = access.editable_service(current_user, asset_id, action="verify")
    return _render_form(_stored_values(service), [("verify-method", message)], service, 400)


@bp.post("/assets/<uuid:asset_id>/verify")
@roles_required(*EDITORS)
def verify(asset_id):
    """'Still accurate': always a conscious act, so how it was checked must be chosen (nothing is pre-selected)."""
    access.editable_service(current_user, asset_id, action="verify")
    method = request.form.get("method", "")
    if method not in STAFF_VERIFICATION_METHODS:
        return _unchecked(asset_id)
    with once("verification", request.form.get(FORM_TOKEN), fallback=_back(asset_id), recall=True):
        service = assets.verify_asset(current_user, asset_id, method)
    flash(f"{service.name} is marked as still accurate (checked today, {VERIFICATION_METHODS.label(method).lower()}).")
    return redirect(_back(asset_id))


@bp.post("/assets/<uuid:asset_id>/archive")
@roles_required(*EDITORS)
def archive(asset_id):
    version = _version_arg()
    with once("archive", request.form.get(FORM_TOKEN), fallback=_back(asset_id)):
        assets.archive_asset(current_user, asset_id, version, suggestion_id=request.form.get("suggestion") or None)
    flash("The asset has been archived. It no longer appears in searches; you can restore it from this page.")
    return redirect(_back(asset_id))


@bp.post("/assets/<uuid:asset_id>/unarchive")
@roles_required(*EDITORS)
def unarchive(asset_id):
    back = url_for("upkeep.edit_asset", asset_id=asset_id)
    with once("unarchive", request.form.get(FORM_TOKEN), fallback=back):
        assets.restore_asset(current_user, asset_id)
    flash("The asset has been restored from the archive.")
    return redirect(back)


@bp.get("/assets/<uuid:asset_id>/history")
@roles_required(*EDITORS)
def history(asset_id):
    service = access.editable_service(current_user, asset_id, action="history", merged=True)
    changes = store.history(service.id)
    wards = set()
    for c in changes:
        for v in c.changes.get("service_area_wards") or [[], []]:
            wards |= set(v or [])
    names = Names(access.ward_names(wards))
    entries = [
        {
            "change": c,
            "action": CHANGE_ACTIONS.label(c.action, c.action.capitalize()),
            "rows": change_rows(c.changes, names),
        }
        for c in changes
    ]
    return render_template("upkeep/history.html", service=service, entries=entries)


@bp.post("/assets/<uuid:asset_id>/history/<int:version>/restore")
@roles_required(*EDITORS)
def restore_version(asset_id, version):
    expected = _version_arg()
    try:
        with once(
            "restore-version", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.history", asset_id=asset_id)
        ):
            changes = assets.restore_version(current_user, asset_id, version, expected)
    except RecordInvalid as exc:
        raise ValidationError(
            f"Version {version} cannot be restored as it is: {exc.message}. Edit the asset instead."
        ) from None
    flash(
        f"Version {version} has been restored as a new version."
        if changes
        else f"The asset already says what version {version} said; nothing changed."
    )
    return redirect(url_for("upkeep.history", asset_id=asset_id))


def public_link(service: Service) -> str | None:
    if has_endpoint("practitioners.asset") and service.archived_at is None:
        return url_for("practitioners.asset", asset_id=service.id)
    return None


bp.add_app_template_global(public_link, "upkeep_public_link")
