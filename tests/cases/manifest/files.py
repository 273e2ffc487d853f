"""Manifest files for the tests: the template's columns, as CSV or workbook bytes."""

import io

import openpyxl

HEADER = [
    "household",
    "relation",
    "family_name",
    "given_name",
    "patronymic",
    "other_names",
    "sex",
    "birth_date",
    "birthplace",
    "arrival_date",
    "operation",
    "region",
    "district",
    "address",
    "notes",
]


def person(**values) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "household": "H1",
            "relation": "child",
            "family_name": "Abdyrakhmanova",
            "given_name": "Aisha",
            "sex": "F",
            "birth_date": "2016",
            "arrival_date": "2023-02-10",
            "operation": "Test operation",
            "region": "Chüy Oblast",
        }
    )
    row.update(values)
    return [row[column] for column in HEADER]


def family() -> list[list[str]]:
    return [
        person(relation="mother", given_name="Gulnara", birth_date="1990-05-04", notes="Needs a doctor"),
        person(given_name="Aisha", birth_date="2016", other_names="Айша; عائشة"),
        person(given_name="Hamza", sex="M", birth_date="~2019-03"),
    ]


def csv_bytes(rows, header=HEADER, encoding="utf-8", delimiter=",") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER, merged: str = "", formula: str = "") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merged:
        sheet.merge_cells(merged)
    if formula:
        sheet[formula] = "=1+1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
