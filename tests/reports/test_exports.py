"""The report as PDF and Excel: the same figures in both, suppressed values never written, bundled fonts
for Kyrgyz and Arabic, and no formulas smuggled in through names."""

import io
import re

import openpyxl
import pypdf
import pytest
from django.conf import settings
from django.utils import translation
from fontTools.ttLib import TTFont

from repat.core import pdf as core_pdf
from repat.reports import exports

HIDDEN_VALUE = 987654  # what the suppressed cell holds underneath: it must appear nowhere
INJECTED = '=HYPERLINK("http://x")'


LABELS = {"small": "<5", "hidden": "hidden"}


def count(value, *, mark=None):
    return {"value": value, "suppressed": mark is not None, "mark": mark, "kind": "count"}


def sample_doc(**changes) -> dict:
    doc = {
        "title": "Прогресс отчёту: Айкөл",
        "subtitle": "1 Jul 2026 – 30 Sep 2026",
        "generated": "Generated 28.11.2026 18:05 by S. Supervisor",
        "footnote": "Counts from 1 to 4 are shown as <5 to protect identities.",
        "small_label": "<5",
        "hidden_label": "hidden",
        "narrative": [{"heading": "Highlights", "text": "First line\nSecond line\n\nA new paragraph"}],
        "tables": [
            {
                "key": "services",
                "title": "Services by operation",
                "row_header": "Operation",
                "columns": ["Returnees", "Women", "Change", "With a plan", "Days to first service"],
                "rows": [
                    {
                        "label": "عملية",
                        "total": False,
                        "cells": [
                            count(42),
                            count(HIDDEN_VALUE, mark="small"),
                            {"value": -2, "suppressed": False, "kind": "change"},
                            {"value": 62.5, "suppressed": False, "kind": "percent"},
                            {"value": None, "suppressed": False, "kind": "days"},
                        ],
                    },
                    {
                        "label": INJECTED,
                        "total": False,
                        "cells": [
                            count(17),
                            count(HIDDEN_VALUE, mark="hidden"),
                            {"value": 3, "suppressed": False, "kind": "change"},
                            {"value": 40.0, "suppressed": False, "kind": "percent"},
                            {"value": 12.25, "suppressed": False, "kind": "days"},
                        ],
                    },
                    {
                        "label": "Total",
                        "total": True,
                        "cells": [
                            count(59),
                            count(HIDDEN_VALUE, mark="hidden"),
                            {"value": 1, "suppressed": False, "kind": "change"},
                            {"value": 55.9, "suppressed": False, "kind": "percent"},
                            {"value": 10.5, "suppressed": False, "kind": "days"},
                        ],
                    },
                ],
                "note": "Operations with no returnees in the period are left out.",
            }
        ],
    }
    return {**doc, **changes}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def all_cell_values(workbook) -> list:
    return [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]


def row_labelled(sheet, label: str) -> list:
    return next([cell.value for cell in row] for row in sheet.iter_rows() if row[0].value == label)


# --- Cells -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("count", 42, "42"),
        ("days", 3.25, "3.3"),
        ("days", 3.0, "3.0"),
        ("percent", 62.56, "62.6%"),
        ("change", 3, "+3"),
        ("change", -2, "−2"),
        ("change", 0, "0"),
        ("count", None, "–"),
    ],
)
def test_cells_read_in_their_kinds_format(kind, value, text):
    assert exports.cell_text({"value": value, "suppressed": False, "kind": kind}, LABELS) == text


def test_a_withheld_cell_shows_its_marks_label_and_never_its_value():
    assert exports.cell_text(count(3, mark="small"), LABELS) == "<5"
    assert exports.cell_text(count(10, mark="hidden"), LABELS) == "hidden"


def test_a_cell_withheld_in_a_document_stored_before_marks_reads_hidden():
    # given a document produced before cells said why they were withheld: "<5" may have been false
    old = {"suppressed_label": "<5", "tables": []}

    # when
    labels = exports.labels(old)

    # then
    assert exports.cell_text({"value": None, "suppressed": True, "kind": "count"}, labels) == "hidden"


def test_numbers_follow_the_active_language():
    with translation.override("ru"):
        assert exports.cell_text({"value": 62.5, "suppressed": False, "kind": "percent"}, LABELS) == "62,5%"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown cell kind: 'ratio'"):
        exports.cell_text({"value": 1, "suppressed": False, "kind": "ratio"}, LABELS)


# --- PDF ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return exports.render_pdf(sample_doc())


def test_the_pdf_holds_the_cyrillic_title_and_the_figures(pdf):
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF")
    for expected in ("Прогресс", "отчёту", "Айкөл", "عملية", "42", "<5", "hidden", "−2", "+3", "62.5%", "12.3", "–"):
        assert expected in text
    assert "First line\nSecond line" in text
    assert "Counts from 1 to 4 are shown as <5" in text
    assert "1 / 1" in text  # the page number in the footer


def test_the_pdf_never_shows_a_suppressed_value(pdf):
    assert str(HIDDEN_VALUE) not in pdf_text(pdf)


def test_the_pdf_embeds_the_bundled_dejavu_fonts_and_no_other(pdf):
    fonts = {
        font.get_object()["/BaseFont"]: font.get_object()
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }

    # The names come from the @font-face family: a system font chosen as a fallback would show its own.
    assert {name.split("+", 1)[1] for name in fonts} == {"Repat-DejaVu-Sans", "Repat-DejaVu-Sans-Bold"}
    for font in fonts.values():
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
        assert embedded["name"].getDebugName(1) == "DejaVu Sans"


def test_the_pdf_escapes_text():
    doc = sample_doc(title="<b>Chüy</b> & <i>Osh</i>")

    text = pdf_text(exports.render_pdf(doc))

    assert "<b>Chüy</b> & <i>Osh</i>" in text


def test_the_pdf_reads_no_file_outside_static():
    fetcher = core_pdf._StaticFilesOnly(settings.BASE_DIR / "static")

    for url in (
        "file:///etc/passwd",
        (settings.BASE_DIR / "static" / ".." / "manage.py").as_uri(),
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(ValueError, match="Not a static file"):
            fetcher.fetch(url)


# --- Excel -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook():
    return openpyxl.load_workbook(io.BytesIO(exports.render_xlsx(sample_doc())))


def test_the_workbook_has_a_summary_and_a_sheet_per_table(workbook):
    assert workbook.sheetnames == ["Summary", "Services by operation"]
    summary = [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]
    assert summary[:3] == ["Прогресс отчёту: Айкөл", "1 Jul 2026 – 30 Sep 2026", sample_doc()["generated"]]
    assert "Highlights" in summary
    assert "Second line" in summary
    assert summary[-1] == sample_doc()["footnote"]


def test_table_figures_are_numbers_with_formats(workbook):
    sheet = workbook["Services by operation"]

    assert row_labelled(sheet, "Operation") == [
        "Operation",
        "Returnees",
        "Women",
        "Change",
        "With a plan",
        "Days to first service",
    ]
    assert row_labelled(sheet, "عملية") == ["عملية", 42, "<5", -2, 62.5, "–"]
    row = next(row for row in sheet.iter_rows() if row[0].value == "عملية")
    assert type(row[1].value) is int
    assert (row[1].number_format, row[3].number_format, row[4].number_format) == ("0", "+0;-0;0", '0.0"%"')
    assert type(row[4].value) is float
    total = next(row for row in sheet.iter_rows() if row[0].value == "Total")
    assert [cell.value for cell in total] == ["Total", 59, "hidden", 1, 55.9, 10.5]
    assert all(cell.font.bold for cell in total)
    assert total[5].number_format == "0.0"


def test_the_workbook_never_holds_a_suppressed_value(workbook):
    assert not any(str(HIDDEN_VALUE) in str(value) for value in all_cell_values(workbook))


def test_the_header_is_bold_and_stays_in_view(workbook):
    sheet = workbook["Services by operation"]

    assert all(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "B3"


def test_a_name_that_looks_like_a_formula_stays_text(workbook):
    sheet = workbook["Services by operation"]

    label = sheet.cell(4, 1)
    assert label.value == "'" + INJECTED
    assert label.data_type == "s"
    assert not any(cell.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("text", ["=1+1", "+7", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_every_text_starting_like_a_formula_is_guarded(text):
    table = sample_doc()["tables"][0]
    doc = sample_doc(
        title=text,
        narrative=[{"heading": text, "text": "Plain text"}],
        tables=[{**table, "rows": [{**table["rows"][0], "label": text}]}],
    )

    workbook = openpyxl.load_workbook(io.BytesIO(exports.render_xlsx(doc)))

    guarded = "'" + text.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert workbook["Summary"]["A1"].value == guarded
    assert workbook["Summary"]["A5"].value == guarded
    assert workbook.worksheets[1]["A3"].value == guarded


def test_sheet_names_are_valid_and_unique():
    # given two tables with the same long title full of characters Excel refuses, and one titled Summary
    title = "Services: referrals by provider/type [Q3] *draft*? and more"
    table = sample_doc()["tables"][0]
    doc = sample_doc(tables=[{**table, "title": title}, {**table, "title": title}, {**table, "title": "summary"}])

    # when
    names = openpyxl.load_workbook(io.BytesIO(exports.render_xlsx(doc))).sheetnames

    # then
    assert names == ["Summary", "Services referrals by provider", "Services referrals by provi (2)", "summary (2)"]
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in names)


def test_characters_a_spreadsheet_cannot_hold_are_dropped():
    doc = sample_doc(title="Chüy\x01 region\x0b")

    workbook = openpyxl.load_workbook(io.BytesIO(exports.render_xlsx(doc)))

    assert workbook["Summary"]["A1"].value == "Chüy region"
