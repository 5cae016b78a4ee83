"""Demand signals and ranks commissioners can trust: term matching, minimum counts, shrinkage, ties, rates.

Hand-worked on the Toyshire toy of tests/test_coverage.py (Alpha: 4,000 residents, IMD rank 1,000; Beta:
2,000 residents, IMD rank 29,000) and on plain rows (no database) where only the arithmetic is tested.
"""

from __future__ import annotations

import pytest

from assetmap.coverage import measures, usecases
from assetmap.coverage.measures import AreaMeasures, Context
from assetmap.practitioners.params import Filters
from assetmap.practitioners.usecases import signal_terms
from tests.test_coverage import L1, NEED_BETA, W1, W2, by_code, params, signal, toy  # noqa: F401

# --------------------------------------------------------------------------- what a signal is about


def test_free_text_is_matched_to_the_terms_it_names_and_never_kept(toy):
    terms, from_text = signal_terms(Filters(q="gardening"))
    # "Green spaces: Parks, gardens, allotments and nature." - English stemming makes gardening -> garden
    assert terms == {"category": ["green-spaces"], "audience": [], "capability": []} and from_text
    terms, from_text = signal_terms(Filters(q="carers"))
    assert "carers-support" in terms["category"] and "unpaid-carers" in terms["audience"] and from_text


def test_free_text_naming_no_term_is_about_nothing(toy):
    assert signal_terms(Filters(q="knitting")) == ({"category": [], "audience": [], "capability": []}, False)
    assert signal_terms(Filters(q="the and of")) == ({"category": [], "audience": [], "capability": []}, False)


def test_chosen_terms_win_over_free_text(toy):
    terms, from_text = signal_terms(Filters(q="gardening", category=("transport",)))
    assert terms["category"] == ["transport"] and not from_text


def test_a_signal_counts_only_for_the_lists_and_terms_it_was_about(toy, db):
    signal(db, 1, ward=W1, category=None, audience="older-people")  # about older people, no category
    signal(db, 2, ward=W1, category="transport")
    signal(db, 3, ward=W1, category=None)  # free text that matched nothing
    db.flush()
    everything = usecases.coverage(params(category=()))
    assert by_code(everything)[W1].unmet == 2 and everything.uncounted_signals == 1
    assert by_code(usecases.coverage(params()))[W1].unmet == 0  # carers' support
    assert by_code(usecases.coverage(params(category=(), audience="older-people")))[W1].unmet == 1
    assert by_code(usecases.coverage(params(category=("carers-support", "transport"))))[W1].unmet == 1


def test_one_nothing_suitable_click_changes_no_ranking(toy, db):
    """The issue's case: one free-text click made a ward the worst served for every category."""
    views = [params(category=()), params(), params(category="transport")]
    before = [[(a.code, a.gap) for a in usecases.coverage(p).ranked] for p in views]
    signal(db, 1, ward=W1, category=None)  # "gardening" before terms were matched: nothing
    signal(db, 1, lsoa=L1, category="carers-support")  # one click about carers' support
    db.flush()
    after = [[(a.code, a.gap) for a in usecases.coverage(p).ranked] for p in views]
    assert after == before


# --------------------------------------------------------------------------- minimum counts and shrinkage


def test_fewer_than_three_signals_never_move_a_score(toy, db):
    signal(db, 1, ward=W2)
    signal(db, 2, ward=W2)
    db.flush()
    m = by_code(usecases.coverage(params()))
    # counts (0, 2) over (4,000, 2,000): prior 1/3,000; between variance 2/9e-6 - 1/9e-6 = 1.111e-7;
    # Beta keeps 0.4 of its rate: 1/3,000 + 0.4 x (0.001 - 1/3,000) = 60 per 100,000, above the prior 33.3,
    # yet two signals are below the minimum of 3: no part in the score
    assert m[W2].unmet_smoothed == pytest.approx(60)
    assert m[W2].unmet_part == 0
    assert m[W2].gap == pytest.approx(100 * 0.5 * (0.5 + NEED_BETA) / 1.5)
    assert "2 'nothing suitable' signals in 90 days (fewer than 3: not counted in the score)" in m[W2].reasons
    signal(db, 3, ward=W2)
    db.flush()
    m = by_code(usecases.coverage(params()))
    # counts (0, 3): prior 0.0005; s2 = 5e-7; between 5e-7 - 0.0005/3,000 = 3.333e-7;
    # Beta keeps 3.333e-7 / (3.333e-7 + 0.0005/2,000) = 4/7: 0.0005 + 4/7 x 0.001 = 0.00107143
    # part (0.00107143 - 0.0005) / 0.00107143 = 8/15
    assert m[W2].unmet_weight == pytest.approx(4 / 7)
    assert m[W2].unmet_part == pytest.approx(8 / 15)
    assert m[W2].gap == pytest.approx(100 * (0.5 + 0.2 * 8 / 15) * (0.5 + NEED_BETA) / 1.5)


def test_empirical_bayes_worked_example_from_the_readme():
    rates, weights, prior, between = measures.smooth_rates([10, 10, 5], [5_000, 20_000, 25_000])
    assert prior * 100_000 == pytest.approx(50)
    assert between == pytest.approx(2.4e-7)
    assert weights == pytest.approx([12 / 17, 48 / 53, 12 / 13])
    assert [r * 100_000 for r in rates] == pytest.approx([155.882, 50.0, 22.308], abs=1e-3)
    assert measures.unmet_part(10, rates[0], prior) == pytest.approx(0.679245, abs=1e-6)
    assert measures.unmet_part(10, rates[1], prior) == 0 and measures.unmet_part(5, rates[2], prior) == 0


def test_when_signals_are_no_more_varied_than_chance_every_area_gets_the_prior():
    rates, weights, prior, between = measures.smooth_rates([1, 1], [10_000, 10_000])
    assert between == 0 and weights == [0, 0] and rates == pytest.approx([prior, prior])
    assert measures.smooth_rates([0, 0], [5, 5])[2] == 0


# --------------------------------------------------------------------------- ranks and ties


def _area(code, name, population, rank, assets=0):
    m = AreaMeasures(
        code,
        name,
        "E06999901",
        1,
        population_total=population,
        population=population,
        assets=assets,
        beyond_800=population if not assets else 0,
        beyond_mile=population if not assets else 0,
    )
    m.rank_sum, m.rank_weight = population * rank, population
    return m


def test_areas_with_nothing_no_longer_tie_at_the_top():
    """Carers' support in Birmingham: seven wards tied at 80.0. Need now comes from the mean IMD rank."""
    rows = [_area("A", "Aston", 20_000, 400), _area("B", "Bordesley", 20_000, 900), _area("C", "Castle", 20_000, 60)]
    measures.compute(rows, Context())
    gaps = {m.code: m.gap for m in rows}
    assert len(set(gaps.values())) == 3
    assert gaps["C"] == pytest.approx(100 * 0.8 * (0.5 + 1 - 59 / 32_843) / 1.5)  # 79.9, not capped at 80
    assert [m.code for m in measures.ranked(rows)] == ["C", "A", "B"]
    assert not any(m.tied for m in rows)


def test_true_ties_are_ordered_by_the_stated_rule_and_marked():
    rows = [
        _area("Z", "Zeta", 1000, 500),
        _area("A", "Alpha", 1000, 500),
        _area("M", "Mid", 2000, 500),
        _area("R", "Rich", 1000, 500, assets=3),
    ]
    measures.compute(rows, Context())
    order = measures.ranked(rows)
    # Zeta, Alpha and Mid have the same score: more residents first, then the name
    assert [m.name for m in order] == ["Mid", "Alpha", "Zeta", "Rich"]
    assert [m.rank for m in order] == [1, 2, 3, 4]
    assert [m.tied for m in order] == [True, True, True, False]


def test_ranking_by_another_measure_puts_the_fewest_assets_first():
    rows = [
        _area("A", "Alpha", 1000, 500, assets=1),
        _area("B", "Beta", 4000, 500, assets=1),
        _area("C", "Gamma", 1000, 500, assets=3),
    ]
    measures.compute(rows, Context(), measure="rate")
    assert [m.code for m in sorted(rows, key=lambda m: m.rank)] == ["B", "A", "C"]
    assert [m.gap_rank for m in sorted(rows, key=lambda m: m.code)] == [2, 1, 3]


def test_rates_are_per_100000_where_per_10000_rounds_to_nothing():
    sparse = [_area("A", "Alpha", 110_000, 500, assets=1), _area("B", "Beta", 20_000, 500, assets=1)]
    summary = measures.compute(sparse, Context())
    # 1 asset for 110,000 residents is 0.09 per 10,000: shown as 0.9 per 100,000
    assert summary.per == 100_000
    assert sparse[0].rate == pytest.approx(10 / 11) and sparse[0].per_10k == pytest.approx(1 / 11)
    dense = [_area("A", "Alpha", 5_000, 500, assets=2), _area("B", "Beta", 5_000, 500, assets=1)]
    assert measures.compute(dense, Context()).per == 10_000


def test_several_categories_at_once_count_an_asset_once(toy, db):
    m = by_code(usecases.coverage(params(category=("carers-support", "physical-activity"))))
    # Alpha: A1, A2 (carers' support) and A4 (physical activity); Beta: the phone line A3
    assert (m[W1].assets, m[W2].assets) == (3, 1)
    signal(db, 1, ward=W1, category=["carers-support", "physical-activity"])  # one signal about both: once
    db.flush()
    assert by_code(usecases.coverage(params(category=("carers-support", "physical-activity"))))[W1].unmet == 1


def test_values_that_differ_never_look_tied_and_true_ties_look_the_same():
    from assetmap.coverage.present import distinct_texts

    assert distinct_texts("gap", [77.14, 77.12, 77.12, 50.0]) == ["77.14", "77.12", "77.12", "50.0"]
    assert distinct_texts("gap", [80.0, 79.96, None]) == ["80.00", "79.96", "–"]
    assert distinct_texts("share_beyond_mile", [0.5, 0.501]) == ["50%", "50%"]  # whole per cent, not ranked on


def test_recording_nothing_suitable_for_words_keeps_the_matched_terms_never_the_words(toy, db):
    from sqlalchemy import text

    from assetmap.practitioners.queries import Origin
    from assetmap.practitioners.usecases import record_unmet_need

    row = record_unmet_need(Filters(q="gardening"), Origin(lon=-5.08, lat=50.315, ward_code=W1, lsoa_code=L1))
    assert (row.category_codes, row.audience_codes, row.capability_codes, row.terms_matched) == (
        ["green-spaces"],
        [],
        [],
        True,
    )
    stored = db.execute(text("SELECT unmet_need::text FROM unmet_need WHERE id = :i"), {"i": row.id}).scalar_one()
    assert "garden" not in stored.replace("green-spaces", "")
    row = record_unmet_need(Filters(q="knitting"), Origin(lon=-5.08, lat=50.315, ward_code=W1, lsoa_code=L1))
    assert (row.category_codes, row.terms_matched) == ([], False)
    assert (
        "knitting"
        not in db.execute(text("SELECT unmet_need::text FROM unmet_need WHERE id = :i"), {"i": row.id}).scalar_one()
    )
