"""What a commissioner asked for: geography, area, categories, audiences, capabilities, freshness, period.

Parsed once at the edge (query string or CLI options) into ``CoverageParams``; anything not in the
lists a person could choose from is a ``ValidationError`` naming the field. Several categories,
audiences and capabilities may be chosen at once (checkboxes): an asset or a signal matches when it is
about any chosen term of each list, and about every list that has a choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from .. import parsing, taxonomy
from ..directory.read import months_before
from ..errors import ValidationError
from . import queries

#: geography key -> (singular, plural) for headings and sentences
GEOGRAPHIES = {
    "ward": ("ward", "wards"),
    "constituency": ("constituency", "constituencies"),
    "lsoa": ("neighbourhood (LSOA)", "neighbourhoods (LSOAs)"),
    "la": ("local authority", "local authorities"),
    "custom": ("area", "areas"),
}
PERIODS = (30, 90, 180, 365)
OLDER_PEOPLE = "older-people"
ALL_ADULTS = "all-adults"
TERM_FIELDS = ("category", "audience", "capability")

#: measure key -> (label, unit text for the legend, darker means …, higher is worse)
#: "rate" is assets per 10,000 residents, or per 100,000 where per 10,000 would round to nothing
MEASURES = {
    "gap": ("Need-weighted gap score", "score out of 100", "a bigger gap", True),
    "rate": ("Assets per {per} residents", "assets per {per}", "fewer assets", False),
    "share_beyond_800": (
        "Residents more than 800 m from the nearest asset",
        "% of residents",
        "more people further away",
        True,
    ),
    "share_beyond_mile": (
        "Residents more than 1 mile from the nearest asset",
        "% of residents",
        "more people further away",
        True,
    ),
    "access": ("Accessibility score (2SFCA)", "assets within reach per 10,000", "less access", False),
    "need": ("Need (deprivation)", "need from 0 to 1", "more need", True),
    "unmet_smoothed": (
        "'Nothing suitable' signals per 100,000 (smoothed)",
        "signals per 100,000",
        "more signals",
        True,
    ),
    "unmet": ("'Nothing suitable' signals", "signals", "more signals", True),
}
#: not a measure to map or rank by (counts of 1 to 4 are suppressed), but a column of the tables
COLUMN_LABELS = {"connections": "Connections logged"}
#: old links used per_10k for the rate
ALIASES = {"per_10k": "rate"}


def _codes(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return () if value in ("", "all") else (value,)
    return tuple(v for v in value if v not in ("", "all"))


@dataclass(frozen=True)
class CoverageParams:
    geography: str = "ward"
    la: str | None = None  #: local authority code, or None for every one loaded
    category: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    capability: tuple[str, ...] = ()
    verified_only: bool = False
    days: int = 90
    measure: str = "gap"  #: what the map shows and the table is ranked by
    today: dt.date = field(default_factory=dt.date.today)
    #: count public assets only: the open (OGC API) figures, which must not reveal where an unlisted place is
    public_only: bool = False
    area_set: str | None = None  #: a custom area set's id, with geography "custom"

    def __post_init__(self):
        for name in TERM_FIELDS:  # a single code may be given as a string
            object.__setattr__(self, name, _codes(getattr(self, name)))

    @property
    def older(self) -> bool:
        """Older people's view: rates and shares use residents aged 65 and over."""
        return self.audience == (OLDER_PEOPLE,)

    @property
    def verified_since(self) -> dt.date:
        return months_before(self.today, 12)

    @property
    def period_start(self) -> dt.date:
        return self.today - dt.timedelta(days=self.days)

    @property
    def single_view(self) -> str | None:
        """The snapshot view these choices match ("all" or one category code), or None.

        Snapshots keep every measure for all categories and for each category alone, for everyone."""
        if self.audience or self.capability or self.verified_only or self.days != 90 or len(self.category) > 1:
            return None
        return self.category[0] if self.category else "all"

    def with_(self, **kw) -> CoverageParams:
        return replace(self, **kw)

    def term_args(self) -> dict:
        return {k: list(getattr(self, k)) for k in TERM_FIELDS if getattr(self, k)}

    def area_args(self) -> dict:
        """The choices an area page uses (it compares within its own geography and authority)."""
        args = self.term_args()
        if self.verified_only:
            args["verified"] = "yes"
        if self.days != 90:
            args["days"] = self.days
        return args

    def query_args(self) -> dict:
        """The query string that asks for these parameters again (for links and downloads)."""
        args = {
            "geography": self.geography,
            "la": self.la or "all",
            **self.term_args(),
            "days": self.days,
            "measure": self.measure,
        }
        if self.area_set:
            args["set"] = str(self.area_set)
        if self.verified_only:
            args["verified"] = "yes"
        return args


def _getlist(args, key: str) -> list[str]:
    if hasattr(args, "getlist"):
        return [v.strip() for v in args.getlist(key)]
    value = args.get(key)
    if value is None:
        return []
    return [v.strip() for v in ([value] if isinstance(value, str) else value)]


def _terms(args, key: str, allowed, message: str) -> tuple[str, ...]:
    chosen = [v for v in _getlist(args, key) if v not in ("", "all")]
    for value in chosen:
        if value not in allowed:
            raise ValidationError(message, field=key)
    return tuple(dict.fromkeys(chosen))


def parse_params(args, today: dt.date | None = None) -> CoverageParams:
    """Validate a query string (or CLI options as a dict) into CoverageParams."""
    codes = {tax: {t.code for t in terms} for tax, terms in taxonomy.all_terms().items()}
    las = queries.local_authorities()
    geography = (args.get("geography") or "ward").strip()
    if geography not in GEOGRAPHIES:
        raise ValidationError(
            "Choose ward, constituency, neighbourhood (LSOA), local authority or one of your area sets.",
            field="geography",
        )
    area_set = None
    set_raw = (args.get("set") or "").strip()
    if geography == "custom" or set_raw:
        found = queries.area_set(set_raw) if set_raw else None
        if found is None:
            raise ValidationError("Choose one of the area sets from the list.", field="set")
        geography, area_set = "custom", found.id
    la_raw = (args.get("la") or "").strip()
    if la_raw == "all":
        la = None
    elif la_raw:
        if la_raw not in {a.code for a in las}:
            raise ValidationError("Choose a local authority from the list.", field="la")
        la = la_raw
    else:
        la = las[0].code if las else None  # the most populous authority loaded
    if area_set:
        la = None  # an area set is compared within itself, wherever it lies
    category = _terms(args, "category", codes.get("category", ()), "Choose categories from the list.")
    audience = _terms(args, "audience", codes.get("audience", ()), "Choose who the assets are for from the list.")
    capability = _terms(args, "capability", codes.get("capability", ()), "Choose what matters from the list.")
    try:
        days = parsing.integer(args.get("days") or None, "days", low=min(PERIODS), high=max(PERIODS), default=90)
    except ValidationError:
        days = None
    if days not in PERIODS:
        raise ValidationError("Choose a period of 30, 90, 180 or 365 days.", field="days")
    measure = (args.get("measure") or "gap").strip()
    measure = ALIASES.get(measure, measure)
    if measure not in MEASURES:
        raise ValidationError("Choose a measure to map and rank by from the list.", field="measure")
    verified = str(args.get("verified") or "").strip().lower() in ("yes", "y", "1", "true", "on")
    return CoverageParams(
        geography=geography,
        la=la,
        category=category,
        audience=audience,
        capability=capability,
        verified_only=verified,
        days=days,
        measure=measure,
        today=today or dt.date.today(),
        area_set=area_set,
    )
