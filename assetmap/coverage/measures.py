"""Coverage measures and the need-weighted gap score, from plain rows (no database, no HTTP).

Why it is built this way (issue 15): one "nothing suitable" click once made a ward the worst served for
every category, because demand was scaled to the busiest area; and seven wards tied at the top because
the score saturated. So demand is a rate per resident that needs a minimum count and is shrunk toward
the rate across the areas compared (empirical Bayes), need is continuous, and ranks never rest on
rounded values. The README's *Coverage and gaps* section has the formulas with a worked example.

Gap score (0 to 100; higher means a bigger gap), for an area with residents:

    Lack  = 0.5 x Access shortfall + 0.3 x Supply shortfall + 0.2 x Unmet need
    Need  = 1 - (mean IMD rank - 1) / (32,844 - 1)      (the most deprived LSOA in England -> 1)
            for older people: the mean of that and min(1, 65+ share / (2 x the 65+ share of the whole scope))
    Gap   = 100 x Lack x (0.5 + Need) / 1.5

    Access shortfall = the mean of the shares of residents more than 800 m and more than 1 mile
                       from the nearest matching in-person asset
    Supply shortfall = max(0, 1 - assets per resident / the median across the areas compared)
                       (when that median is 0: 1 with no assets, 0 with any)
    Unmet need       = 0 with fewer than MIN_SIGNALS signals, or when nobody signalled anything;
                       else max(0, smoothed rate - prior rate) / smoothed rate   (always below 1)

The mean IMD rank is the population-weighted mean of the area's LSOAs' national ranks (an LSOA with
no rank counts at the middle of its decile; an area with none at all has Need 0.5).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

W_ACCESS, W_SUPPLY, W_UNMET = 0.5, 0.3, 0.2
PER = 10_000
PER_SPARSE = 100_000
DEMAND_PER = 100_000
LSOAS_IN_ENGLAND = 32_844
#: below this many 'nothing suitable' signals an area's demand does not move its score
MIN_SIGNALS = 3


@dataclass
class AreaMeasures:
    code: str
    name: str
    lad_code: str | None
    imd_decile: int | None
    population_total: float = 0
    population_65plus: float = 0
    population: float = 0  #: the base used: all residents, or those aged 65+
    assets: int = 0
    remote_assets: int = 0  #: counted only through the wards they serve (online, phone)
    beyond_800: float = 0  #: residents (of the base) more than 800 m from the nearest asset
    beyond_mile: float = 0
    access_sum: float = 0.0  #: sum over LSOAs of base population x 2SFCA score
    rank_sum: float = 0.0  #: sum over LSOAs of residents x national IMD rank
    rank_weight: float = 0.0  #: residents of LSOAs with a rank
    connections: int = 0
    unmet: int = 0
    per_10k: float | None = None
    rate: float | None = None  #: assets per ``per`` residents (10,000 or 100,000)
    share_beyond_800: float | None = None
    share_beyond_mile: float | None = None
    access: float | None = None  #: 2SFCA, assets within reach per 10,000 residents
    share_65: float | None = None
    imd_rank: float | None = None  #: population-weighted mean national IMD rank
    need: float | None = None
    unmet_rate: float | None = None  #: signals per 100,000 (of the base) in the period, as counted
    unmet_smoothed: float | None = None  #: the same, shrunk toward the rate across the areas compared
    unmet_weight: float | None = None  #: how much of its own rate the area keeps (0 to 1)
    unmet_part: float | None = None  #: the unmet-need input to the gap score (0 to below 1)
    connections_rate: float | None = None
    lack: float | None = None
    gap: float | None = None
    rank: int | None = None  #: rank by the chosen measure (1 = look here first)
    tied: bool = False  #: the chosen measure equals a neighbour's: the order is the tie-break
    gap_rank: int | None = None
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


@dataclass
class Summary:
    """What the areas were compared against."""

    medians: dict
    per: int  #: the rate's base: 10,000, or 100,000 where that rounds to nothing
    prior_rate: float | None  #: 'nothing suitable' signals per 100,000 across the areas compared
    signals: int  #: signals counted across the areas compared
    between_variance: float  #: the empirical Bayes estimate of how much true rates differ


def safe_div(a: float, b: float) -> float | None:
    return a / b if b else None


def median_of(values) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


# --------------------------------------------------------------------------- rolling LSOAs up


def decile_midpoint_rank(decile: int) -> float:
    return (decile - 0.5) * LSOAS_IN_ENGLAND / 10


def aggregate(areas, lsoas, supply: dict, demand: dict, pieces, older: bool) -> list[AreaMeasures]:
    """Roll LSOA figures up to areas and attach supply and demand counts (no division yet).

    ``pieces(row)`` gives (area code, fraction of the LSOA's residents) pairs: one pair with fraction 1
    for wards, constituencies and authorities; shares for a custom area set (see ``apportion``).
    """
    out = {a.code: AreaMeasures(a.code, a.name, a.lad_code, a.imd_decile) for a in areas}
    for row in lsoas:
        rank = row.imd_rank if row.imd_rank else (decile_midpoint_rank(row.imd_decile) if row.imd_decile else None)
        for code, share in pieces(row):
            m = out.get(code)
            if m is None:
                continue
            total, base = (
                row.population_total * share,
                (row.population_65plus if older else row.population_total) * share,
            )
            m.population_total += total
            m.population_65plus += row.population_65plus * share
            m.population += base
            m.beyond_800 += 0 if row.within_800 else base
            m.beyond_mile += 0 if row.within_mile else base
            m.access_sum += base * row.access
            if rank is not None and total:
                m.rank_sum += total * rank
                m.rank_weight += total
    for code, m in out.items():
        m.assets, m.remote_assets = supply.get(code, (0, 0))
        m.connections, m.unmet = demand.get(code, (0, 0))
    return list(out.values())


# --------------------------------------------------------------------------- the parts of the score


def need_from_rank(rank: float | None) -> float:
    """1 for the most deprived LSOA in England, 0 for the least; 0.5 when not known."""
    if rank is None:
        return 0.5
    return 1 - (rank - 1) / (LSOAS_IN_ENGLAND - 1)


def need_score(rank: float | None, share_65: float | None, scope_share_65: float | None, older: bool) -> float:
    deprivation = need_from_rank(rank)
    if not older:
        return deprivation
    age = min(1.0, share_65 / (2 * scope_share_65)) if share_65 is not None and scope_share_65 else 0.0
    return (deprivation + age) / 2


def smooth_rates(counts: list[int], populations: list[float]) -> tuple[list[float], list[float], float, float]:
    """Empirical Bayes rates (Marshall 1991, global moment estimator): (rates, weights, prior, variance).

    prior m = sum(counts) / sum(populations); s2 = sum(P_i (r_i - m)^2) / sum(P); the between-area
    variance A = max(0, s2 - m / mean(P)); each area keeps the weight w_i = A / (A + m / P_i) of its
    own rate: smoothed_i = m + w_i (r_i - m). Rates are per person; areas must have residents.
    """
    total_n, total_p = sum(counts), sum(populations)
    if not populations or total_p <= 0:
        return [], [], 0.0, 0.0
    m = total_n / total_p
    rates = [n / p for n, p in zip(counts, populations)]
    s2 = sum(p * (r - m) ** 2 for p, r in zip(populations, rates)) / total_p
    between = max(0.0, s2 - m / (total_p / len(populations)))
    weights = [between / (between + m / p) if between > 0 else 0.0 for p in populations]
    return [m + w * (r - m) for w, r in zip(weights, rates)], weights, m, between


def unmet_part(signals: int, smoothed: float, prior: float) -> float:
    """How far the smoothed rate stands above the prior, as a share of it (0 below the minimum count)."""
    if signals < MIN_SIGNALS or prior <= 0 or smoothed <= prior:
        return 0.0
    return (smoothed - prior) / smoothed


def gap_score(access_shortfall: float, supply_shortfall: float, unmet: float, need: float) -> tuple[float, float]:
    """(lack, gap): the documented formula, each input between 0 and 1. Not rounded: ranks use the full value."""
    lack = W_ACCESS * access_shortfall + W_SUPPLY * supply_shortfall + W_UNMET * unmet
    return lack, 100 * lack * (0.5 + need) / 1.5


def people(n: float) -> str:
    """A count of residents as a sentence shows it: exact under 100, to the 10 under 1,000, else to the 100."""
    n = round(n)
    if n < 100:
        return f"{n:,}"
    return f"{round(n, -1 if n < 1000 else -2):,}"


def rate_base(rows: list[AreaMeasures]) -> int:
    """Per 10,000, unless some area with assets has fewer than 1 per 10,000 (it would show as 0.0 or 0.1)."""
    sparse = any(m.per_10k is not None and 0 < m.per_10k < 1 for m in rows)
    return PER_SPARSE if sparse else PER


# --------------------------------------------------------------------------- all of it


def compute(rows: list[AreaMeasures], ctx: Context, measure: str = "gap") -> Summary:
    """Fill rates, shares, need, demand, gap, ranks and reasons in place; return what they were compared with."""
    for m in rows:
        m.per_10k = safe_div(m.assets * PER, m.population)
        m.share_beyond_800 = safe_div(m.beyond_800, m.population)
        m.share_beyond_mile = safe_div(m.beyond_mile, m.population)
        m.access = safe_div(m.access_sum * PER, m.population)
        m.share_65 = safe_div(m.population_65plus, m.population_total)
        m.imd_rank = safe_div(m.rank_sum, m.rank_weight)
    per = rate_base(rows)
    for m in rows:
        m.rate = None if m.per_10k is None else m.per_10k * per / PER
    lived = [m for m in rows if m.has_residents]
    smoothed, weights, prior, between = smooth_rates([m.unmet for m in lived], [m.population for m in lived])
    for m, s, w in zip(lived, smoothed, weights):
        m.unmet_rate = m.unmet / m.population * DEMAND_PER
        m.unmet_smoothed, m.unmet_weight = s * DEMAND_PER, w
        m.unmet_part = unmet_part(m.unmet, s, prior)
        m.connections_rate = m.connections / m.population * DEMAND_PER
    medians = {
        k: median_of(getattr(m, k) for m in lived)
        for k in (
            "per_10k",
            "rate",
            "share_beyond_800",
            "share_beyond_mile",
            "access",
            "connections",
            "unmet",
            "unmet_smoothed",
            "need",
        )
    }
    scope_share_65 = safe_div(sum(m.population_65plus for m in rows), sum(m.population_total for m in rows))
    med_rate = medians["per_10k"] or 0.0
    for m in lived:
        access_shortfall = (m.share_beyond_800 + m.share_beyond_mile) / 2
        if med_rate > 0:
            supply_shortfall = max(0.0, 1 - m.per_10k / med_rate)
        else:
            supply_shortfall = 0.0 if m.assets else 1.0
        m.need = need_score(m.imd_rank, m.share_65, scope_share_65, ctx.older)
        m.lack, m.gap = gap_score(access_shortfall, supply_shortfall, m.unmet_part, m.need)
        m.reasons = reasons(m, ctx, med_rate, per, scope_share_65)
    medians["need"] = median_of(m.need for m in lived)
    for i, m in enumerate(ranked(rows, "gap"), start=1):
        m.gap_rank = i
    order = ranked(rows, measure)
    for i, m in enumerate(order, start=1):
        m.rank = i
    for a, b in zip(order, order[1:]):
        if a.value(measure) == b.value(measure):
            a.tied = b.tied = True
    for m in rows:
        if not m.has_residents:
            m.reasons = ["no residents counted here"]
    medians["gap"] = median_of(m.gap for m in lived)
    medians["scope_share_65"] = scope_share_65
    return Summary(medians, per, prior * DEMAND_PER if lived else None, sum(m.unmet for m in lived), between)


#: measures where a lower value is the one to look at first (fewer assets, less access)
LOWER_FIRST = {"rate", "per_10k", "access"}


def ranked(rows: list[AreaMeasures], measure: str = "gap") -> list[AreaMeasures]:
    """Areas with residents, the one to look at first on top.

    Ties (equal unrounded values) are broken by the gap score (bigger first), then residents (more first),
    then the name (A to Z)."""
    sign = 1 if measure in LOWER_FIRST else -1
    return sorted(
        (m for m in rows if m.has_residents and m.value(measure) is not None),
        key=lambda m: (sign * m.value(measure), -(m.gap or 0), -m.population, m.name),
    )


def reasons(m: AreaMeasures, ctx: Context, median_rate: float, per: int, scope_share_65: float | None) -> list[str]:
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
        unit = f"{per:,}"
        per_text = f"per {unit} aged 65+" if ctx.older else f"per {unit} residents"
        scale = per / PER
        out.append(f"{m.per_10k * scale:.1f} {per_text} against a median of {median_rate * scale:.1f}")
    out.append(f"IMD decile {m.imd_decile}" if m.imd_decile else "IMD decile not known")
    if ctx.older and m.share_65 is not None and scope_share_65:
        out.append(f"{m.share_65:.0%} aged 65+ ({scope_share_65:.0%} across {ctx.scope_name})")
    if m.unmet:
        noun = "signal" if m.unmet == 1 else "signals"
        if m.unmet < MIN_SIGNALS:
            out.append(
                f"{m.unmet} 'nothing suitable' {noun} in {ctx.days} days (fewer than {MIN_SIGNALS}: "
                "not counted in the score)"
            )
        elif m.unmet_part:
            out.append(
                f"{m.unmet} 'nothing suitable' {noun} in {ctx.days} days, {m.unmet_smoothed:.1f} per "
                f"100,000 after smoothing"
            )
        else:
            out.append(
                f"{m.unmet} 'nothing suitable' {noun} in {ctx.days} days, no more than the rate across "
                f"{ctx.scope_name} after smoothing"
            )
    return out
