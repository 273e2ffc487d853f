"""Reading a manifest file (issue 16): the sheet's cells as text, or a translated reason why not.

Files come from ministries, embassies and camps, and some are hostile or broken. The type is told
by the first bytes, never by the name; a workbook is checked as a zip archive before openpyxl
opens it (its size once unpacked, the packing ratio, macros, merged cells), and read in read-only
mode, which streams the rows. Every row up to the sheet's last value is read, however many blank
rows come between (a list has a few between families, some a long run before a late addition):
blank rows are told at C speed and kept nowhere, and the formatted blank rows after the last value
(a sheet formatted down to row 1,048,576) are not read at all. Reading stops at MAX_ROWS people.
Nothing here raises anything but ManifestFileError (a ValidationError with a message for the person
who uploaded the file)."""

import contextlib
import csv
import datetime
import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The most people one manifest may hold: ten flights' worth.
MAX_ROWS = 10_000
# Columns read per row: the template has 15; a sheet with thousands is not a manifest.
MAX_COLUMNS = 60
MAX_CELL = 1_000
MAX_BYTES = 10 * 1024 * 1024
# A workbook's parts unpacked: a real 10,000-row manifest is a few MB; anything near this is a bomb.
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 200

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted workbooks
CSV = "csv"
XLSX = "xlsx"


class ManifestFileError(ValidationError):
    """The file cannot be read as a manifest; the message says why in the user's language."""


def sniff(data: bytes) -> str:
    """The file's kind from its content: xlsx or csv; refuses everything else."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ManifestFileError(_("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        return XLSX
    if data.startswith(OLE_MAGIC):
        raise ManifestFileError(
            _("This is an old Excel (.xls) or a password-protected workbook: save it as .xlsx without a password.")
        )
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise ManifestFileError(_("Only Excel (.xlsx) and CSV files can be imported."))
    if b"\x00" in data[:4096]:
        raise ManifestFileError(
            _("This file is not text in a known encoding: save it as CSV UTF-8 or as an Excel workbook.")
        )
    return CSV


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without its byte order mark), else Windows-1251, which
    Excel in Russian writes. Text that is neither is refused rather than read as nonsense."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise ManifestFileError(
            _("This file is not text in a known encoding: save it as CSV UTF-8 or as an Excel workbook.")
        ) from error
    # Windows-1251 decodes nearly any bytes: text from another code page shows as mostly symbols.
    letters = sum(char.isalpha() for char in text)
    if letters < len(text.strip()) * 0.3:
        raise ManifestFileError(
            _("This file is not text in a known encoding: save it as CSV UTF-8 or as an Excel workbook.")
        )
    return text


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise ManifestFileError(
            _("The file is too large: the limit is %(limit)s.") % {"limit": filesizeformat(MAX_BYTES)}
        )


def _csv_rows(data: bytes):
    text = decode(data)
    sample = text[:8192]
    dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    csv.field_size_limit(MAX_CELL * 4)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as error:
        raise ManifestFileError(_("The CSV file is damaged: %(problem)s.") % {"problem": str(error)[:80]}) from error


def _check_archive(data: bytes) -> zipfile.ZipFile:
    """The workbook as a zip archive, once it is known to unpack to a sane size without macros."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ManifestFileError(_("The workbook is damaged: it cannot be opened.")) from error
    names = {member.filename.lower() for member in members}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise ManifestFileError(_("Only Excel (.xlsx) and CSV files can be imported."))
    if "xl/workbook.bin" in names:
        raise ManifestFileError(_("Binary workbooks (.xlsb) cannot be imported: save the file as .xlsx."))
    if any(name.endswith("vbaproject.bin") for name in names):
        raise ManifestFileError(
            _("The workbook contains macros (.xlsm). Save it as a plain Excel workbook (.xlsx) and upload that.")
        )
    unpacked = sum(member.file_size for member in members)
    packed = max(sum(member.compress_size for member in members), 1)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise ManifestFileError(
            _("The workbook unpacks to far more data than a list of people holds, so it was not opened.")
        )
    try:
        types = archive.read("[Content_Types].xml")
    except KeyError:
        types = b""
    if b"macroEnabled" in types:
        raise ManifestFileError(
            _("The workbook contains macros (.xlsm). Save it as a plain Excel workbook (.xlsx) and upload that.")
        )
    return archive


def _first_sheet_xml(archive: zipfile.ZipFile) -> bytes:
    sheets = sorted(
        name for name in archive.namelist() if name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
    )
    return archive.read(sheets[0]) if sheets else b""


def _xlsx_rows(data: bytes):
    import openpyxl

    archive = _check_archive(data)
    first_sheet = _first_sheet_xml(archive)
    if b"<mergeCell " in first_sheet or b":mergeCell " in first_sheet:
        raise ManifestFileError(
            _("The sheet has merged cells. Unmerge them and repeat the value in each row (one person per row).")
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as error:
        raise ManifestFileError(_("The workbook is damaged: it cannot be opened.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The rows the sheet holds, not the size it says it has (its <dimension>, which openpyxl
        # trusts): a wrong one would drop rows, or add a million blank ones. Formatted blank rows
        # after the last value are not read at all.
        sheet.reset_dimensions()
        path = getattr(sheet, "_worksheet_path", None)
        xml = archive.read(path) if path in archive.namelist() else first_sheet
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, max_row=_last_row_with_a_value(xml), values_only=True)
    except ManifestFileError:
        raise
    except Exception as error:
        raise ManifestFileError(_("The workbook is damaged: it cannot be opened.")) from error
    finally:
        workbook.close()


_VALUES = (b"<v>", b":v>", b"<is>", b":is>", b"<f>", b"<f ", b":f>", b":f ")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')


def _last_row_with_a_value(xml: bytes) -> int | None:
    """The number of the sheet's last row holding a value or a formula, read from its XML at the
    speed of a byte search; None when it cannot be told (then every row is read)."""
    end = max(xml.rfind(token) for token in _VALUES)
    if end < 0:
        return None
    start = max(xml.rfind(b"<row", 0, end), xml.rfind(b":row ", 0, end), xml.rfind(b":row>", 0, end))
    close = xml.find(b">", start)
    found = _ROW_NUMBER.search(xml, start, close) if start >= 0 and close > 0 else None
    return int(found.group(1)) if found else None


def _blank(raw) -> bool:
    """A row with no value at all (C-speed: a formatted sheet can hold a million of them)."""
    return raw.count(None) + raw.count("") == len(raw)


def cell_text(value) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows of a manifest, as (header, [(row number in the sheet, cells)]),
    blank rows left out. Raises ManifestFileError for a file that is not a readable manifest."""
    _check_size(data)
    kind = sniff(data)
    source = _xlsx_rows(data) if kind == XLSX else _csv_rows(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(source, start=1):
        if _blank(raw):
            continue
        cells = [cell_text(value) for value in raw[:MAX_COLUMNS]]
        formula = next((c for c in cells if c.startswith("=")), None)
        if formula is not None:
            raise ManifestFileError(
                _("Row %(row)s holds a formula. Formulas are not imported: paste the values only.") % {"row": number}
            )
        if any(len(c) > MAX_CELL for c in cells):
            raise ManifestFileError(_("Row %(row)s has a cell longer than any name or address.") % {"row": number})
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        if len(rows) >= MAX_ROWS:
            raise ManifestFileError(
                ngettext(
                    "The file has more than %(count)s person: split it into several files.",
                    "The file has more than %(count)s people: split it into several files.",
                    MAX_ROWS,
                )
                % {"count": MAX_ROWS}
            )
        rows.append((number, cells))
    if header is None:
        raise ManifestFileError(_("The file is empty."))
    if not rows:
        raise ManifestFileError(_("The file has a header but no people."))
    while header and not header[-1]:
        header.pop()
    return header, rows
