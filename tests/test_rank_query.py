"""The rank's query (``rankquery``): without the operands another covers, ``ts_rank_cd`` ranks every document the same.

Best match ranks by ``ts_rank_cd`` of the words' query; the query it is given has the operands another one always
covers taken out, because the rank's cost grows with the operands. These tests check the reduction on PostgreSQL's
own rank: on drawn documents (words sharing beginnings, at drawn positions and weights) and drawn queries (words,
prefixes, phrases, repeats), the rank with the reduced query equals the rank with the whole one, to the last bit,
with and without the rank's normalisations; and that what cannot be reduced so is left whole.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from assetmap.db import session
from assetmap.practitioners import queries, rankquery
from assetmap.practitioners.words import understand

VOCAB = ["dementia", "dementi", "demen", "memori", "memor", "memorial", "loss", "alzheim", "alzheimer", "forget"]
VOCAB += ["forgetful", "cafe", "caf", "group", "walk", "walking", "o'brien"]

RANKS = text(
    """
    SELECT ts_rank_cd(d, f, 32) AS f32, ts_rank_cd(d, r, 32) AS r32, ts_rank_cd(d, f) AS f0, ts_rank_cd(d, r) AS r0,
           ts_rank_cd(d, f, 4) AS f4, ts_rank_cd(d, r, 4) AS r4, d @@ f AS fm, d @@ r AS rm
    FROM (SELECT CAST(:doc AS tsvector) AS d, CAST(:full AS tsquery) AS f, CAST(:reduced AS tsquery) AS r) AS t
    """
)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def _doc(entries) -> str:
    """A tsvector's text: each word at its positions and weights ('dementia':3A,7C …)."""
    by_word: dict[str, list[str]] = {}
    for word, pos, weight in entries:
        by_word.setdefault(word, []).append(f"{pos}{weight}")
    return " ".join(f"{_quote(w)}:{','.join(ps)}" for w, ps in by_word.items())


word = st.sampled_from(VOCAB)
single = st.builds(lambda w, prefix: _quote(w) + (":*" if prefix else ""), word, st.booleans())
phrase = st.builds(
    lambda ws, gap: f" {gap} ".join(_quote(w) for w in ws),
    st.lists(word, min_size=2, max_size=3),
    st.sampled_from(["<->", "<2>"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(st.tuples(word, st.integers(1, 24), st.sampled_from("ABCD")), min_size=1, max_size=12),
    parts=st.lists(st.one_of(single, single, phrase), min_size=1, max_size=10),
)
def test_the_reduced_query_ranks_every_document_as_the_whole_query_does(db, entries, parts):
    full = session.execute(text("SELECT CAST(:q AS tsquery)::text"), {"q": " | ".join(parts)}).scalar_one()
    reduced = rankquery.reduced(full)
    row = session.execute(RANKS, {"doc": _doc(entries), "full": full, "reduced": reduced}).one()
    assert (row.r32, row.r0, row.r4, row.rm) == (row.f32, row.f0, row.f4, row.fm), (full, reduced, row)


def test_dementias_query_loses_the_operands_its_prefixes_cover(db):
    words = understand("dementia", None)
    values = queries._word_values(words)
    full = session.execute(
        text("SELECT (to_tsquery('english', :en) || to_tsquery('simple', :px))::text"),
        {"en": values["qall_en"], "px": values["qall_px"]},
    ).scalar_one()
    assert values["qrank"] == rankquery.reduced(full)
    assert values["qrank"].count("'") < full.count("'")  # fewer operands
    # an exact word beside its prefix goes; the prefix stays
    assert rankquery.reduced("'dementia' | 'dementi':* | 'dementi':*") == "'dementi':*"
    assert rankquery.reduced("'alzheimer':* | 'alzheime':* | 'alzheim'") == "'alzheime':* | 'alzheim'"
    # a phrase goes only when every one of its words is matched alone
    assert rankquery.reduced("'memori' <-> 'loss' | 'memor':*") == "'memori' <-> 'loss' | 'memor':*"
    assert rankquery.reduced("'memori' <-> 'loss' | 'memor':* | 'loss'") == "'memor':* | 'loss'"


def test_what_is_not_an_or_of_words_prefixes_and_phrases_is_left_whole():
    for query in (
        "'a' & 'b' | 'a':*",
        "!'a' | 'a':*",
        "'a':A | 'a':*",
        "'a':*A | 'ab'",
        "( 'a' | 'b' ) <-> 'c' | 'a':*",
        "",
        "'it''s' | 'it'",
    ):
        assert rankquery.reduced(query) == query


# --------------------------------------------------------------------------- the walk's index's test of the keys

#: each row's keys (migration 0025) and whether the whole and the reduced test pass them
KEYS_PASS = text(
    """
    SELECT k @@ CAST(:full AS tsquery) AS full_passes, k @@ CAST(:reduced AS tsquery) AS reduced_passes
    FROM (SELECT marker_keys(CAST(:doc AS tsvector), '{}', '{}', '{}', NULL) AS k) AS t
    """
)
KEYS_QUERY = text("SELECT (to_tsquery('english', :en) || marker_keys_beginnings(:px))::text")

#: words as a search gives them (English for the exact words, plain for the prefixes)
EN_WORDS = ["garden", "gardening", "grow", "allotment", "orchard", "knit", "sew", "crochet", "walking", "café"]
#: a document's words: those and their stems and beginnings' neighbours
doc_word = st.sampled_from(
    VOCAB + EN_WORDS + ["gardens", "gardenin", "allot", "orchar", "sewin", "grown", "walk", "caf"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(st.tuples(doc_word, st.integers(1, 24), st.sampled_from("ABCD")), min_size=1, max_size=12),
    exact=st.lists(st.sampled_from(EN_WORDS + VOCAB), min_size=1, max_size=6),
    prefixes=st.lists(st.sampled_from(EN_WORDS + VOCAB), max_size=5),
    phrase=st.booleans(),
)
def test_the_reduced_test_of_the_keys_passes_the_rows_the_whole_one_does(db, entries, exact, prefixes, phrase):
    en = " | ".join(_quote(w) for w in exact) + (" | 'memory' <-> 'loss'" if phrase else "")
    px = " | ".join(_quote(w) + ":*" for w in prefixes)
    full = session.execute(KEYS_QUERY, {"en": en, "px": px}).scalar_one()
    reduced = rankquery.keys_reduced(full)
    row = session.execute(KEYS_PASS, {"doc": _doc(entries), "full": full, "reduced": reduced}).one()
    assert row.reduced_passes == row.full_passes, (full, reduced, entries)


def test_gardens_test_of_the_keys_loses_the_words_its_beginnings_cover(db):
    values = queries._word_values(understand("garden", None))
    full = session.execute(KEYS_QUERY, {"en": values["qall_en"], "px": values["qall_px"]}).scalar_one()
    assert values["qkeys"] == rankquery.keys_reduced(full)
    assert "'garden'" in full and "'garden'" not in values["qkeys"] and "'^garde'" in values["qkeys"]
    assert values["qkeys"].count("'") < full.count("'") / 2 + 2  # about half the operands
    # a word shorter than a beginning, a prefix and a phrase stay; repeats go
    assert rankquery.keys_reduced("'grow' | 'garden' | 'garden' | '^garde'") == "'grow' | '^garde'"
    assert rankquery.keys_reduced("'sew':* | 'sewing' | '^sewin'") == "'sew':* | '^sewin'"
    assert rankquery.keys_reduced("'get' <-> 'onlin' | 'online' | '^onlin'") == "'get' <-> 'onlin' | '^onlin'"
    # a word whose beginning is not an operand stays
    assert rankquery.keys_reduced("'gardens' | '^garde' | 'orchard'") == "'^garde' | 'orchard'"
    # anything but an OR of words, prefixes and phrases is left whole
    assert rankquery.keys_reduced("'garden' & 'grow' | '^garde'") == "'garden' & 'grow' | '^garde'"
