"""A coordinator's bulk import: the dry run, then the all-or-nothing apply (pages and ``assetmap import assets``).

The import engine (``directory.imports``) reads, plans and applies; this adds the importer's rights. Imports
are matched on (source, source_id), so re-importing the same file changes nothing, and every row is checked
against the importer's wards: rows outside them are refused by scope. After a dry run with errors, the
coordinator may choose to import the valid rows and skip the rest; that choice is honoured only while the
file still has exactly the errors they were shown.
"""

from __future__ import annotations

import logging
import re
import time

from flask import current_app

from ...db import transaction
from ...directory import access, duplicates
from ...directory.imports.apply import apply_plan
from ...directory.imports.plan import Plan, plan_rows
from ...directory.imports.read import MAX_IMPORT_BYTES, ImportFile, read_import
from ...errors import Conflict, ValidationError

log = logging.getLogger("assetmap.import")
DEFAULT_SOURCE = "import"
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,59}$")


def check_source(source: str) -> str:
    source = (source or DEFAULT_SOURCE).strip().lower()
    if not _SOURCE.match(source) or source in ("libraries", "demo", "suggestion"):
        raise ValidationError(
            "The source name must be lower-case letters, digits, dots, colons or dashes, "
            "and not a name the service uses itself",
            field="source",
        )
    return source


class ScopeCheck:
    """Refuses rows outside the importer's wards, and updates to assets they may not edit; counts refusals."""

    def __init__(self, user):
        self.user, self.refused = user, 0

    def __call__(self, rec, existing):
        problem = None
        if existing is not None and not access.can_edit(self.user, existing):
            problem = ("source_id", "This row would change an asset in an area you do not look after")
        else:
            old = access.service_wards(existing.id) if existing is not None else set()
            message = access.scope_problem(self.user, access.record_wards(rec), old)
            if message:
                problem = ("postcode" if rec.has_place else "service_area_wards", message)
        self.refused += bool(problem)
        return problem


def plan_import(
    user, filename: str, data: bytes, source: str = DEFAULT_SOURCE, max_bytes: int | None = None
) -> tuple[Plan, ImportFile]:
    """The dry run: what the file would create, update and leave unchanged, and every error (writes nothing)."""
    limit = max_bytes or current_app.config.get("MAX_IMPORT_BYTES", MAX_IMPORT_BYTES)
    f = read_import(filename, data, limit)
    scope = ScopeCheck(user) if user is not None and access.editable_wards(user) is not None else None
    plan = plan_rows(f.rows, check_source(source), numbers=f.numbers, check_scope=scope)
    if f.errors:
        plan.errors = sorted(plan.errors + f.errors, key=lambda e: e.row)
        plan.refuse_rows(e.row for e in f.errors)
    viewer = duplicates.Viewer.of(user) if user is not None else duplicates.OPERATOR_VIEWER
    plan.possible_duplicates = duplicates.of_new_rows(viewer, plan.create)
    placeless = [
        n
        for n, rec in plan.create + [(u[0], u[1]) for u in plan.update] + plan.unchanged
        if not rec.has_place and (rec.accessibility or rec.how_to_get_there)
    ]
    if placeless:
        f.notes.append(
            f"{len(placeless)} rows with no fixed place list accessibility features or how to get "
            f"there (rows {', '.join(map(str, placeless[:10]))}{'…' if len(placeless) > 10 else ''}): "
            "those describe a place, so they are left out."
        )
    if scope is not None and scope.refused:
        access.log.warning(
            "denied",
            extra={
                "action": "import",
                "status": 403,
                "rows": scope.refused,
                "user_id": str(user.id),
                "role": user.role,
            },
        )
    return plan, f


def apply_import(
    user, filename: str, data: bytes, source: str = DEFAULT_SOURCE, skip_rows: list[int] | None = None
) -> Plan:
    """Apply the whole file in one transaction, or nothing at all if any row has an error.

    ``skip_rows``: the coordinator chose to import the valid rows and skip these, the rows with errors
    in the dry run they saw; if the file's errors are not exactly those now, nothing is imported."""
    started = time.perf_counter()
    with transaction():
        plan, _ = plan_import(user, filename, data, source)
        if skip_rows is None and not plan.ok:
            raise ValidationError(
                f"The file has {len(plan.errors)} errors, so nothing was imported. Correct them and try again.",
                field="file",
            )
        if skip_rows is not None and plan.error_rows != sorted(skip_rows):
            raise Conflict(
                "The file's errors have changed since you checked it (someone may have changed the "
                "assets it updates), so nothing was imported. Upload it again to see them.",
                field="file",
            )
        if skip_rows is not None and not plan.valid_rows:
            raise ValidationError("No row of the file can be imported, so nothing was imported.", field="file")
        steward = user.id if user is not None and access.role_of(user) == "coordinator" else None
        apply_plan(
            plan,
            check_source(source),
            actor_id=user.id if user is not None else None,
            steward_id=steward,
            skip_errors=skip_rows is not None,
        )
    log.info(
        "import applied",
        extra={
            "rows_created": len(plan.create),
            "rows_updated": len(plan.update),
            "rows_unchanged": len(plan.unchanged),
            "rows_skipped": len(plan.error_rows),
            "ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return plan
