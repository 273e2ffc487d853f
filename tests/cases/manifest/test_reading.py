"""Reading manifest files, hostile ones included: each refused with a clear message, none raises
anything else (issue 16)."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest

from cases.manifest import reading
from cases.manifest.reading import ManifestFileError, read_table
from cases.manifest.rows import auto_mapping, clean_text, parse_date, problem_text

from .files import HEADER, csv_bytes, family, xlsx_bytes


def refused(data: bytes) -> str:
    with pytest.raises(ManifestFileError) as error:
        read_table(data)
    return error.value.messages[0]


def test_a_csv_in_utf8_with_a_byte_order_mark_is_read():
    header, rows = read_table(b"\xef\xbb\xbf" + csv_bytes(family()))
    assert header == HEADER
    assert [number for number, _cells in rows] == [2, 3, 4]
    assert rows[1][1][5] == "Айша; عائشة"


def test_a_csv_in_windows_1251_with_semicolons_is_read():
    rows = [[cell.replace("Айша; عائشة", "Айша") for cell in row] for row in family()]
    rows = [[cell.replace("Chüy Oblast", "Чуйская область") for cell in row] for row in rows]
    rows[0][2] = "Абдырахманова"
    header, table = read_table(csv_bytes(rows, encoding="cp1251", delimiter=";"))
    assert header == HEADER
    assert table[0][1][2] == "Абдырахманова"


def test_a_workbook_is_read_with_its_dates_as_dates():
    rows = family()
    rows[0][7] = datetime.datetime(1990, 5, 4)
    _header, table = read_table(xlsx_bytes(rows))
    assert table[0][1][7] == "1990-05-04"
    assert len(table) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (b"%PDF-1.7 ...", "Only Excel (.xlsx) and CSV files can be imported."),
        (b"\x89PNG\r\n\x1a\n....", "Only Excel (.xlsx) and CSV files can be imported."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "This is an old Excel (.xls) or a password-protected workbook: save it as .xlsx without a password.",
        ),
        (
            "household,given_name\n".encode("utf-16"),
            "This file is not text in a known encoding: save it as CSV UTF-8 or as an Excel workbook.",
        ),
        (b"PK\x03\x04garbage", "The workbook is damaged: it cannot be opened."),
        ((",".join(HEADER) + "\n").encode(), "The file has a header but no people."),
    ],
)
def test_files_that_are_not_manifests_are_refused_with_a_reason(data, message):
    assert refused(data) == message


def test_binary_noise_is_refused_as_an_unknown_encoding():
    noise = bytes(range(128, 256)) * 40
    assert refused(noise) == (
        "This file is not text in a known encoding: save it as CSV UTF-8 or as an Excel workbook."
    )


def test_a_formula_is_refused_in_a_workbook_and_in_a_csv():
    assert refused(xlsx_bytes(family(), formula="D3")) == (
        "Row 3 holds a formula. Formulas are not imported: paste the values only."
    )
    rows = family()
    rows[1][3] = '=HYPERLINK("http://x","y")'
    assert refused(csv_bytes([[f'"{c}"' if c.startswith("=") else c for c in row] for row in rows])).startswith(
        "Row 3 holds a formula."
    )


def test_merged_cells_are_refused():
    assert refused(xlsx_bytes(family(), merged="A2:A4")) == (
        "The sheet has merged cells. Unmerge them and repeat the value in each row (one person per row)."
    )


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_macro_enabled_workbook_is_refused():
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(family())))
    members = {name: workbook.read(name) for name in workbook.namelist()}
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0macro"
    message = "The workbook contains macros (.xlsm). Save it as a plain Excel workbook (.xlsx) and upload that."
    assert refused(_zip(members)) == message
    members.pop("xl/vbaProject.bin")
    types = members["[Content_Types].xml"].replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    assert refused(_zip({**members, "[Content_Types].xml": types})) == message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(1))
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"0" * 30_000_000,
        }
    )
    assert len(bomb) < 100_000
    assert refused(bomb) == "The workbook unpacks to far more data than a list of people holds, so it was not opened."
    assert opened == []


def test_rows_after_a_hundred_thousand_blank_rows_are_read():
    late = family()[0][:]
    late[3] = "Late"
    data = csv_bytes(family()) + b",,,,,,,,,,,,,,\r\n" * 100_000 + csv_bytes([late], header=[])[2:]
    _header, rows = read_table(data)
    assert [number for number, _cells in rows] == [2, 3, 4, 100_005]
    assert rows[-1][1][3] == "Late"


def formatted(data: bytes, blank: int, *, then: str = "", dimension: str = "") -> bytes:
    """The workbook with `blank` formatted empty rows after its rows (as a sheet formatted down to
    its end has), then a row holding `then` in its first cell; `dimension`: the size the sheet says
    it has instead of its own."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                last = int(re.findall(rb'<row r="(\d+)"', body)[-1])
                rows = b"".join(
                    b'<row r="%d" spans="1:15" s="1" customFormat="1"/>' % n for n in range(last + 1, last + 1 + blank)
                )
                if then:
                    n = last + 1 + blank
                    rows += f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{then}</t></is></c></row>'.encode()
                body = body.replace(b"</sheetData>", rows + b"</sheetData>")
                if dimension:
                    body = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="%s"/>' % dimension.encode(), body)
            target.writestr(item, body)
    return out.getvalue()


def test_a_workbook_is_read_past_long_blank_runs_and_not_past_its_last_value(monkeypatch):
    data = xlsx_bytes(family())
    _header, rows = read_table(formatted(data, 500, then="H9"))
    assert [number for number, _cells in rows] == [2, 3, 4, 505]
    assert rows[-1][1][0] == "H9"

    # a sheet formatted down to its last row: the blank rows after the last value are not even parsed
    parsed = []
    monkeypatch.setattr(reading, "_blank", lambda raw: parsed.append(raw) or not any(raw))
    _header, rows = read_table(formatted(data, 200_000, dimension="A1:O1048576"))
    assert (len(rows), len(parsed)) == (3, 4)


def test_a_workbook_that_says_it_is_smaller_than_it_is_is_read_to_its_end():
    data = formatted(xlsx_bytes(family()), 3, then="H9", dimension="A1:O2")
    _header, rows = read_table(data)
    assert [number for number, _cells in rows] == [2, 3, 4, 8]


def test_blank_rows_between_families_are_skipped():
    rows = family()
    data = csv_bytes([rows[0], [""] * len(HEADER), rows[1], rows[2]])
    assert [number for number, _cells in read_table(data)[1]] == [2, 4, 5]


def test_more_rows_than_the_cap_are_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    assert refused(csv_bytes(family())) == "The file has more than 2 people: split it into several files."


def test_a_file_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    assert refused(csv_bytes(family())) == "The file is too large: the limit is 100\xa0bytes."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016", (datetime.date(2016, 1, 1), "year")),
        ("2016-03", (datetime.date(2016, 3, 1), "month")),
        ("2016-03-09", (datetime.date(2016, 3, 9), "exact")),
        ("~2016", (datetime.date(2016, 1, 1), "estimated")),
        ("~ 2016-03", (datetime.date(2016, 3, 1), "estimated")),
        ("09.03.2016", (datetime.date(2016, 3, 9), "exact")),
        ("42438", (datetime.date(2016, 3, 9), "exact")),  # an Excel serial
        ("2016-02-30", None),
        ("March 2016", None),
        ("1850", None),
        ("16", None),  # too small to be a serial of a birth date
    ],
)
def test_dates_as_the_template_writes_them_and_as_excel_serials(text, expected):
    assert parse_date(text) == expected


def test_invisible_and_bidi_characters_are_removed_and_control_characters_found():
    assert clean_text("Ai\u200bsha\u202e") == ("Aisha", True, False)
    assert clean_text("Ai\x00sha")[2] is True
    assert clean_text("  Aisha   Bek ") == ("Aisha Bek", False, False)


def test_other_shapes_are_recognised_by_their_headers():
    mapping = auto_mapping(["Фамилия", "Имя", "Пол", "Дата рождения", "Something else"])
    assert mapping == {"family_name": "Фамилия", "given_name": "Имя", "sex": "Пол", "birth_date": "Дата рождения"}


def test_problems_are_put_into_words_in_the_readers_language():
    from django.utils import translation

    assert problem_text("bad_date", {"column": "birth_date", "value": "soon"}) == (
        "Date of birth: “soon” is not a date. Write YYYY, YYYY-MM or YYYY-MM-DD, with ~ in front for an estimate."
    )
    with translation.override("ru"):
        assert problem_text("missing_name", {})  # a msgid the lead compiles into the catalogue
