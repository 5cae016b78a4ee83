"""Coverage measures and the need-weighted gap score, from plain rows (no database, no HTTP).

Gap score (0 to 100; higher means a bigger gap), for an area with residents:

    Lack  = 0.5 x Access shortfall + 0.3 x Supply shortfall + 0.2 x Unmet need
    Need  = (10 - IMD decile) / 9                                   (decile 1 -> 1, decile 10 -> 0)
            for older people: the mean of that and min(1, 65+ share / (2 x the 65+ share of the whole scope))
    Gap   = 100 x Lack x (0.5 + Need) / 1.5

    Access shortfall = the mean of the shares of residents more than 800 m and more than 1 mile
                       from the nearest matching in-person asset
    Supply shortfall = max(0, 1 - assets per 10,000 / the median across the areas compared)
                       (when that median is 0: 1 with no assets, 0 with any)
    Unmet need       = 'nothing suitable' signals in the period / the most any area compared has (0 if none)

An unknown IMD decile counts as the middle (Need 0.5). Areas with no residents get no score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

W_ACCESS, W_SUPPLY, W_UNMET = 0.5, 0.3, 0.2
PER = 10_000


@dataclass
class AreaMeasures:
    code: str
    name: str
    lad_code: str | None
    imd_decile: int | None
    population_total: int = 0
    population_65plus: int = 0
    population: int = 0  #: the base used: all residents, or those aged 65+
    assets: int = 0
    remote_assets: int = 0  #: counted only through the wards they serve (online, phone)
    beyond_800: int = 0  #: residents (of the base) more than 800 m from the nearest asset
    beyond_mile: int = 0
    access_sum: float = 0.0  #: sum over LSOAs of base population x 2SFCA score
    connections: int = 0
    unmet: int = 0
    per_10k: float | None = None
    share_beyond_800: float | None = None
    share_beyond_mile: float | None = None
    access: float | None = None  #: 2SFCA, assets within reach per 10,000 residents
    share_65: float | None = None
    need: float | None = None
    lack: float | None = None
    gap: float | None = None
    rank: int | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def has_residents(self) -> bool:
        return self.population > 0

    def value(self, measure: str):
        return getattr(self, measure)


@dataclass
class Context:
    """What the sentences in the reasons need to say."""

    older: bool = False
    phrase: str = "matching assets"  #: "carers' support", or "matching assets"
    kind: str = "ward"
    scope_name: str = "the areas compared"
    days: int = 90


def safe_div(a: float, b: float) -> float | None:
    return a / b if b else None


def aggregate(areas, lsoas, supply: dict, demand: dict, geography: str, older: bool) -> list[AreaMeasures]:
    """Roll LSOA access up to areas and attach supply and demand counts (no division yet)."""
    out = {a.code: AreaMeasures(a.code, a.name, a.lad_code, a.imd_decile) for a in areas}
    for row in lsoas:
        m = out.get(row.key(geography))
        if m is None:
            continue
        base = row.population_65plus if older else row.population_total
        m.population_total += row.population_total
        m.population_65plus += row.population_65plus
        m.population += base
        m.beyond_800 += 0 if row.within_800 else base
        m.beyond_mile += 0 if row.within_mile else base
        m.access_sum += base * row.access
    for code, m in out.items():
        m.assets, m.remote_assets = supply.get(code, (0, 0))
        m.connections, m.unmet = demand.get(code, (0, 0))
    return list(out.values())


def median_of(values) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def need_score(decile: int | None, share_65: float | None, scope_share_65: float | None, older: bool) -> float:
    deprivation = 0.5 if decile is None else (10 - decile) / 9
    if not older:
        return deprivation
    age = min(1.0, share_65 / (2 * scope_share_65)) if share_65 is not None and scope_share_65 else 0.0
    return (deprivation + age) / 2


def gap_score(access_shortfall: float, supply_shortfall: float, unmet: float, need: float) -> tuple[float, float]:
    """(lack, gap): the documented formula, each input between 0 and 1."""
    lack = W_ACCESS * access_shortfall + W_SUPPLY * supply_shortfall + W_UNMET * unmet
    return lack, round(100 * lack * (0.5 + need) / 1.5, 1)


def people(n: int) -> str:
    """A count of residents as a sentence shows it: exact under 100, to the 10 under 1,000, else to the 100."""
    if n < 100:
        return f"{n:,}"
    return f"{round(n, -1 if n < 1000 else -2):,}"


def compute(rows: list[AreaMeasures], ctx: Context) -> dict:
    """Fill rates, shares, need, gap, ranks and reasons in place; return the medians compared against."""
    for m in rows:
        m.per_10k = safe_div(m.assets * PER, m.population)
        m.share_beyond_800 = safe_div(m.beyond_800, m.population)
        m.share_beyond_mile = safe_div(m.beyond_mile, m.population)
        m.access = safe_div(m.access_sum * PER, m.population)
        m.share_65 = safe_div(m.population_65plus, m.population_total)
    lived = [m for m in rows if m.has_residents]
    medians = {
        k: median_of(getattr(m, k) for m in lived)
        for k in ("per_10k", "share_beyond_800", "share_beyond_mile", "access", "connections", "unmet")
    }
    scope_share_65 = safe_div(sum(m.population_65plus for m in rows), sum(m.population_total for m in rows))
    most_unmet = max((m.unmet for m in lived), default=0)
    med_rate = medians["per_10k"] or 0.0
    for m in lived:
        access_shortfall = (m.share_beyond_800 + m.share_beyond_mile) / 2
        if med_rate > 0:
            supply_shortfall = max(0.0, 1 - m.per_10k / med_rate)
        else:
            supply_shortfall = 0.0 if m.assets else 1.0
        unmet = m.unmet / most_unmet if most_unmet else 0.0
        m.need = need_score(m.imd_decile, m.share_65, scope_share_65, ctx.older)
        m.lack, m.gap = gap_score(access_shortfall, supply_shortfall, unmet, m.need)
        m.reasons = reasons(m, ctx, med_rate, scope_share_65)
    for i, m in enumerate(ranked(rows), start=1):
        m.rank = i
    for m in rows:
        if not m.has_residents:
            m.reasons = ["no residents counted here"]
    medians["gap"] = median_of(m.gap for m in lived)
    medians["scope_share_65"] = scope_share_65
    return medians


def ranked(rows: list[AreaMeasures]) -> list[AreaMeasures]:
    """Areas with residents, biggest gap first (ties: more residents first, then by name)."""
    return sorted((m for m in rows if m.gap is not None), key=lambda m: (-m.gap, -m.population, m.name))


def reasons(m: AreaMeasures, ctx: Context, median_rate: float, scope_share_65: float | None) -> list[str]:
    """Plain sentences saying why an area's gap is what it is."""
    who = "residents aged 65+" if ctx.older else "residents"
    out = []
    if m.beyond_mile:
        out.append(f"no {ctx.phrase} within 1 mile for {people(m.beyond_mile)} {who}")
    elif m.beyond_800:
        out.append(f"{people(m.beyond_800)} {who} more than 800 m from the nearest {ctx.phrase}")
    else:
        out.append(f"all {who} within 800 m of {ctx.phrase}")
    if m.assets == 0:
        out.append(f"no {ctx.phrase} in the {ctx.kind}")
    elif median_rate and m.per_10k < median_rate:
        per = "per 10,000 aged 65+" if ctx.older else "per 10,000 residents"
        out.append(f"{m.per_10k:.1f} {per} against a median of {median_rate:.1f}")
    out.append(f"IMD decile {m.imd_decile}" if m.imd_decile else "IMD decile not known")
    if ctx.older and m.share_65 is not None and scope_share_65:
        out.append(f"{m.share_65:.0%} aged 65+ ({scope_share_65:.0%} across {ctx.scope_name})")
    if m.unmet:
        noun = "search" if m.unmet == 1 else "searches"
        out.append(f"{m.unmet} 'nothing suitable' {noun} in {ctx.days} days")
    return out
