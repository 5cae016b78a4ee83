"""Ward and constituency columns of an import, given as ONS codes or as the areas' exact names.

Why: a coordinator's spreadsheet says "Ladywood", not "E05011151". ``service_area_wards`` takes ward codes
or names; ``service_area_constituencies`` (an import-only column) takes constituency codes or names and
stands for every ward in each. Names match exactly, ignoring case and spacing; a name two councils share
(or an unknown one) is an error naming the codes to choose from, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ...db import session
from ...models import Constituency, LocalAuthority, Ward

WARDS, CONSTITUENCIES = "service_area_wards", "service_area_constituencies"
#: columns an import reads beyond the template's
EXTRA_FIELDS = [CONSTITUENCIES]
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    council: str


def ward_list() -> list[Area]:
    """Every ward held, by council then name (for the Import page)."""
    rows = session.execute(
        select(Ward.code, Ward.name, LocalAuthority.name)
        .join(LocalAuthority, LocalAuthority.code == Ward.lad_code)
        .order_by(LocalAuthority.name, Ward.name)
    ).all()
    return [Area(*r) for r in rows]


def constituency_list() -> list[Area]:
    """Every constituency held, by name, with the council holding most of its wards."""
    councils: dict[str | None, str] = {}
    for con, council in session.execute(
        select(Ward.constituency_code, LocalAuthority.name)
        .join(LocalAuthority, LocalAuthority.code == Ward.lad_code)
        .where(Ward.constituency_code.is_not(None))
    ):
        councils.setdefault(con, council)
    rows = session.execute(select(Constituency.code, Constituency.name).order_by(Constituency.name)).all()
    return [Area(code, name, councils.get(code, "")) for code, name in rows]


def _key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


class Resolver:
    """Turns codes and exact names into ward codes, loading the area names once per import."""

    def __init__(self):
        self.wards = {a.code: a for a in ward_list()}
        self.ward_names = _by_name(self.wards.values())
        cons = {a.code: a for a in constituency_list()}
        self.cons_names = _by_name(cons.values())
        self.cons = set(cons)
        self.cons_wards: dict[str | None, list[str]] = {}
        for code, con in session.execute(select(Ward.code, Ward.constituency_code).order_by(Ward.code)):
            self.cons_wards.setdefault(con, []).append(code)

    def ward(self, value: str) -> tuple[list[str], str | None]:
        """(ward codes, problem) for one entry of ``service_area_wards``."""
        if value.upper() in self.wards:
            return [value.upper()], None
        return self._named(value, self.ward_names, "ward", "E05011151", lambda a: [a.code])

    def constituency(self, value: str) -> tuple[list[str], str | None]:
        code = value.upper()
        if code in self.cons:
            return self.cons_wards.get(code, []), None
        return self._named(
            value, self.cons_names, "constituency", "E14001096", lambda a: self.cons_wards.get(a.code, [])
        )

    @staticmethod
    def _named(value: str, names: dict, kind: str, example: str, wards_of) -> tuple[list[str], str | None]:
        found = names.get(_key(value), [])
        if len(found) == 1:
            return wards_of(found[0]), None
        if found:
            options = ", ".join(f"{a.code} ({a.council})" for a in found)
            return [], f"‘{value}’ names more than one {kind}: use its code, one of {options}"
        return [], (
            f"Unknown {kind} ‘{value}’: use its code (like {example}) or its exact name, as listed on the Import page"
        )


def _by_name(areas) -> dict[str, list[Area]]:
    out: dict[str, list[Area]] = {}
    for a in areas:
        out.setdefault(_key(a.name), []).append(a)
    return out


def resolve_rows(rows: list[dict], numbers: list[int]) -> list[tuple[int, str, str]]:
    """Rewrite each row's ward and constituency entries as ward codes, in place; returns the problems as
    (row number, field, message). An entry that cannot be resolved is taken out of the row (so it is
    reported once, here) and the row is refused by the caller."""
    if not any(r.get(WARDS) or r.get(CONSTITUENCIES) for r in rows):
        return []
    resolver = Resolver()
    problems = []
    for n, row in zip(numbers, rows):
        codes: list[str] = []
        for field, resolve in ((WARDS, resolver.ward), (CONSTITUENCIES, resolver.constituency)):
            raw = row.pop(field, None) if field == CONSTITUENCIES else row.get(field)
            entries = raw if isinstance(raw, list) else str(raw or "").split(";")
            for entry in (str(e).strip() for e in entries):
                if not entry:
                    continue
                found, problem = resolve(entry)
                if problem:
                    problems.append((n, field, problem))
                codes += [c for c in found if c not in codes]
        if codes or row.get(WARDS):
            row[WARDS] = ";".join(codes)
    return problems
