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

from sqlalchemy import select, text

from .. import parsing
from ..db import session
from ..directory.records import TEMPLATE_FIELDS, AssetRecord, RecordInvalid, parse_record
from ..directory.store import (
    create_asset,
    known_wards,
    record_snapshot,
    snapshot_options,
    snapshots,
    update_asset,
    vocabulary,
)
from ..errors import ValidationError
from ..models import Service
from ..vocabulary import DAYS, day_code
from .area_names import EXTRA_FIELDS, resolve_rows


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

    def summary(self) -> str:
        return (
            f"{len(self.create)} to create, {len(self.update)} to update, {len(self.unchanged)} unchanged, "
            f"{len(self.errors)} errors"
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
    numbered = zip(numbers, rows) if numbers is not None else enumerate(rows, start=first_row)
    for n, raw in numbered:
        try:
            rec = parse_record(raw, vocab, wards)
        except RecordInvalid as exc:
            plan.errors.extend(RowError(n, f, m) for f, m in exc.errors)
            continue
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
    for n, rec in valid:
        service = existing.get(rec.source_id)
        if check_scope is not None:
            problem = check_scope(rec, service)
            if problem:
                plan.errors.append(RowError(n, *problem))
                continue
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


def existing_by_source(source: str, source_ids: list[str]) -> dict:
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


def apply_plan(plan: Plan, source: str, actor_id=None, steward_id=None, skip_errors: bool = False) -> None:
    """Write a clean plan, or with ``skip_errors`` only its valid rows (caller commits; on any failure
    the caller rolls back everything)."""
    if not plan.ok and not skip_errors:
        raise ValidationError(f"The file has {len(plan.errors)} errors; nothing was imported")
    for _, rec in plan.create:
        create_asset(rec, actor_id=actor_id, source=source, steward_id=steward_id, action="import")
    for _, rec, service, _ in plan.update:
        update_asset(service, rec, actor_id=actor_id, action="import")


def read_template_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- bulk import files

#: a bulk import is refused beyond these (413 for bytes); split bigger files
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000  # about 25 s to apply on a small server; keeps a web request well inside its timeout
FORMATS = {"csv": "CSV", "xlsx": "Excel workbook", "geojson": "GeoJSON", "oruk": "Open Referral UK JSON"}
#: the columns an import reads: the template's, and ward and constituency columns by code or name
IMPORT_FIELDS = [*TEMPLATE_FIELDS, *EXTRA_FIELDS]


@dataclass
class ImportFile:
    """A bulk-import file read into template rows, with each row's number in the file."""

    format: str
    encoding: str
    rows: list[dict]
    numbers: list[int]
    notes: list[str] = field(default_factory=list)
    #: rows refused while reading (before validation), e.g. a GeoJSON feature that is not a point
    errors: list[RowError] = field(default_factory=list)

    def names(self) -> dict[int, str]:
        """Row number -> the listing's name, so a report can say which listing a row is."""
        out: dict[int, str] = {}
        for n, row in zip(self.numbers, self.rows):
            name = row.get("name")
            if isinstance(name, str) and name.strip():
                out.setdefault(n, name.strip()[:200])
        return out


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> text: UTF-8 (with or without BOM), else Windows-1252; anything else is refused clearly."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            "This does not look like a text file. Save the spreadsheet as "
            "‘CSV UTF-8 (comma delimited)’ and upload that.",
            field="file",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ValidationError(
                "The file says it is UTF-16 but is not. Save it as ‘CSV UTF-8’.", field="file"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data, label = data[3:], "UTF-8 with byte order mark"
    else:
        label = "UTF-8"
    try:
        return data.decode("utf-8"), label
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ValidationError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {utf8_error.start + 1} "
            "cannot be read). Save it as ‘CSV UTF-8’ and upload it again.",
            field="file",
        ) from None


def csv_rows(text_: str) -> tuple[list[dict], list[int], list[str]]:
    """CSV text (CRLF or LF, quoted newlines allowed) -> rows, their spreadsheet row numbers, notes."""
    import io

    reader = csv.reader(io.StringIO(text_, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError("The file is empty", field="file") from None
    except csv.Error as exc:
        raise ValidationError(f"Row 1 cannot be read as CSV: {exc}", field="file") from None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    if "name" not in names:
        raise ValidationError(
            "The first row must name the columns, including ‘name’ and ‘source_id’: download the template to see them",
            field="file",
        )
    dupes = sorted({h for h in names if h and names.count(h) > 1})
    if dupes:
        raise ValidationError(
            f"The first row names {', '.join(dupes)} more than once: keep one column of each name", field="file"
        )
    notes = []
    unknown = [h for h in names if h and h not in IMPORT_FIELDS]
    if unknown:
        notes.append(f"Columns ignored (not in the template): {', '.join(unknown[:10])}")
    rows, numbers = [], []
    n = 1
    try:
        for values in reader:
            n += 1
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationError(
                    f"The file has more than {MAX_IMPORT_ROWS:,} rows. Split it into smaller files.", field="file"
                )
            rows.append({k: v for k, v in zip(names, values) if k in IMPORT_FIELDS})
            numbers.append(n)
    except csv.Error as exc:
        raise ValidationError(f"Row {n} cannot be read as CSV: {exc}", field="file") from None
    return rows, numbers, notes


def geojson_rows(obj) -> tuple[list[dict], list[int], list[RowError]]:
    """A GeoJSON FeatureCollection of points (or null geometry) with template properties -> rows."""
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = {"type": "FeatureCollection", "features": [obj]}
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise ValidationError("GeoJSON must be a FeatureCollection", field="file")
    if len(obj["features"]) > MAX_IMPORT_ROWS:
        raise ValidationError(f"The file has more than {MAX_IMPORT_ROWS:,} features. Split it.", field="file")
    crs = ((obj.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs and not crs.endswith(("CRS84", "4326")):
        raise ValidationError(f"GeoJSON must be in longitude/latitude (EPSG:4326), not {crs}", field="file")
    rows, numbers, errors = [], [], []
    for n, feature in enumerate(obj["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        row = {k: v for k, v in (props or {}).items() if k in IMPORT_FIELDS} if isinstance(props, dict) else {}
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geom, dict):
            coords = geom.get("coordinates")
            if geom.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
                errors.append(RowError(n, "geometry", "Each feature must be a Point (or have no geometry)"))
                continue
            if len(coords) != 2:
                errors.append(
                    RowError(
                        n,
                        "geometry",
                        "Points must have exactly two coordinates (longitude, latitude): 3D points are not accepted",
                    )
                )
                continue
            row["lon"], row["lat"] = coords[0], coords[1]
        rows.append(row)
        numbers.append(n)
    return rows, numbers, errors


def detect_format(filename: str, text_: str) -> str:
    name = (filename or "").lower()
    if name.endswith((".csv", ".txt")):
        return "csv"
    if name.endswith(".geojson"):
        return "geojson"
    stripped = text_.lstrip()
    if name.endswith(".json") or stripped[:1] in "[{":
        return "json"
    return "csv"


def read_import(filename: str, data: bytes, max_bytes: int = MAX_IMPORT_BYTES) -> ImportFile:
    """Read an uploaded CSV, Excel, GeoJSON or ORUK JSON file into template rows (writes nothing)."""
    from ..errors import TooLarge

    if len(data) > max_bytes:
        raise TooLarge(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB. "
            "Split it into smaller files.",
            field="file",
        )
    if not data.strip():
        raise ValidationError("The file is empty", field="file")
    f = _read_file(filename, data)
    if f.format != "oruk":  # an ORUK service's areas are matched by its own mapping
        f.errors += [RowError(*p) for p in resolve_rows(f.rows, f.numbers)]
        f.errors.sort(key=lambda e: e.row)
    return f


def _read_file(filename: str, data: bytes) -> ImportFile:
    from . import spreadsheet
    from .oruk_rows import oruk_rows

    spreadsheet.refuse_old_excel(filename, data)
    if spreadsheet.looks_like_xlsx(filename, data):
        rows, numbers, notes, errors = spreadsheet.xlsx_rows(data, IMPORT_FIELDS, MAX_IMPORT_ROWS)
        return ImportFile("xlsx", "Excel workbook", rows, numbers, notes, [RowError(*e) for e in errors])
    text_, encoding = decode_text(data)
    kind = detect_format(filename, text_)
    if kind == "csv":
        rows, numbers, notes = csv_rows(text_)
        return ImportFile("csv", encoding, rows, numbers, notes)
    obj = parsing.load_json(text_, what="The file", field="file")
    if kind == "geojson" or (isinstance(obj, dict) and obj.get("type") in ("FeatureCollection", "Feature")):
        rows, numbers, errors = geojson_rows(obj)
        return ImportFile("geojson", encoding, rows, numbers, errors=errors)
    from ..directory.store import ward_names

    rows, numbers, errors, notes = oruk_rows(obj, vocabulary(), ward_names())
    if len(rows) + len(errors) > MAX_IMPORT_ROWS:
        raise ValidationError(f"The file has more than {MAX_IMPORT_ROWS:,} services. Split it.", field="file")
    return ImportFile("oruk", encoding, rows, numbers, notes, errors)


# --------------------------------------------------------------------------- public libraries

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
