"""The formats of an area's export: CSV (with a BOM, for Excel), GeoJSON and an Excel workbook.

Every text cell that a spreadsheet would run as a formula is neutralised, numbers stay numbers, and the
rows come from ``queries.export_rows``, which has already left out every confidential place.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from ..directory.imports.xlsx import XLSX_MIMETYPE
from ..directory.imports.xlsx import to_xlsx as workbook
from ..directory.records import TEMPLATE_FIELDS

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
EXPORT_FIELDS = ["asset_id", *TEMPLATE_FIELDS, "ward", "archived"]


def neutralise(value: str) -> str:
    """Stop a spreadsheet running a cell as a formula (=, +, -, @, tab, CR first); numbers stay numbers."""
    if value and value[0] in "=+-@\t\r" and not _NUMBER.match(value):
        return "'" + value
    return value


#: format -> the response's media type
FORMATS = {"csv": "text/csv", "xlsx": XLSX_MIMETYPE, "geojson": "application/geo+json"}


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
    return workbook(EXPORT_FIELDS, rows, numbers=("lat", "lon"))


def export_filename(label: str, fmt: str) -> str:
    """``assets-<the area's name>-<today>.<fmt>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "area"
    return f"assets-{slug}-{dt.date.today().isoformat()}.{fmt}"
