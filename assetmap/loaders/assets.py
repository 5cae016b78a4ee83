"""Load assets from rows in the asset CSV template: plan (dry run) then apply, all or nothing.

Used for the demo data and the public libraries, and by the coordinators' bulk import. Rows
are matched on (source, source_id), so re-loading the same rows changes nothing.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from ..db import session
from ..directory.records import AssetRecord, RecordInvalid, parse_record
from ..directory.store import (create_asset, find_by_source, known_wards, record_snapshot, service_snapshot,
                               update_asset, vocabulary)
from ..errors import ValidationError


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class Plan:
    """What applying would do: rows to create, update, leave unchanged, and every error."""
    create: list[tuple[int, AssetRecord]] = field(default_factory=list)
    update: list[tuple[int, AssetRecord, object, dict]] = field(default_factory=list)
    unchanged: list[tuple[int, AssetRecord]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{len(self.create)} to create, {len(self.update)} to update, {len(self.unchanged)} unchanged, "
                f"{len(self.errors)} errors")


def plan_rows(rows: list[dict], source: str, first_row: int = 2, check_row=None) -> Plan:
    """Validate every row and work out what applying would do; writes nothing."""
    vocab, wards = vocabulary(), known_wards()
    plan = Plan()
    seen: dict[str, int] = {}
    for n, raw in enumerate(rows, start=first_row):
        try:
            rec = parse_record(raw, vocab, wards)
        except RecordInvalid as exc:
            plan.errors.extend(RowError(n, f, m) for f, m in exc.errors)
            continue
        if not rec.source_id:
            plan.errors.append(RowError(n, "source_id", "Every row needs a source_id so re-importing updates "
                                                         "instead of duplicating"))
            continue
        if rec.source_id in seen:
            plan.errors.append(RowError(n, "source_id", f"source_id {rec.source_id} is also on row {seen[rec.source_id]}"))
            continue
        seen[rec.source_id] = n
        if check_row is not None:
            problem = check_row(rec)
            if problem:
                plan.errors.append(RowError(n, *problem))
                continue
        existing = find_by_source(source, rec.source_id)
        if existing is None:
            plan.create.append((n, rec))
        else:
            before = service_snapshot(existing)
            after = record_snapshot(rec)
            changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            if changes:
                plan.update.append((n, rec, existing, changes))
            else:
                plan.unchanged.append((n, rec))
    return plan


def apply_plan(plan: Plan, source: str, actor_id=None, steward_id=None) -> None:
    """Write a clean plan (caller commits; on any failure the caller rolls back everything)."""
    if not plan.ok:
        raise ValidationError(f"The file has {len(plan.errors)} errors; nothing was imported")
    for _, rec in plan.create:
        create_asset(rec, actor_id=actor_id, source=source, steward_id=steward_id, action="import")
    for _, rec, service, _ in plan.update:
        update_asset(service, rec, actor_id=actor_id, action="import")


def read_template_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- public libraries

_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


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
        for day in _DAYS:
            for kind in ("staffed", "unstaffed"):
                for m in _HOURS.finditer(r.get(f"{day} {kind} hours") or ""):
                    sessions.append(f"{day[:3].lower()} {int(m[1]):02d}:{m[2]}-{int(m[3]):02d}:{m[4]}")
        address = ", ".join(x.strip() for x in (r.get("Address 1"), r.get("Address 2")) if x and x.strip())
        notes = (r.get("Notes") or "").strip()
        la = r["Local authority"].strip()
        desc = (f"Public library run by or for {la}: borrow books and audiobooks, use computers and free Wi-Fi, "
                "and join reading groups and events.")
        if r.get("Co-located with"):
            desc += f" Shares its building with {r['Co-located with'].strip()}."
        if notes:
            desc += f" {notes}."
        if closed:
            desc += f" Closed in {closed}."
        rows.append({
            "source_id": f"library:{_slug(la)}:{_slug(name)}:{_slug(r.get('Postcode', ''))}",
            "name": name, "organisation": la, "description": desc,
            "categories": "learning;digital-inclusion;information-and-advice;community-buildings",
            "audiences": "all-adults", "capabilities": "enjoyment;independence",
            "asset_type": "public-institution", "modes": "in_person",
            "address": address, "postcode": r.get("Postcode", "").strip(),
            "lat": r.get("latitude", "").strip(), "lon": r.get("longitude", "").strip(),
            "schedule": ";".join(sorted(set(sessions), key=lambda s: (_DAYS.index(
                next(d for d in _DAYS if d.lower().startswith(s[:3]))), s))),
            "cost_amount": "0", "cost_description": "Free to join and borrow",
            "email": (r.get("Email address") or "").strip(), "url": (r.get("URL") or "").strip(),
            "visibility": "public", "last_verified": "2025-04-28", "verification_method": "self-reported",
            "illustrative": "no", "_closed": closed,
        })
    return rows, skipped


def load_libraries(path: str | Path) -> tuple[Plan, list[str]]:
    """Load the public libraries file (closed branches are kept, archived)."""
    rows, skipped = library_rows(Path(path))
    plan = plan_rows(rows, source="libraries")
    apply_plan(plan, source="libraries")
    closed = [r["source_id"] for r in rows if r["_closed"]]
    if closed:
        session.execute(text("UPDATE service SET archived_at = COALESCE(archived_at, :now), status = 'defunct' "
                             "WHERE source = 'libraries' AND source_id = ANY(:ids)"),
                        {"now": dt.datetime.now(dt.timezone.utc), "ids": closed})
    return plan, skipped
