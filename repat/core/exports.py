"""Lists taken away as CSV or Excel: the rows a list page shows, with its filters, from the same
visibility queryset as the page.

A list names its columns (`Column`: a translated header and how a row reads) and its rows; this module
writes them out, one place for each thing:

- CSV is streamed: rows are read from the database in chunks (`QuerySet.iterator(chunk_size=…)`) and
  written as they come, so that 100,000 rows never sit in memory at once. UTF-8 with a byte-order mark,
  without which Excel reads Cyrillic and Arabic as mojibake.
- Excel is written by openpyxl's write-only workbook, which keeps the rows it was given in a temporary
  file, not in memory; the finished workbook goes out from a temporary file as well.
- Every text cell is formula-safe (`spreadsheet_text`): names are typed by people, and one that starts
  with = + - @ or a tab would run as a formula in the spreadsheet (OWASP, "CSV injection").
- Every export is in the audit trail: who, which list, which filters (that a search was applied, never
  its text), in which format and how many rows. File names say which list and when, nothing about whom.
"""

import csv
import datetime
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from repat.accounts.permissions import can_export_lists
from repat.audit import actions as audit
from repat.audit.models import AuditEvent

from .db_router import reading_replica, writes_not_read_back
from .views import PermissionMixin

# Rows fetched from the database at a time: memory holds one chunk, whatever the list's length.
CHUNK_SIZE = 2000
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The query parameter choosing the format (CSV without it), and those a list page's URL carries
# that are not filters.
FORMAT_PARAM = "format"
NOT_FILTERS = (FORMAT_PARAM, "page", "csrfmiddlewaretoken")
FILTER_VALUE_MAX = 100  # a value recorded in the audit trail (a made-up one may be long)


def spreadsheet_text(value: str) -> str:
    """Text as a spreadsheet cell must hold it: without the control characters a workbook cannot
    contain, and quoted when it would otherwise be read as a formula ("=cmd|…" becomes "'=cmd|…",
    which Excel shows as text)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


@dataclass(frozen=True)
class Column:
    header: str | Promise
    value: Callable[[Any], Any]  # a row of the list -> str, number, date, bool or None


@dataclass
class ListExport:
    """One list to take away. `rows` is a QuerySet (read in chunks) or a short list; `prepare`, if
    given, completes each chunk of rows as the page completes its page (one query per chunk at most).
    `filters` are the filters applied, as the audit trail records them; `searched` says a search text
    was applied (the text itself is never recorded)."""

    name: str
    columns: Sequence[Column]
    rows: QuerySet | Sequence
    filters: dict[str, str | list[str]] = field(default_factory=dict)
    searched: bool = False
    prepare: Callable[[list], Iterable] | None = None
    obj: Any = None  # the object whose list it is (a family's members), for the audit trail

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def count(self) -> int:
        return self.rows.count() if isinstance(self.rows, QuerySet) else len(self.rows)

    def records(self) -> Iterator[list]:
        """Each row as the list of its cells' values, chunk by chunk."""
        rows = self.rows.iterator(chunk_size=CHUNK_SIZE) if isinstance(self.rows, QuerySet) else iter(self.rows)
        while chunk := list(islice(rows, CHUNK_SIZE)):
            for row in self.prepare(chunk) if self.prepare else chunk:
                yield [column.value(row) for column in self.columns]


def filters_of(params, names: Iterable[str], *, search: str | None = None) -> dict[str, str | list[str]]:
    """The filters a list's URL applies, for the audit trail: only the list's own filter names, without
    empty ones, values cut to a readable length; never the search box `search`."""
    found: dict[str, str | list[str]] = {}
    for name in names:
        if name == search or name in NOT_FILTERS:
            continue
        # Control characters dropped: PostgreSQL's JSON refuses NUL, and a trail is read by people.
        values = [_printable(value)[:FILTER_VALUE_MAX] for value in params.getlist(name) if value]
        if values:
            found[name] = values[0] if len(values) == 1 else values
    return found


def _printable(value: str) -> str:
    return "".join(char for char in value if unicodedata.category(char) not in ("Cc", "Cs"))


# --- Cells ---------------------------------------------------------------------------------------------


def _local(value: datetime.datetime) -> datetime.datetime:
    """A moment in the site's time zone, without it (a spreadsheet knows no time zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def csv_value(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_text(str(value))


def xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float | datetime.date):
        return _local(value) if isinstance(value, datetime.datetime) else value
    return spreadsheet_text(str(value))


# --- Files -----------------------------------------------------------------------------------------------


class _Line:
    """csv.writer writes into this and gets the line back: nothing accumulates."""

    def write(self, line: str) -> str:
        return line


def csv_lines(export: ListExport) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(export.headers())
    for record in export.records():
        yield writer.writerow([csv_value(value) for value in record])


def write_xlsx(export: ListExport, file) -> int:
    """Write the workbook into `file`; returns how many rows it holds."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.name[:31])
    bold = Font(bold=True)
    headers = []
    for header in export.headers():
        cell = WriteOnlyCell(sheet, value=spreadsheet_text(header))
        cell.font = bold
        headers.append(cell)
    sheet.append(headers)
    rows = 0
    for record in export.records():
        sheet.append([xlsx_value(value) for value in record])
        rows += 1
    workbook.save(file)
    return rows


def file_name(export: ListExport, fmt: str) -> str:
    """Which list and which day: "caseload-2026-12-04.csv". Never a name, a case number or a filter."""
    return f"{export.name}-{timezone.localdate().isoformat()}.{fmt}"


def _in_language(lines: Iterator[str], language: str) -> Iterator[str]:
    """A streamed body is written after the view has returned, outside the request's language:
    the cells' labels (statuses, "Yes") are translated in the language of the request."""
    with translation.override(language):
        yield from lines


def _from_replica(lines: Iterator[str]) -> Iterator[str]:
    """A streamed body is read after the view has returned: in a replica scope of its own."""
    with reading_replica():
        yield from lines


def export_response(request, export: ListExport, fmt: str):
    """The file, with its row in the audit trail. CSV: the rows are counted first (so that an export
    cut off halfway is in the trail too), then streamed. Excel: the workbook is written to a temporary
    file, then recorded with the rows it holds, then sent. The rows may be read from the database's
    replica (repat/core/db_router.py): a list taken away may be a few seconds old."""
    if fmt not in FORMATS:
        raise Http404
    if fmt == "csv":
        with reading_replica():
            rows = export.count()
        with writes_not_read_back():  # the audit row: the rows streamed next do not read it
            _record(request, export, fmt, rows)
        response = StreamingHttpResponse(
            _in_language(_from_replica(csv_lines(export)), translation.get_language()), content_type=FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{file_name(export, fmt)}"'
    else:
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so removes) it
        with reading_replica():
            rows = write_xlsx(export, file)
        file.seek(0)
        _record(request, export, fmt, rows)
        response = FileResponse(file, as_attachment=True, filename=file_name(export, fmt), content_type=FORMATS[fmt])
    return response


def _record(request, export: ListExport, fmt: str, rows: int) -> None:
    match = getattr(request, "resolver_match", None)
    audit.record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=export.obj,
        object_type="" if export.obj is not None else export.name,
        detail=match.view_name if match else export.name,
        changes={
            "list": export.name,
            "format": fmt,
            "filters": export.filters,
            "search": export.searched,
            "rows": rows,
        },
        request=request,
    )


class ListExportView(PermissionMixin, View):
    """GET a list as CSV (`?format=csv`, the default) or Excel (`?format=xlsx`), with the list page's
    own filter parameters. Only those who may take lists away (`can_export_lists`: not provider staff)
    and may use the list (`list_permission`) are let through; the others get 403, whichever list."""

    list_permission: Callable[..., bool] | None = None
    http_method_names = ["get"]

    def dispatch(self, request, *args, **kwargs):
        # An export is a GET: another method is refused first (405 says nothing about the list's
        # object; a HEAD would be audited as an export that sent nothing). Then, before the object is
        # looked up, provider staff get 403 on every export URL, not a 404 for a family they may not
        # see and a 403 for the rest.
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not can_export_lists(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self) -> bool:
        user = self.request.user
        return can_export_lists(user) and (self.list_permission is None or self.list_permission(user))

    def export(self) -> ListExport:
        """The list to send: each export view says which (its rows from the page's own queryset)."""
        raise ImproperlyConfigured(f"{type(self).__name__} does not say which list it exports (define export()).")

    def get(self, request, *args, **kwargs):
        return export_response(request, self.export(), request.GET.get(FORMAT_PARAM, "csv"))


def export_links(request, url: str, *, params=None) -> dict[str, str]:
    """The "Export: CSV · Excel" links of a list page: its export URL with the page's filters."""
    params = (request.GET if params is None else params).copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    links = {}
    for fmt in FORMATS:
        params[FORMAT_PARAM] = fmt
        links[fmt] = f"{url}?{params.urlencode()}"
    return links
