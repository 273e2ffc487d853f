"""The published form of a progress report: labelled tables with small counts suppressed. The
HTML preview, the PDF and the Excel workbook all show this one document, so they cannot differ."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from services.models import ServiceCategory

from . import selectors
from .models import ProgressReport
from .suppression import is_small, suppress_matrix

# Indicator rows of the report, in order, with the kind of figure each is.
INDICATOR_ROWS = (
    ("core_documents", "count"),
    ("guardianship", "count"),
    ("relatives", "count"),
    ("institution", "count"),
    ("school_age", "count"),
    ("school_enrolled", "count"),
    ("psychosocial", "count"),
    ("approved_plan", "count"),
    ("benefits", "count"),
    ("kinship_verified", "count"),
    ("median_days_to_family", "days"),
)


# Each label is translated when it is shown, not all of them whenever one is asked for.
INDICATOR_LABELS = {
    "core_documents": gettext_lazy("Children with all core documents restored"),
    "guardianship": gettext_lazy("Children under legal guardianship"),
    "relatives": gettext_lazy("Children placed with relatives"),
    "institution": gettext_lazy("Children in institutions"),
    "school_age": gettext_lazy("School-age children (6–17)"),
    "school_enrolled": gettext_lazy("School-age children enrolled in school"),
    "psychosocial": gettext_lazy("Returnees who received psychosocial support"),
    "approved_plan": gettext_lazy("Cases with an approved reintegration plan"),
    "benefits": gettext_lazy("Returnees receiving social benefits"),
    "kinship_verified": gettext_lazy("Returnees whose kinship was verified"),
    "median_days_to_family": gettext_lazy("Median days from arrival to placement with relatives"),
    "placed_with_family": gettext_lazy("Children placed with relatives since arrival"),
    "children": gettext_lazy("Children (under 18)"),
    "returnees": gettext_lazy("Returnees"),
}


def hidden_label() -> str:
    return pgettext("report cell", "hidden")


def indicator_label(key: str) -> str:
    return str(INDICATOR_LABELS[key])


def band_label(band: str) -> str:
    if band == "unknown":
        return _("Age not known")
    if band == "18+":
        return _("18 and over")
    return _("%(band)s years") % {"band": band.replace("-", "–")}


SMALL, HIDDEN = "small", "hidden"


def _cell(value, kind: str = "count", mark: str | None = None) -> dict:
    """A table cell. `mark` says why a figure is not shown: SMALL, a count from 1 to the threshold
    minus one (shown as "<5"); HIDDEN, any figure withheld for another reason, whatever its size (shown
    as "hidden", never as "<5", which it may not be). A withheld figure is dropped here, so the stored
    document cannot give it away either."""
    suppressed = mark is not None
    return {"value": None if suppressed else value, "suppressed": suppressed, "mark": mark, "kind": kind}


def _count_mark(value, hidden: bool, threshold: int) -> str | None:
    if is_small(value, threshold):
        return SMALL
    return HIDDEN if hidden else None


def previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the same length that ends the day before this one starts."""
    length = end - start
    previous_end = start - datetime.timedelta(days=1)
    return previous_end - length, previous_end


def population_table(population: dict, threshold: int) -> dict:
    bands = [band for band, *_rest in selectors.AGE_BANDS] + ["unknown"]
    matrix = [[population["female"][band], population["male"][band]] for band in bands]
    matrix = [[*row, sum(row)] for row in matrix]
    matrix.append([sum(column) for column in zip(*matrix, strict=True)])
    mask = suppress_matrix(matrix, threshold, total_row=True, total_col=True)
    labels = [band_label(band) for band in bands] + [_("Total")]
    return {
        "key": "population",
        "title": _("Returnees by sex and age"),
        "row_header": _("Age"),
        "columns": [_("Female"), _("Male"), _("Total")],
        "rows": [
            {
                "label": label,
                "total": index == len(labels) - 1,
                "cells": [
                    _cell(value, mark=_count_mark(value, hidden, threshold))
                    for value, hidden in zip(row, hidden_row, strict=True)
                ],
            }
            for index, (label, row, hidden_row) in enumerate(zip(labels, matrix, mask, strict=True))
        ],
        "note": _("Age on the last day of the period."),
    }


def indicator_table(current: dict, previous: dict, threshold: int) -> dict:
    rows = []
    for key, kind in INDICATOR_ROWS:
        now, before = current[key], previous[key]
        if kind == "days":
            # A median of a handful of placements describes those children: withheld, but it is not a
            # count, so it is marked hidden rather than "<5".
            mark_now = HIDDEN if is_small(current["placed_with_family"], threshold) else None
            mark_before = HIDDEN if is_small(previous["placed_with_family"], threshold) else None
        else:
            mark_now, mark_before = _count_mark(now, False, threshold), _count_mark(before, False, threshold)
        change = None if now is None or before is None else round(now - before, 1)
        rows.append(
            {
                "label": indicator_label(key),
                "total": False,
                "cells": [
                    _cell(before, kind, mark_before),
                    _cell(now, kind, mark_now),
                    # A change would give a withheld figure away from the other one; it may be large.
                    _cell(change, "change", HIDDEN if mark_now or mark_before else None),
                ],
            }
        )
    return {
        "key": "indicators",
        "title": _("Programme indicators"),
        "row_header": _("Indicator"),
        "columns": [_("End of previous period"), _("End of this period"), _("Change")],
        "rows": rows,
        "note": _("Children are under 18. Relatives are grandparents and other relatives."),
    }


def services_table(scope: selectors.Scope, threshold: int) -> dict:
    figures = selectors.services_delivered(scope)
    categories = list(ServiceCategory.objects.order_by("position", "code"))
    matrix = [[figures.get(c.pk, (0, 0))[0], figures.get(c.pk, (0, 0))[1]] for c in categories]
    matrix.append([sum(column) for column in zip(*matrix, strict=True)] if matrix else [0, 0])
    mask = suppress_matrix(matrix, threshold, total_row=True, total_col=False)
    labels = [c.localized_name for c in categories] + [_("Total")]
    return {
        "key": "services",
        "title": _("Services delivered in the period"),
        "row_header": _("Service category"),
        "columns": [pgettext("services asked for", "Requested"), pgettext("services finished", "Completed")],
        "rows": [
            {
                "label": label,
                "total": index == len(labels) - 1,
                "cells": [
                    _cell(value, mark=_count_mark(value, hidden, threshold))
                    for value, hidden in zip(row, hidden_row, strict=True)
                ],
            }
            for index, (label, row, hidden_row) in enumerate(zip(labels, matrix, mask, strict=True))
        ],
        "note": "",
    }


def _short(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def report_title(report: ProgressReport) -> str:
    parts = [str(report.operation) if report.operation_id else _("All operations")]
    parts.append(report.region.localized_name if report.region_id else _("All regions in scope"))
    return _("Progress report: %(scope)s") % {"scope": ", ".join(parts)}


def build(report: ProgressReport, scope: selectors.Scope, *, threshold: int, progress=lambda percent: None) -> dict:
    """The report document, in the active language. `progress` is told how far it has got."""
    current = selectors.indicators(scope, scope.end)
    progress(35)
    previous = selectors.indicators(scope, scope.start - datetime.timedelta(days=1))
    progress(55)
    population = selectors.population(selectors.returnees_in(scope), scope.end)
    tables = [
        population_table(population, threshold),
        indicator_table(current, previous, threshold),
        services_table(scope, threshold),
    ]
    progress(70)
    narrative = [
        (_("Summary"), report.summary),
        (_("Achievements"), report.achievements),
        (_("Challenges"), report.challenges),
        (_("Next steps"), report.next_steps),
    ]
    return {
        "title": report_title(report),
        "subtitle": f"{_short(scope.start)} – {_short(scope.end)}",
        "generated": _("Produced %(when)s by %(who)s")
        % {
            "when": formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT"),
            "who": report.created_by.get_full_name() or report.created_by.username,
        },
        "footnote": _(
            "Aggregates only. Counts from 1 to %(below)s are shown as <%(threshold)s. “%(hidden)s” marks a figure "
            "withheld because it would give such a count away (another figure in the same row or column, or a "
            "change next to it): it may be of any size."
        )
        % {"below": threshold - 1, "threshold": threshold, "hidden": hidden_label()},
        "small_label": f"<{threshold}",
        "hidden_label": hidden_label(),
        "narrative": [{"heading": heading, "text": text} for heading, text in narrative if text.strip()],
        "tables": tables,
    }
