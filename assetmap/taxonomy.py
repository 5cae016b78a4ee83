"""Taxonomy look-ups: categories, audiences, what-matters capabilities and asset types.

The terms are seeded by migration 0002 with stable ids; this module reads them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, literal, select

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


#: the lists a 'nothing suitable' signal can be about
SIGNAL_TAXONOMIES = ("category", "audience", "capability")


def terms_matching(words: str) -> dict[str, list[str]]:
    """Terms whose name or description holds every word of ``words`` (English stemming, stop words ignored):
    "gardening" -> green-spaces ("Parks, gardens, allotments and nature"). {taxonomy: [code, …]}.

    Used to say what a free-text search was about without keeping its text."""
    words = (words or "").strip()[:200]
    if not words:
        return {}
    query = func.plainto_tsquery("english", literal(words))
    document = func.to_tsvector("english", TaxonomyTerm.name + " " + func.coalesce(TaxonomyTerm.description, ""))
    rows = session.execute(
        select(Taxonomy.code, TaxonomyTerm.code)
        .join(Taxonomy)
        .where(Taxonomy.code.in_(SIGNAL_TAXONOMIES), func.numnode(query) > 0, document.op("@@")(query))
        .order_by(Taxonomy.code, TaxonomyTerm.term_order)
    )
    out: dict[str, list[str]] = {}
    for tax, code in rows:
        out.setdefault(tax, []).append(code)
    return out
