"""Load the public libraries (Libraries Hacked schema) as assets, through the import engine.

Libraries are reference data that arrive as a published file, like the boundaries, but they are listed
like any asset: each branch becomes a template row (weekly opening hours as sessions, one description
per council), planned and applied by ``assetmap.directory.imports`` under the source ``libraries``, so
loading the file again changes nothing. A branch that has closed is kept and archived; one that closed
with no location is skipped and reported.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import text

from ..db import session
from ..directory.imports.apply import apply_plan
from ..directory.imports.plan import Plan, plan_rows
from ..directory.imports.read import read_template_csv
from ..vocabulary import DAYS, day_code

_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text_.lower()).strip("-")


def library_rows(path: Path) -> tuple[list[dict], list[str]]:
    """Convert the Libraries Hacked schema CSV to asset template rows; returns (rows, skipped)."""
    rows, skipped = [], []
    for r in read_template_csv(path):
        name = r["Library name"].strip()
        closed = (r.get("Year closed") or "").strip()
        if closed and not (r.get("latitude") or "").strip():
            skipped.append(f"{name} (closed {closed}, no location)")
            continue
        sessions = []
        for day in DAYS:
            for kind in ("staffed", "unstaffed"):
                for m in _HOURS.finditer(r.get(f"{day.label} {kind} hours") or ""):
                    sessions.append(f"{day.short} {int(m[1]):02d}:{m[2]}-{int(m[3]):02d}:{m[4]}")
        address = ", ".join(x.strip() for x in (r.get("Address 1"), r.get("Address 2")) if x and x.strip())
        notes = (r.get("Notes") or "").strip()
        la = r["Local authority"].strip()
        desc = (
            f"Public library run by or for {la}: borrow books and audiobooks, use computers and free Wi-Fi, "
            "and join reading groups and events."
        )
        if r.get("Co-located with"):
            desc += f" Shares its building with {r['Co-located with'].strip()}."
        if notes:
            desc += f" {notes}."
        if closed:
            desc += f" Closed in {closed}."
        rows.append(
            {
                "source_id": f"library:{_slug(la)}:{_slug(name)}:{_slug(r.get('Postcode', ''))}",
                "name": name,
                "organisation": la,
                "description": desc,
                "categories": "learning;digital-inclusion;information-and-advice;community-buildings",
                "audiences": "all-adults",
                "capabilities": "enjoyment;independence",
                "asset_type": "public-institution",
                "modes": "in_person",
                "address": address,
                "postcode": r.get("Postcode", "").strip(),
                "lat": r.get("latitude", "").strip(),
                "lon": r.get("longitude", "").strip(),
                "schedule": ";".join(
                    sorted(
                        set(sessions),
                        key=lambda s: (DAYS.position(day_code(s[:3]) or ""), s),
                    )
                ),
                "cost_amount": "0",
                "cost_description": "Free to join and borrow",
                "email": (r.get("Email address") or "").strip(),
                "url": (r.get("URL") or "").strip(),
                "visibility": "public",
                "last_verified": "2025-04-28",
                "verification_method": "self-reported",
                "illustrative": "no",
                "_closed": closed,
            }
        )
    return rows, skipped


def load_libraries(path: str | Path) -> tuple[Plan, list[str]]:
    """Load the public libraries file (closed branches are kept, archived)."""
    rows, skipped = library_rows(Path(path))
    plan = plan_rows(rows, source="libraries")
    apply_plan(plan, source="libraries")
    closed = [r["source_id"] for r in rows if r["_closed"]]
    if closed:
        session.execute(
            text(
                "UPDATE service SET archived_at = COALESCE(archived_at, :now), status = 'defunct' "
                "WHERE source = 'libraries' AND source_id = ANY(:ids)"
            ),
            {"now": dt.datetime.now(dt.UTC), "ids": closed},
        )
    return plan, skipped
