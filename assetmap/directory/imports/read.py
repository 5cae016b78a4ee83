"""Reading an import: a file's bytes -> rows in the asset template's field names, each with its row number.

The first stage of every import (``read`` -> ``plan`` -> ``apply``). A coordinator's upload may be an Excel
workbook (``xlsx``), CSV (UTF-8 with or without BOM, or Windows-1252), GeoJSON points with template
properties, or Open Referral UK JSON (``oruk``); ward and constituency columns given by name are resolved
to codes (``areas``). Nothing here validates a value or touches an asset: rows are checked by
``parse_record`` when an import is planned, and a file that cannot be read at all is a ValidationError
saying how to fix it. The limits keep one upload well inside a web request.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ... import parsing
from ...errors import TooLarge, ValidationError
from ...geo import SRID_WGS84
from ..organisers import FIELDS as ORGANISER_FIELDS
from ..records import TEMPLATE_FIELDS
from ..store import vocabulary, ward_names
from . import xlsx
from .areas import EXTRA_FIELDS, resolve_rows
from .oruk import oruk_rows


@dataclass
class RowError:
    row: int
    field: str
    message: str


#: a bulk import is refused beyond these (413 for bytes); split bigger files
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000  # about 25 s to apply on a small server; keeps a web request well inside its timeout
FORMATS = {"csv": "CSV", "xlsx": "Excel workbook", "geojson": "GeoJSON", "oruk": "Open Referral UK JSON"}
#: the columns an import reads: the template's, ward and constituency columns by code or name, and the
#: organiser's contact (never exported: ``directory.organisers``)
IMPORT_FIELDS = [*TEMPLATE_FIELDS, *EXTRA_FIELDS, *ORGANISER_FIELDS]


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
    rows: list[dict] = []
    numbers: list[int] = []
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
    if crs and not crs.endswith(("CRS84", str(SRID_WGS84))):
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
    xlsx.refuse_old_excel(filename, data)
    if xlsx.looks_like_xlsx(filename, data):
        rows, numbers, notes, errors = xlsx.xlsx_rows(data, IMPORT_FIELDS, MAX_IMPORT_ROWS)
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
    rows, numbers, errors, notes = oruk_rows(obj, vocabulary(), ward_names())
    if len(rows) + len(errors) > MAX_IMPORT_ROWS:
        raise ValidationError(f"The file has more than {MAX_IMPORT_ROWS:,} services. Split it.", field="file")
    return ImportFile("oruk", encoding, rows, numbers, notes, [RowError(*e) for e in errors])


def read_template_csv(path: Path) -> list[dict]:
    """A trusted CSV in the template (the demo data), as rows keyed by its header."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))
