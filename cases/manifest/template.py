"""The published manifest template (README.md, "Manifest import"): the columns in order, as CSV
and as a workbook whose second sheet explains each column."""

import csv
import io

from django.utils.translation import gettext as _

from .rows import COLUMNS

HELP = {
    "household": "Same value on every row of one family (e.g. H1)",
    "relation": "mother, child, grandmother, other relative",
    "other_names": "Other spellings, separated by ;",
    "sex": "F or M",
    "birth_date": "YYYY, YYYY-MM or YYYY-MM-DD; ~ in front for an estimate",
    "arrival_date": "YYYY-MM-DD (empty: the operation's date)",
    "operation": "As named in Repat (empty: chosen for the whole file)",
    "region": "Oblast or city (empty: chosen for the whole file)",
}


def template_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(list(COLUMNS))
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Manifest")[:31])
    sheet.append(list(COLUMNS))
    help_sheet = workbook.create_sheet(_("Columns")[:31])
    help_sheet.append([_("Column"), _("Meaning"), _("How to write it")])
    for field, label in COLUMNS.items():
        help_sheet.append([field, str(label), HELP.get(field, "")])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
