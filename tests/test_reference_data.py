"""The real York and Birmingham reference data, as loaded by the loaders."""

import json

from sqlalchemy import text

from assetmap.db import session


def q(sql, **kw):
    return session.execute(text(sql), kw)


def test_counts_after_loading(app_ctx):
    counts = dict(
        q("""SELECT 'wards', count(*) FROM ward UNION ALL SELECT 'constituencies', count(*) FROM constituency
                       UNION ALL SELECT 'lsoas', count(*) FROM lsoa UNION ALL SELECT 'postcodes', count(*) FROM postcode
                       UNION ALL SELECT 'las', count(*) FROM local_authority""").all()
    )
    assert counts == {"wards": 90, "constituencies": 12, "lsoas": 759, "postcodes": 27044, "las": 2}


def test_city_population_equals_census_totals(app_ctx):
    rows = {c: (t, o) for c, t, o in q("SELECT code, population_total, population_65plus FROM local_authority").all()}
    assert rows["E08000025"] == (1_144_903, 150_483)
    assert rows["E06000014"] == (202_834, 38_740)
    # the LSOAs add up to the same totals: every resident is counted exactly once
    assert q("SELECT sum(population_total) FROM lsoa").scalar() == 1_144_903 + 202_834
    assert q("SELECT sum(population_total) FROM ward").scalar() == 1_144_903 + 202_834


def test_every_ward_population_is_plausible(app_ctx):
    # 2024 wards hold roughly 3,500 (small York wards) to 32,000 (three-member Birmingham wards) people
    for code, pop, pop65 in q("SELECT code, population_total, population_65plus FROM ward").all():
        assert 3_000 <= pop <= 35_000, (code, pop)
        assert 0 < pop65 < pop, code


def test_imd_joined_to_every_lsoa_and_rolled_up(app_ctx):
    assert q("SELECT count(*) FROM lsoa WHERE imd_decile IS NULL OR imd_rank IS NULL").scalar() == 0
    assert q("SELECT count(*) FROM ward WHERE imd_decile IS NULL").scalar() == 0
    # Birmingham Ladywood is among England's most deprived constituencies; York Outer is not
    deciles = dict(q("SELECT code, imd_decile FROM constituency").all())
    assert deciles["E14001096"] <= 2
    assert deciles["E14001605"] >= 7


def test_wards_get_their_majority_constituency(app_ctx):
    # from the lookup derived in shared/data/lookups (both methods agree for all 90 wards)
    import csv

    from assetmap.config import PROJECT_ROOT

    DATA = PROJECT_ROOT / "data"
    expected = {
        r["WD24CD"]: r["PCON24CD"]
        for r in csv.DictReader(open(DATA / "lookups" / "ward2024_to_pcon2024_birmingham_york.csv"))
    }
    got = dict(q("SELECT code, constituency_code FROM ward").all())
    assert got == expected


def test_postcode_points_sit_in_their_code_point_ward(app_ctx):
    # Code-Point's own ward codes: 99.9% of centroids fall inside the generalised polygon
    total, inside = q("""SELECT count(*), count(*) FILTER (WHERE ST_Covers(w.geom, p.geom))
                         FROM postcode p JOIN ward w ON w.code = p.ward_code""").one()
    assert total == 27044
    assert inside / total > 0.995


def test_status_command_prints_json(runner):
    result = runner.invoke(args=["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("local_authorities", "wards", "constituencies", "lsoas", "postcodes", "organisations", "assets"):
        assert isinstance(data[key], int)
    assert data["wards"] == 90 and data["postcodes"] == 27044
