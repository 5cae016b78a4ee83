"""What the words typed into the search mean: words as people say them, turned into what the query matches.

Why: a practitioner types what matters to a person the way the person said it ("autism", "grief", "losing my
sight", "libary"), and the listings say it their own way ("Autistic adults", "Bereavement café", "Sight loss
support group", "library"). Rather than rewrite the listings, the search expands the question:

1. **Words.** Lower case, English stop words dropped, at most ``MAX_WORDS``. Words about the format rather
   than the activity ("class", "group", "club") are dropped too, unless they are all there is.
2. **Spelling.** A word the directory does not hold, neither as typed nor by its English stem, is corrected
   to the nearest word it does hold (``search_lexicon``, migration 0011): candidates found with a trigram
   index (pg_trgm), the nearest by edit distance (fuzzystrmatch's levenshtein), at most 1 edit for words of
   up to 5 letters and 2 for longer ones; ties go to the more similar word, then alphabetical order. The
   public are offered only words of public listings, terms and synonyms. One query per search with words.
3. **Synonyms**, both ways: a word or phrase of a group (``search_synonym``, kept on the admin's terms page)
   brings in the rest of its group ("grief" also matches "bereavement"; "bereavement" also "grief").
   Compared by English stem (Snowball, the algorithm PostgreSQL's English configuration uses), longest
   phrase first, so "sign language" is one idea, not "sign" or "language".
4. **Terms.** Each idea also matches the categories, audiences and "what matters" whose names hold it
   ("dementia" -> *People living with dementia*; "lonely", through "friendship", -> *Love, friendship and
   support*), so a listing tagged with one is found even if its text never says the word.
5. **Prefixes.** A word of 6 letters or more also matches the words it begins ("autism" -> "autis…" ->
   "autistic"): all but its last letter, and at least 5 letters.

Each idea (a word, or a phrase, with its alternatives) is a ``Concept``; a listing matches the search when it
matches any of them, and ranks by how many it matches (``queries``). Synonyms and terms are read once a
minute per process (at once in the process that changed them); the lexicon on every search with words.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from sqlalchemy import select, text

from ..db import session
from ..directory import access
from ..models import SearchSynonym, Taxonomy, TaxonomyTerm

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
#: words about the format rather than the activity: they help ranking but are not required,
#: so "Zumba class" still finds a "Zumba session"
GENERIC_WORDS = frozenset(
    {
        "class",
        "classes",
        "group",
        "groups",
        "session",
        "sessions",
        "club",
        "clubs",
        "meeting",
        "meetings",
        "service",
        "services",
        "activity",
        "activities",
        "centre",
        "center",
        "near",
        "local",
        "something",
        "somewhere",
        "things",
        "thing",
        "help",
        "support",
        "people",
        "person",
        "likes",
        "like",
        "liking",
        "loves",
        "love",
        "enjoys",
        "enjoy",
        "wants",
        "want",
    }
)
#: PostgreSQL's English stop words (tsearch_data/english.stop), dropped before matching so every remaining
#: word gives a non-empty text query and the GIN indexes can answer it
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while of
    at by for with about against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each few more most other
    some such no nor not only own same so than too very s t can will just don should now""".split()
)
#: these words are too common in term names to say what a search is about ("support" is in five of them)
VAGUE_FOR_TERMS = frozenset({"support", "help", "people", "adult", "adults", "group", "groups", "needs", "things"})
#: a word is corrected only from this length on; the longest word that may be 1 edit away (longer: 2)
CORRECT_FROM = 4
SHORT_WORD = 5
#: prefix matching from this length on
PREFIX_FROM = 6
CACHE_SECONDS = 60

_stemmer = snowballstemmer.stemmer("english")
_stem_lock = threading.Lock()


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The English (Snowball) stem of a lower-case word."""
    with _stem_lock:  # the stemmer object keeps state between calls
        return _stemmer.stemWord(word)


def tokens(text_: str | None) -> list[str]:
    """Lower-case words of ``text_`` without stop words, in order (repeats kept)."""
    return [w for w in (m.lower() for m in WORD.findall(text_ or "")) if w not in STOP_WORDS]


def words_of(q: str | None) -> list[str]:
    """The searchable words of ``q``: lower case, no stop words, each once, at most MAX_WORDS."""
    return list(dict.fromkeys(tokens(q)))[:MAX_WORDS]


def required_words(words: list[str]) -> list[str]:
    """The words that say what is wanted: without the generic ones, unless they are all there is."""
    return [w for w in words if w not in GENERIC_WORDS] or words


# --------------------------------------------------------------------------- what the search is given


@dataclass(frozen=True)
class Term:
    id: uuid.UUID
    taxonomy: str
    name: str
    #: the name's words, and their stems
    words: tuple[str, ...]
    stems: tuple[str, ...]
    #: the term's code ('dementia'): ``marker_point.terms`` holds it as 'taxonomy:code'
    code: str = ""


@dataclass(frozen=True)
class Concept:
    """One idea of the search: a word or phrase as typed (or corrected), its alternatives, the terms it names."""

    label: str
    #: the phrases that mean it (the typed one first), each as its words
    phrases: tuple[tuple[str, ...], ...]
    #: the words that also match as prefixes (``prefix:*``)
    prefixes: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()

    def tsquery(self, weight: str = "") -> str:
        """``to_tsquery('english', …)`` text for the phrases ('sign <-> language | bsl'); ``weight`` 'A' for
        names only."""
        w = f":{weight}" if weight else ""
        return " | ".join(" <-> ".join(f"{word}{w}" for word in phrase) for phrase in self.phrases)

    def prefix_query(self, weight: str = "") -> str:
        """``to_tsquery('simple', …)`` text for the prefixes ('autis:*'), or ''."""
        return " | ".join(f"{p}:*{weight}" for p in self.prefixes)

    @property
    def term_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(t.id for t in self.terms)


@dataclass(frozen=True)
class Words:
    """What was typed, what the search looks for, and any correction it made."""

    typed: str
    concepts: tuple[Concept, ...] = ()
    #: {word as typed: word used instead}
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def corrected(self) -> str | None:
        """The question with its corrections ('dementia café'), or None if nothing was corrected."""
        if not self.corrections:
            return None
        return " ".join(self.corrections.get(w.lower(), w) for w in WORD.findall(self.typed))

    def __bool__(self) -> bool:
        return bool(self.concepts)


# --------------------------------------------------------------------------- synonyms and terms, cached


class _Cached:
    """A value read from the database, kept for CACHE_SECONDS per process."""

    def __init__(self, read):
        self._read, self._at, self._value, self._lock = read, -1e9, None, threading.Lock()

    def get(self):
        if time.monotonic() - self._at > CACHE_SECONDS:
            value = self._read()
            with self._lock:
                self._value, self._at = value, time.monotonic()
        return self._value

    def forget(self) -> None:
        self._at = -1e9


def _read_synonyms() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """[(a phrase's stems, every phrase of its groups, as text)], longest phrases first."""
    rows = session.execute(select(SearchSynonym.group_id, SearchSynonym.phrase)).all()
    groups: dict[uuid.UUID, list[str]] = {}
    for group_id, phrase in rows:
        groups.setdefault(group_id, []).append(phrase)
    by_stems: dict[tuple[str, ...], list[str]] = {}
    for phrases in groups.values():
        for phrase in phrases:
            key = tuple(stem(w) for w in tokens(phrase))
            if key:
                by_stems.setdefault(key, []).extend(phrases)
    return _longest_first(by_stems)


def _longest_first(by_stems: dict[tuple[str, ...], list[str]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return sorted(((k, tuple(dict.fromkeys(v))) for k, v in by_stems.items()), key=lambda kv: (-len(kv[0]), kv[0]))


def _read_terms() -> list[Term]:
    rows = session.execute(
        select(TaxonomyTerm.id, Taxonomy.code, TaxonomyTerm.name, TaxonomyTerm.code)
        .join(Taxonomy)
        .where(Taxonomy.code.in_(("category", "audience", "capability")))
        .order_by(Taxonomy.code, TaxonomyTerm.term_order)
    ).all()
    return [_term(i, tax, name, code) for i, tax, name, code in rows]


def _term(term_id: uuid.UUID, taxonomy: str, name: str, code: str = "") -> Term:
    words = tuple(tokens(name))
    return Term(term_id, taxonomy, name, words, tuple(stem(w) for w in words), code)


SYNONYMS = _Cached(_read_synonyms)
TERMS = _Cached(_read_terms)


def forget_cached() -> None:
    """Read synonyms, terms and the lexicon again on the next search (after an admin changed them, or the daily
    job tidied the lexicon)."""
    SYNONYMS.forget()
    TERMS.forget()
    KNOWN_WORDS.forget()


# --------------------------------------------------------------------------- spelling

SPELLING_SQL = text(
    """
    WITH q AS (
        SELECT w, EXISTS (
            SELECT 1 FROM search_lexicon l
            WHERE (l.word = w OR l.stem = coalesce((ts_lexize('english_stem', w))[1], w))
              AND (l.public OR NOT :public_only)
        ) AS known
        FROM unnest(CAST(:words AS text[])) AS w
    )
    SELECT q.w, q.known, (
        SELECT c.word FROM search_lexicon c
        WHERE NOT q.known AND length(q.w) >= :correct_from AND c.word % q.w AND (c.public OR NOT :public_only)
          AND levenshtein_less_equal(c.word, q.w, CASE WHEN length(q.w) <= :short THEN 1 ELSE 2 END)
              <= CASE WHEN length(q.w) <= :short THEN 1 ELSE 2 END
        ORDER BY levenshtein(c.word, q.w), similarity(c.word, q.w) DESC, c.word
        LIMIT 1
    ) AS nearest
    FROM q
    """
)


#: the words the lexicon was found to hold, for the public (True) and for those signed in (False), kept for
#: CACHE_SECONDS per process: the same few words are searched again and again, and asking the lexicon cost a round
#: trip (a search with words, measured: 0.4 ms on the demo data, 1.0 ms at 1,000,000 assets). Only words found are
#: kept. Triggers add a listing's words as it is written, so a word not found may be held a moment later and is
#: always asked again; a word found is taken away only by the daily ``search-lexicon`` job
#: (``jobs.rebuild_lexicon``), which forgets these in its own process, and the others within CACHE_SECONDS.
KNOWN_WORDS = _Cached(lambda: {True: set(), False: set()})


def corrections_for(words: list[str], public_only: bool) -> dict[str, str]:
    """{word: the nearest word the directory holds} for the words it does not hold (one query, none when every
    word was found lately: ``KNOWN_WORDS``)."""
    known = KNOWN_WORDS.get()[public_only]
    asked = [w for w in words if w not in known]
    if not asked:
        return {}
    rows = session.execute(
        SPELLING_SQL,
        {"words": asked, "public_only": public_only, "correct_from": CORRECT_FROM, "short": SHORT_WORD},
    ).all()
    known.update(w for w, is_known, _nearest in rows if is_known)
    return {w: nearest for w, is_known, nearest in rows if not is_known and nearest and nearest != w}


# --------------------------------------------------------------------------- putting it together


def _prefix(word: str) -> str | None:
    """The prefix a long word also matches as (all but its last letter, at least 5 letters)."""
    if len(word) < PREFIX_FROM or not word.isalpha():
        return None
    return word[: max(SHORT_WORD, len(word) - 1)]


def _concepts(words: list[str], synonyms, terms: list[Term]) -> list[Concept]:
    """Group the words into ideas: the longest synonym phrase at each place, else the word alone."""
    stems = [stem(w) for w in words]
    out: list[Concept] = []
    i = 0
    while i < len(words):
        found = next(
            ((key, phrases) for key, phrases in synonyms if tuple(stems[i : i + len(key)]) == key),
            None,
        )
        span = len(found[0]) if found else 1
        typed = tuple(words[i : i + span])
        alternatives = [typed]
        if found:  # the phrases of every group holding it (a word can be in two: "deaf")
            alternatives += [tuple(tokens(p)) for p in found[1]]
        phrases = tuple(dict.fromkeys(a for a in alternatives if a))
        prefixes = tuple(dict.fromkeys(p for a in phrases if len(a) == 1 and (p := _prefix(a[0]))))
        out.append(Concept(" ".join(typed), phrases, prefixes, _terms_for(phrases, terms)))
        i += span
    return out


def _terms_for(phrases: Iterable[tuple[str, ...]], terms: list[Term]) -> tuple[Term, ...]:
    """The terms whose names hold one of the phrases (by stem, in order) or, for a long word, a word it
    begins; vague single words aside."""
    phrases = [p for p in phrases if not (len(p) == 1 and p[0] in VAGUE_FOR_TERMS)]
    keys = [tuple(stem(w) for w in p) for p in phrases]
    prefixes = [x for p in phrases if len(p) == 1 and (x := _prefix(p[0]))]
    found = []
    for term in terms:
        if any(_holds(term.stems, key) for key in keys if key) or any(
            w.startswith(p) for w in term.words for p in prefixes
        ):
            found.append(term)
    return tuple(found)


def _holds(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(seq[i : i + len(part)] == part for i in range(len(seq) - len(part) + 1))


def understand(q: str | None, user, as_typed: bool = False) -> Words:
    """The search's ideas for the words ``q`` (``as_typed``: no spelling correction)."""
    typed = " ".join((q or "").split())
    words = required_words(words_of(typed))
    if not words:
        return Words(typed)
    corrections: dict[str, str] = {}
    if not as_typed:
        public_only = access.role_of(user) not in access.SIGNED_IN_ROLES
        corrections = corrections_for(words, public_only)
    used = tuple(dict.fromkeys(corrections.get(w, w) for w in words))
    return Words(typed, _concepts_of(used), corrections)


#: the ideas of the words searched lately, for the synonyms and terms they were found with (``_concepts_of``)
_IDEAS: dict[tuple[str, ...], tuple[Concept, ...]] = {}
_IDEAS_FROM: list = [None, None]
_IDEAS_MAX = 1024
_IDEAS_LOCK = threading.Lock()


def _concepts_of(used: tuple[str, ...]) -> tuple[Concept, ...]:
    """``_concepts`` of ``used`` with the cached synonyms and terms, kept while those are the same objects: it
    stems the words and compares them with every term's name (0.15-0.39 ms a search with words, measured), and the
    same few words are searched again and again."""
    synonyms, terms = SYNONYMS.get(), TERMS.get()
    with _IDEAS_LOCK:
        if _IDEAS_FROM[0] is not synonyms or _IDEAS_FROM[1] is not terms or len(_IDEAS) >= _IDEAS_MAX:
            _IDEAS.clear()
            _IDEAS_FROM[:] = [synonyms, terms]
        found = _IDEAS.get(used)
    if found is None:
        found = tuple(_concepts(list(used), synonyms, terms))
        with _IDEAS_LOCK:
            if _IDEAS_FROM[0] is synonyms and _IDEAS_FROM[1] is terms:
                _IDEAS[used] = found
    return found


def concepts_for(words: list[str], synonyms: list[list[str]], term_names: dict[str, str]) -> list[Concept]:
    """The ideas of ``words`` with the synonym groups and term names given (no database: for tests)."""
    by_stems: dict[tuple[str, ...], list[str]] = {}
    for group in synonyms:
        for phrase in group:
            by_stems.setdefault(tuple(stem(w) for w in tokens(phrase)), []).extend(group)
    syn = _longest_first(by_stems)
    terms = [_term(uuid.uuid5(uuid.NAMESPACE_URL, name), tax, name) for name, tax in term_names.items()]
    return _concepts(words, syn, terms)
