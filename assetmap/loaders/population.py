"""Load Census 2021 population (total and aged 65+) onto our LSOA 2011 polygons.

IMD 2019 and the shipped polygons use LSOA 2011; Census 2021 counts are by LSOA 2021. Codes
that exist in both (unchanged areas) are copied straight across. For a 2021 LSOA whose code
is new (the area was split or merged in 2021), its residents are allocated to its 2011
"parent" LSOAs — the 2011 LSOAs whose codes disappeared in 2021 and that sit in the same MSOA
(the LSOA name without its final letter, e.g. "Birmingham 067") — in proportion to the number
of postcodes in each parent. If no parent shares its MSOA (MSOAs renumbered in 2021), the
parents are the remaining disappeared 2011 LSOAs of the same local authority that received no
other allocation. Integer allocation uses largest remainders, so every local authority's total
equals the Census total exactly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from ..db import session
from ..errors import ValidationError
from . import rollup


@dataclass
class PopulationReport:
    rows: int = 0
    matched: int = 0
    allocated: int = 0
    unplaced: list[str] = field(default_factory=list)
    total: int = 0
    total_65plus: int = 0

    def summary(self) -> str:
        return (
            f"population: {self.rows} LSOA 2021 rows ({self.matched} same code as 2011, "
            f"{self.allocated} allocated to 2011 parents, {len(self.unplaced)} not placed); "
            f"total {self.total:,}, aged 65+ {self.total_65plus:,}"
        )


def _num(value: str, label: str) -> int:
    try:
        n = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: '{value}' is not a number") from None
    if n < 0 or n != n:
        raise ValidationError(f"{label}: population cannot be negative")
    return round(n)


def read_census(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = reader.fieldnames or []
            code_col = next(
                (
                    c
                    for c in cols
                    if c.lower()
                    in ("lsoa21_code", "lsoa21cd", "lsoa_code", "lsoa11_code", "lsoa11cd", "geography code")
                ),
                None,
            )
            name_col = next(
                (c for c in cols if c.lower() in ("lsoa21_name", "lsoa21nm", "lsoa_name", "lsoa11_name", "geography")),
                None,
            )
            total_col = next((c for c in cols if c.lower() in ("total", "all ages", "all persons")), None)
            old_col = next((c for c in cols if "65" in c and "over" in c.lower()), None)
            if not (code_col and total_col and old_col):
                raise ValidationError(
                    f"{path.name} needs an LSOA code column (lsoa21_code), a 'total' column and "
                    "an 'Aged 65 years and over' column"
                )
            out = []
            for i, r in enumerate(reader, start=2):
                out.append(
                    {
                        "code": r[code_col].strip(),
                        "name": (r.get(name_col) or "").strip(),
                        "total": _num(r[total_col], f"line {i}"),
                        "old": _num(r[old_col], f"line {i}"),
                    }
                )
            return out
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name} is not UTF-8 text") from None


def _split(amount: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of an integer in proportion to weights (equal if all zero)."""
    keys = sorted(weights)
    total_w = sum(weights.values())
    shares = {k: (weights[k] / total_w if total_w else 1 / len(keys)) * amount for k in keys}
    out = {k: int(shares[k]) for k in keys}
    short = amount - sum(out.values())
    for k in sorted(keys, key=lambda k: shares[k] - out[k], reverse=True)[:short]:
        out[k] += 1
    return out


def load_population(path: str | Path) -> PopulationReport:
    """Set lsoa.population_total / population_65plus and roll up (caller commits)."""
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"{p} does not exist")
    census = read_census(p)
    report = PopulationReport(rows=len(census))
    ours = {
        code: (name, lad) for code, name, lad in session.execute(text("SELECT code, name, lad_code FROM lsoa")).all()
    }
    if not ours:
        raise ValidationError("Load the LSOA boundaries before the population")
    census_codes = {r["code"] for r in census}
    gone = {c for c in ours if c not in census_codes}
    pc_counts = dict(
        session.execute(
            text("SELECT lsoa_code, count(*) FROM postcode WHERE lsoa_code IS NOT NULL GROUP BY lsoa_code")
        ).all()
    )

    msoa = lambda name: name[:-1].strip() if name else ""  # noqa: E731 - "Birmingham 067A" -> "Birmingham 067"
    lad_of_name = lambda name: name.rsplit(" ", 1)[0] if name else ""  # noqa: E731
    gone_by_msoa: dict[str, list[str]] = defaultdict(list)
    for c in gone:
        gone_by_msoa[msoa(ours[c][0])].append(c)

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    orphans = []
    used = set()
    for r in census:
        if r["code"] in ours:
            totals[r["code"]][0] += r["total"]
            totals[r["code"]][1] += r["old"]
            report.matched += 1
            continue
        parents = gone_by_msoa.get(msoa(r["name"]), [])
        if not parents:
            orphans.append(r)
            continue
        used.update(parents)
        _allocate(r, parents, pc_counts, totals)
        report.allocated += 1
    for r in orphans:
        parents = [c for c in gone if c not in used and lad_of_name(ours[c][0]) == lad_of_name(r["name"])]
        if not parents:
            report.unplaced.append(r["code"])
            continue
        _allocate(r, parents, pc_counts, totals)
        report.allocated += 1
    if report.unplaced:
        raise ValidationError(
            f"{len(report.unplaced)} LSOA 2021 codes could not be placed in any loaded LSOA "
            f"(first: {', '.join(report.unplaced[:5])}); load the matching boundaries first"
        )
    session.execute(
        text("UPDATE lsoa SET population_total = :t, population_65plus = :o WHERE code = :c"),
        [{"c": c, "t": t, "o": o} for c, (t, o) in totals.items()],
    )
    report.total = sum(t for t, _ in totals.values())
    report.total_65plus = sum(o for _, o in totals.values())
    rollup.rollup_areas()
    return report


def _allocate(row: dict, parents: list[str], pc_counts: dict, totals: dict) -> None:
    weights = {c: float(pc_counts.get(c, 0)) for c in parents}
    for c, n in _split(row["total"], weights).items():
        totals[c][0] += n
    for c, n in _split(row["old"], weights).items():
        totals[c][1] += n
