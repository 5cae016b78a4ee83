"""The admin's terms page: add, rename, merge and remove the terms assets are tagged with
(the rules are in ``upkeep.usecases.terms``)."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...accounts.auth import roles_required
from ...models import Taxonomy, TaxonomyTerm
from ...once import FIELD as FORM_TOKEN
from ...once import once
from ...web import error_map
from .. import bp
from ..usecases import synonyms, terms
from ..usecases.terms import TAXONOMY_LABELS, TERM_LABELS, Invalid

log = logging.getLogger("assetmap.terms")


def _back(taxonomy: str) -> str:
    return url_for("upkeep.admin_terms") + f"#{taxonomy}"


@bp.get("/admin/terms")
@roles_required("admin")
def admin_terms():
    return render_template(
        "upkeep/terms.html",
        taxonomies=terms.taxonomies(),
        used=terms.usage(),
        labels=TAXONOMY_LABELS,
        term_labels=TERM_LABELS,
        synonym_groups=synonyms.groups(),
    )


def _form(tax: Taxonomy, term: TaxonomyTerm | None, values: dict, errors: list, status: int = 200):
    others = [(str(t.id), t.name) for t in tax.terms if term is None or t.id != term.id]
    return render_template(
        "upkeep/term_form.html",
        tax=tax,
        term=term,
        values=values,
        errors=errors,
        error_map=error_map(errors),
        labels=TAXONOMY_LABELS,
        term_label=TERM_LABELS[tax.code],
        used=terms.usage().get(term.id, 0) if term else 0,
        others=others,
    ), status


def _posted() -> dict:
    return {"name": request.form.get("name", ""), "description": request.form.get("description", "")}


@bp.route("/admin/terms/<taxonomy>/new", methods=["GET", "POST"])
@roles_required("admin")
def admin_new_term(taxonomy):
    tax = terms.find_taxonomy(taxonomy)
    if request.method == "GET":
        return _form(tax, None, {"name": "", "description": ""}, [])
    values = _posted()
    try:
        with once("term", request.form.get(FORM_TOKEN), fallback=_back(taxonomy)):
            term = terms.add(taxonomy, values)
    except Invalid as exc:
        return _form(tax, None, values, exc.errors, 400)
    log.info("term added", extra={"taxonomy": taxonomy, "code": term.code, "by": str(current_user.id)})
    flash(f"“{term.name}” has been added.")
    return redirect(_back(taxonomy))


@bp.route("/admin/terms/<taxonomy>/<uuid:term_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_term(taxonomy, term_id):
    tax = terms.find_taxonomy(taxonomy)
    term = terms.find_term(tax, term_id)
    if request.method == "GET":
        return _form(tax, term, {"name": term.name, "description": term.description}, [])
    values = _posted()
    try:
        terms.change(taxonomy, term_id, values)
    except Invalid as exc:
        tax = terms.find_taxonomy(taxonomy)
        return _form(tax, terms.find_term(tax, term_id), values, exc.errors, 400)
    log.info("term changed", extra={"taxonomy": taxonomy, "code": term.code, "by": str(current_user.id)})
    flash(f"“{values['name'].strip()}” has been saved.")
    return redirect(_back(taxonomy))


@bp.post("/admin/terms/<taxonomy>/<uuid:term_id>/merge")
@roles_required("admin")
def admin_merge_term(taxonomy, term_id):
    into_id = request.form.get("into", "")
    try:
        with once("term-merge", request.form.get(FORM_TOKEN), fallback=_back(taxonomy)):
            code, name, moved = terms.merge(taxonomy, term_id, into_id, current_user.id)
    except Invalid as exc:
        tax = terms.find_taxonomy(taxonomy)
        term = terms.find_term(tax, term_id)
        return _form(tax, term, {"name": term.name, "description": term.description}, exc.errors, 400)
    log.info(
        "term merged",
        extra={"taxonomy": taxonomy, "code": code, "into": into_id, "assets": moved, "by": str(current_user.id)},
    )
    flash(f"“{name}” has been removed; its {moved:,} asset{'s' if moved != 1 else ''} moved to the term you chose.")
    return redirect(_back(taxonomy))


@bp.post("/admin/terms/<taxonomy>/<uuid:term_id>/remove")
@roles_required("admin")
def admin_remove_term(taxonomy, term_id):
    with once("term-remove", request.form.get(FORM_TOKEN), fallback=_back(taxonomy)):
        code, name = terms.remove(taxonomy, term_id)
    log.info("term removed", extra={"taxonomy": taxonomy, "code": code, "by": str(current_user.id)})
    flash(f"“{name}” has been removed.")
    return redirect(_back(taxonomy))


# --------------------------------------------------------------------------- search synonyms


@bp.post("/admin/terms/synonyms")
@roles_required("admin")
def admin_add_synonyms():
    """Add a group of words that mean the same to someone searching (the search uses it within a minute)."""
    raw = request.form.get("phrases", "")
    try:
        with once("synonyms", request.form.get(FORM_TOKEN), fallback=_back("synonyms")):
            synonyms.add_group(raw)
    except synonyms.Invalid as exc:
        return render_template(
            "upkeep/terms.html",
            taxonomies=terms.taxonomies(),
            used=terms.usage(),
            labels=TAXONOMY_LABELS,
            term_labels=TERM_LABELS,
            synonym_groups=synonyms.groups(),
            synonym_error=exc.message,
            synonym_value=raw,
        ), 400
    log.info("synonyms added", extra={"by": str(current_user.id)})
    flash("The synonyms have been added. Searches use them within a minute.")
    return redirect(_back("synonyms"))


@bp.post("/admin/terms/synonyms/<uuid:group_id>/remove")
@roles_required("admin")
def admin_remove_synonyms(group_id):
    with once("synonyms-remove", request.form.get(FORM_TOKEN), fallback=_back("synonyms")):
        phrases = synonyms.remove_group(group_id)
    log.info("synonyms removed", extra={"by": str(current_user.id)})
    flash(f"The synonyms “{', '.join(phrases)[:120]}” have been removed.")
    return redirect(_back("synonyms"))
