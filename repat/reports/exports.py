"""A progress report as PDF and as an Excel workbook, both from the same report document.

The document is a plain dict built by the caller (repat.reports.documents) with every label already
translated: title, subtitle, generated, footnote, small_label, hidden_label, narrative [{heading, text}]
and tables [{key, title, row_header, columns, note, rows [{label, total, cells [{value, suppressed, mark,
kind}]}]}]. The web page, the PDF and the workbook format cells through `cell_text`, which shows a
withheld cell by its mark ("<5" for a small count, "hidden" for anything else) and never its value.
Numbers follow the active language (the caller activates it).
"""

import io
import re
from decimal import ROUND_HALF_UP, Decimal

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from repat.core.exports import spreadsheet_text

from .suppression import hidden_label

NOT_APPLICABLE = "–"
MINUS = "−"  # U+2212: a true minus sign lines up with the plus in a column of changes
KINDS = ("count", "days", "percent", "change")


def labels(doc: dict) -> dict[str, str]:
    """The texts of withheld cells. A document stored before cells carried their mark says only that a
    cell was withheld, not why: such cells read as hidden, never as "<5", which they may not be."""
    return {
        "small": doc.get("small_label") or doc.get("suppressed_label", ""),
        "hidden": doc.get("hidden_label") or hidden_label(),
    }


def cell_text(cell: dict, labels: dict[str, str]) -> str:
    """How a cell reads: its mark's label if it is withheld, an en dash for "not applicable", or the
    number in its kind's format (count 42, days 3.5, percent 62.5%, change +3 / −2 / 0)."""
    kind, value = cell["kind"], cell["value"]
    if kind not in KINDS:
        raise ValueError(f"Unknown cell kind: {kind!r}")
    if cell["suppressed"]:
        return labels["small"] if cell.get("mark") == "small" else labels["hidden"]
    if value is None:
        return NOT_APPLICABLE
    if kind == "count":
        return _number(value, 0)
    if kind == "days":
        return _number(value, 1)
    if kind == "percent":
        return f"{_number(value, 1)}%"
    sign = "+" if value > 0 else MINUS if value < 0 else ""
    return sign + _number(abs(value), 0 if isinstance(value, int) else 1)


def _number(value: int | float, places: int) -> str:
    """Rounded half up, as a spreadsheet shows it (Django's number_format cuts digits off instead)."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=places)


# --- PDF ----------------------------------------------------------------------------------------------


def display_tables(doc: dict) -> list[dict]:
    """The document's tables with each cell as the text it reads as: what the web page and the PDF show."""
    texts = labels(doc)
    return [
        {
            "key": table.get("key", ""),
            "title": table["title"],
            "row_header": table["row_header"],
            "columns": table["columns"],
            "note": table["note"],
            "rows": [
                {
                    "label": row["label"],
                    "total": row["total"],
                    "cells": [cell_text(cell, texts) for cell in row["cells"]],
                }
                for row in table["rows"]
            ],
        }
        for table in doc["tables"]
    ]


def render_pdf(doc: dict) -> bytes:
    """An A4 PDF of the report. Fonts and the stylesheet come from static/ (DejaVu, for Cyrillic and
    Arabic); the template only ever sees the cells' display text."""
    from repat.core.pdf import html_to_pdf  # at the first PDF, not with the URLs (repat/core/pdf.py)

    return html_to_pdf(render_to_string("reports/report_pdf.html", {"doc": doc, "tables": display_tables(doc)}))


# --- Excel --------------------------------------------------------------------------------------------

# Number formats by kind; percents are stored as shown (62.5, not 0.625) so the cell equals the PDF.
NUMBER_FORMATS = {"count": "0", "days": "0.0", "percent": '0.0"%"', "change": "+0;-0;0"}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="E9ECEF")
WRAP = Alignment(wrap_text=True, vertical="top")
RIGHT = Alignment(horizontal="right")


def render_xlsx(doc: dict) -> bytes:
    """A workbook with a "Summary" sheet (title, narrative, footnote) and one sheet per table."""
    workbook = Workbook()
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", doc["title"])
    used_names = {"history"}  # Excel reserves "History" and compares sheet names case-insensitively
    summary = workbook.active
    summary.title = _sheet_name(_("Summary"), used_names)
    _write_summary(summary, doc)
    for table in doc["tables"]:
        sheet = workbook.create_sheet(_sheet_name(table["title"], used_names))
        _write_table(sheet, table, doc)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_summary(sheet, doc: dict) -> None:
    sheet.column_dimensions["A"].width = 100
    sheet.append([_text(doc["title"])])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in (doc["subtitle"], doc["generated"], ""):
        sheet.append([_text(line)])
    for section in doc["narrative"]:
        sheet.append([_text(section["heading"])])
        sheet.cell(sheet.max_row, 1).font = BOLD
        for line in section["text"].splitlines():
            sheet.append([_text(line)])
            sheet.cell(sheet.max_row, 1).alignment = WRAP
        sheet.append([])
    for line in doc["footnote"].splitlines():  # the legend: one line per row, each readable alone
        sheet.append([_text(line)])
        sheet.cell(sheet.max_row, 1).alignment = WRAP


def _write_table(sheet, table: dict, doc: dict) -> None:
    sheet.append([_text(table["title"])])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([_text(table["row_header"]), *(_text(column) for column in table["columns"])])
    for cell in sheet[2]:
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
    widths = [len(table["row_header"]), *(len(column) for column in table["columns"])]
    texts = labels(doc)
    for row in table["rows"]:
        sheet.append([_text(row["label"]), *(_excel_value(cell, texts) for cell in row["cells"])])
        widths[0] = max(widths[0], len(row["label"]))
        for col, cell in enumerate(row["cells"], start=2):
            target = sheet.cell(sheet.max_row, col)
            target.alignment = RIGHT
            if isinstance(target.value, int | float):
                target.number_format = _number_format(cell["kind"], target.value)
            widths[col - 1] = max(widths[col - 1], len(cell_text(cell, texts)))
        if row["total"]:
            for target in sheet[sheet.max_row]:
                target.font = BOLD
    if table["note"]:
        sheet.append([])
        sheet.append([_text(table["note"])])
    sheet.append([])
    for line in doc["footnote"].splitlines():
        sheet.append([_text(line)])
    sheet.freeze_panes = "B3"  # the header row and the row labels stay in view
    for col, width in enumerate(widths, start=1):
        limit = 50 if col == 1 else 30
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 10), limit)


def _excel_value(cell: dict, texts: dict[str, str]) -> int | float | str:
    """The number itself where it may be shown, so that the sheet can be sorted and summed."""
    if cell["suppressed"] or cell["value"] is None:
        return _text(cell_text(cell, texts))
    if cell["kind"] == "count":
        return round(cell["value"])
    return cell["value"] if cell["kind"] == "change" else float(cell["value"])


def _number_format(kind: str, value: int | float) -> str:
    if kind == "change" and isinstance(value, float):
        return "+0.0;-0.0;0.0"
    return NUMBER_FORMATS[kind]


def _text(value: str) -> str:
    """Text as a spreadsheet must hold it. Labels come from names people typed (operations, regions),
    and a string starting with = + - @ or a tab would be read as a formula: openpyxl writes "=..." as
    one, and Excel turns the others into formulas as soon as someone edits the cell."""
    return spreadsheet_text(value)


def _sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not starting or ending
    with an apostrophe, and unlike every name in `used` (compared case-insensitively, as Excel does)."""
    cleaned = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title)).split())
    base = cleaned[:SHEET_NAME_MAX].strip(" '") or _("Table")
    name, number = base, 1
    while name.casefold() in used:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_MAX - len(suffix)].rstrip(" '") + suffix
    used.add(name.casefold())
    return name
