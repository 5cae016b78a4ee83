"""The admin's terms page: add, rename and remove the categories, audiences, "what matters" capabilities
and asset types that assets are tagged with.

Terms are seeded by migration 0002; a council adds its own here. A term's code is made from its name
when it is added and never changes (search links, imports and the Open Referral UK API use it); its
id follows the seeded terms' scheme (UUIDv5 of the taxonomy URI and the code), so the same term has
the same id in every installation. A term in use by any asset cannot be removed. Every change bumps
the taxonomy's version, which the ORUK API publishes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import parsing
from ..accounts.auth import roles_required
from ..db import session
from ..directory import store
from ..directory.records import TERM_FIELDS, RecordInvalid, parse_record
from ..errors import Conflict, NotFound, ValidationError
from ..loaders import transaction
from ..models import Attribute, Service, Taxonomy, TaxonomyTerm
from ..once import FIELD as FORM_TOKEN
from ..once import once
from ..opendata.oruk import stable_id
from ..taxonomy import TAXONOMY_CODES
from . import bp
from .fields import error_map

log = logging.getLogger("assetmap.terms")

#: what each taxonomy is called on these pages
TAXONOMY_LABELS = {
    "category": "Categories",
    "audience": "Who it is for",
    "capability": "What it can help with",
    "asset_type": "Asset types",
}
TERM_LABELS = {
    "category": "category",
    "audience": "group of people",
    "capability": "thing that matters",
    "asset_type": "asset type",
}
MAX_NAME = 80
MAX_DESCRIPTION = 300
MAX_CODE = 60


class _Invalid(ValidationError):
    """Every problem with the form, for the error summary."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors[0][1], field=errors[0][0])
        self.errors = errors


class InUse(Conflict):
    title = "This term cannot be removed"


def code_for(name: str) -> str:
    """The term code made from its name: lower case ASCII letters and digits joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("&", " and ")).strip("-")[:MAX_CODE].strip("-")


def _clean(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    name = parsing.collect(
        errors, parsing.text, values.get("name"), "name", max_len=MAX_NAME, required="Enter a name", controls="refuse"
    )
    description = parsing.collect(
        errors,
        parsing.text,
        values.get("description"),
        "description",
        max_len=MAX_DESCRIPTION,
        multiline=True,
        controls="refuse",
    )
    name = " ".join((name or "").split())
    if name and not code_for(name):
        errors.append(("name", "Name must contain letters or numbers"))
    return {"name": name, "description": description or ""}, errors


def _taxonomy(code: str) -> Taxonomy:
    tax = (
        session.execute(select(Taxonomy).where(Taxonomy.code == code)).scalar_one_or_none()
        if code in TAXONOMY_CODES
        else None
    )
    if tax is None:
        raise NotFound("There is no such list of terms.")
    return tax


def _term(tax: Taxonomy, term_id) -> TaxonomyTerm:
    term = session.get(TaxonomyTerm, term_id)
    if term is None or term.taxonomy_id != tax.id:
        raise NotFound("There is no such term.")
    return term


def usage() -> dict:
    """term id -> how many assets carry it."""
    return dict(
        session.execute(select(Attribute.taxonomy_term_id, func.count()).group_by(Attribute.taxonomy_term_id)).all()
    )


def _bump(tax: Taxonomy) -> None:
    tax.version = str(int(tax.version) + 1) if (tax.version or "").isdigit() else "2"


def _same_name(tax: Taxonomy, name: str, except_id=None) -> bool:
    q = select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == tax.id, func.lower(TaxonomyTerm.name) == name.lower())
    if except_id is not None:
        q = q.where(TaxonomyTerm.id != except_id)
    return session.execute(q.limit(1)).first() is not None


def add_term(tax: Taxonomy, values: dict) -> TaxonomyTerm:
    clean, errors = _clean(values)
    if errors:
        raise _Invalid(errors)
    code = code_for(clean["name"])
    taken = session.execute(
        select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == tax.id, TaxonomyTerm.code == code)
    ).first()
    if taken or _same_name(tax, clean["name"]):
        raise _Invalid(
            [
                (
                    "name",
                    f"There is already a {TERM_LABELS[tax.code]} called “{clean['name']}” (or one with the same code)",
                )
            ]
        )
    last = (
        session.execute(select(func.max(TaxonomyTerm.term_order)).where(TaxonomyTerm.taxonomy_id == tax.id)).scalar()
        or 0
    )
    term = TaxonomyTerm(
        id=stable_id(tax.code, code),
        taxonomy_id=tax.id,
        code=code,
        name=clean["name"],
        description=clean["description"],
        term_order=last + 1,
    )
    session.add(term)
    _bump(tax)
    session.flush()
    return term


def change_term(tax: Taxonomy, term: TaxonomyTerm, values: dict) -> None:
    clean, errors = _clean(values)
    if errors:
        raise _Invalid(errors)
    if _same_name(tax, clean["name"], except_id=term.id):
        raise _Invalid([("name", f"There is already a {TERM_LABELS[tax.code]} called “{clean['name']}”")])
    if (term.name, term.description) != (clean["name"], clean["description"]):
        term.name, term.description = clean["name"], clean["description"]
        _bump(tax)


def merge_term(tax: Taxonomy, term: TaxonomyTerm, into_id, actor_id) -> int:
    """Move every asset tagged ``term`` to the term ``into_id`` of the same list, then remove ``term``.

    Each asset is changed as an edit would change it: validated again, its version bumped and a
    history entry written, so a coordinator's open edit form meets a conflict, not a silent overwrite.
    Returns how many assets were changed.
    """
    try:
        into = session.get(TaxonomyTerm, uuid.UUID(str(into_id)))
    except ValueError:
        into = None
    if into is None or into.taxonomy_id != tax.id or into.id == term.id:
        raise _Invalid([("into", f"Choose another {TERM_LABELS[tax.code]} from the list")])
    field = TERM_FIELDS[tax.code]
    services = (
        session.execute(
            select(Service)
            .join(Attribute, Attribute.service_id == Service.id)
            .where(Attribute.taxonomy_term_id == term.id)
            .options(*store.snapshot_options())
            .order_by(Service.name, Service.id)
        )
        .unique()
        .scalars()
        .all()
    )
    vocab, wards = store.vocabulary(), store.known_wards()
    note = f"“{term.name}” merged into “{into.name}” on the terms page"
    for service in services:
        raw = {**store.as_input(store.service_snapshot(service)), "source_id": service.source_id}
        if field == "asset_type":
            raw[field] = into.code
        else:
            raw[field] = sorted({c for c in raw[field] if c != term.code} | {into.code})
        try:
            rec = parse_record(raw, vocab, wards, resolve_postcode=False)
        except RecordInvalid as exc:
            raise Conflict(
                f"“{service.name}” cannot be changed as it is ({exc.message}). Edit it first, then try again."
            ) from None
        store.update_asset(service, rec, actor_id, note=note)
    session.flush()
    session.expire_all()
    remove_term(_taxonomy(tax.code), session.get(TaxonomyTerm, term.id))
    return len(services)


def remove_term(tax: Taxonomy, term: TaxonomyTerm) -> None:
    used = usage().get(term.id, 0)
    if used:
        raise InUse(
            f"{used} asset{'s' if used != 1 else ''} {'are' if used != 1 else 'is'} tagged "
            f"“{term.name}”, so it cannot be removed. Change those assets first."
        )
    if (
        session.execute(
            select(func.count()).select_from(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == tax.id)
        ).scalar_one()
        <= 1
    ):
        raise InUse("This is the last term in the list, so it cannot be removed.")
    session.delete(term)
    _bump(tax)


def _refresh_search_vocabulary() -> None:
    from ..practitioners import usecases

    usecases.vocabulary(refresh=True)


# --------------------------------------------------------------------------- pages


@bp.get("/admin/terms")
@roles_required("admin")
def admin_terms():
    taxonomies = sorted(
        session.execute(select(Taxonomy)).scalars(),
        key=lambda t: TAXONOMY_CODES.index(t.code) if t.code in TAXONOMY_CODES else 99,
    )
    return render_template(
        "upkeep/terms.html",
        taxonomies=[t for t in taxonomies if t.code in TAXONOMY_CODES],
        used=usage(),
        labels=TAXONOMY_LABELS,
        term_labels=TERM_LABELS,
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
        used=usage().get(term.id, 0) if term else 0,
        others=others,
    ), status


def _posted() -> dict:
    return {"name": request.form.get("name", ""), "description": request.form.get("description", "")}


@bp.route("/admin/terms/<taxonomy>/new", methods=["GET", "POST"])
@roles_required("admin")
def admin_new_term(taxonomy):
    tax = _taxonomy(taxonomy)
    if request.method == "GET":
        return _form(tax, None, {"name": "", "description": ""}, [])
    values = _posted()
    try:
        with once("term", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.admin_terms") + f"#{taxonomy}"):
            with transaction():
                term = add_term(_taxonomy(taxonomy), values)
                code, name = term.code, term.name
    except _Invalid as exc:
        return _form(tax, None, values, exc.errors, 400)
    _refresh_search_vocabulary()
    log.info("term added", extra={"taxonomy": taxonomy, "code": code, "by": str(current_user.id)})
    flash(f"“{name}” has been added.")
    return redirect(url_for("upkeep.admin_terms") + f"#{taxonomy}")


@bp.route("/admin/terms/<taxonomy>/<uuid:term_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_term(taxonomy, term_id):
    tax = _taxonomy(taxonomy)
    term = _term(tax, term_id)
    if request.method == "GET":
        return _form(tax, term, {"name": term.name, "description": term.description}, [])
    values = _posted()
    try:
        with transaction():
            tax = _taxonomy(taxonomy)
            change_term(tax, _term(tax, term_id), values)
    except _Invalid as exc:
        return _form(_taxonomy(taxonomy), _term(_taxonomy(taxonomy), term_id), values, exc.errors, 400)
    log.info("term changed", extra={"taxonomy": taxonomy, "code": term.code, "by": str(current_user.id)})
    flash(f"“{values['name'].strip()}” has been saved.")
    return redirect(url_for("upkeep.admin_terms") + f"#{taxonomy}")


@bp.post("/admin/terms/<taxonomy>/<uuid:term_id>/merge")
@roles_required("admin")
def admin_merge_term(taxonomy, term_id):
    into_id = request.form.get("into", "")
    try:
        with once("term-merge", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.admin_terms") + f"#{taxonomy}"):
            with transaction():
                tax = _taxonomy(taxonomy)
                term = _term(tax, term_id)
                code, name = term.code, term.name
                moved = merge_term(tax, term, into_id, current_user.id)
    except _Invalid as exc:
        tax = _taxonomy(taxonomy)
        term = _term(tax, term_id)
        return _form(tax, term, {"name": term.name, "description": term.description}, exc.errors, 400)
    _refresh_search_vocabulary()
    log.info(
        "term merged",
        extra={"taxonomy": taxonomy, "code": code, "into": into_id, "assets": moved, "by": str(current_user.id)},
    )
    flash(f"“{name}” has been removed; its {moved:,} asset{'s' if moved != 1 else ''} moved to the term you chose.")
    return redirect(url_for("upkeep.admin_terms") + f"#{taxonomy}")


@bp.post("/admin/terms/<taxonomy>/<uuid:term_id>/remove")
@roles_required("admin")
def admin_remove_term(taxonomy, term_id):
    with once("term-remove", request.form.get(FORM_TOKEN), fallback=url_for("upkeep.admin_terms") + f"#{taxonomy}"):
        with transaction():
            tax = _taxonomy(taxonomy)
            term = _term(tax, term_id)
            code, name = term.code, term.name
            remove_term(tax, term)
    _refresh_search_vocabulary()
    log.info("term removed", extra={"taxonomy": taxonomy, "code": code, "by": str(current_user.id)})
    flash(f"“{name}” has been removed.")
    return redirect(url_for("upkeep.admin_terms") + f"#{taxonomy}")
