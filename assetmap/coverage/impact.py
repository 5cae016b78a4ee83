"""Impact: connections practitioners made and what the anonymous follow-ups said (did they go, did it help).

Why: the seeds ask to "measure the impact of strengths-based approaches", and the follow-up answers were
recorded but never shown. Small numbers can identify a person (one connection from a small ward to a
refuge's support group, say), so any figure resting on fewer than ``MIN_CONNECTIONS`` connections is
suppressed everywhere it appears (pages, CSV, the printed report) and the page says so. This is primary
suppression only: see the README for what it does not guard against.

Shares: followed up = connections with answers / connections; went and helped = 'yes' answers / answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..directory.read import months_before
from . import queries

MIN_CONNECTIONS = 5
SUPPRESSED = f"fewer than {MIN_CONNECTIONS}"
#: how far back the month-by-month series goes
MONTHS = 12


@dataclass(frozen=True)
class ImpactRow:
    key: object
    label: str
    connections: int
    followed_up: int
    attended: int
    helped: int

    @property
    def connections_shown(self) -> int | None:
        """The count, or None when it is 1 to 4 (0 identifies nobody)."""
        return None if 0 < self.connections < MIN_CONNECTIONS else self.connections

    def _share(self, part: int, whole: int) -> float | None:
        return part / whole if whole >= MIN_CONNECTIONS else None

    @property
    def followed_up_share(self) -> float | None:
        return self._share(self.followed_up, self.connections)

    @property
    def attended_share(self) -> float | None:
        return self._share(self.attended, self.followed_up)

    @property
    def helped_share(self) -> float | None:
        return self._share(self.helped, self.followed_up)

    @property
    def suppressed(self) -> bool:
        """Some figure of this row is held back."""
        return (0 < self.connections < MIN_CONNECTIONS) or (0 < self.followed_up < MIN_CONNECTIONS)

    def texts(self) -> dict:
        """Every figure as shown (suppressed ones say so)."""
        return {
            "connections": SUPPRESSED if self.connections_shown is None else f"{self.connections:,}",
            "followed_up": share_text(self.followed_up_share, self.connections),
            "attended": share_text(self.attended_share, self.followed_up),
            "helped": share_text(self.helped_share, self.followed_up),
        }


def share_text(share: float | None, base: int) -> str:
    if base == 0:
        return "–"
    return SUPPRESSED if share is None else f"{share:.0%}"


def _rows(outcomes, names: dict | None = None) -> list[ImpactRow]:
    return [
        ImpactRow(o.key, (names or {}).get(o.key, o.label), o.connections, o.followed_up, o.attended, o.helped)
        for o in outcomes
    ]


def month_start(day: dt.date, back: int = 0) -> dt.date:
    return months_before(day.replace(day=1), back)


def by_area(p, areas) -> tuple[list[ImpactRow], ImpactRow]:
    """One row per area in scope (in the order given) and the total across them, for ``p``'s period."""
    codes = [a.code for a in areas]
    found = {r.key: r for r in _rows(queries.connection_outcomes(p, "area", codes))}
    rows = [found.get(a.code) or ImpactRow(a.code, a.name, 0, 0, 0, 0) for a in areas]
    rows = [ImpactRow(r.key, a.name, r.connections, r.followed_up, r.attended, r.helped) for r, a in zip(rows, areas)]
    return rows, total(rows)


def total(rows: list[ImpactRow], label: str = "All") -> ImpactRow:
    return ImpactRow(
        "total",
        label,
        sum(r.connections for r in rows),
        sum(r.followed_up for r in rows),
        sum(r.attended for r in rows),
        sum(r.helped for r in rows),
    )


def by_group(p, group: str, area_codes: list[str], since: dt.date | None = None) -> list[ImpactRow]:
    """By asset category, listing or month, for connections recorded in the given areas."""
    rows = _rows(queries.connection_outcomes(p, group, area_codes, since=since))
    if group == "month":
        rows = [
            ImpactRow(
                r.key,
                dt.date.fromisoformat(str(r.key)[:10]).strftime("%b %Y"),
                r.connections,
                r.followed_up,
                r.attended,
                r.helped,
            )
            for r in rows
        ]
    elif group == "listing":
        rows.sort(key=lambda r: (-r.connections, r.label))
    return rows


def monthly(p, area_codes: list[str]) -> list[ImpactRow]:
    """The last 12 months (this one included), month by month, every month listed even with none."""
    since = month_start(p.today, MONTHS - 1) - dt.timedelta(days=1)
    found = {str(r.key)[:7]: r for r in by_group(p, "month", area_codes, since=since)}
    out = []
    for back in range(MONTHS - 1, -1, -1):
        start = month_start(p.today, back)
        r = found.get(start.isoformat()[:7])
        out.append(
            ImpactRow(
                start,
                start.strftime("%b %Y"),
                *(r.connections, r.followed_up, r.attended, r.helped) if r else (0, 0, 0, 0),
            )
        )
    return out
