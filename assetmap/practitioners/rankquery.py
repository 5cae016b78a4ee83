"""The words' query as the text's rank reads it: without the operands another one always covers.

Best match ranks every kept place by ``ts_rank_cd`` of its text against all the words' ideas (``filters.
text_strength``), and that rank costs about 0.9 microseconds a row for each operand of the query ("dementia",
with its synonyms and their prefixes, is 14 operands: 13.5 ms over 1,000 rows; ``bench/ranking.py``).

PostgreSQL's ``calc_rank_cd`` (``tsrank.c``) lists the document's (position, word) entries that any operand
matches, joining the operands per entry, and counts as a cover each run of entries after which the query is
true. The words' query is an OR of words, prefixes ('dementi':*) and phrases ('memori' <-> 'loss'). So an
operand ``d`` can go when, for every set of entries, ``d`` being true means another operand left is true too,
and every entry it matches is still matched: then the entries, the query's truth on each run of them, the covers
and the rank are all unchanged. That holds for a word a prefix left also matches ('dementia' beside 'dementi':*),
a prefix a shorter one left also matches ('alzheimer':* beside 'alzheime':*), a repeat, and a phrase each of whose
words is matched so. "dementia": 14 operands → 9, the rank over 1,000 rows in about half the time, the ranks equal
on all 49,836 rows holding the words at 1,000,000 assets; ``tests/test_rank_query.py`` checks equal ranks on drawn
documents and queries. Anything else in the query's text (an AND, a NOT, a weight, brackets): left whole.
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import text

from ..db import session

#: one operand as PostgreSQL writes a tsquery: a quoted word ('' inside for a quote), a prefix mark
_WORD = r"'(?:[^']|'')*'"
_SINGLE = re.compile(rf"({_WORD})(:\*)?")
_PHRASE = re.compile(rf"{_WORD}(?:\s*<\d*-?>\s*{_WORD})+")
_DISJUNCT = re.compile(rf"\s*(?:{_PHRASE.pattern}|{_WORD}(?::\*)?)\s*")

_NORMAL_SQL = text("SELECT (to_tsquery('english', :en) || to_tsquery('simple', :px))::text")
_NORMAL_EN_SQL = text("SELECT to_tsquery('english', :en)::text")

_KEPT: dict[tuple[str, str], str] = {}
_KEPT_MAX = 1024
_LOCK = threading.Lock()


def _word(quoted: str) -> str:
    return quoted[1:-1].replace("''", "'")


def _disjuncts(query: str) -> list[str] | None:
    """The query's top-level ORs, each a word, a prefix or a phrase; None for anything else."""
    parts = query.split(" | ") if query else []
    if not parts or any(not _DISJUNCT.fullmatch(part) for part in parts):
        return None
    return [part.strip() for part in parts]


def reduced(query: str) -> str:
    """``query`` (a tsquery as PostgreSQL writes it) without the operands that another one left always covers,
    so that ``ts_rank_cd`` gives every document the same rank (module docstring); else ``query`` itself."""
    parts = _disjuncts(query)
    if parts is None:
        return query
    parsed = [(part, _SINGLE.fullmatch(part)) for part in parts]  # a word or a prefix; None: a phrase
    singles = [(_word(m.group(1)), bool(m.group(2))) for _part, m in parsed if m]
    prefixes = {w for w, is_prefix in singles if is_prefix}
    kept_prefixes = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}

    def covered(word: str) -> bool:
        return any(word.startswith(p) for p in kept_prefixes)

    kept_exact = {w for w, is_prefix in singles if not is_prefix and not covered(w)}
    out: list[str] = []
    for part, single in parsed:
        if single:
            keep = _word(single.group(1)) in (kept_prefixes if single.group(2) else kept_exact)
        else:  # a phrase goes only when every one of its words is matched alone
            keep = not all(w in kept_exact or covered(w) for w in map(_word, re.findall(_WORD, part)))
        if keep and part not in out:
            out.append(part)
    return " | ".join(out)


def rank_query(en: str, px: str) -> str:
    """The text of the words' query for their rank: ``to_tsquery('english', en) || to_tsquery('simple', px)`` as
    PostgreSQL makes it (its stems), ``reduced``. Kept per process for the words searched lately."""
    key = (en, px)
    with _LOCK:
        found = _KEPT.get(key)
    if found is not None:
        return found
    if px:
        normal = session.execute(_NORMAL_SQL, {"en": en, "px": px}).scalar_one()
    else:
        normal = session.execute(_NORMAL_EN_SQL, {"en": en}).scalar_one()
    found = reduced(normal)
    with _LOCK:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = found
    return found
