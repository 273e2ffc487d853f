"""The published form of a progress report: labelled tables whose every figure comes from
repat.reports.suppression (small counts withheld, the others rounded so that no two reports can be
subtracted to reveal one). The web page, the PDF and the Excel workbook all show this one document,
so they cannot differ."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cases.indicators import indicators
from services.models import ServiceCategory

from . import selectors, suppression
from .models import ProgressReport
from .suppression import HIDDEN, Figure, Part, is_small, publish

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


# Each label is translated when it is shown, not all of them whenever one is asked for. The
# indicators' own come with them (cases/indicators.py); these two figures are the reports'.
INDICATOR_LABELS = {
    **{indicator.key: indicator.label for indicator in indicators()},
    "median_days_to_family": gettext_lazy("Median days from arrival to placement with relatives"),
    "returnees": gettext_lazy("Returnees"),
}


def indicator_label(key: str) -> str:
    return str(INDICATOR_LABELS[key])


def band_label(band: str) -> str:
    if band == "unknown":
        return _("Age not known")
    if band == "18+":
        return _("18 and over")
    return _("%(band)s years") % {"band": band.replace("-", "–")}


def _cell(figure: Figure, kind: str = "count") -> dict:
    """A table cell. `mark` says why a figure is not shown: "small", a count from 1 to the threshold
    minus one (shown as "<5"); "hidden", any figure withheld for another reason, whatever its size
    (shown as "hidden", never as "<5", which it may not be). A withheld figure has no value here, so
    the stored document cannot give it away either."""
    return {"value": figure.value, "suppressed": figure.mark is not None, "mark": figure.mark, "kind": kind}


def previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the same length that ends the day before this one starts."""
    length = end - start
    previous_end = start - datetime.timedelta(days=1)
    return previous_end - length, previous_end


def _table_rows(labels: list[str], grid: list[list[list[Part]]], threshold: int) -> list[dict]:
    """Rows of published figures from the parts behind each cell; the last row is the total row."""
    return [
        {
            "label": label,
            "total": index == len(labels) - 1,
            "cells": [_cell(publish(cell_parts, threshold)) for cell_parts in row],
        }
        for index, (label, row) in enumerate(zip(labels, grid, strict=True))
    ]


def _with_total_row(grid: list[list[list[Part]]]) -> list[list[list[Part]]]:
    """The grid and a last row whose cells hold every part of their column: a total is published from
    its parts like any figure, so it agrees with every other report that contains them."""
    columns = len(grid[0]) if grid else 0
    return [*grid, [[part for row in grid for part in row[column]] for column in range(columns)]]


def population_table(population: dict[str, list[Part]], threshold: int) -> dict:
    """Returnees by sex and age band, with totals; `population` holds the parts of each cell, keyed
    "female|0-4" (selectors.population_parts)."""
    bands = [band for band, *_rest in selectors.AGE_BANDS] + ["unknown"]
    grid = []
    for band in bands:
        female, male = population[f"female|{band}"], population[f"male|{band}"]
        grid.append([female, male, female + male])
    labels = [band_label(band) for band in bands] + [_("Total")]
    return {
        "key": "population",
        "title": _("Returnees by sex and age"),
        "row_header": _("Age"),
        "columns": [_("Female"), _("Male"), _("Total")],
        "rows": _table_rows(labels, _with_total_row(grid), threshold),
        "note": _("Age on the last day of the period."),
    }


def _median(figures: dict, threshold: int) -> Figure:
    """A median describes the children it is the median of: withheld (as hidden: it is not a count)
    when they are fewer than the threshold, not applicable when there are none."""
    placed = sum(part.count for part in figures["placed_with_family"])
    if is_small(placed, threshold):
        return Figure(None, HIDDEN)
    return Figure(figures["median_days_to_family"])


def published_indicators(scope: selectors.Scope, on: datetime.date, threshold: int) -> dict[str, Figure]:
    """The indicators on a day as a report's column publishes them (INDICATOR_ROWS): the figures the
    API serves, from a snapshot (actions.dashboard_refresh)."""
    parts = selectors.indicator_parts(scope, on)
    return {
        key: _median(parts, threshold) if kind == "days" else publish(parts[key], threshold)
        for key, kind in INDICATOR_ROWS
    }


def indicator_table(current: dict, previous: dict, threshold: int) -> dict:
    """The indicators at the end of the period and of the previous one, and the change; `current`
    and `previous` hold the parts of each indicator and the median (selectors.indicator_parts)."""
    rows = []
    for key, kind in INDICATOR_ROWS:
        if kind == "days":
            now, before = _median(current, threshold), _median(previous, threshold)
        else:
            now, before = publish(current[key], threshold), publish(previous[key], threshold)
        rows.append(
            {
                "label": indicator_label(key),
                "total": False,
                "cells": [_cell(before, kind), _cell(now, kind), _cell(suppression.difference(now, before), "change")],
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
    grid = [[figures.get((c.pk, measure), []) for measure in ("requested", "completed")] for c in categories]
    labels = [c.localized_name for c in categories] + [_("Total")]
    return {
        "key": "services",
        "title": _("Services delivered in the period"),
        "row_header": _("Service category"),
        "columns": [pgettext("services asked for", "Requested"), pgettext("services finished", "Completed")],
        "rows": _table_rows(labels, _with_total_row(grid) if grid else [[[], []]], threshold),
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
    current = selectors.indicator_parts(scope, scope.end)
    progress(35)
    previous = selectors.indicator_parts(scope, scope.start - datetime.timedelta(days=1))
    progress(55)
    population = selectors.population_parts(scope, scope.end)
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
        "footnote": "\n".join(suppression.legend(threshold)),
        "small_label": suppression.small_label(threshold),
        "hidden_label": suppression.hidden_label(),
        "narrative": [{"heading": heading, "text": text} for heading, text in narrative if text.strip()],
        "tables": tables,
    }
