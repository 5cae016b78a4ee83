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

The walk's index is given the same words in the form it tests (``filters.point_words_beginnings``): the English
words' query ORed with the beginnings of the prefixes' words ('^garde', migration 0025), asked of each entry it
walks. A row's keys hold the beginning of each of its words of five letters or more, so an exact word whose
beginning is an operand too ('garden' beside '^garde') passes only where that beginning does, and goes
(``keys_reduced``): "garden" with its synonyms, 12 operands → 6, the same rows (``tests/test_rank_query.py``).
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

#: the letters of a word's beginning among a row's keys (migration 0025's ``BEGINNING``)
BEGINNING = 5

_NORMAL_SQL = text(
    "SELECT (to_tsquery('english', :en) || to_tsquery('simple', :px))::text, "
    "(to_tsquery('english', :en) || marker_keys_beginnings(:px))::text"
)
_NORMAL_EN_SQL = text("SELECT to_tsquery('english', :en)::text, ''")

_KEPT: dict[tuple[str, str], tuple[str, str]] = {}
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


def keys_reduced(query: str) -> str:
    """``query`` (words, prefixes and phrases ORed with their beginnings, '^garde', as PostgreSQL writes it)
    without an exact word of ``BEGINNING`` letters or more whose beginning is an operand too, nor a repeat: the
    same test of a row's keys (module docstring); else ``query`` itself."""
    parts = _disjuncts(query)
    if parts is None:
        return query
    parsed = [(part, _SINGLE.fullmatch(part)) for part in parts]
    exact = [_word(m.group(1)) for _part, m in parsed if m and not m.group(2)]
    beginnings = {w for w in exact if w.startswith("^")}
    out: list[str] = []
    for part, single in parsed:
        word = _word(single.group(1)) if single and not single.group(2) else None
        covered = bool(word) and len(word) >= BEGINNING and "^" + word[:BEGINNING] in beginnings
        if not covered and part not in out:
            out.append(part)
    return " | ".join(out)


def rank_query(en: str, px: str) -> str:
    """The text of the words' query for their rank: ``to_tsquery('english', en) || to_tsquery('simple', px)`` as
    PostgreSQL makes it (its stems), ``reduced``. Kept per process for the words searched lately."""
    return _queries(en, px)[0]


def walk_query(en: str, px: str) -> str:
    """The text of the test of a row's keys the walk's index makes for words with prefixes: ``to_tsquery('english',
    en) || marker_keys_beginnings(px)`` as PostgreSQL makes it, ``keys_reduced``; '' without prefixes. Kept per
    process with ``rank_query``'s (one round trip for both)."""
    return _queries(en, px)[1]


def _queries(en: str, px: str) -> tuple[str, str]:
    key = (en, px)
    with _LOCK:
        found = _KEPT.get(key)
    if found is not None:
        return found
    if px:
        rank, keys = session.execute(_NORMAL_SQL, {"en": en, "px": px}).one()
    else:
        rank, keys = session.execute(_NORMAL_EN_SQL, {"en": en}).one()
    found = (reduced(rank), keys_reduced(keys) if keys else "")
    with _LOCK:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = found
    return found
