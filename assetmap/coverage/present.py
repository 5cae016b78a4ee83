"""How measures are shown: number formats, colour classes and legends (shared by map, PNG and tables).

Darker always means "look here": a bigger gap, fewer assets, more people further away, less access,
or more demand. Areas with no residents are grey and say so in words. Need is drawn over the colours
as hatching (dense for the most deprived fifth of England, sparse for the next), so need and gap read
together: the opaque deprivation layer used to hide the gap colours.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ColorBrewer OrRd (5) for measures: colour-blind safe, prints in grey; deprivation is hatched over it
MEASURE_COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#b1b4b6"
#: counts of connections from 1 to this minus 1 are shown as "fewer than …" (impact.MIN_CONNECTIONS)
SUPPRESS_BELOW = 5
#: measures where a higher number is better (so the darkest class holds the lowest values)
HIGHER_IS_BETTER = {"per_10k", "rate", "access"}


def fmt(measure: str, value) -> str:
    """A measure's value as text ("–" when it cannot be worked out, e.g. no residents)."""
    if value is None:
        return "–"
    if measure in ("share_beyond_800", "share_beyond_mile", "share_65"):
        return f"{value:.0%}"
    if measure == "population":
        return f"{round(value):,}"
    if measure == "connections" and 0 < value < SUPPRESS_BELOW:
        return f"fewer than {SUPPRESS_BELOW}"  # small numbers can identify a person (see impact.py)
    if measure in ("connections", "unmet", "assets", "remote_assets"):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
    if measure in ("access", "need"):
        return f"{value:.2f}"
    if measure == "imd_rank":
        return f"{round(value):,}"
    return f"{value:.1f}"


#: measures shown to one decimal, where two different values can look the same
ONE_DECIMAL = {"gap", "rate", "unmet_smoothed", "per_10k"}


def distinct_texts(measure: str, values: list) -> list[str]:
    """Values in rank order as text, with more decimals where neighbours differ but would show the same,
    so no tie is shown that is not one (and a real tie shows as one)."""
    texts = [fmt(measure, v) for v in values]
    if measure not in ONE_DECIMAL:
        return texts
    for i in range(len(values) - 1):
        a, b = values[i], values[i + 1]
        if a is not None and b is not None and a != b and texts[i] == texts[i + 1]:
            for digits in (2, 3, 4, 6):
                ta, tb = f"{a:.{digits}f}", f"{b:.{digits}f}"
                if ta != tb:
                    texts[i] = ta if len(ta) > len(texts[i]) else texts[i]
                    texts[i + 1] = tb
                    break
        elif a == b:
            texts[i + 1] = texts[i]
    return texts


def shown(measure: str, rows) -> dict:
    """area code -> the measure's text, told apart from its neighbours in ``rows``' order."""
    return dict(zip((m.code for m in rows), distinct_texts(measure, [m.value(measure) for m in rows])))


def sort_value(value, measure: str = "") -> str:
    """The value a sortable table sorts a cell by (unrounded; empty sorts as text, after numbers). A suppressed
    count of connections sorts as 1, so the page holds nothing finer than "fewer than 5"."""
    if value is None:
        return ""
    if measure == "connections" and 0 < value < SUPPRESS_BELOW:
        return "1"
    return repr(float(value))


@dataclass(frozen=True)
class LegendItem:
    colour: str
    label: str


@dataclass
class Classes:
    """Up to five classes of a measure's values (quantiles, or each value when there are few)."""

    measure: str
    bounds: list[tuple[float, float]]

    def index(self, value) -> int | None:
        if value is None:
            return None
        for i, (_lo, hi) in enumerate(self.bounds):
            if value <= hi:
                return i
        return len(self.bounds) - 1

    def colour(self, value) -> str:
        i = self.index(value)
        if i is None:
            return NO_DATA
        n = len(self.bounds)
        # spread the classes over the palette; flip when higher is better so darker still means "look here"
        step = i if n == 1 else round(i * (len(MEASURE_COLOURS) - 1) / (n - 1))
        if self.measure in HIGHER_IS_BETTER:
            step = len(MEASURE_COLOURS) - 1 - step
        return MEASURE_COLOURS[step] if n > 1 else MEASURE_COLOURS[2]

    def legend(self, no_data: bool = True, no_data_label: str = "No residents") -> list[LegendItem]:
        items = []
        for lo, hi in self.bounds:
            text = fmt(self.measure, lo) if lo == hi else f"{fmt(self.measure, lo)} to {fmt(self.measure, hi)}"
            items.append(LegendItem(self.colour(hi), text))
        return items + ([LegendItem(NO_DATA, no_data_label)] if no_data else [])


def classify(measure: str, values) -> Classes:
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return Classes(measure, [])
    distinct = sorted(set(vals))
    if len(distinct) <= 5:
        return Classes(measure, [(v, v) for v in distinct])
    cuts = []
    for q in (0.2, 0.4, 0.6, 0.8):
        cut = vals[min(len(vals) - 1, int(q * len(vals)))]
        if cut not in cuts and cut < vals[-1]:
            cuts.append(cut)
    uppers = cuts + [vals[-1]]
    bounds, lo = [], vals[0]
    for hi in uppers:
        bounds.append((lo, hi))
        above = [v for v in distinct if v > hi]
        lo = above[0] if above else hi
    return Classes(measure, bounds)


#: need drawn over the gap colours: hatching by IMD decile band (none for deciles 5 to 10)
HATCHES = {1: "dense", 2: "dense", 3: "sparse", 4: "sparse"}


def hatch(decile: int | None) -> str:
    """'dense' (IMD deciles 1-2), 'sparse' (3-4) or '' for an area's deprivation hatching."""
    return HATCHES.get(decile or 0, "")


@dataclass(frozen=True)
class HatchItem:
    pattern: str
    label: str


def hatch_legend() -> list[HatchItem]:
    return [
        HatchItem("dense", "Most deprived 20% of England (IMD deciles 1 to 2)"),
        HatchItem("sparse", "Next 20% (IMD deciles 3 to 4)"),
        HatchItem("", "Less deprived (IMD deciles 5 to 10)"),
    ]
