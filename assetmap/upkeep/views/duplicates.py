"""Duplicates for coordinators: the likely pairs in their wards, two listings side by side to merge, and
"not duplicates" (the warnings on the asset form, an import's dry run and a suggestion use the same finder)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import parsing
from ...accounts.auth import roles_required
from ...errors import Forbidden, ValidationError
from ...once import FIELD as FORM_TOKEN
from ...once import once
from ...web import error_map, has_endpoint
from .. import bp, queries
from ..display import Names
from ..fields import FIELD_LABELS
from ..merging import BOTH, GROUP_OF, A, B
from ..usecases import duplicates

EDITORS = ("coordinator", "admin")


def _back(default: str) -> str:
    nxt = request.form.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt:
        return nxt
    return default


@bp.get("/duplicates")
@roles_required(*EDITORS)
def duplicate_pairs():
    constituency = parsing.text(request.args.get("constituency"), "constituency", max_len=9) or None
    pairs, area = duplicates.pairs_for(current_user, constituency)
    return render_template(
        "upkeep/duplicates.html",
        pairs=pairs,
        area=area,
        constituency=constituency,
        constituencies=queries.constituencies() if current_user.role == "admin" else [],
    )


@bp.post("/duplicates/not-duplicates")
@roles_required(*EDITORS)
def not_duplicates():
    a, b = request.form.get("a", ""), request.form.get("b", "")
    a_id = parsing.uuid_value(a, "a", label="The first listing")
    b_id = parsing.uuid_value(b, "b", label="The second listing")
    back = _back(url_for("upkeep.duplicate_pairs"))
    with once("not-duplicates", request.form.get(FORM_TOKEN), fallback=back):
        duplicates.not_duplicates(current_user, a_id, b_id)
    flash("Recorded: these two are different listings. They will not be suggested as duplicates again.")
    return redirect(back)


def _merge_page(asset_id, other_id, errors=(), chosen=None, status=200):
    ctx = duplicates.comparison(current_user, asset_id, other_id)
    names = Names(ctx["wards"])
    values = {**ctx["defaults"], "survivor": ctx["survivor"], **(chosen or {})}
    return render_template(
        "upkeep/merge.html",
        **ctx,
        names=names,
        labels=FIELD_LABELS,
        values=values,
        errors=list(errors),
        error_map=error_map(list(errors)),
        A=A,
        B=B,
        BOTH=BOTH,
    ), status


@bp.route("/assets/<uuid:asset_id>/merge/<uuid:other_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def merge(asset_id, other_id):
    if request.method == "GET":
        return _merge_page(asset_id, other_id)
    chosen = {k: v for k, v in request.form.items() if k not in ("csrf_token", FORM_TOKEN)}
    try:
        versions = (
            parsing.integer(request.form.get("version_a"), "version_a", low=1, high=parsing.MAX_VERSION),
            parsing.integer(request.form.get("version_b"), "version_b", low=1, high=parsing.MAX_VERSION),
        )
    except ValidationError:
        raise ValidationError("The form is missing the versions you compared; reload the page") from None
    try:
        with once("merge", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.duplicate_pairs")) as claim:
            survivor, other = duplicates.merge(current_user, asset_id, other_id, chosen, versions)
            claim.send_to(url_for("upkeep.edit_asset", asset_id=survivor.id))
    except ValidationError as exc:
        errors = getattr(exc, "errors", None) or [(exc.field or "", exc.message)]
        return _merge_page(asset_id, other_id, [(GROUP_OF.get(f, f), m) for f, m in errors], chosen, 400)
    except Forbidden as exc:
        if not exc.field:
            raise
        return _merge_page(asset_id, other_id, [(GROUP_OF.get(exc.field, exc.field), exc.message)], chosen, 403)
    flash(f"“{other.name}” has been merged into this listing. Its address now leads here, and its history is kept.")
    return redirect(url_for("upkeep.edit_asset", asset_id=survivor.id))


def listing_url(service_id) -> str | None:
    """Where a listing named in a duplicate warning can be read (its public page, if this app has one)."""
    return url_for("practitioners.asset", asset_id=service_id) if has_endpoint("practitioners.asset") else None


bp.add_app_template_global(listing_url, "upkeep_listing_url")
