"""Load the English Indices of Deprivation 2019 (score, rank, decile) onto LSOAs."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from ..db import session
from ..errors import ValidationError
from . import rollup

CODE_COLS = ("lsoa11_code", "lsoa11cd", "lsoa code (2011)", "lsoa_code")
SCORE_COLS = ("imd_score", "index of multiple deprivation (imd) score")
RANK_COLS = (
    "imd_rank",
    "index of multiple deprivation (imd) rank",
    "index of multiple deprivation (imd) rank (where 1 is most deprived)",
)
DECILE_COLS = (
    "imd_decile",
    "index of multiple deprivation (imd) decile",
    "index of multiple deprivation (imd) decile (where 1 is most deprived 10% of lsoas)",
)


@dataclass
class DeprivationReport:
    rows: int = 0
    updated: int = 0
    unknown: int = 0

    def summary(self) -> str:
        return f"deprivation: {self.rows} rows, {self.updated} LSOAs updated, {self.unknown} codes not loaded"


def _col(cols, options, what, name):
    found = next((c for c in cols if c.strip().lower() in options), None)
    if not found:
        raise ValidationError(f"{name} has no {what} column (expected one of: {', '.join(options[:2])})")
    return found


def load_deprivation(path: str | Path) -> DeprivationReport:
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{p} does not exist")
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = reader.fieldnames or []
            code, score = _col(cols, CODE_COLS, "LSOA code", p.name), _col(cols, SCORE_COLS, "IMD score", p.name)
            rank, decile = _col(cols, RANK_COLS, "IMD rank", p.name), _col(cols, DECILE_COLS, "IMD decile", p.name)
            rows = []
            for i, r in enumerate(reader, start=2):
                try:
                    s, rk, d = float(r[score]), int(float(r[rank])), int(float(r[decile]))
                except (TypeError, ValueError):
                    raise ValidationError(f"{p.name} line {i}: IMD score, rank and decile must be numbers") from None
                if not (1 <= d <= 10) or rk < 1 or s != s:
                    raise ValidationError(f"{p.name} line {i}: decile must be 1-10 and rank at least 1")
                rows.append({"c": r[code].strip(), "s": s, "r": rk, "d": d})
    except UnicodeDecodeError:
        raise ValidationError(f"{p.name} is not UTF-8 text") from None
    known = set(session.execute(text("SELECT code FROM lsoa")).scalars())
    report = DeprivationReport(rows=len(rows))
    hits = [r for r in rows if r["c"] in known]
    report.unknown = len(rows) - len(hits)
    if hits:
        session.execute(text("UPDATE lsoa SET imd_score = :s, imd_rank = :r, imd_decile = :d WHERE code = :c"), hits)
    report.updated = len(hits)
    rollup.rollup_areas()
    return report
