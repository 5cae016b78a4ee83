"""Monthly snapshots and trends, and impact (connections and follow-ups) with small numbers suppressed.

On the Toyshire toy of tests/test_coverage.py. Snapshots are taken for Toyshire and two views (all
categories, carers' support) so the test does not work out both real councils' 21 views.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import func, select

from assetmap.cli import main
from assetmap.coverage import impact, snapshots
from assetmap.models import ConnectionLog, CoverageSnapshot, UnmetNeed
from tests.factories import login, make_user
from tests.test_coverage import LA, TODAY, W1, W2, params, toy  # noqa: F401

VIEWS = ["all", "carers-support"]


def take(day: dt.date) -> int:
    return snapshots.take_monthly_snapshot(day, only_las=[LA], only_views=VIEWS)


def kept(db) -> int:
    """Toyshire's rows (a job runner test may have kept the real councils' in this database)."""
    return db.execute(select(func.count()).select_from(CoverageSnapshot).where(CoverageSnapshot.la_code == LA)).scalar()


# --------------------------------------------------------------------------- snapshots and trends


def test_a_snapshot_keeps_every_measure_for_every_area_and_taking_it_again_replaces_it(toy, db):
    day = dt.date(2026, 9, 14)
    n = take(day)
    # Toyshire: 3 wards + 1 constituency + 3 LSOAs + 1 authority, for each of 2 views
    assert n == 2 * (3 + 1 + 3 + 1) == kept(db)
    assert take(day) == n and kept(db) == n  # the same month again: replaced
    row = db.get(CoverageSnapshot, (dt.date(2026, 9, 1), "ward", "", W2, "carers-support"))
    assert row.la_code == LA
    f = row.figures
    assert (f["assets"], f["remote_assets"], f["population"]) == (1, 1, 2000)
    assert f["share_beyond_mile"] == 1.0 and f["per_10k"] == 5.0 and f["gap_rank"] == 1
    assert f["gap"] == pytest.approx(100 * 0.5 * (0.5 + 1 - 28_999 / 32_843) / 1.5, abs=1e-5)
    assert set(snapshots.FIGURES) <= set(f) and {"followed_up", "attended", "helped"} <= set(f)


def test_trends_read_back_month_by_month_and_change_with_the_data(toy, db):
    for _ in range(12):  # twelve signals on 20 August: after August's snapshot, in September's 90 days
        db.add(
            UnmetNeed(
                id=uuid.uuid4(), recorded_on=dt.date(2026, 8, 20), category_codes=["carers-support"], ward_code=W1
            )
        )
    db.flush()
    take(dt.date(2026, 8, 3))
    take(dt.date(2026, 9, 3))
    series = snapshots.series(params(today=dt.date(2026, 9, 3)), [W1])[W1]
    assert [m for m, _f in series] == [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    assert [f["unmet"] for _m, f in series] == [0, 12]
    # September: the worked example of test_gap_score_and_ranking_by_hand (Alpha's gap 5.23, from 0 in August)
    assert [round(f["gap"], 2) for _m, f in series] == [0.0, 5.23]
    assert snapshots.series(params(audience="older-people"), [W1]) == {W1: []}  # no view kept for that


def test_trend_csv_and_the_pages_show_the_kept_months(client, toy, db):
    take(dt.date(2026, 8, 3))
    take(dt.date(2026, 9, 3))
    login(client, make_user("commissioner"))
    q = f"la={LA}&category=carers-support"
    body = client.get(f"/coverage/trends.csv?{q}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(r["month"], r["code"]) for r in rows} >= {("2026-08-01", W2), ("2026-09-01", W2)}
    assert {r["view"] for r in rows} == {"carers-support"}
    page = client.get(f"/coverage?{q}").get_data(as_text=True)
    trend = page[page.index('id="trend"') : page.index('id="how-it-works"')]
    assert "Aug 2026" in trend and "Sep 2026" in trend and "<svg" in trend
    area = client.get(f"/areas/ward/{W2}?category=carers-support").get_data(as_text=True)
    assert "Beta month by month" in area and "Sep 2026" in area
    several = client.get(f"/coverage/trends.csv?{q}&category=transport")
    assert several.status_code == 400


def test_the_snapshot_command_takes_this_month(app, toy, monkeypatch):
    calls = []
    monkeypatch.setattr(snapshots, "take_monthly_snapshot", lambda day, progress=None: calls.append(day) or 7)
    result = app.test_cli_runner().invoke(main, ["report", "snapshot", "--date", "2026-10-05"])
    assert result.exit_code == 0 and "Kept 7 snapshot rows for October 2026" in result.output
    assert calls == [dt.date(2026, 10, 5)]
    bad = app.test_cli_runner().invoke(main, ["report", "snapshot", "--date", "5/10/2026"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


# --------------------------------------------------------------------------- impact


def connect(db, service, n: int, answers=(), ward=W1, days_ago=5):
    """``n`` connections; the first len(answers) get follow-up answers (went, helped)."""
    for i in range(n):
        went, helped = answers[i] if i < len(answers) else (None, None)
        db.add(
            ConnectionLog(
                id=uuid.uuid4(),
                service_id=service.id,
                logged_on=TODAY - dt.timedelta(days=days_ago),
                ward_code=ward,
                followup_ref=f"T{uuid.uuid4().hex[:7]}",
                followup_attended=went,
                followup_helped=helped,
                followup_on=TODAY if went else None,
            )
        )
    db.flush()


def test_impact_shares_by_hand_and_suppression_below_five(toy, db):
    connect(db, toy.a1, 6, [("yes", "yes"), ("yes", "no"), ("yes", "yes"), ("no", "not_known")])
    connect(db, toy.a3, 2, [("yes", "yes")], ward=W2)
    cov_areas = [type("A", (), {"code": c, "name": n})() for c, n in ((W1, "Alpha"), (W2, "Beta"))]
    rows, total = impact.by_area(params(), cov_areas)
    alpha, beta = rows
    assert (alpha.connections, alpha.followed_up, alpha.attended, alpha.helped) == (6, 4, 3, 2)
    # followed up 4 of 6 rests on 6 connections: shown; went and helped rest on 4 answers: held back
    assert alpha.texts() == {
        "connections": "6",
        "followed_up": "67%",
        "attended": "fewer than 5",
        "helped": "fewer than 5",
    }
    assert beta.texts() == {
        "connections": "fewer than 5",
        "followed_up": "fewer than 5",
        "attended": "fewer than 5",
        "helped": "fewer than 5",
    }
    # the total: 8 connections, 5 answered (4 went, 3 helped)
    assert total.texts() == {"connections": "8", "followed_up": "62%", "attended": "80%", "helped": "60%"}
    connect(db, toy.a1, 1, [("no", "no")])
    alpha = impact.by_area(params(), cov_areas)[0][0]
    assert alpha.texts() == {"connections": "7", "followed_up": "71%", "attended": "60%", "helped": "40%"}


def test_impact_by_category_listing_and_month(toy, db):
    connect(db, toy.a1, 5, [("yes", "yes")] * 5)
    connect(db, toy.a4, 1, ward=W1)
    cats = {r.key: r for r in impact.by_group(params(category=()), "category", [W1, W2])}
    assert cats["carers-support"].connections == 5 and cats["carers-support"].texts()["helped"] == "100%"
    assert cats["physical-activity"].texts()["connections"] == "fewer than 5"
    listings = impact.by_group(params(category=()), "listing", [W1, W2])
    assert [r.label for r in listings] == ["Alpha carers' café", "Alpha walking group"]
    months = impact.monthly(params(), [W1])
    assert len(months) == 12 and months[-1].label == TODAY.strftime("%b %Y")
    assert sum(m.connections for m in months) == 5


def test_impact_on_pages_exports_and_report_never_shows_a_small_count(client, toy, db):
    connect(db, toy.a1, 3, [("yes", "yes")] * 3)
    login(client, make_user("commissioner"))
    q = f"la={LA}&category=carers-support"
    page = client.get(f"/coverage?{q}").get_data(as_text=True)
    section = page[page.index('id="impact"') : page.index('id="trend"')]
    assert "fewer than 5 connections is not shown" in section and "fewer than 5</td>" in section
    table = page[page.index('id="all-measures"') : page.index('id="impact"')]
    alpha_row = table[table.index("Alpha</a>") :][:2000].split("</tr>")[0]
    assert 'data-sort-value="1">fewer than 5</td>' in alpha_row and ">3<" not in alpha_row
    area = client.get(f"/areas/ward/{W1}?category=carers-support").get_data(as_text=True)
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">fewer than 5</td>' in area
    for by in ("area", "category", "listing", "month"):
        body = client.get(f"/coverage/impact.csv?{q}&by={by}").get_data(as_text=True)
        assert "fewer than 5" in body and ",3," not in body, by
    gaps = list(
        csv.DictReader(io.StringIO(client.get(f"/coverage/gaps.csv?{q}").get_data(as_text=True).lstrip("\ufeff")))
    )
    alpha = next(r for r in gaps if r["code"] == W1)
    assert (alpha["connections"], alpha["followed_up_pct"], alpha["impact_suppressed"]) == ("fewer than 5", "", "yes")
    report = client.get(f"/coverage/report?{q}").get_data(as_text=True)
    assert "Impact: connections and what followed" in report and "fewer than 5" in report
    assert client.get(f"/coverage/impact.csv?{q}&by=postcode").status_code == 400


def test_the_job_runner_takes_the_snapshot_once_a_month(app, toy, db, monkeypatch):
    from assetmap.coverage.jobs import coverage_snapshot
    from assetmap.jobs import JOBS

    assert JOBS["coverage-snapshot"].every == dt.timedelta(days=1)
    taken, real = [], snapshots.take_monthly_snapshot
    monkeypatch.setattr(
        snapshots, "take_monthly_snapshot", lambda day: taken.append(day) or real(day, only_las=[LA], only_views=VIEWS)
    )
    first = coverage_snapshot(dt.datetime(2026, 10, 1, 3, 0, tzinfo=dt.UTC))
    again = coverage_snapshot(dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC))
    later = coverage_snapshot(dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC))
    assert taken == [dt.date(2026, 10, 1), dt.date(2026, 11, 5)]
    assert first == "16 rows kept for October 2026" and again == "October 2026 already kept"
    assert later == "16 rows kept for November 2026"
