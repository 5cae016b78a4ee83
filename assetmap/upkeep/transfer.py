"""Bulk import (dry run, then all-or-nothing apply) and export of an area's assets.

Imports are matched on (source, source_id), so re-importing the same file changes nothing, and
every row is checked against the importer's wards: rows outside them are refused by scope. After a
dry run with errors, the coordinator may choose to import the valid rows and skip the rest; that
choice is honoured only while the file still has exactly the errors they were shown.
Exports (CSV, GeoJSON, Excel) of a ward, a constituency, a council or a coordinator's whole patch
neutralise spreadsheet formulas and never include a confidential asset's place.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import secrets
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..db import session
from ..directory import access, store
from ..directory.records import TEMPLATE_FIELDS
from ..errors import Conflict, NotFound, ValidationError
from ..loaders import transaction
from ..loaders.assets import MAX_IMPORT_BYTES, ImportFile, Plan, apply_plan, plan_rows, read_import
from ..models import Constituency, LocalAuthority, Service, Ward
from .queue import ward_names_for

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


# --------------------------------------------------------------------------- uploads kept between dry run and apply


def _upload_dir() -> Path:
    from ..config import VAR_DIR

    path = Path(current_app.config.get("IMPORT_UPLOAD_DIR") or VAR_DIR / "imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def stash_upload(user, filename: str, data: bytes, source: str, error_rows: list[int] = ()) -> str:
    """Keep an uploaded file (for this user only) until it is applied or a day has passed, with the rows
    the dry run found errors in (what "import the valid rows, skip the rest" skips)."""
    folder = _upload_dir()
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < time.time() - 86400:
            old.unlink(missing_ok=True)
            old.with_suffix(".bin").unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(
        json.dumps({"user_id": str(user.id), "filename": filename, "source": source, "error_rows": list(error_rows)})
    )
    return token


def load_upload(user, token: str) -> tuple[str, bytes, str, list[int]]:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", token or ""):
        raise NotFound("That upload has expired. Upload the file again.")
    folder = _upload_dir()
    meta_path = folder / f"{token}.json"
    if not meta_path.exists():
        raise NotFound("That upload has expired. Upload the file again.")
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != str(user.id):
        access.deny(user, "import-apply", status=404, message="That upload has expired. Upload the file again.")
    return meta["filename"], (folder / f"{token}.bin").read_bytes(), meta["source"], meta.get("error_rows", [])


def drop_upload(token: str) -> None:
    folder = _upload_dir()
    (folder / f"{token}.bin").unlink(missing_ok=True)
    (folder / f"{token}.json").unlink(missing_ok=True)


# --------------------------------------------------------------------------- export

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
LOCATION_FIELDS = ("address", "postcode", "lat", "lon", "how_to_get_there")
EXPORT_FIELDS = ["asset_id", *TEMPLATE_FIELDS, "ward", "archived"]


def neutralise(value: str) -> str:
    """Stop a spreadsheet running a cell as a formula (=, +, -, @, tab, CR first); numbers stay numbers."""
    if value and value[0] in "=+-@\t\r" and not _NUMBER.match(value):
        return "'" + value
    return value


PATCH = "patch:mine"


def area_filter(area: str, user=None):
    """'ward:E05…', 'constituency:E14…', 'la:E08…', or 'patch:mine' (every ward assigned to ``user``)
    -> a WHERE clause on Service."""
    kind, _, code = (area or "").partition(":")
    if area == PATCH:
        wards = access.assigned_wards(user.id) if access.role_of(user) == "coordinator" else set()
    elif kind == "ward":
        wards = {code} if session.get(Ward, code) else set()
    elif kind == "constituency":
        wards = set(session.execute(select(Ward.code).where(Ward.constituency_code == code)).scalars())
    elif kind == "la":
        wards = set(session.execute(select(Ward.code).where(Ward.lad_code == code)).scalars())
    else:
        raise ValidationError("Choose an area to export", field="area")
    if not wards:
        raise ValidationError("Choose an area to export", field="area")
    return access.in_wards(wards)


def area_label(area: str) -> str:
    if area == PATCH:
        return "your patch"
    kind, _, code = area.partition(":")
    model = {"ward": Ward, "constituency": Constituency, "la": LocalAuthority}.get(kind)
    row = session.get(model, code) if model else None
    return row.name if row else code


def export_rows(user, area: str) -> list[dict]:
    """The area's live assets the user may read, as flat rows; confidential places are left out."""
    services = (
        session.execute(
            select(Service)
            .where(access.readable_filter(user), area_filter(area, user))
            .options(*store.snapshot_options())
            .order_by(Service.name, Service.id)
        )
        .unique()
        .scalars()
        .all()
    )
    snaps = store.snapshots(services)
    wards = ward_names_for([s.id for s in services])
    rows = []
    for s in services:
        snap = snaps[s.id]
        if s.visibility == "confidential":
            snap.update({k: None if k in ("lat", "lon") else "" for k in LOCATION_FIELDS})
        rows.append(
            {
                "asset_id": str(s.id),
                **snap,
                "source_id": s.source_id or "",
                "ward": "; ".join(sorted(wards.get(s.id, []))),
                "archived": "yes" if s.archived_at else "no",
            }
        )
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        cells = []
        for name in EXPORT_FIELDS:
            value = row.get(name)
            value = ";".join(value) if isinstance(value, list) else "" if value is None else str(value)
            cells.append(neutralise(value))
        writer.writerow(cells)
    return "\ufeff" + out.getvalue()  # BOM so Excel reads UTF-8


def to_geojson(rows: list[dict]) -> str:
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("lat", "lon")}
        geometry = (
            {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
            if row.get("lat") is not None and row.get("lon") is not None
            else None
        )
        features.append({"type": "Feature", "id": row["asset_id"], "geometry": geometry, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def to_xlsx(rows: list[dict]) -> bytes:
    """An Excel workbook of the rows: the CSV's columns, formulas made text, coordinates as numbers."""
    from ..loaders.spreadsheet import to_xlsx as workbook

    return workbook(EXPORT_FIELDS, rows, numbers=("lat", "lon"))


def export_filename(area: str, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", area_label(area).lower()).strip("-") or "area"
    return f"assets-{slug}-{dt.date.today().isoformat()}.{fmt}"
