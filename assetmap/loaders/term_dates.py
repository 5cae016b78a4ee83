"""Load councils' school term dates, so "term time only" sessions skip the holidays.

Why: a toddler group that meets in term time only is not on in the summer holidays, and a page that says
"Tuesday, 10:00" in August sends a parent to a locked hall. Councils publish their term dates each year; this
reads them as a CSV with the columns ``lad_code`` (the council's GSS code, as ``local_authority`` holds it),
``starts`` and ``ends`` (a term's first and last day, YYYY-MM-DD) and an optional ``name``. Each council in
the file has its terms replaced by the file's (so loading the same file again changes nothing); councils not
in it keep theirs. A row that cannot be read stops the load with its row number, and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import delete, select

from ..db import session
from ..errors import ValidationError
from ..models import LocalAuthority, TermDate

COLUMNS = ("lad_code", "starts", "ends")


def _date(value: str, row: int, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(f"Row {row}: {column} must be a date like 2026-09-03, not '{value}'") from None


def read_term_dates(path: Path) -> list[dict]:
    """The file's terms, checked: ValidationError naming the row for the first that cannot be read."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationError(f"The file has no {', '.join(missing)} column: expected {', '.join(COLUMNS)}")
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Could not read {path.name}: {exc}") from None
    known = set(session.execute(select(LocalAuthority.code)).scalars())
    out, seen = [], set()
    for n, r in enumerate(rows, start=2):
        code = (r.get("lad_code") or "").strip()
        if code not in known:
            raise ValidationError(f"Row {n}: '{code}' is not a council we hold (a code like E08000025)")
        starts, ends = _date(r.get("starts", ""), n, "starts"), _date(r.get("ends", ""), n, "ends")
        if ends < starts:
            raise ValidationError(f"Row {n}: the term ends ({ends}) before it starts ({starts})")
        if (code, starts) in seen:
            raise ValidationError(f"Row {n}: a term of {code} starting {starts} is given twice")
        seen.add((code, starts))
        out.append({"lad_code": code, "starts": starts, "ends": ends, "name": (r.get("name") or "").strip() or None})
    return out


def load_term_dates(path: str | Path) -> str:
    """Replace the terms of each council in the file (the caller's transaction); a one-line summary."""
    terms = read_term_dates(Path(path))
    councils = sorted({t["lad_code"] for t in terms})
    if councils:
        session.execute(delete(TermDate).where(TermDate.lad_code.in_(councils)))
        session.add_all(TermDate(**t) for t in terms)
        session.flush()
    return f"{len(terms)} terms for {len(councils)} council(s)"
