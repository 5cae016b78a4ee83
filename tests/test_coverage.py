"""Coverage measures on real PostGIS, on a toy authority whose right answers are worked out by hand.

Toyshire (E06999901), a patch of Cornwall far from the real York and Birmingham data:

    ward Alpha  (IMD decile 1)   LSOA L1  1,000 residents, 300 aged 65+, point P1 (-5.08, 50.315), IMD rank 1,000
                                 LSOA L2  3,000 residents, 200 aged 65+, point P2 (-5.06, 50.315), IMD rank 1,000
    ward Beta   (IMD decile 9)   LSOA L3  2,000 residents, 500 aged 65+, point P3 (-5.02, 50.315), IMD rank 29,000

Need (1 for the most deprived of England's 32,844 LSOAs): Alpha 1 - 999/32,843 = 0.969583,
Beta 1 - 28,999/32,843 = 0.117041.
    ward Gamma  (no LSOA: nobody lives there, no assets)

At latitude 50.3, 0.005 degrees of longitude is about 356 m, 0.015 about 1,067 m, 0.025 about
1,779 m, 0.035 about 2,490 m: every distance below is far from the 800 m and 1 mile (1,609 m) lines.

    A1 carers' support, older people, in person at (-5.075, 50.315): 356 m from P1, 1,067 m from P2
    A2 carers' support, all adults, PRACTITIONERS ONLY, checked two years ago, at (-5.055, 50.315): 356 m
       from P2, 1,779 m from P1, 2,490 m from P3
    A3 carers' support, unpaid carers, PHONE only, serving ward Beta
    A4 physical activity, in person at (-5.07, 50.31) (another category)
    A5 carers' support at P3 itself, but ARCHIVED
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from geoalchemy2 import WKTElement

from assetmap.coverage import measures, queries, usecases
from assetmap.coverage.params import CoverageParams, parse_params
from assetmap.errors import NotFound, ValidationError
from assetmap.models import (
    ConnectionLog,
    Constituency,
    LocalAuthority,
    Lsoa,
    UnmetNeed,
    Ward,
)
from tests.factories import make_asset

LA, CON = "E06999901", "E14999901"
W1, W2, W3 = "E05999901", "E05999902", "E05999903"
L1, L2, L3 = "E01999901", "E01999902", "E01999903"
TODAY = dt.date.today()


def _box(x0, y0, x1, y1) -> WKTElement:
    return WKTElement(f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))", srid=4326)


def _pt(x, y) -> WKTElement:
    return WKTElement(f"POINT({x} {y})", srid=4326)


@pytest.fixture
def toy(db, app_ctx):
    db.add(
        LocalAuthority(
            code=LA,
            name="Toyshire",
            geom=_box(-5.10, 50.30, -4.95, 50.33),
            population_total=6000,
            population_65plus=1000,
            imd_decile=5,
        )
    )
    db.add(
        Constituency(
            code=CON,
            name="Toyshire Central",
            geom=_box(-5.10, 50.30, -4.95, 50.33),
            population_total=6000,
            population_65plus=1000,
            imd_decile=5,
        )
    )
    db.flush()
    for code, name, x0, x1, decile in (
        (W1, "Alpha", -5.10, -5.05, 1),
        (W2, "Beta", -5.05, -5.00, 9),
        (W3, "Gamma", -5.00, -4.95, None),
    ):
        db.add(
            Ward(
                code=code,
                name=name,
                lad_code=LA,
                constituency_code=CON,
                geom=_box(x0, 50.30, x1, 50.33),
                imd_decile=decile,
            )
        )
    db.flush()
    for code, ward, x0, x1, px, pop, pop65, decile, rank in (
        (L1, W1, -5.10, -5.065, -5.08, 1000, 300, 1, 1000),
        (L2, W1, -5.065, -5.05, -5.06, 3000, 200, 1, 1000),
        (L3, W2, -5.05, -5.00, -5.02, 2000, 500, 9, 29000),
    ):
        db.add(
            Lsoa(
                code=code,
                name=f"Toyshire {code[-3:]}",
                lad_code=LA,
                ward_code=ward,
                constituency_code=CON,
                geom=_box(x0, 50.30, x1, 50.33),
                pop_point=_pt(px, 50.315),
                population_total=pop,
                population_65plus=pop65,
                imd_decile=decile,
                imd_rank=rank,
            )
        )
    db.flush()
    recent = (TODAY - dt.timedelta(days=30)).isoformat()
    old = (TODAY - dt.timedelta(days=730)).isoformat()
    a1 = make_asset(
        name="Alpha carers' café",
        categories="carers-support",
        audiences="older-people",
        lon=-5.075,
        lat=50.315,
        last_verified=recent,
    )
    a2 = make_asset(
        name="Alpha carers' group",
        categories="carers-support",
        audiences="all-adults",
        lon=-5.055,
        lat=50.315,
        visibility="practitioners",
        last_verified=old,
    )
    a3 = make_asset(
        name="Beta carers line",
        categories="carers-support",
        audiences="unpaid-carers",
        modes="phone",
        lon=None,
        lat=None,
        schedule="",
        service_area_wards=W2,
        phone="0121 496 0000",
        last_verified=recent,
    )
    a4 = make_asset(
        name="Alpha walking group", categories="physical-activity", lon=-5.07, lat=50.31, last_verified=recent
    )
    a5 = make_asset(
        name="Beta old carers' group", categories="carers-support", lon=-5.02, lat=50.315, last_verified=recent
    )
    a5.archived_at = dt.datetime.now(dt.UTC)
    db.flush()
    return SimpleNamespace(a1=a1, a2=a2, a3=a3, a4=a4, a5=a5)


def params(**kw) -> CoverageParams:
    kw.setdefault("la", LA)
    kw.setdefault("category", "carers-support")
    return CoverageParams(**kw)


def by_code(cov) -> dict:
    return {m.code: m for m in cov.areas}


NEED_ALPHA, NEED_BETA = 1 - 999 / 32_843, 1 - 28_999 / 32_843


def signal(db, days_ago: int, ward=None, lsoa=None, category="carers-support", audience=None):
    categories = [category] if isinstance(category, str) else list(category or [])
    db.add(
        UnmetNeed(
            id=uuid.uuid4(),
            recorded_on=TODAY - dt.timedelta(days=days_ago),
            category_codes=categories,
            audience_codes=[audience] if audience else [],
            ward_code=ward,
            lsoa_code=lsoa,
        )
    )


def connection(db, service, days_ago: int, ward=None, lsoa=None):
    db.add(
        ConnectionLog(
            id=uuid.uuid4(),
            service_id=service.id,
            logged_on=TODAY - dt.timedelta(days=days_ago),
            ward_code=ward,
            lsoa_code=lsoa,
        )
    )


# --------------------------------------------------------------------------- supply


def test_counts_per_ward_include_private_and_service_area_assets_but_not_archived(toy):
    m = by_code(usecases.coverage(params()))
    assert (m[W1].assets, m[W1].remote_assets) == (2, 0)  # A1 and the practitioners-only A2
    assert (m[W2].assets, m[W2].remote_assets) == (1, 1)  # only the phone line A3; A5 is archived
    assert m[W3].assets == 0


def test_rate_per_10000_residents_by_hand(toy):
    m = by_code(usecases.coverage(params()))
    assert m[W1].population == 4000 and m[W2].population == 2000
    assert m[W1].per_10k == pytest.approx(2 * 10_000 / 4000)  # 5.0
    assert m[W2].per_10k == pytest.approx(1 * 10_000 / 2000)  # 5.0


def test_category_filter_counts_only_that_category(toy):
    m = by_code(usecases.coverage(params(category="physical-activity")))
    assert (m[W1].assets, m[W2].assets) == (1, 0)


def test_older_people_use_the_65_plus_population_and_all_adult_assets(toy):
    m = by_code(usecases.coverage(params(audience="older-people")))
    # A1 is for older people, A2 for all adults; A3 is for unpaid carers only
    assert (m[W1].assets, m[W2].assets) == (2, 0)
    assert m[W1].population == 500 and m[W2].population == 500
    assert m[W1].per_10k == pytest.approx(2 * 10_000 / 500)  # 40.0


def test_constituency_lsoa_and_local_authority_counts(toy):
    con = by_code(usecases.coverage(params(geography="constituency")))
    assert con[CON].assets == 3 and con[CON].population == 6000
    lsoa = by_code(usecases.coverage(params(geography="lsoa")))
    assert (lsoa[L1].assets, lsoa[L2].assets, lsoa[L3].assets) == (1, 1, 1)
    assert lsoa[L3].remote_assets == 1
    la = by_code(usecases.coverage(params(geography="la")))
    assert la[LA].assets == 3 and la[LA].per_10k == pytest.approx(3 * 10_000 / 6000)


def _refuge(lon, lat):
    return make_asset(
        name="Alpha refuge",
        categories="carers-support",
        audiences="all-adults",
        lon=lon,
        lat=lat,
        visibility="confidential",
        last_verified=(TODAY - dt.timedelta(days=30)).isoformat(),
    )


def _everything(p) -> tuple:
    """Every coverage figure for ``p`` and the toy's area pages (what a commissioner can read)."""
    return (
        usecases.coverage(p).areas,
        queries.supply_counts(p),
        queries.lsoa_access(p),
        [
            queries.area_assets(kind, code)
            for kind, code in (("ward", W1), ("lsoa", L1), ("lsoa", L2), ("constituency", CON), ("la", LA))
        ],
    )


def test_a_confidential_place_counts_by_its_ward_only(toy, db):
    """It counts in its ward, the ward's constituency and authority and every LSOA of its ward, as a place
    (not online or phone), and in no walking-distance or 2SFCA figure."""
    access_before = queries.lsoa_access(params(geography="lsoa"))
    refuge = _refuge(-5.09, 50.32)  # in L1, Alpha
    db.flush()
    ward = by_code(usecases.coverage(params()))
    assert (ward[W1].assets, ward[W1].remote_assets) == (3, 0)
    lsoa = by_code(usecases.coverage(params(geography="lsoa")))
    assert (lsoa[L1].assets, lsoa[L2].assets, lsoa[L3].assets) == (2, 2, 1)  # both of Alpha's LSOAs
    assert (lsoa[L1].remote_assets, lsoa[L2].remote_assets) == (0, 0)
    assert by_code(usecases.coverage(params(geography="constituency")))[CON].assets == 4
    assert by_code(usecases.coverage(params(geography="la")))[LA].assets == 4
    assert queries.lsoa_access(params(geography="lsoa")) == access_before
    listed = {a.name: a for a in queries.area_assets("lsoa", L2)}
    assert listed["Alpha refuge"].here and listed["Alpha refuge"].lat is None
    assert refuge.id in set(db.execute(queries.area_service_ids("lsoa", L2)).scalars())


def test_moving_a_confidential_place_within_its_ward_changes_no_coverage_figure(toy, db):
    refuge = _refuge(-5.09, 50.32)
    db.flush()
    choices = [params(geography=g) for g in ("ward", "lsoa", "constituency", "la")] + [
        params(geography="lsoa", audience="older-people"),
        params(verified_only=True),
    ]
    before = [_everything(p) for p in choices]
    loc = refuge.locations[0].location
    loc.geom = WKTElement("POINT(-5.052 50.301)", srid=4326)  # the other LSOA of Alpha, by its edge
    db.flush()
    db.refresh(loc)
    assert (loc.ward_code, loc.lsoa_code) == (W1, L2)
    assert [_everything(p) for p in choices] == before


def test_a_confidential_place_in_a_split_ward_counts_in_its_wards_constituency(toy, db):
    """Seven real wards are split between two constituencies: the point's constituency would say which side."""
    db.add(Constituency(code="E14999900", name="Toyshire West", geom=_box(-5.10, 50.30, -5.08, 50.33)))
    db.flush()
    refuge = _refuge(-5.09, 50.32)
    db.flush()
    loc = refuge.locations[0].location
    db.refresh(loc)
    assert loc.constituency_code == "E14999900"  # the point's constituency ...
    supply = queries.supply_counts(params(geography="constituency"))
    assert "E14999900" not in supply and supply[CON] == (4, 1)  # ... is never used
    assert queries.area_assets("constituency", "E14999900") == []
    from assetmap.accounts.auth import SessionUser
    from assetmap.directory.read import asset_view
    from tests.factories import make_user

    view = asset_view(refuge.id, SessionUser(make_user("practitioner")))
    assert (view["place"]["constituency_code"], view["place"]["lsoa_code"]) == (CON, None)
    assert view["place"]["lat"] is None


# --------------------------------------------------------------------------- access


def test_share_beyond_800m_and_1_mile_by_hand(toy):
    m = by_code(usecases.coverage(params()))
    # P1 is 356 m from A1 and P2 356 m from A2: nobody in Alpha is beyond 800 m
    assert (m[W1].beyond_800, m[W1].share_beyond_800, m[W1].share_beyond_mile) == (0, 0.0, 0.0)
    # Beta's only asset is a phone line, which does not count for walking; A5 at P3 is archived
    assert (m[W2].beyond_800, m[W2].beyond_mile) == (2000, 2000)
    assert m[W2].share_beyond_800 == 1.0 and m[W2].share_beyond_mile == 1.0


def test_verified_only_drops_assets_not_checked_in_12_months(toy):
    m = by_code(usecases.coverage(params(verified_only=True)))
    assert m[W1].assets == 1  # A2 was checked two years ago
    assert m[W1].per_10k == pytest.approx(2.5)
    # without A2, P2 is 1,067 m from A1: beyond 800 m but within a mile
    assert m[W1].beyond_800 == 3000 and m[W1].share_beyond_800 == pytest.approx(0.75)
    assert m[W1].beyond_mile == 0
    assert m[W1].access == pytest.approx(2.5)  # one site shared by 4,000 people


def test_two_step_floating_catchment_by_hand(toy):
    """Site A1 reaches P1 and P2 (4,000 people): ratio 1/4,000. Site A2 reaches only P2 (3,000): 1/3,000.
    L1 scores 1/4,000 (2.5 per 10,000); L2 scores 1/4,000 + 1/3,000 (5.8333 per 10,000); L3 none.
    Ward Alpha: (1,000 x 2.5 + 3,000 x 5.8333) / 4,000 = 5.0 per 10,000."""
    rows = {r.code: r for r in queries.lsoa_access(params())}
    assert rows[L1].access == pytest.approx(1 / 4000)
    assert rows[L2].access == pytest.approx(1 / 4000 + 1 / 3000)
    assert rows[L3].access == 0.0
    m = by_code(usecases.coverage(params()))
    assert m[W1].access == pytest.approx(5.0)
    assert m[W2].access == pytest.approx(0.0)


def test_two_step_floating_catchment_with_65_plus_demand(toy):
    """65+ demand: A1 reaches 300 + 200, A2 reaches 200: L1 1/500, L2 1/500 + 1/200.
    Ward Alpha: (300 x 20 + 200 x 70) / 500 = 40 per 10,000 aged 65+."""
    m = by_code(usecases.coverage(params(audience="older-people")))
    assert m[W1].access == pytest.approx(40.0)


def test_postgis_2sfca_matches_pysal_access(toy, db):
    """The same toy through PySAL's access.two_stage_fca, fed PostGIS distances, gives the same scores."""
    import access
    import pandas as pd
    from sqlalchemy import text

    costs = (
        db.execute(
            text(
                "SELECT l.code AS origin, s.name AS dest, ST_Distance(l.pop_point::geography, loc.geom::geography) AS cost "
                "FROM lsoa l, service s JOIN service_at_location sal ON sal.service_id = s.id "
                "JOIN location loc ON loc.id = sal.location_id "
                "WHERE l.code IN (:a, :b, :c) AND s.id IN (:s1, :s2)"
            ),
            {"a": L1, "b": L2, "c": L3, "s1": toy.a1.id, "s2": toy.a2.id},
        )
        .mappings()
        .all()
    )
    demand = pd.DataFrame({"code": [L1, L2, L3], "pop": [1000, 3000, 2000]}).set_index("code")
    supply = pd.DataFrame({"site": [toy.a1.name, toy.a2.name], "n": [1, 1]}).set_index("site")
    acc = access.Access(
        demand_df=demand,
        demand_value="pop",
        supply_df=supply,
        supply_value="n",
        cost_df=pd.DataFrame(costs),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    pysal = acc.two_stage_fca(max_cost=queries.CATCHMENT_M).iloc[:, 0].fillna(0.0)
    ours = {r.code: r.access for r in queries.lsoa_access(params())}
    for code in (L1, L2, L3):
        assert ours[code] == pytest.approx(pysal[code])


# --------------------------------------------------------------------------- demand and gap


def test_demand_counts_signals_in_the_period_and_zero_when_none(toy, db):
    m = by_code(usecases.coverage(params()))
    assert (m[W1].connections, m[W1].unmet, m[W2].connections, m[W2].unmet) == (0, 0, 0, 0)
    connection(db, toy.a1, 10, ward=W1)
    connection(db, toy.a3, 3, lsoa=L3)  # recorded by LSOA only: Beta through L3
    connection(db, toy.a1, 120, ward=W1)  # before the 90 days
    connection(db, toy.a4, 2, ward=W1)  # another category
    signal(db, 5, ward=W1)
    signal(db, 6, lsoa=L2)  # Alpha through L2
    signal(db, 100, ward=W1)  # before the 90 days
    signal(db, 1, ward=W1, category="transport")
    signal(db, 2, ward=W1, category=["transport", "carers-support"])  # a search for either counts for both
    db.flush()
    m = by_code(usecases.coverage(params()))
    assert (m[W1].connections, m[W2].connections) == (1, 1)
    assert (m[W1].unmet, m[W2].unmet) == (3, 0)
    m = by_code(usecases.coverage(params(days=180)))
    assert (m[W1].connections, m[W1].unmet) == (2, 4)
    lsoa = by_code(usecases.coverage(params(geography="lsoa")))
    assert (lsoa[L2].unmet, lsoa[L3].connections) == (1, 1)


def test_gap_score_and_ranking_by_hand(toy, db):
    for days_ago in range(1, 13):
        signal(db, days_ago, ward=W1)
    db.flush()
    cov = usecases.coverage(params())
    m = by_code(cov)
    # signals: Alpha 12 of 4,000 residents, Beta 0 of 2,000. Prior m = 12/6,000 = 0.002 (200 per 100,000).
    # s2 = (4,000 x 0.001^2 + 2,000 x 0.002^2) / 6,000 = 2e-6; between A = 2e-6 - 0.002/3,000 = 1.3333e-6
    # Alpha keeps w = A / (A + 0.002/4,000) = 0.727273 of its rate: 0.002 + w x 0.001 = 0.00272727
    # unmet part = (0.00272727 - 0.002) / 0.00272727 = 4/15
    assert cov.summary.prior_rate == pytest.approx(200)
    assert m[W1].unmet_weight == pytest.approx(8 / 11)
    assert m[W1].unmet_smoothed == pytest.approx(272.727, abs=1e-3)
    assert m[W1].unmet_part == pytest.approx(4 / 15)
    # Beta: w = A / (A + 0.002/2,000) = 4/7, smoothed 0.002 - 4/7 x 0.002 = 85.7 per 100,000, below the prior
    assert m[W2].unmet_smoothed == pytest.approx(600 / 7) and m[W2].unmet_part == 0
    # Alpha: access 0, supply at the median (5.0 = 5.0) -> lack 0.2 x 4/15
    assert m[W1].lack == pytest.approx(0.2 * 4 / 15)
    assert m[W1].gap == pytest.approx(100 * 0.2 * 4 / 15 * (0.5 + NEED_ALPHA) / 1.5)  # 5.23
    # Beta: access shortfall (1 + 1) / 2 = 1, supply 0, unmet 0 -> lack 0.5
    assert m[W2].gap == pytest.approx(100 * 0.5 * (0.5 + NEED_BETA) / 1.5)  # 20.57
    assert [a.code for a in cov.ranked] == [W2, W1]
    assert (m[W2].rank, m[W1].rank, m[W3].rank) == (1, 2, None)
    assert "12 'nothing suitable' signals in 90 days, 272.7 per 100,000 after smoothing" in m[W1].reasons
    assert "IMD decile 1" in m[W1].reasons
    assert m[W2].reasons[0] == "no carers' support within 1 mile for 2,000 residents"


def test_older_people_gap_uses_65_plus_share_and_says_why(toy):
    cov = usecases.coverage(params(audience="older-people"))
    m = by_code(cov)
    # Beta: no access, no supply (0 against a median of 20) -> lack 0.5 + 0.3 = 0.8
    # need = mean of 0.117041 and min(1, (500/2000) / (2 x 1000/6000)) = 0.75
    need = (NEED_BETA + 0.75) / 2
    assert m[W2].need == pytest.approx(need)
    assert m[W2].gap == pytest.approx(100 * 0.8 * (0.5 + need) / 1.5)  # 49.8
    assert m[W2].reasons[:2] == [
        "no carers' support within 1 mile for 500 residents aged 65+",
        "no carers' support in the ward",
    ]
    assert "25% aged 65+ (17% across Toyshire)" in m[W2].reasons
    assert cov.ranked[0].code == W2


def test_zero_population_and_zero_assets_give_no_division_errors(toy):
    for measure in ("gap", "per_10k", "share_beyond_800", "access"):
        cov = usecases.coverage(params(measure=measure))
        g = by_code(cov)[W3]
        assert (g.population, g.assets) == (0, 0)
        assert (g.per_10k, g.share_beyond_800, g.share_beyond_mile, g.access, g.gap, g.rank) == (None,) * 6
        assert g.reasons == ["no residents counted here"]
    # a category nobody offers anywhere: every median is 0, every area with residents has the full shortfall
    cov = usecases.coverage(params(category="employment-support"))
    m = by_code(cov)
    assert cov.medians["per_10k"] == 0.0
    assert m[W1].lack == pytest.approx(0.8) and m[W2].lack == pytest.approx(0.8)
    assert m[W3].gap is None


def test_gap_formula_ends():
    assert measures.gap_score(0, 0, 0, 1.0) == (0.0, 0.0)
    assert measures.gap_score(1, 1, 1, 1.0) == (pytest.approx(1.0), pytest.approx(100.0))
    assert measures.gap_score(1, 1, 1, 0.0) == (pytest.approx(1.0), pytest.approx(100 / 3))
    assert measures.need_score(None, None, None, older=False) == 0.5
    assert measures.need_from_rank(1) == 1.0 and measures.need_from_rank(32_844) == 0.0
    assert measures.people(4_137) == "4,100" and measures.people(457) == "460" and measures.people(42) == "42"


def test_medians_ignore_areas_without_residents(toy):
    cov = usecases.coverage(params(verified_only=True))
    assert cov.medians["per_10k"] == pytest.approx((2.5 + 5.0) / 2)


# --------------------------------------------------------------------------- parameters and areas


def test_params_reject_unknown_choices_naming_the_field(toy):
    for args, field in (
        ({"geography": "county"}, "geography"),
        ({"category": "knitting"}, "category"),
        ({"audience": "cats"}, "audience"),
        ({"capability": "x"}, "capability"),
        ({"days": "7"}, "days"),
        ({"days": "'; DROP TABLE ward;--"}, "days"),
        ({"la": "E06000000"}, "la"),
        ({"measure": "vibes"}, "measure"),
    ):
        with pytest.raises(ValidationError) as err:
            parse_params(args)
        assert err.value.field == field


def test_params_defaults_and_all(toy):
    p = parse_params({"category": "all", "la": LA, "verified": "yes", "days": "30"})
    assert (p.category, p.la, p.verified_only, p.days, p.geography) == ((), LA, True, 30, "ward")
    assert parse_params({"la": "all"}).la is None
    assert parse_params({}).la == "E08000025"  # Birmingham: the most populous loaded


def test_area_profile_freshness_people_and_medians(toy, db):
    from tests.factories import make_user

    make_user("coordinator", wards=[W1])
    make_user("coordinator", constituencies=[CON])
    make_user("coordinator", wards=[W2])
    p = params()
    profile = usecases.area_profile("ward", W1, p)
    assert profile.record.name == "Alpha" and profile.record.la_name == "Toyshire"
    assert {a.name for a in profile.assets} == {"Alpha carers' café", "Alpha carers' group", "Alpha walking group"}
    # A1 and A4 were checked 30 days ago, A2 two years ago
    assert (profile.verified_6m, profile.verified_12m) == (2, 2)
    assert profile.share_12m == pytest.approx(2 / 3)
    assert len(profile.coordinators) == 2  # the ward's and the constituency's
    assert profile.measures.per_10k == pytest.approx(5.0)
    assert profile.medians["per_10k"] == pytest.approx(5.0)
    counts = {c.code: c.assets for c in profile.by_category}
    assert counts == {"carers-support": 2, "physical-activity": 1}
    beta = usecases.area_profile("ward", W2, p)
    assert [a.name for a in beta.assets] == ["Beta carers line"]  # serves Beta by phone
    with pytest.raises(NotFound):
        usecases.area_profile("ward", "E05999999", p)
    with pytest.raises(NotFound):
        usecases.area_profile("county", W1, p)


def test_near_m_is_exact_even_far_north(db, app_ctx):
    """The widened box never cuts off a point the exact test would keep (Shetland, 60.9 N)."""
    from sqlalchemy import select

    from assetmap.geo import distance_m, near_m, point

    origin = point(-1.0, 60.9)
    results = {}
    for lon in (-0.97045, -0.9702, -1.0):
        results[lon] = db.execute(
            select(distance_m(point(lon, 60.9), origin), near_m(point(lon, 60.9), origin, 1609.344))
        ).one()
    assert results[-0.97045][0] < 1609.344 and results[-0.97045][1] is True  # about 1,604 m due east
    assert results[-0.9702][0] > 1609.344 and results[-0.9702][1] is False  # about 1,618 m
    assert results[-1.0][1] is True


def test_sphere_distance_is_within_half_a_percent_of_the_spheroid(db, app_ctx):
    from sqlalchemy import select

    from assetmap.geo import distance_m, point, sphere_distance_m

    for a, b in (((-1.9, 52.48), (-1.88, 52.49)), ((-5.08, 50.315), (-5.06, 50.315)), ((-1.0, 60.9), (-0.97, 60.9))):
        exact, sphere = db.execute(
            select(distance_m(point(*a), point(*b)), sphere_distance_m(point(*a), point(*b)))
        ).one()
        assert sphere == pytest.approx(exact, rel=0.005)


def test_legend_classes_handle_few_values_and_no_data():
    from assetmap.coverage import present

    few = present.classify("per_10k", [0.0, 5.0, 5.0, None])
    assert [(i.label) for i in few.legend()] == ["0.0", "5.0", "No residents"]
    assert few.colour(None) == present.NO_DATA
    # fewer assets is the gap, so for a rate the darkest colour goes to the lowest values
    assert few.colour(0.0) == present.MEASURE_COLOURS[-1] and few.colour(5.0) == present.MEASURE_COLOURS[0]
    many = present.classify("gap", list(range(100)))
    assert len(many.bounds) == 5 and many.bounds[0][0] == 0 and many.bounds[-1][1] == 99
    assert many.colour(99) == present.MEASURE_COLOURS[-1]
    assert present.classify("gap", []).legend(no_data=False) == []


def test_birmingham_wards_one_row_each_in_the_csv(db, app_ctx):
    import csv
    import io

    from assetmap.coverage import exports

    cov = usecases.coverage(CoverageParams(la="E08000025", category="carers-support"))
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(cov).lstrip("\ufeff"))))
    assert len(rows) == 69 and len({r["code"] for r in rows}) == 69
    assert sum(int(r["residents"]) for r in rows) == 1_144_903  # every Birmingham resident, once
