"""Excel workbooks (.xlsx) both ways: an upload read into template rows, and rows written as a workbook.

Why: coordinators keep their lists in Excel, and "save as CSV UTF-8" is the step they get wrong (the
wrong encoding, a semicolon separator, leading zeros gone). openpyxl reads the workbook itself, with
defusedxml guarding its XML; the zip's unpacked size is checked first so a small file cannot unpack into
gigabytes, and rows are streamed (``read_only``), never the whole sheet at once.

Cells come back typed: a date becomes ``YYYY-MM-DD``, ``TRUE``/``FALSE`` become yes/no, a whole number loses
no ``.0``. A phone number typed as a number has already lost its leading 0 in Excel, so it is refused with
the fix (format the column as Text) rather than stored wrong. On the way out, text that a spreadsheet would
run as a formula is written as a text cell with Excel's quote prefix, so it shows and stays as text.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ...errors import ValidationError

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: a workbook may unpack to this much; a real asset list of a few thousand rows is a few MB
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 60
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls


def looks_like_xlsx(filename: str, data: bytes) -> bool:
    name = (filename or "").lower()
    return name.endswith((".xlsx", ".xlsm")) or data.startswith(_ZIP)


def refuse_old_excel(filename: str, data: bytes) -> None:
    if data.startswith(_OLE2):
        raise ValidationError(
            "This is an Excel 97-2003 (.xls) file, which cannot be read. In Excel choose "
            "File, Save As, ‘Excel Workbook (.xlsx)’ and upload that.",
            field="file",
        )


def _open(data: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED_BYTES:
                raise ValidationError(
                    "The workbook unpacks to more than 100 MB. Split it into smaller files.", field="file"
                )
    except zipfile.BadZipFile:
        raise ValidationError(
            "This is not a valid Excel workbook (.xlsx). Save it again from Excel and upload "
            "it, or save it as ‘CSV UTF-8’.",
            field="file",
        ) from None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or non-Excel zip
        raise ValidationError(
            "This workbook cannot be read. Save it again from Excel as ‘Excel Workbook (.xlsx)’ and upload it.",
            field="file",
        ) from None


def cell_text(value) -> str:
    """A cell's value as the text a CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def header_names(values) -> list[str]:
    return [cell_text(v).strip().lower().replace(" ", "_") for v in values]


def xlsx_rows(data: bytes, known_fields: list[str], max_rows: int):
    """The first sheet that names a ``name`` column -> (rows, their row numbers in the sheet, notes, errors).

    ``errors`` are (row, field, message) for cells that cannot be right whatever the rest says."""
    wb = _open(data)
    try:
        for ws in wb.worksheets:
            rows_iter = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
            header = header_names(next(rows_iter, ()))
            if "name" in header:
                return _read_sheet(ws.title, header, rows_iter, known_fields, max_rows)
        raise ValidationError(
            "No sheet in the workbook has a first row naming the columns, including ‘name’ "
            "and ‘source_id’: download the template to see them",
            field="file",
        )
    finally:
        wb.close()


def _read_sheet(title: str, header: list[str], rows_iter, known: list[str], max_rows: int):
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise ValidationError(
            f"The first row names {', '.join(dupes)} more than once: keep one column of each name", field="file"
        )
    notes = [f"Read the sheet ‘{title}’."]
    unknown = [h for h in header if h and h not in known]
    if unknown:
        notes.append(f"Columns ignored (not in the template): {', '.join(unknown[:10])}")
    rows: list[dict] = []
    numbers: list[int] = []
    errors: list[tuple[int, str, str]] = []
    for n, values in enumerate(rows_iter, start=2):
        if not any(cell_text(v).strip() for v in values):
            continue
        if len(rows) >= max_rows:
            raise ValidationError(
                f"The sheet has more than {max_rows:,} rows. Split it into smaller files.", field="file"
            )
        row = {}
        for name, value in zip(header, values):
            if name not in known:
                continue
            if name == "phone" and isinstance(value, (int, float)) and not isinstance(value, bool):
                errors.append(
                    (
                        n,
                        "phone",
                        "The phone number is a number in the spreadsheet, so Excel has dropped "
                        "its leading 0: format the column as Text and type it again",
                    )
                )
                continue
            row[name] = cell_text(value)
        rows.append(row)
        numbers.append(n)
    return rows, numbers, notes, errors


# --------------------------------------------------------------------------- writing

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_xlsx(fields: list[str], rows: list[dict], sheet: str = "assets", numbers: tuple[str, ...] = ()) -> bytes:
    """A workbook of ``rows`` under a header of ``fields``; lists joined with ``;``. Fields in ``numbers`` are
    written as numbers; every other value is a text cell, quote-prefixed when it looks like a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(fields)
    for row in rows:
        cells = []
        for name in fields:
            value = row.get(name)
            if name in numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(value)
                continue
            text = ";".join(value) if isinstance(value, list) else "" if value is None else str(value)
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if text.startswith(_FORMULA_START):
                cell.quotePrefix = True
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
