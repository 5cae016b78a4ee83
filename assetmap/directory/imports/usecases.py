"""The import use case for another publisher's Open Referral UK feed (``assetmap import oruk``), dry run first.

The feed is read (``feed``), mapped (``oruk``), planned and applied like any import (``plan``, ``apply``),
matched on ``(source, source_id)`` - "oruk:<host or file>" and the feed's service id - so a re-import
updates what it created instead of duplicating it. Services that cannot be mapped are skipped with their
reasons; everything else is written in one transaction or not at all.

The dry run makes the writes too and then rolls its transaction back (``db.transaction(dry_run=True)``),
so the ward and constituency each place would land in (set by the database trigger) are reported
exactly. The caller may pass a conformance check (the ORUK 3.0 service schema, which the open data room
holds); deviations are noted, not fatal (feeds in the wild often have small ones, and the mapping
validates what it takes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from ...db import session, transaction
from ...models import Constituency, Location, Service, ServiceAtLocation, Ward
from ...taxonomy import catalogue
from .. import duplicates
from ..store import vocabulary, ward_names
from . import feed as feeds
from .apply import apply_plan
from .oruk import Skip, TermIndex, map_service
from .plan import Plan, plan_rows


@dataclass
class Skipped:
    feed_id: str
    name: str
    reason: str


@dataclass
class Report:
    source: str
    applied: bool
    services_read: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (asset name, note)
    unmapped_terms: Counter = field(default_factory=Counter)
    defaulted_category: list[str] = field(default_factory=list)
    wards: Counter = field(default_factory=Counter)  # "Ward (Constituency)" -> places
    outside: list[str] = field(default_factory=list)  # places outside the areas we hold
    area_only: int = 0  # assets with service areas, no place
    gone: list[str] = field(default_factory=list)  # imported before, not in the feed now
    #: (name of a new asset, what it likely duplicates, one line each) - directory.duplicates
    possible_duplicates: list[tuple[str, list[str]]] = field(default_factory=list)

    def lines(self, verbose: bool = False) -> list[str]:
        """The report as text: counts first, then every skip and assumption."""
        verb = "" if self.applied else "would be "
        out = [
            f"{self.source}: {self.services_read} services read"
            + ("" if self.applied else " (dry run: nothing written; add --apply to import)"),
            f"  assets: {len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.unchanged)} unchanged; {len(self.skipped)} skipped",
        ]
        if self.wards or self.outside or self.area_only:
            out.append(
                f"  places: {sum(self.wards.values())} in {len(self.wards)} wards we hold, "
                f"{len(self.outside)} outside the areas we hold, {self.area_only} assets cover service-area "
                "wards only"
            )
        for s in self.skipped:
            out.append(f"  skipped {s.name or s.feed_id} ({s.feed_id}): {s.reason}")
        if self.defaulted_category:
            out.append(
                f"  {len(self.defaulted_category)} had no category we know, so were put in "
                f"'information-and-advice': {', '.join(self.defaulted_category[:10])}"
                + (" …" if len(self.defaulted_category) > 10 else "")
            )
        if self.unmapped_terms:
            shown = ", ".join(f"{t} ({n})" for t, n in self.unmapped_terms.most_common(15))
            out.append(f"  taxonomy terms we do not know, left out: {shown}")
        for name in self.outside:
            out.append(f"  outside the areas we hold: {name}")
        if self.gone:
            out.append(
                f"  {len(self.gone)} imported earlier from this source are not in this import "
                f"(left as they are): {', '.join(self.gone[:10])}" + (" …" if len(self.gone) > 10 else "")
            )
        for name, matches in self.possible_duplicates:
            out.append(f"  {name} may already be listed as: " + " | ".join(matches))
        if verbose:
            out += [f"  created: {n}" for n in self.created]
            out += [f"  updated: {n} ({', '.join(f)})" for n, f in self.updated]
            out += [f"  note on {n}: {note}" for n, note in self.notes]
            out += [f"  {label}: {n} place(s)" for label, n in sorted(self.wards.items())]
        elif self.notes:
            out.append(f"  {len(self.notes)} notes on details left out or assumed (see --verbose)")
        return out


def map_feed(services: list, report: Report, conformance=None) -> list[dict]:
    """Every service mapped to template rows; the unmappable ones recorded as skipped. ``conformance`` (a
    jsonschema validator of an ORUK service, if given) adds a note for each record that does not conform."""
    index, vocab, names = TermIndex(catalogue()), vocabulary(), ward_names()
    wards = set(names)
    rows = []
    for svc in services:
        try:
            m = map_service(svc, index, vocab, wards, ward_names=names)
        except Skip as exc:
            raw = svc if isinstance(svc, dict) else {}
            report.skipped.append(Skipped(str(raw.get("id") or "?"), str(raw.get("name") or ""), str(exc)))
            continue
        rows.extend(m.rows)
        report.notes.extend((m.name, n) for n in dict.fromkeys(m.notes))
        for err in list(conformance.iter_errors(svc))[:3] if conformance is not None else []:
            where = "/".join(str(p) for p in err.absolute_path) or "the record"
            report.notes.append((m.name, f"not valid ORUK 3.0 at {where}: {err.message[:120]}"))
        report.unmapped_terms.update(set(m.unmapped_terms))
        if m.defaulted_category:
            report.defaulted_category.append(m.name)
    return rows


def _plan(rows: list[dict], source: str, report: Report) -> Plan:
    plan = plan_rows(rows, source=source, first_row=0)
    for err in plan.errors:  # rows our mapping let through but the loader refused (e.g. a repeated id)
        row = rows[err.row]
        report.skipped.append(Skipped(str(row.get("source_id")), str(row.get("name")), err.message))
    plan.errors = []
    report.created = [rec.name for _, rec in plan.create]
    found = duplicates.of_new_rows(duplicates.OPERATOR_VIEWER, plan.create)
    report.possible_duplicates = [
        (rec.name, [duplicates.says(m) for m in found[n]]) for n, rec in plan.create if n in found
    ]
    report.updated = [(rec.name, sorted(changes)) for _, rec, _, changes in plan.update]
    report.unchanged = [rec.name for _, rec in plan.unchanged]
    return plan


def _placement(source: str, source_ids: list[str], report: Report) -> None:
    rows = session.execute(
        select(Service.name, Location.id, Ward.name, Constituency.name)
        .outerjoin(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .outerjoin(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(Ward, Ward.code == Location.ward_code)
        .outerjoin(Constituency, Constituency.code == Location.constituency_code)
        .where(Service.source == source, Service.source_id.in_(source_ids))
    ).all()
    for name, location_id, ward, constituency in rows:
        if location_id is None:
            report.area_only += 1
        elif ward is None:
            report.outside.append(name)
        else:
            report.wards[f"{ward} ({constituency or 'constituency not held'})"] += 1


def _gone(source: str, source_ids: set[str]) -> list[str]:
    rows = session.execute(
        select(Service.name, Service.source_id).where(Service.source == source, Service.archived_at.is_(None))
    ).all()
    return sorted(name for name, sid in rows if sid not in source_ids)


def import_feed(
    location: str, apply: bool = False, progress=None, source: str | None = None, conformance=None
) -> Report:
    """Read, map, plan and write a feed in one transaction: kept when ``apply``, rolled back for a dry run."""
    feed = feeds.load(location, progress)
    src = source or feed.source
    report = Report(src, applied=apply, services_read=len(feed.services) + len(feed.unavailable))
    report.skipped += [
        Skipped(sid, "", f"its full record could not be fetched: {why}") for sid, why in feed.unavailable
    ]
    with transaction(dry_run=not apply):
        rows = map_feed(feed.services, report, conformance)
        plan = _plan(rows, src, report)
        source_ids = [r["source_id"] for r in rows]
        report.gone = _gone(src, set(source_ids))
        apply_plan(plan, source=src)
        session.flush()
        _placement(src, source_ids, report)
    return report
