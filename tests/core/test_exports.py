"""The export module: formula-safe cells, CSV with a byte-order mark, the workbook, chunked reading
of a queryset, file names and what the audit trail keeps of the filters."""

import datetime
import io
from unittest import mock

import pytest
from django.db.models.query import QuerySet
from django.http import QueryDict, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Case
from repat.audit.models import AuditEvent
from repat.core import exports
from repat.core.exports import Column, ListExport, csv_value, filters_of, spreadsheet_text, xlsx_value
from tests.exports import csv_rows
from tests.factories import CaseFactory


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+7 700 000", "'+7 700 000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'=1"),  # NUL cannot be in a workbook: dropped first, so it hides no formula
        ("Айша Тестова", "Айша Тестова"),
        ("Ali = Aly", "Ali = Aly"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_quoted(typed, written):
    assert spreadsheet_text(typed) == written


def test_cells_keep_numbers_and_dates_and_write_text_safely():
    moment = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    assert csv_value(None) == ""
    assert csv_value(42) == 42
    assert csv_value(datetime.date(2026, 3, 1)) == "2026-03-01"
    assert csv_value(True) == "Yes"
    assert csv_value("=1+1") == "'=1+1"
    assert csv_value(moment) == "2026-03-01 15:30"  # in the site's time zone (Bishkek)
    assert xlsx_value(datetime.date(2026, 3, 1)) == datetime.date(2026, 3, 1)
    assert xlsx_value(moment) == datetime.datetime(2026, 3, 1, 15, 30)
    assert xlsx_value("-1") == "'-1"


ROWS = [{"id": 1, "name": '=HYPERLINK("http://evil")'}, {"id": 2, "name": "Нурлан"}]
COLUMNS = (Column("ID", lambda row: row["id"]), Column("Name", lambda row: row["name"]))


def test_csv_starts_with_a_byte_order_mark_and_quotes_formulas():
    lines = list(exports.csv_lines(ListExport(name="test", columns=COLUMNS, rows=ROWS)))
    assert lines[0] == "\ufeffID,Name\r\n"
    assert lines[1:] == ['1,"\'=HYPERLINK(""http://evil"")"\r\n', "2,Нурлан\r\n"]


def test_the_workbook_holds_the_header_and_the_rows_safely():
    file = io.BytesIO()
    rows = exports.write_xlsx(ListExport(name="test", columns=COLUMNS, rows=ROWS), file)
    sheet = load_workbook(file).active
    assert rows == 2
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["ID", "Name"],
        [1, '\'=HYPERLINK("http://evil")'],
        [2, "Нурлан"],
    ]
    assert sheet["A1"].font.bold
    assert sheet["B2"].data_type == "s"  # text, not a formula


@pytest.mark.django_db
def test_a_queryset_is_read_in_chunks_and_prepared_chunk_by_chunk(monkeypatch):
    # given: five cases and chunks of two
    CaseFactory.create_batch(5)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    chunks = []

    def prepare(chunk):
        chunks.append(len(chunk))
        return chunk

    export = ListExport(
        name="test", columns=(Column("ID", lambda case: case.pk),), rows=Case.objects.order_by("pk"), prepare=prepare
    )

    # when
    with mock.patch.object(QuerySet, "iterator", autospec=True, side_effect=QuerySet.iterator) as iterator:
        records = list(export.records())

    # then
    iterator.assert_called_once_with(export.rows, chunk_size=2)
    assert records == [[pk] for pk in Case.objects.order_by("pk").values_list("pk", flat=True)]
    assert chunks == [2, 2, 1]


@pytest.mark.django_db
def test_a_csv_response_is_streamed_and_audited_before_its_first_row(worker):
    # given
    request = RequestFactory().get("/export/?status=open")
    request.user = worker
    export = ListExport(name="test", columns=COLUMNS, rows=ROWS, filters={"status": "open"})

    # when
    response = exports.export_response(request, export, "csv")

    # then: the audit row is written before any row is read, with the rows it will hold
    assert isinstance(response, StreamingHttpResponse)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.changes == {"list": "test", "format": "csv", "filters": {"status": "open"}, "search": False, "rows": 2}
    assert event.actor == worker and event.object_type == "test"
    assert csv_rows(response) == [["ID", "Name"], ["1", '\'=HYPERLINK("http://evil")'], ["2", "Нурлан"]]
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.django_db
def test_an_unknown_format_is_not_found(worker):
    request = RequestFactory().get("/export/")
    request.user = worker
    with pytest.raises(exports.Http404):
        exports.export_response(request, ListExport(name="test", columns=COLUMNS, rows=ROWS), "pdf")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_file_name_says_which_list_and_which_day(settings):
    export = ListExport(name="caseload", columns=COLUMNS, rows=ROWS)
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 12, 4)):
        assert exports.file_name(export, "xlsx") == "caseload-2026-12-04.xlsx"


def test_the_filters_recorded_are_the_lists_own_without_the_search_and_the_page():
    params = QueryDict("q=Айша&status=open&region=&page=3&format=xlsx&evil=1&risk_level=high&risk_level=low")
    names = ["q", "status", "region", "risk_level"]
    assert filters_of(params, names, search="q") == {"status": "open", "risk_level": ["high", "low"]}
    assert filters_of(QueryDict("status=" + "x" * 500), ["status"]) == {"status": "x" * 100}
    assert filters_of(QueryDict("status=a%00b%0A"), ["status"]) == {"status": "ab"}


@pytest.mark.django_db
def test_an_export_answers_only_get(worker, client_for):
    client = client_for(worker)
    for method in ("head", "post", "put", "delete"):
        assert getattr(client, method)(reverse("cases:caseload_export")).status_code == 405, method
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_export_links_carry_the_filters_and_never_the_page():
    request = RequestFactory().get("/cases/?status=open&page=2")
    links = exports.export_links(request, "/export/")
    assert links == {"csv": "/export/?status=open&format=csv", "xlsx": "/export/?status=open&format=xlsx"}


@pytest.mark.django_db
def test_an_export_view_that_names_no_list_fails_loudly_instead_of_sending_nothing(rf):
    from django.core.exceptions import ImproperlyConfigured

    from repat.core.exports import ListExportView
    from tests.factories import UserFactory

    class Forgotten(ListExportView):
        pass

    request = rf.get("/export/")
    request.user = UserFactory(role="coordinator")

    with pytest.raises(ImproperlyConfigured, match="Forgotten does not say which list it exports"):
        Forgotten.as_view()(request)
