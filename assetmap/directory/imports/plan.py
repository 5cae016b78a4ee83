"""Planning an import: rows -> what applying them would do, with every error by row (writes nothing).

The second stage (``read`` -> ``plan`` -> ``apply``). Each row is validated by the one record parser
(``parse_record``) and matched on (source, source_id) against what is already held, so re-importing the same
rows plans no change and a row that changes an asset says which fields. Callers add their own checks: a
row-level one (``check_row``) and, once the existing asset is known, a scope one (``check_scope``: the
coordinators' import refuses rows outside the importer's wards).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ...db import session
from ...models import Service
from .. import organisers
from ..records import AssetRecord, RecordInvalid, parse_record
from ..store import known_wards, record_snapshot, snapshot_options, snapshots, vocabulary
from .read import RowError


@dataclass
class Plan:
    """What applying would do: rows to create, update, leave unchanged, and every error."""

    create: list[tuple[int, AssetRecord]] = field(default_factory=list)
    update: list[tuple[int, AssetRecord, Service, dict]] = field(default_factory=list)
    unchanged: list[tuple[int, AssetRecord]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: row -> listings already held that a row to be created likely duplicates (set by the dry run's caller)
    possible_duplicates: dict = field(default_factory=dict)
    #: organiser contacts to add or change, by the row's source_id (rows whose organiser columns are empty
    #: leave a listing's organiser as it is: an import never removes one)
    contacts: dict[str, organisers.ContactInput] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def valid_rows(self) -> int:
        """Rows that would be written: what "import the valid rows, skip the rest" imports."""
        return len(self.create) + len(self.update)

    @property
    def error_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def refuse_rows(self, numbers) -> None:
        """Take rows refused earlier (while the file was read) out of what applying would do."""
        refused = set(numbers)
        self.create = [c for c in self.create if c[0] not in refused]
        self.update = [u for u in self.update if u[0] not in refused]
        self.unchanged = [u for u in self.unchanged if u[0] not in refused]
        kept = {r.source_id for _, r in self.create} | {u[1].source_id for u in self.update}
        kept |= {r.source_id for _, r in self.unchanged}
        self.contacts = {k: v for k, v in self.contacts.items() if k in kept}

    def summary(self) -> str:
        contacts = f", {len(self.contacts)} organiser contacts to set" if self.contacts else ""
        return (
            f"{len(self.create)} to create, {len(self.update)} to update, {len(self.unchanged)} unchanged, "
            f"{len(self.errors)} errors{contacts}"
        )


def plan_rows(
    rows: list[dict],
    source: str,
    first_row: int = 2,
    check_row=None,
    numbers: list[int] | None = None,
    check_scope=None,
) -> Plan:
    """Validate every row and work out what applying would do; writes nothing.

    ``numbers`` gives each row's number in the file (default: counting from ``first_row``);
    ``check_scope(rec, existing)`` may refuse a row as (field, message), e.g. outside the importer's wards.
    """
    vocab, wards = vocabulary(), known_wards()
    plan = Plan()
    seen: dict[str, int] = {}
    valid: list[tuple[int, AssetRecord]] = []
    given: dict[int, organisers.ContactInput] = {}
    numbered = zip(numbers, rows) if numbers is not None else enumerate(rows, start=first_row)
    for n, raw in numbered:
        contact_errors: list[tuple[str, str]] = []
        contact = organisers.parse_contact(raw, contact_errors) if isinstance(raw, dict) else None
        try:
            rec = parse_record(raw, vocab, wards)
        except RecordInvalid as exc:
            plan.errors.extend(RowError(n, f, m) for f, m in exc.errors + contact_errors)
            continue
        if contact_errors:
            plan.errors.extend(RowError(n, f, m) for f, m in contact_errors)
            continue
        if contact is not None:
            given[n] = contact
        if not rec.source_id:
            plan.errors.append(
                RowError(n, "source_id", "Every row needs a source_id so re-importing updates instead of duplicating")
            )
            continue
        if rec.source_id in seen:
            plan.errors.append(
                RowError(n, "source_id", f"source_id {rec.source_id} is also on row {seen[rec.source_id]}")
            )
            continue
        seen[rec.source_id] = n
        if check_row is not None:
            problem = check_row(rec)
            if problem:
                plan.errors.append(RowError(n, *problem))
                continue
        valid.append((n, rec))
    existing = existing_by_source(source, [rec.source_id for _, rec in valid])
    before_all = snapshots(list(existing.values()))
    stored = organisers.contacts_of(s.id for s in existing.values()) if given else {}
    for n, rec in valid:
        service = existing.get(rec.source_id)
        if check_scope is not None:
            problem = check_scope(rec, service)
            if problem:
                plan.errors.append(RowError(n, *problem))
                continue
        if (
            n in given
            and rec.source_id
            and _contact_differs(stored.get(service.id) if service is not None else None, given[n])
        ):
            plan.contacts[rec.source_id] = given[n]
        if service is None:
            plan.create.append((n, rec))
            continue
        before, after = before_all[service.id], record_snapshot(rec)
        changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        if changes:
            plan.update.append((n, rec, service, changes))
        else:
            plan.unchanged.append((n, rec))
    plan.errors.sort(key=lambda e: e.row)
    return plan


def _contact_differs(now, new: organisers.ContactInput) -> bool:
    """Whether a row's organiser contact would change what is stored (none, unreadable or different)."""
    return (
        now is None
        or now.unreadable
        or (now.name, now.email, now.consent_on, now.consent_method)
        != (new.name, new.email, new.consent_on, new.consent_method)
    )


def existing_by_source(source: str, source_ids: list[str | None]) -> dict:
    """{source_id: Service} for the rows that are already loaded, fetched in a few queries."""
    found: dict = {}
    for i in range(0, len(source_ids), 1000):
        found.update(
            {
                s.source_id: s
                for s in session.execute(
                    select(Service)
                    .where(Service.source == source, Service.source_id.in_(source_ids[i : i + 1000]))
                    .options(*snapshot_options())
                )
                .unique()
                .scalars()
            }
        )
    return found
