"""Terms use cases: add, rename, merge and remove the categories, audiences, "what matters" capabilities
and asset types that assets are tagged with (the admin's terms page).

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

from sqlalchemy import func, select

from ... import parsing, taxonomy
from ...db import session, transaction
from ...directory import store
from ...directory.records import TERM_FIELDS, RecordInvalid, parse_record
from ...errors import Conflict, NotFound, ValidationError
from ...models import Attribute, Service, Taxonomy, TaxonomyTerm
from ...taxonomy import TAXONOMY_CODES, stable_id

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


class Invalid(ValidationError):
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


def find_taxonomy(code: str) -> Taxonomy:
    tax = (
        session.execute(select(Taxonomy).where(Taxonomy.code == code)).scalar_one_or_none()
        if code in TAXONOMY_CODES
        else None
    )
    if tax is None:
        raise NotFound("There is no such list of terms.")
    return tax


def find_term(tax: Taxonomy, term_id) -> TaxonomyTerm:
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
        raise Invalid(errors)
    code = code_for(clean["name"])
    taken = session.execute(
        select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == tax.id, TaxonomyTerm.code == code)
    ).first()
    if taken or _same_name(tax, clean["name"]):
        raise Invalid(
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
        raise Invalid(errors)
    if _same_name(tax, clean["name"], except_id=term.id):
        raise Invalid([("name", f"There is already a {TERM_LABELS[tax.code]} called “{clean['name']}”")])
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
        raise Invalid([("into", f"Choose another {TERM_LABELS[tax.code]} from the list")])
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
    remove_term(find_taxonomy(tax.code), session.get(TaxonomyTerm, term.id))
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


def taxonomies() -> list[Taxonomy]:
    """The lists of terms the admin manages, in the order of ``TAXONOMY_CODES``."""
    found = session.execute(select(Taxonomy).where(Taxonomy.code.in_(TAXONOMY_CODES))).scalars()
    return sorted(found, key=lambda t: TAXONOMY_CODES.index(t.code))


# --------------------------------------------------------------------------- use cases (one transaction each)


def add(taxonomy_code: str, values: dict) -> TaxonomyTerm:
    with transaction():
        term = add_term(find_taxonomy(taxonomy_code), values)
    taxonomy.term_codes(refresh=True)  # searches in this worker know the new term at once
    return term


def change(taxonomy_code: str, term_id, values: dict) -> TaxonomyTerm:
    with transaction():
        tax = find_taxonomy(taxonomy_code)
        term = find_term(tax, term_id)
        change_term(tax, term, values)
    return term


def merge(taxonomy_code: str, term_id, into_id, actor_id) -> tuple[str, str, int]:
    """(code, name) of the term removed, and how many assets moved to ``into_id``."""
    with transaction():
        tax = find_taxonomy(taxonomy_code)
        term = find_term(tax, term_id)
        code, name = term.code, term.name
        moved = merge_term(tax, term, into_id, actor_id)
    taxonomy.term_codes(refresh=True)
    return code, name, moved


def remove(taxonomy_code: str, term_id) -> tuple[str, str]:
    """(code, name) of the term removed."""
    with transaction():
        tax = find_taxonomy(taxonomy_code)
        term = find_term(tax, term_id)
        code, name = term.code, term.name
        remove_term(tax, term)
    taxonomy.term_codes(refresh=True)
    return code, name
