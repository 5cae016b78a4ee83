"""Routes: the embeddable search (/embed/search), the "Embed this search" page (/embed) with its one-line
snippet, and the admin's list of sites allowed to embed it (/admin/embed)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import csrf, limiter
from ..accounts.auth import roles_required
from ..errors import AppError
from ..practitioners.labels import distance_label, miles_label
from ..practitioners.params import DEFAULT_MILES, DISTANCE_MILES
from ..taxonomy import terms
from . import usecases

bp = Blueprint("embed", __name__)
SEARCH_LIMIT = "30 per minute"
TITLE = "Find local groups, activities and support"


def _framable() -> None:
    """This response may be shown in an iframe by AssetMap itself and by the sites an admin allowed."""
    g.frame_ancestors = ["'self'", *usecases.allowed_origins()]


def _search_page(values: dict, errors: list, found=None, status: int = 200):
    _framable()
    return render_template(
        "embed/search.html",
        values=values,
        errors=errors,
        error_for=dict(reversed(errors)),
        categories=[(t.code, t.name) for t in terms("category")],
        distances=DISTANCE_MILES,
        found=found,
        title=TITLE,
        miles_label=miles_label,
        distance_label=distance_label,
    ), status


@bp.after_request
def _never_cached(resp):
    if request.endpoint in ("embed.search", "embed.search_submit"):  # results describe where someone lives
        resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/embed/search")
def search():
    return _search_page({"distance": DEFAULT_MILES}, [])


@bp.post("/embed/search")
@csrf.exempt  # a search changes nothing, and inside another site's iframe there is no session to tie a token to
@limiter.limit(SEARCH_LIMIT)
def search_submit():
    values = {k: request.form.get(k, "")[:100] for k in ("postcode", "category", "distance")}
    try:
        found = usecases.public_search(values["postcode"], values["category"], values["distance"] or DEFAULT_MILES)
    except AppError as exc:
        return _search_page(values, [(exc.field or "postcode", exc.message)], status=exc.status)
    return _search_page(values, [], found)


@bp.get("/embed")
def how_to_embed():
    """The one-line snippet a web team pastes, with a preview and the sites allowed to use it."""
    return render_template(
        "embed/how.html", src=url_for("embed.search", _external=True), allowed=usecases.allowed_origins(), title=TITLE
    )


@bp.route("/admin/embed", methods=["GET", "POST"])
@roles_required("admin")
def admin_sites():
    errors, value = [], ""
    if request.method == "POST":
        value = request.form.get("origin", "")
        try:
            origin = usecases.add_site(value, current_user.id)
        except AppError as exc:
            errors = [(exc.field or "origin", exc.message)]
        else:
            flash(f"{origin} may now show the search.")
            return redirect(url_for("embed.admin_sites"), code=303)
    return render_template(
        "embed/admin.html", sites=usecases.sites(), errors=errors, value=value, error_for=dict(errors)
    ), 400 if errors else 200


@bp.post("/admin/embed/<uuid:site_id>/remove")
@roles_required("admin")
def admin_remove_site(site_id: uuid.UUID):
    origin = usecases.remove_site(site_id)
    flash(f"{origin} can no longer show the search.")
    return redirect(url_for("embed.admin_sites"), code=303)
