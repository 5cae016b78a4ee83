"""Taxonomy look-ups: categories, audiences, what-matters capabilities and asset types.

The terms are seeded by migration 0002 with stable ids (``stable_id``: UUIDv5 of a URI under
``TAXONOMY_BASE``); this module reads them, keeps a short-lived copy of their codes for searches
(``term_codes``), and builds the catalogue the Open Referral UK API publishes and ORUK imports match
against (the stored taxonomies plus the delivery modes, derived with ids of the same scheme).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, literal, select
from sqlalchemy.orm import selectinload

from .db import session
from .models import Taxonomy, TaxonomyTerm
from .vocabulary import MODES

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


_vocab_cache: dict = {}
#: terms change rarely (migrations, the admin's terms page): re-read them now and then rather than on every
#: search, and at once when a search names a code this copy does not know (``term_codes(refresh=True)``)
VOCAB_TTL_SECONDS = 300


def term_codes(refresh: bool = False) -> dict[str, set[str]]:
    """Allowed term codes by taxonomy, cached for a few minutes per process (``refresh`` re-reads now)."""
    now = time.monotonic()
    if refresh or not _vocab_cache or now - _vocab_cache["at"] > VOCAB_TTL_SECONDS:
        _vocab_cache.update(at=now, vocab={tax: {t.code for t in terms} for tax, terms in all_terms().items()})
    return _vocab_cache["vocab"]


# --------------------------------------------------------------------------- stable ids and the published catalogue

#: the same base as migration 0002, so derived ids follow the seeded taxonomies' scheme
TAXONOMY_BASE = "https://assetmap.org.uk/taxonomy"


def stable_id(*parts: str) -> uuid.UUID:
    """UUIDv5 of ``TAXONOMY_BASE/part/…``: the id scheme of migration 0002."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join([TAXONOMY_BASE, *parts]))


@dataclass(frozen=True)
class TermView:
    id: uuid.UUID
    code: str
    name: str
    description: str
    parent_id: uuid.UUID | None = None


@dataclass(frozen=True)
class TaxonomyView:
    id: uuid.UUID
    code: str
    name: str
    description: str
    uri: str
    version: str | None
    terms: list[TermView] = field(default_factory=list)
    stored: bool = True


@dataclass(frozen=True)
class Catalogue:
    """Every taxonomy we publish, and an index from term id to (taxonomy, term)."""

    taxonomies: list[TaxonomyView]
    by_term: dict[uuid.UUID, tuple[TaxonomyView, TermView]]

    def taxonomy(self, taxonomy_id: uuid.UUID) -> TaxonomyView | None:
        return next((t for t in self.taxonomies if t.id == taxonomy_id), None)


def mode_taxonomy() -> TaxonomyView:
    code = "mode"
    return TaxonomyView(
        stable_id(code),
        code,
        "How to take part",
        "Whether an asset is offered in person, online or by phone.",
        f"{TAXONOMY_BASE}/{code}",
        "1",
        [TermView(stable_id(code, m.code), m.code, m.label, m.description) for m in MODES],
        stored=False,
    )


def catalogue() -> Catalogue:
    """The seeded taxonomies (categories, audiences, capabilities, asset types) plus the derived delivery modes."""
    rows = session.execute(select(Taxonomy).options(selectinload(Taxonomy.terms))).scalars().all()
    rows = sorted(rows, key=lambda t: (TAXONOMY_CODES.index(t.code) if t.code in TAXONOMY_CODES else 99, t.code))
    taxonomies = [
        TaxonomyView(
            t.id,
            t.code,
            t.name,
            t.description or "",
            t.uri or f"{TAXONOMY_BASE}/{t.code}",
            t.version,
            [TermView(x.id, x.code, x.name, x.description or "", x.parent_id) for x in t.terms],
        )
        for t in rows
    ]
    taxonomies.append(mode_taxonomy())
    by_term = {term.id: (tax, term) for tax in taxonomies for term in tax.terms}
    return Catalogue(taxonomies, by_term)
