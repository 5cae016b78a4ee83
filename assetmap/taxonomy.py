"""Taxonomy look-ups: categories, audiences, what-matters capabilities and asset types.

The terms are seeded by migration 0002 with stable ids; this module reads them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from .db import session
from .models import Taxonomy, TaxonomyTerm

TAXONOMY_CODES = ("category", "audience", "capability", "asset_type")


@dataclass(frozen=True)
class Term:
    id: uuid.UUID
    taxonomy: str
    code: str
    name: str
    description: str


def all_terms() -> dict[str, list[Term]]:
    """Terms of each taxonomy, in display order: {"category": [Term, …], …}."""
    rows = session.execute(
        select(TaxonomyTerm.id, Taxonomy.code, TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.description)
        .join(Taxonomy)
        .order_by(Taxonomy.code, TaxonomyTerm.term_order)
    ).all()
    out: dict[str, list[Term]] = {code: [] for code in TAXONOMY_CODES}
    for term_id, tax_code, code, name, description in rows:
        out.setdefault(tax_code, []).append(Term(term_id, tax_code, code, name, description))
    return out


def terms(taxonomy: str) -> list[Term]:
    return all_terms().get(taxonomy, [])


def term_ids(taxonomy: str, codes: list[str]) -> dict[str, uuid.UUID]:
    """Map codes to term ids; codes not in the taxonomy are absent from the result."""
    known = {t.code: t.id for t in terms(taxonomy)}
    return {c: known[c] for c in codes if c in known}


def names(taxonomy: str) -> dict[str, str]:
    return {t.code: t.name for t in terms(taxonomy)}
