"""Reading an export back in the tests: the rows of a CSV or Excel file, header first."""

import csv
import io

from openpyxl import load_workbook

from repat.audit.models import AuditEvent


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "no byte-order mark: Excel would misread Cyrillic"
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def ids(rows: list[list]) -> list[int]:
    """The first column (the id) of every row but the header."""
    return [int(row[0]) for row in rows[1:]]


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("-id").first()
