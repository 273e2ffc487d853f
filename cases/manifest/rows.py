"""A manifest's rows read into people (issue 16): columns mapped to fields, each cell checked, and
each problem kept as a code with its values, put into words in the reader's language when shown
(a preview is worked out by a Celery worker, read by a coordinator in Kyrgyz or Russian).

The template's columns are COLUMNS; a file of another shape is mapped column by column (a mapping
is {field: column header}). Rows with the same `household` become one family."""

import datetime
import re
import unicodedata

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from repat.accounts.models import Region

from ..models import DatePrecision, FamilyMember, Operation, Sex

COLUMNS = {
    "household": gettext_lazy("Household"),
    "relation": gettext_lazy("Relation"),
    "family_name": gettext_lazy("Family name"),
    "given_name": gettext_lazy("Given name"),
    "patronymic": gettext_lazy("Patronymic"),
    "other_names": gettext_lazy("Other spellings"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth"),
    "birthplace": gettext_lazy("Place of birth"),
    "arrival_date": gettext_lazy("Date of arrival"),
    "operation": gettext_lazy("Operation"),
    "region": gettext_lazy("Region"),
    "district": gettext_lazy("District"),
    "address": gettext_lazy("Address"),
    "notes": gettext_lazy("Notes"),
}
REQUIRED = ("given_name", "sex")
# Headers other lists use for the template's columns (compared after `header_key`).
SYNONYMS = {
    "family": "household",
    "семья": "household",
    "үй-бүлө": "household",
    "relationship": "relation",
    "родство": "relation",
    "surname": "family_name",
    "last_name": "family_name",
    "фамилия": "family_name",
    "фамилиясы": "family_name",
    "first_name": "given_name",
    "name": "given_name",
    "имя": "given_name",
    "аты": "given_name",
    "отчество": "patronymic",
    "sex_(f/m)": "sex",
    "gender": "sex",
    "пол": "sex",
    "жынысы": "sex",
    "date_of_birth": "birth_date",
    "dob": "birth_date",
    "дата_рождения": "birth_date",
    "туулган_күнү": "birth_date",
    "place_of_birth": "birthplace",
    "место_рождения": "birthplace",
    "регион": "region",
    "область": "region",
    "район": "district",
    "адрес": "address",
    "операция": "operation",
    "примечания": "notes",
}
RELATIONS = {
    "mother": FamilyMember.Relationship.MOTHER,
    "мать": FamilyMember.Relationship.MOTHER,
    "эне": FamilyMember.Relationship.MOTHER,
    "child": FamilyMember.Relationship.CHILD,
    "son": FamilyMember.Relationship.CHILD,
    "daughter": FamilyMember.Relationship.CHILD,
    "ребенок": FamilyMember.Relationship.CHILD,
    "ребёнок": FamilyMember.Relationship.CHILD,
    "бала": FamilyMember.Relationship.CHILD,
    "grandmother": FamilyMember.Relationship.GRANDPARENT,
    "бабушка": FamilyMember.Relationship.GRANDPARENT,
    "чоң эне": FamilyMember.Relationship.GRANDPARENT,
    "other relative": FamilyMember.Relationship.OTHER_RELATIVE,
    "other": FamilyMember.Relationship.OTHER_RELATIVE,
    "другой родственник": FamilyMember.Relationship.OTHER_RELATIVE,
}
SEXES = {
    "f": Sex.FEMALE,
    "ж": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "м": Sex.MALE,
    "male": Sex.MALE,
    "э": Sex.MALE,
}
TEXT_LIMITS = {
    "family_name": 100,
    "given_name": 100,
    "patronymic": 100,
    "birthplace": 200,
    "address": 200,
    "notes": 300,
}
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel serials from 1908 to 2100: a smaller bare number is not a date anyone was born on.
SERIALS = range(3000, 73051)

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.0+)?$")


def header_key(text: str) -> str:
    return "_".join(clean_text(text)[0].casefold().replace("*", "").split())


def auto_mapping(header: list[str]) -> dict[str, str]:
    """{field: header} for the columns recognised by their header (the template's or a synonym)."""
    mapping: dict[str, str] = {}
    for title in header:
        key = header_key(title)
        field = key if key in COLUMNS else SYNONYMS.get(key)
        if field and field not in mapping:
            mapping[field] = title
    return mapping


def missing_columns(mapping: dict[str, str]) -> list[str]:
    return [field for field in REQUIRED if not mapping.get(field)]


def clean_text(value: str) -> tuple[str, bool, bool]:
    """(text without invisible characters, whether some were removed, whether control characters
    were found). Zero-width and bidi controls (Unicode Cf) are removed: they make two spellings of
    one name differ and can reverse how a name is shown; other control characters are refused."""
    removed = control = False
    out = []
    for char in unicodedata.normalize("NFC", value):
        category = unicodedata.category(char)
        if category == "Cf":
            removed = True
        elif category in ("Cc", "Cs", "Co") and char not in "\t\n\r":
            control = True
        elif char.isspace():
            out.append(" ")
        else:
            out.append(char)
    return " ".join("".join(out).split()), removed, control


def parse_date(text: str, *, approximate: bool = True) -> tuple[datetime.date, str] | None:
    """A date and its precision from YYYY, YYYY-MM, YYYY-MM-DD (a leading ~: estimated),
    DD.MM.YYYY or an Excel serial number; None when the text is none of these."""
    text = text.strip()
    estimated = text.startswith(("~", "≈"))
    if estimated:
        if not approximate:
            return None
        text = text[1:].strip()
    try:
        if match := _DAY.match(text):
            day, precision = datetime.date(*map(int, match.groups())), DatePrecision.EXACT
        elif match := _LOCAL.match(text):
            d, m, y = map(int, match.groups())
            day, precision = datetime.date(y, m, d), DatePrecision.EXACT
        elif approximate and (match := _MONTH.match(text)):
            year, month = map(int, match.groups())
            day, precision = datetime.date(year, month, 1), DatePrecision.MONTH
        elif approximate and (match := _YEAR.match(text)):
            day, precision = datetime.date(int(match.group(1)), 1, 1), DatePrecision.YEAR
        elif _SERIAL.match(text) and int(float(text)) in SERIALS and not _YEAR.match(text):
            day, precision = EXCEL_EPOCH + datetime.timedelta(days=int(float(text))), DatePrecision.EXACT
        else:
            return None
    except (ValueError, OverflowError):
        return None
    if day.year < 1900:
        return None
    return day, DatePrecision.ESTIMATED if estimated else precision


# --- problems, kept as codes and put into words when shown ------------------------------------------


def problem_text(code: str, params: dict) -> str:
    """A row's problem in the active language."""
    params = dict(params)
    if "column" in params:
        params["column"] = str(COLUMNS.get(params["column"], params["column"]))
    texts = {
        "missing_name": _("The given name is missing."),
        "missing_sex": _("The sex is missing: write F or M."),
        "bad_sex": _("“%(value)s” is not a sex: write F or M."),
        "bad_relation": _("“%(value)s” is not a relation: write mother, child, grandmother or other relative."),
        "bad_date": _(
            "%(column)s: “%(value)s” is not a date. Write YYYY, YYYY-MM or YYYY-MM-DD, with ~ in front for an estimate."
        ),
        "bad_arrival": _("%(column)s: “%(value)s” is not a date. Write YYYY-MM-DD."),
        "future_date": _("%(column)s is in the future."),
        "arrival_before_birth": _("The date of arrival is before the date of birth."),
        "missing_arrival": _("The date of arrival is missing, and the operation gives none."),
        "missing_operation": _("The operation is missing: fill the column or choose one for the whole file."),
        "unknown_operation": _("Unknown operation “%(value)s”."),
        "missing_region": _("The region is missing: fill the column or choose one for the whole file."),
        "unknown_region": _("Unknown region “%(value)s”."),
        "not_your_region": _("%(value)s is not one of your regions."),
        "unknown_district": _("“%(value)s” is not a district of %(region)s."),
        "control_characters": _("%(column)s holds control characters, which cannot be part of a name or a text."),
        "too_long": _("%(column)s is longer than %(limit)s characters."),
        "child_older": _("The child is not younger than the mother in row %(row)s."),
        "twice": _("The same person as in row %(row)s of this file."),
        "invisible_removed": _("Invisible characters were removed from %(column)s."),
    }
    template = texts.get(code, code)
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


class Lookups:
    """Operations, regions and districts by name (any of the three languages), loaded once per file:
    a fixed number of queries whatever the number of rows."""

    def __init__(self, *, allowed_regions: set[int] | None):
        self.operations = {op.name.casefold(): op for op in Operation.objects.all()}
        self.regions: dict[str, Region] = {}
        self.districts: dict[tuple[int, str], Region] = {}
        for region in Region.objects.all():
            names = {n.casefold() for n in (region.name, region.name_ru, region.name_ky) if n}
            for name in names:
                if region.parent_id is None:
                    self.regions.setdefault(name, region)
                else:
                    self.districts.setdefault((region.parent_id, name), region)
        self.allowed = allowed_regions  # None: every region


def _text(cells: dict[str, str], field: str, row: dict) -> str:
    text, removed, control = clean_text(cells.get(field, ""))
    if control:
        row["errors"].append(["control_characters", {"column": field}])
        return ""
    if removed:
        row["warnings"].append(["invisible_removed", {"column": field}])
    limit = TEXT_LIMITS.get(field)
    if limit and len(text) > limit:
        row["errors"].append(["too_long", {"column": field, "limit": limit}])
        return text[:limit]
    return text


def read_row(
    number: int, cells: dict[str, str], *, lookups: Lookups, operation: Operation | None, region: Region | None
) -> dict:
    """One person from a row's cells ({field: text}): what registering them takes, as JSON, with
    the row's problems (`errors` stop the import, `warnings` do not)."""
    row: dict = {"line": number, "errors": [], "warnings": []}
    errors = row["errors"]
    for field in ("household", "family_name", "given_name", "patronymic", "birthplace", "address", "notes"):
        row[field] = _text(cells, field, row)
    row["aliases"] = [
        alias for alias in (clean_text(part)[0] for part in cells.get("other_names", "").split(";")) if alias
    ][:10]
    if not row["given_name"]:
        errors.append(["missing_name", {}])

    sex = clean_text(cells.get("sex", ""))[0]
    row["sex"] = SEXES.get(sex.casefold(), "")
    if not sex:
        errors.append(["missing_sex", {}])
    elif not row["sex"]:
        errors.append(["bad_sex", {"value": sex[:20]}])

    relation = clean_text(cells.get("relation", ""))[0]
    row["relation"] = RELATIONS.get(relation.casefold(), "") if relation else FamilyMember.Relationship.CHILD
    if not row["relation"]:
        errors.append(["bad_relation", {"value": relation[:30]}])

    today = timezone.localdate()
    row["date_of_birth"] = None
    row["precision"] = DatePrecision.EXACT
    birth_text = clean_text(cells.get("birth_date", ""))[0]
    if birth_text:
        parsed = parse_date(birth_text)
        if parsed is None:
            errors.append(["bad_date", {"column": "birth_date", "value": birth_text[:30]}])
        elif parsed[0] > today:
            errors.append(["future_date", {"column": "birth_date"}])
        else:
            row["date_of_birth"], row["precision"] = parsed[0].isoformat(), parsed[1]

    op_text = clean_text(cells.get("operation", ""))[0]
    found_operation = lookups.operations.get(op_text.casefold()) if op_text else operation
    row["operation_id"] = found_operation.pk if found_operation else None
    if op_text and found_operation is None:
        errors.append(["unknown_operation", {"value": op_text[:100]}])
    elif found_operation is None:
        errors.append(["missing_operation", {}])

    arrival_text = clean_text(cells.get("arrival_date", ""))[0]
    arrival = None
    if arrival_text:
        parsed = parse_date(arrival_text, approximate=False)
        if parsed is None:
            errors.append(["bad_arrival", {"column": "arrival_date", "value": arrival_text[:30]}])
        elif parsed[0] > today:
            errors.append(["future_date", {"column": "arrival_date"}])
        else:
            arrival = parsed[0]
    elif found_operation is not None:
        arrival = found_operation.arrival_date
    elif not any(code == "unknown_operation" for code, _p in errors):
        errors.append(["missing_arrival", {}])
    row["arrival_date"] = arrival.isoformat() if arrival else None
    if arrival and row["date_of_birth"] and arrival.isoformat() < row["date_of_birth"]:
        errors.append(["arrival_before_birth", {}])

    region_text = clean_text(cells.get("region", ""))[0]
    found_region = lookups.regions.get(region_text.casefold()) if region_text else region
    row["region_id"] = found_region.pk if found_region else None
    if region_text and found_region is None:
        errors.append(["unknown_region", {"value": region_text[:100]}])
    elif found_region is None:
        errors.append(["missing_region", {}])
    elif lookups.allowed is not None and found_region.pk not in lookups.allowed:
        errors.append(["not_your_region", {"value": found_region.localized_name}])
        row["region_id"] = None
    district_text = clean_text(cells.get("district", ""))[0]
    row["district_id"] = None
    if district_text and found_region is not None:
        district = lookups.districts.get((found_region.pk, district_text.casefold()))
        if district is None:
            errors.append(["unknown_district", {"value": district_text[:100], "region": found_region.localized_name}])
        else:
            row["district_id"] = district.pk
    return row


def check_households(rows: list[dict]) -> None:
    """Problems only the rows together show: a child not younger than its household's mother, the
    same person twice in the file."""
    mothers: dict[str, dict] = {}
    for row in rows:
        if row["household"] and row["relation"] == FamilyMember.Relationship.MOTHER:
            mothers.setdefault(row["household"], row)
    seen: dict[tuple, int] = {}
    for row in rows:
        mother = mothers.get(row["household"]) if row["household"] else None
        if (
            mother is not None
            and row["relation"] == FamilyMember.Relationship.CHILD
            and row["date_of_birth"]
            and mother["date_of_birth"]
            and row["date_of_birth"] <= mother["date_of_birth"]
        ):
            row["errors"].append(["child_older", {"row": mother["line"]}])
        who = (
            row["family_name"].casefold(),
            row["given_name"].casefold(),
            row["patronymic"].casefold(),
            row["date_of_birth"],
        )
        if row["given_name"] and who in seen:
            row["errors"].append(["twice", {"row": seen[who]}])
        else:
            seen.setdefault(who, row["line"])


def read_rows(
    header: list[str],
    table: list[tuple[int, list[str]]],
    mapping: dict[str, str],
    *,
    lookups: Lookups,
    operation: Operation | None,
    region: Region | None,
) -> list[dict]:
    """Every row of the table as a person (see `read_row`), checked together."""
    index = {title: n for n, title in enumerate(header)}
    positions = {field: index[title] for field, title in mapping.items() if title in index and field in COLUMNS}
    rows = []
    for number, cells in table:
        values = {field: cells[pos] if pos < len(cells) else "" for field, pos in positions.items()}
        rows.append(read_row(number, values, lookups=lookups, operation=operation, region=region))
    check_households(rows)
    return rows
