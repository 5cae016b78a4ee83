"""Are two listings the same group? A score for a pair, and the reasons in words a coordinator can check.

Pure Python (no database): ``duplicates`` finds the candidates in PostgreSQL and hands each pair here.

Why this shape: record linkage in the Fellegi-Sunter manner, as Open Referral's deduplication work does on
name, address and web address: each thing two listings agree or disagree on adds or takes away evidence (a
weight, roughly how many times likelier that agreement is between a listing and its duplicate than between
two different groups, in halves of a doubling), and one threshold on the sum decides. That keeps every
reason visible ("names 94% alike", "40 m apart", "same phone number") and lets a disagreement count
against: two groups of one organisation share a phone, an email address, a website and a charity number, so
those together count as one strong reason at most (``CONTACTS_CAP``), and a different place, a different
description or no category in common count against. The ORUK validator's duplicate audit puts most weight on
the description (0.7, name 0.2, address 0.1); here the description only confirms or contradicts, because a
duplicate typed in a hurry often has none. The weights were set by hand and checked, with the threshold,
on the labelled set ``bench/duplicates.py`` builds (README, *Duplicates*).

A place counts only when the caller may see both listings placed (``Listing.point`` is None otherwise): a
refuge's place is never evidence for someone who may not see it, so no score or reason can reveal it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..geo import metres_between

#: a pair scoring this much or more is a likely duplicate (bench/duplicates.py: README, *Duplicates*)
THRESHOLD = 5.0
#: name similarity (0-1) -> weight, first level reached
NAME_LEVELS = ((0.97, 5.0), (0.90, 4.0), (0.80, 2.5), (0.65, 1.0))
#: below the last level: names of two groups that share a place word ("Poppleton Chair Yoga", "Poppleton
#: Singing Group") count against
NAME_DIFFERENT = -2.0
#: a name that holds every word of the other ("Friendship Lunch", "Acocks Green Friendship Lunch") counts
#: as this much alike: nearly, not quite, the same
SUBSET = 0.92
#: metres apart -> weight, first level reached; further than the last is FAR
PLACE_LEVELS = ((30.0, 3.0), (150.0, 2.0), (400.0, 1.0), (1000.0, -1.0), (5000.0, -3.0))
FAR = -5.0
CONTACT_WEIGHTS = {"phone": 3.0, "email": 2.5, "website": 1.5, "charity": 1.0}
CONTACTS_CAP = 4.0
#: description similarity -> weight; compared only when both say something (MIN_DESCRIPTION characters)
#: (any two descriptions share their common words: two different groups' score 0.35-0.55, bench/duplicates.py)
DESCRIPTION_LEVELS = ((0.90, 2.0), (0.75, 1.0), (0.60, 0.0))
DESCRIPTION_DIFFERENT = -2.0
MIN_DESCRIPTION = 40
NO_CATEGORY_IN_COMMON = -1.5

CONTACT_WORDS = {
    "phone": "Same phone number",
    "email": "Same email address",
    "website": "Same website",
    "charity": "Same charity number",
}

_APOSTROPHES = re.compile(r"['’‘`]")
_NOT_WORD = re.compile(r"[^\w]+")
_WORDS = {"saint": "st", "centre": "center"}


@dataclass(frozen=True)
class Listing:
    """What a pair is compared on. Contacts are matching keys (the database's ``match_*_key``), so
    '0121 496 0000' and '+44 121 4960000' are one phone; ``point`` is (lon, lat), only if it may be used."""

    name: str
    description: str = ""
    point: tuple[float, float] | None = None
    phones: frozenset[str] = frozenset()
    email: str | None = None
    website: str | None = None
    charity: str | None = None
    categories: frozenset[str] = frozenset()
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class Reason:
    kind: str
    says: str
    weight: float


@dataclass(frozen=True)
class Score:
    total: float
    reasons: tuple[Reason, ...]

    @property
    def likely(self) -> bool:
        return self.total >= THRESHOLD

    @property
    def alike(self) -> list[Reason]:
        """What the two have in common, strongest first."""
        return sorted((r for r in self.reasons if r.weight > 0), key=lambda r: -r.weight)

    @property
    def differ(self) -> list[Reason]:
        """What sets them apart."""
        return sorted((r for r in self.reasons if r.weight < 0), key=lambda r: r.weight)


def normal_name(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces, 'Saint' as 'st', '&' as 'and'."""
    text = _APOSTROPHES.sub("", (text or "").casefold()).replace("&", " and ")
    return " ".join(_WORDS.get(w, w) for w in _NOT_WORD.sub(" ", text).split())


def name_similarity(a: str, b: str) -> float:
    """0-1: word order does not matter, and one name holding all the other's words is nearly the same."""
    x, y = normal_name(a), normal_name(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    return max(fuzz.token_sort_ratio(x, y), SUBSET * fuzz.token_set_ratio(x, y)) / 100.0


def text_similarity(a: str, b: str) -> float:
    """0-1 for two descriptions: the words they share, in any order."""
    return fuzz.token_set_ratio(a or "", b or "", processor=normal_name) / 100.0


def _level(value: float, levels: tuple[tuple[float, float], ...], below: float, descending: bool = True) -> float:
    for bound, weight in levels:
        if (value >= bound) if descending else (value <= bound):
            return weight
    return below


def _distance_words(metres: float) -> str:
    if metres <= 30:
        return f"At the same place ({metres:.0f} m apart)"
    if metres < 1000:
        return f"{metres:.0f} m apart"
    return f"{metres / 1000:.1f} km apart"


def compare(a: Listing, b: Listing) -> Score:
    """The evidence that ``a`` and ``b`` are one group, field by field, and its total."""
    reasons: list[Reason] = []
    sim = name_similarity(a.name, b.name)
    weight = _level(sim, NAME_LEVELS, NAME_DIFFERENT)
    if sim >= 0.995:
        reasons.append(Reason("name", "Same name", weight))
    elif weight > 0:
        reasons.append(Reason("name", f"Names {sim:.0%} alike", weight))
    elif weight < 0:
        reasons.append(Reason("name", f"Different names ({sim:.0%} alike)", weight))

    if a.point is not None and b.point is not None:
        metres = metres_between(a.point, b.point)
        reasons.append(Reason("place", _distance_words(metres), _level(metres, PLACE_LEVELS, FAR, descending=False)))

    same = {
        "phone": bool(a.phones & b.phones),
        "email": a.email is not None and a.email == b.email,
        "website": a.website is not None and a.website == b.website,
        "charity": a.charity is not None and a.charity == b.charity,
    }
    room = CONTACTS_CAP
    for kind in ("phone", "email", "website", "charity"):
        if same[kind]:
            weight = min(CONTACT_WEIGHTS[kind], room)
            room -= weight
            reasons.append(Reason(kind, CONTACT_WORDS[kind], weight))

    if len(a.description or "") >= MIN_DESCRIPTION and len(b.description or "") >= MIN_DESCRIPTION:
        sim = text_similarity(a.description, b.description)
        weight = _level(sim, DESCRIPTION_LEVELS, DESCRIPTION_DIFFERENT)
        if weight > 0:
            reasons.append(Reason("description", f"Descriptions {sim:.0%} alike", weight))
        elif weight < 0:
            reasons.append(Reason("description", f"Different descriptions ({sim:.0%} alike)", weight))

    if a.categories and b.categories and not a.categories & b.categories:
        reasons.append(Reason("categories", "No category in common", NO_CATEGORY_IN_COMMON))
    return Score(round(sum(r.weight for r in reasons), 2), tuple(reasons))
