"""Each council's reminder cadence (coordinators of its wards and admins set it), and who may see which
freshness figures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ... import parsing
from ...db import session, transaction
from ...directory import access
from ...errors import ValidationError
from ...models import Ward
from ..reminders import Cadence, cadences, set_cadence


def my_councils(user) -> set[str] | None:
    """The councils a user may set the cadence of (None: every one, an admin)."""
    wards = access.editable_wards(user)
    if wards is None:
        return None
    if not wards:
        return set()
    return set(session.execute(select(Ward.lad_code).where(Ward.code.in_(sorted(wards)))).scalars())


def cadence_rows(user) -> list[tuple[str, str, Cadence, bool]]:
    """(council code, name, cadence, may change) for every council."""
    from ..queries import councils

    mine = my_councils(user)
    now = cadences()
    return [(code, name, now[code], mine is None or code in mine) for code, name in councils()]


def parse_cadence(form) -> Cadence:
    """The settings form -> a Cadence: whole months, increasing, at most 36; 0 to 90 days of grace."""
    first = parsing.integer(form.get("first_months"), "first_months", low=1, high=34, label="First reminder")
    second = parsing.integer(form.get("second_months"), "second_months", low=2, high=35, label="Second reminder")
    third = parsing.integer(form.get("third_months"), "third_months", low=3, high=36, label="Third reminder")
    grace = parsing.integer(form.get("grace_days"), "grace_days", low=0, high=90, label="Days to answer")
    if not first < second:
        raise ValidationError("The second reminder must come after the first", field="second_months")
    if not second < third:
        raise ValidationError("The third reminder must come after the second", field="third_months")
    return Cadence(first, second, third, grace)


def save_cadence(user, lad_code: str, cadence: Cadence) -> None:
    mine = my_councils(user)
    with transaction():
        known = {code for code, *_ in cadence_rows(user)}
        if lad_code not in known:
            raise ValidationError("Choose a council", field="lad_code")
        if mine is not None and lad_code not in mine:
            access.deny(user, "set-cadence", message="You can only set the cadence of councils you cover.")
        set_cadence(lad_code, cadence, user.id, dt.datetime.now(dt.UTC))
