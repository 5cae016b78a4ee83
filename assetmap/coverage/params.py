"""What a commissioner asked for: geography, area, category, audience, capability, freshness, period.

Parsed once at the edge (query string or CLI options) into ``CoverageParams``; anything not in the
lists a person could choose from is a ``ValidationError`` naming the field.
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
}
PERIODS = (30, 90, 180, 365)
OLDER_PEOPLE = "older-people"
ALL_ADULTS = "all-adults"

#: measure key -> (label, unit text for the legend, darker means …)
MEASURES = {
    "gap": ("Need-weighted gap score", "score out of 100", "a bigger gap"),
    "per_10k": ("Assets per 10,000 residents", "assets per 10,000", "fewer assets"),
    "share_beyond_800": (
        "Residents more than 800 m from the nearest asset",
        "% of residents",
        "more people further away",
    ),
    "share_beyond_mile": (
        "Residents more than 1 mile from the nearest asset",
        "% of residents",
        "more people further away",
    ),
    "access": ("Accessibility score (2SFCA)", "assets within reach per 10,000", "less access"),
    "connections": ("Connections logged", "connections", "more connections"),
    "unmet": ("'Nothing suitable' signals", "signals", "more signals"),
}


@dataclass(frozen=True)
class CoverageParams:
    geography: str = "ward"
    la: str | None = None  #: local authority code, or None for every one loaded
    category: str | None = None
    audience: str | None = None
    capability: str | None = None
    verified_only: bool = False
    days: int = 90
    measure: str = "gap"
    today: dt.date = field(default_factory=dt.date.today)
    #: count public assets only: the open (OGC API) figures, which must not reveal where an unlisted place is
    public_only: bool = False

    @property
    def older(self) -> bool:
        """Older people's view: rates and shares use residents aged 65 and over."""
        return self.audience == OLDER_PEOPLE

    @property
    def verified_since(self) -> dt.date:
        return months_before(self.today, 12)

    @property
    def period_start(self) -> dt.date:
        return self.today - dt.timedelta(days=self.days)

    def with_(self, **kw) -> CoverageParams:
        return replace(self, **kw)

    def area_args(self) -> dict:
        """The choices an area page uses (it compares within its own geography and authority)."""
        args = {
            k: v
            for k, v in (("category", self.category), ("audience", self.audience), ("capability", self.capability))
            if v
        }
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
            "category": self.category or "all",
            "audience": self.audience or "all",
            "capability": self.capability or "all",
            "days": self.days,
            "measure": self.measure,
        }
        if self.verified_only:
            args["verified"] = "yes"
        return args


def _choice(raw, allowed, field_name: str, message: str, default=None):
    value = (raw or "").strip()
    if value in ("", "all"):
        return default
    if value not in allowed:
        raise ValidationError(message, field=field_name)
    return value


def parse_params(args, today: dt.date | None = None) -> CoverageParams:
    """Validate a query string (or CLI options as a dict) into CoverageParams."""
    codes = {tax: {t.code for t in terms} for tax, terms in taxonomy.all_terms().items()}
    las = queries.local_authorities()
    geography = (args.get("geography") or "ward").strip()
    if geography not in GEOGRAPHIES:
        raise ValidationError("Choose ward, constituency, neighbourhood (LSOA) or local authority.", field="geography")
    la_raw = (args.get("la") or "").strip()
    if la_raw == "all":
        la = None
    elif la_raw:
        if la_raw not in {a.code for a in las}:
            raise ValidationError("Choose a local authority from the list.", field="la")
        la = la_raw
    else:
        la = las[0].code if las else None  # the most populous authority loaded
    category = _choice(args.get("category"), codes.get("category", ()), "category", "Choose a category from the list.")
    audience = _choice(
        args.get("audience"), codes.get("audience", ()), "audience", "Choose who the assets are for from the list."
    )
    capability = _choice(
        args.get("capability"), codes.get("capability", ()), "capability", "Choose what matters from the list."
    )
    try:
        days = parsing.integer(args.get("days") or None, "days", low=min(PERIODS), high=max(PERIODS), default=90)
    except ValidationError:
        days = None
    if days not in PERIODS:
        raise ValidationError("Choose a period of 30, 90, 180 or 365 days.", field="days")
    measure = (args.get("measure") or "gap").strip()
    if measure not in MEASURES:
        raise ValidationError("Choose a measure to map from the list.", field="measure")
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
    )
