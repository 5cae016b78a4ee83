"""Applying an import: a plan -> created and updated assets, with their history, in the caller's transaction.

The last stage (``read`` -> ``plan`` -> ``apply``). Every write goes through the directory's store, so an
imported change is recorded like any edit (a new version and a history line, action "import"). It flushes
and never commits: the use case that planned the import owns the transaction, so a failure on any row
leaves nothing behind.
"""

from __future__ import annotations

from ...errors import ValidationError
from .. import organisers
from ..store import create_asset, update_asset
from .plan import Plan, existing_by_source


def apply_plan(plan: Plan, source: str, actor_id=None, steward_id=None, skip_errors: bool = False) -> None:
    """Write a clean plan, or with ``skip_errors`` only its valid rows (caller commits; on any failure
    the caller rolls back everything)."""
    if not plan.ok and not skip_errors:
        raise ValidationError(f"The file has {len(plan.errors)} errors; nothing was imported")
    for _, rec in plan.create:
        create_asset(rec, actor_id=actor_id, source=source, steward_id=steward_id, action="import")
    for _, rec, service, _ in plan.update:
        update_asset(service, rec, actor_id=actor_id, action="import")
    if plan.contacts:
        services = existing_by_source(source, list(plan.contacts))
        for source_id, contact in plan.contacts.items():
            if source_id in services:
                organisers.set_contact(services[source_id].id, contact, actor_id=actor_id)
