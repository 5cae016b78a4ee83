"""Monthly snapshots of every measure for every area, kept in the database, so trends can be shown.

Why: commissioners asked "is it getting better?", and measures worked out on the day cannot answer it
(assets come and go, signals age out of the period). Each month keeps, for every area of every
geography (ward, constituency, LSOA, authority) of every loaded authority and of every custom area set:
every measure for all categories and for each category alone, for everyone, counting every live asset,
with 90 days of demand, plus the connections and follow-up answers of that period. Taking a month
again replaces it, so a job that runs twice records once.

``take_monthly_snapshot`` is what the scheduled job calls (``assetmap report snapshot`` by hand).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from .. import taxonomy
from ..db import transaction
from . import impact, queries
from .params import CoverageParams
from .usecases import coverage

GEOGRAPHIES = ("ward", "constituency", "lsoa", "la")
#: what each snapshot row keeps (AreaMeasures attributes), in this order in the CSV
FIGURES = (
    "population",
    "assets",
    "remote_assets",
    "per_10k",
    "share_beyond_800",
    "share_beyond_mile",
    "access",
    "imd_rank",
    "need",
    "connections",
    "unmet",
    "unmet_smoothed",
    "gap",
    "gap_rank",
)
OUTCOMES = ("followed_up", "attended", "helped")


def views() -> list[str]:
    """'all' and every category code."""
    return ["all"] + [t.code for t in taxonomy.terms("category")]


def _figures(m, outcome) -> dict:
    out = {k: (None if getattr(m, k) is None else round(float(getattr(m, k)), 6)) for k in FIGURES}
    for k in ("assets", "remote_assets", "connections", "unmet", "gap_rank"):
        out[k] = None if out[k] is None else int(out[k])
    for k in OUTCOMES:
        out[k] = getattr(outcome, k) if outcome else 0
    return out


def _rows(cov, month: dt.date, view: str, set_key: str, la_code: str | None) -> list[dict]:
    p = cov.params
    outcomes = {o.key: o for o in queries.connection_outcomes(p, "area", [m.code for m in cov.areas])}
    return [
        {
            "month": month,
            "geography": p.geography,
            "set_key": set_key,
            "area_code": m.code,
            "view": view,
            "la_code": m.lad_code or la_code,
            "figures": _figures(m, outcomes.get(m.code)),
        }
        for m in cov.areas
    ]


def compute_month(today: dt.date, progress=None, only_las=None, only_views=None) -> list[dict]:
    """Every snapshot row for the month holding ``today`` (nothing written).

    ``only_las`` / ``only_views`` narrow it to some authorities (and then no custom sets) or views."""
    month = today.replace(day=1)
    rows: dict[tuple, dict] = {}
    las = [a for a in queries.local_authorities() if only_las is None or a.code in only_las]
    sets = queries.area_sets() if only_las is None else []
    for view in only_views or views():
        base = CoverageParams(category=() if view == "all" else (view,), today=today)
        for la in las:
            p = base.with_(la=la.code)
            lsoas = queries.lsoa_access(p)
            for geography in GEOGRAPHIES:
                for row in _rows(
                    coverage(p.with_(geography=geography), lsoas=lsoas, measures_only=True), month, view, "", la.code
                ):
                    key = (row["geography"], row["area_code"], view)
                    # an area in two authorities (a constituency) is kept as compared in the one holding most of it
                    if key not in rows or row["la_code"] == la.code:
                        rows[key] = row
        for s in sets:
            p = base.with_(geography="custom", area_set=s.id)
            for row in _rows(coverage(p, measures_only=True), month, view, str(s.id), None):
                rows[(f"custom:{s.id}", row["area_code"], view)] = row
        if progress:
            progress(view)
    return list(rows.values())


def take_monthly_snapshot(today: dt.date | None = None, progress=None, only_las=None, only_views=None) -> int:
    """Work out and keep this month's snapshot (one transaction); returns the number of rows kept.

    This is the function the scheduled job calls, once a month; running it again in the same month
    replaces that month's rows."""
    today = today or dt.date.today()
    rows = compute_month(today, progress, only_las, only_views)
    with transaction():
        return queries.save_snapshot(rows)


# --------------------------------------------------------------------------- reading them back


def set_key(p: CoverageParams) -> str:
    return str(p.area_set) if p.geography == "custom" else ""


def series(p: CoverageParams, codes: list[str]) -> dict[str, list[tuple[dt.date, dict]]]:
    """area code -> [(month, figures)] for the view matching ``p`` (empty when no view matches)."""
    view = p.single_view
    out: dict[str, list[tuple[dt.date, dict]]] = {c: [] for c in codes}
    if view is None:
        return out
    for code, month, figures in queries.snapshot_series(p.geography, set_key(p), view, codes):
        out.setdefault(code, []).append((month, figures))
    return out


def scope_series(p: CoverageParams, areas) -> list[tuple[dt.date, dict]]:
    """Month by month across the areas in scope: residents-weighted gap, totals of assets and signals."""
    by_month: dict[dt.date, list[dict]] = {}
    for pairs in series(p, [a.code for a in areas]).values():
        for month, f in pairs:
            by_month.setdefault(month, []).append(f)
    out = []
    for month in sorted(by_month):
        fs = by_month[month]
        pop = sum(f["population"] or 0 for f in fs if f["gap"] is not None)
        gap = sum((f["gap"] or 0) * (f["population"] or 0) for f in fs if f["gap"] is not None) / pop if pop else None
        out.append(
            (
                month,
                {
                    "gap": gap,
                    "assets": sum(f["assets"] or 0 for f in fs),
                    "unmet": sum(f["unmet"] or 0 for f in fs),
                    "connections": sum(f["connections"] or 0 for f in fs),
                    "areas": len(fs),
                },
            )
        )
    return out


def to_csv(p: CoverageParams, names: dict[str, str]) -> str:
    """The kept series for every area in ``names`` (code -> name) as CSV, impact suppressed as on the page."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(
        [
            "month",
            "code",
            "name",
            "geography",
            "view",
            *FIGURES,
            "followed_up_pct",
            "attended_pct",
            "helped_pct",
            "suppressed",
        ]
    )
    for code, pairs in series(p, list(names)).items():
        for month, f in pairs:
            row = impact.ImpactRow(
                code, names[code], f["connections"] or 0, f["followed_up"], f["attended"], f["helped"]
            )
            pct = [
                ("" if s is None else round(s * 100, 1))
                for s in (row.followed_up_share, row.attended_share, row.helped_share)
            ]
            figures = [f.get(k) for k in FIGURES]
            if row.connections_shown is None:
                figures[FIGURES.index("connections")] = impact.SUPPRESSED
            w.writerow(
                [
                    month.isoformat(),
                    code,
                    names[code],
                    p.geography,
                    p.single_view,
                    *["" if v is None else v for v in figures],
                    *pct,
                    "yes" if row.suppressed else "",
                ]
            )
    return out.getvalue()
