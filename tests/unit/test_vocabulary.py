"""assetmap/vocabulary.py: each closed list once, with the look-ups every form, parser and page uses."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from assetmap import vocabulary
from assetmap.vocabulary import DAYS, MODES, VISIBILITY, Vocabulary, Word, byday_pattern, day_code, day_short

ALL = [v for v in vars(vocabulary).values() if isinstance(v, Vocabulary)]


@pytest.mark.parametrize(
    "text,code",
    [
        ("mo", "MO"),
        ("MO", "MO"),
        ("mon", "MO"),
        ("Monday", "MO"),
        (" sunday ", "SU"),
        ("thu", "TH"),
        ("th", "TH"),
        ("thur", None),
        ("mond", None),
        ("", None),
        ("funday", None),
        (None, None),
    ],
)
def test_a_day_is_known_by_its_code_three_letters_or_name(text, code):
    assert day_code(text) == code


@pytest.mark.parametrize("text,short", [("MO", "mon"), ("tu", "tue"), ("Wednesday", "wed"), ("xx", None)])
def test_sessions_write_a_day_in_three_letters(text, short):
    assert day_short(text) == short


def test_the_days_run_monday_to_sunday_as_python_counts_weekdays():
    assert [DAYS.codes[dt.date(2026, 11, 23 + i).weekday()] for i in range(7)] == list(DAYS.codes)
    assert [(d.code, d.short, d.word) for d in DAYS][:2] == [("MO", "mon", "monday"), ("TU", "tue", "tuesday")]


def test_the_byday_pattern_allows_rfc_5545_day_lists_with_positions_and_nothing_else():
    pattern = re.compile(byday_pattern())
    assert all(pattern.match(t) for t in ("MO", "MO,WE,FR", "1MO", "-1FR", "1WE,3WE", "1MO,-1FR", "+2SU"))
    assert not any(pattern.match(t) for t in ("", "mo", "MO,", "6MO", "0MO", "MON", "MO WE", "1", "MO;WE"))


@pytest.mark.parametrize("vocab", ALL, ids=lambda v: "-".join(v.codes[:2]))
def test_every_list_has_unique_codes_and_a_label_for_each(vocab):
    assert len(set(vocab.codes)) == len(vocab.codes) > 0
    assert all(w.label.strip() for w in vocab)


def test_a_code_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Vocabulary(Word("a", "A"), Word("a", "Also A"))


@pytest.mark.parametrize(
    "code,default,label",
    [
        ("practitioners", None, "Practitioners only"),
        ("secret", None, "secret"),
        (None, None, ""),
        (None, "Other", "Other"),
    ],
)
def test_an_unknown_code_reads_as_itself_or_the_default(code, default, label):
    assert VISIBILITY.label(code, default) == label


def test_membership_is_by_code_and_only_for_text():
    assert "online" in MODES and "Online" not in MODES and None not in MODES and ["online"] not in MODES


def test_form_choices_carry_the_form_wording_and_hints():
    assert MODES.choices()[0] == ("in_person", "In person, at a place", "")
    assert [c[2] != "" for c in VISIBILITY.choices()] == [True, True, True]
    assert vocabulary.VERIFICATION_METHODS.choices()[0][:2] == ("visited", "Yes, I visited")


def test_order_helpers_put_unknown_codes_last_and_drop_repeats():
    assert sorted(["bsl", "nope", "wheelchair"], key=vocabulary.ACCESSIBILITY.position) == ["wheelchair", "bsl", "nope"]
    assert vocabulary.ACCESSIBILITY.in_order(["bsl", "wheelchair", "bsl", "lift"]) == ["wheelchair", "bsl"]


@pytest.mark.parametrize(
    "vocab,either",
    [
        (MODES, "in_person, online or phone"),
        (vocabulary.FREQUENCIES, "WEEKLY or MONTHLY"),
        (vocabulary.AREA_TYPES, "ward or constituency"),
    ],
)
def test_messages_list_the_codes_as_a_sentence(vocab, either):
    assert vocab.either() == either


def test_the_check_expressions_allow_exactly_the_codes():
    assert VISIBILITY.sql_one_of("visibility") == "visibility IN ('public','practitioners','confidential')"
    assert vocabulary.PROBLEM_TYPES.sql_one_of("problem_type", nullable=True).startswith(
        "problem_type IS NULL OR problem_type IN ('closed',"
    )
    assert MODES.sql_some_of("modes") == (
        "modes <@ ARRAY['in_person','online','phone']::text[] AND cardinality(modes) > 0"
    )
    assert Vocabulary(Word("it's", "Quoted")).sql_one_of("x") == "x IN ('it''s')"
