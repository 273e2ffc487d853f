"""The differencing attack of issue 13, run as a reader who holds every progress report of a period
would run it: the national report, every region's, each for all operations and for each one, read
from the workbooks the reports are published as. Before issue 13 the national figure minus the other
regions' gave back a region's withheld count of 2, exactly, in each table."""

import datetime
import itertools

import pytest
from django.test import TestCase

from repat.accounts.models import Region
from repat.reports import actions, documents, exports
from repat.reports.models import ProgressReport
from services.models import ServiceCategory
from tests.factories import OperationFactory, region
from tests.factories import person as user_for
from tests.services.factories import ProviderFactory
from tests.worlds import module_world

from .attack import Problem, Published, read_workbook
from .factories import ON, born_aged, guardianship, person, referral

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)
BANDS = ("0-4", "5-11", "12-17", "18+", "unknown")
SEXES = ("female", "male")
# Each region: women aged 30, girls aged 14 under guardianship, women's psychosocial services completed.
PLAN = {"Chüy Oblast": (2, 2, 2), "Osh Oblast": (20, 10, 10), "Naryn Oblast": (15, 5, 5), "Talas Oblast": (30, 15, 15)}
POPULATION, INDICATORS, SERVICES = TABLES = ("population", "indicators", "services")


def build_period():
    """Returnees in four regions and two operations, and every report an administrator can make of
    the period: all regions and each region, for all operations and for each. Chüy holds 2 women over
    18, 2 girls under guardianship (in the second operation) and 2 completed psychosocial services,
    beside 10 men and 8 more girls. Made once for the module (tests/worlds.py): the tests only read
    the workbooks."""
    administrator = user_for("administrator")
    first, second = OperationFactory(), OperationFactory(name="Second operation")
    provider = ProviderFactory()
    for name, (women, girls, services) in PLAN.items():
        place = region(name)
        adults = [person(place, born=born_aged(30), operation=first) for _n in range(women)]
        for adult in adults[:services]:
            referral(adult, "individual-counselling", "completed", provider=provider, completed=ON)
        for _n in range(girls):
            guardianship(person(place, born=born_aged(14), operation=second if name == "Chüy Oblast" else first))
    chuy = region("Chüy Oblast")
    for _n in range(10):
        person(chuy, born=born_aged(30), sex="male", operation=first)
    for _n in range(8):
        person(chuy, born=born_aged(14), operation=second)

    # The attacker reads the workbooks: the PDF, which shows the same document, is not drawn here.
    regions = list(Region.objects.filter(parent__isnull=True))
    reports = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exports, "render_pdf", lambda document: b"%PDF-")
        for place, operation in itertools.product([None, *regions], [None, first, second]):
            data = {"period_start": START, "period_end": ON, "region": place, "operation": operation, "language": "en"}
            with TestCase.captureOnCommitCallbacks(execute=True):
                report = actions.report_create(actor=administrator, data=data)
            report = ProgressReport.objects.get(pk=report.pk)
            assert report.status == "ready"
            reports[(place.pk if place else None, operation.pk if operation else None)] = read_workbook(
                report.xlsx_file.read(), TABLES
            )
    return {
        "reports": reports,
        "regions": [r.pk for r in regions],
        "operations": [first.pk, second.pk],
        "chuy": chuy.pk,
        "first": first.pk,
        "second": second.pk,
    }


period = module_world(build_period)


def published(period) -> list[Published]:
    """Every count of every report, as the base cells it adds up: (table, region, operation, row, column)."""
    band_of = {documents.band_label(band): band for band in BANDS}
    indicator_of = {documents.indicator_label(key): key for key, kind in documents.INDICATOR_ROWS if kind == "count"}
    categories = {c.localized_name: c.pk for c in ServiceCategory.objects.all()}
    tables = {
        # sheet: (rows by label, all rows, columns by label, all columns)
        POPULATION: (band_of, BANDS, {"Female": ("female",), "Male": ("male",)}, SEXES),
        INDICATORS: (indicator_of, None, {"End of previous period": ("before",), "End of this period": ("now",)}, None),
        SERVICES: (
            categories,
            tuple(categories.values()),
            {"Requested": ("requested",), "Completed": ("completed",)},
            None,
        ),
    }
    figures = []
    for (place, operation), workbook in period["reports"].items():
        places = [place] if place else period["regions"]
        operations = [operation] if operation else period["operations"]
        for sheet, (row_keys, all_rows, column_keys, all_columns) in tables.items():
            for (row, column), shown in workbook[sheet].items():
                rows = (row_keys[row],) if row in row_keys else all_rows if row == "Total" else None
                columns = column_keys.get(column) or (all_columns if column == "Total" else None)
                if rows is None or columns is None:
                    continue  # the median, and the change (the difference of two figures read here)
                cells = itertools.product([sheet], places, operations, rows, columns)
                figures.append(Published(tuple(cells), shown))
    return figures


def targets(period) -> dict[tuple, int]:
    """Chüy's withheld counts, and what they truly are."""
    chuy, first, second = period["chuy"], period["first"], period["second"]
    mhpss = ServiceCategory.objects.get(code="mhpss").pk
    return {
        (POPULATION, chuy, first, "18+", "female"): 2,
        (INDICATORS, chuy, second, "guardianship", "now"): 2,
        (SERVICES, chuy, first, mhpss, "completed"): 2,
    }


def figure(period, place, sheet: str, row: str, column: str):
    return period["reports"][(place, None)][sheet][(row, column)]


def test_all_regions_minus_the_others_does_not_give_a_withheld_count_back(period):
    for sheet, row, column in (
        (POPULATION, "18 and over", "Female"),
        (INDICATORS, "Children under legal guardianship", "End of this period"),
        (SERVICES, "Mental health and psychosocial support", "Completed"),
    ):
        # given: Chüy's count of 2, withheld in Chüy's report
        chuy = period["chuy"]
        assert figure(period, chuy, sheet, row, column) == "<5"

        # when: the attacker subtracts every other region's figure from the figure of all regions
        others = [figure(period, place, sheet, row, column) for place in period["regions"] if place != chuy]
        assert all(isinstance(value, int) for value in others)
        recovered = figure(period, None, sheet, row, column) - sum(others)

        # then: what comes out is not Chüy's 2 (before issue 13 it was exactly 2)
        assert recovered != 2, sheet


def test_no_withheld_count_is_determined_by_all_the_reports_together(period):
    # given every figure of every report, read with the method the reports document
    problem = Problem(published(period), model="rounded")

    for target, truth in targets(period).items():
        # when the attacker asks which counts agree with all of them
        values = problem.consistent_values(target)

        # then the truth is among several: the cell stays unknown
        assert truth in values, target
        assert len(values) > 1, (target, values)

    # and what is shown is known as the method says: a rounded 20 means 16 to 24, a 0 means none
    osh = region("Osh Oblast").pk
    assert problem.consistent_values((POPULATION, osh, period["first"], "18+", "female")) == set(range(16, 25))
    assert problem.consistent_values((POPULATION, osh, period["second"], "18+", "female")) == {0}


def test_the_solver_recovers_a_count_that_exact_tables_give_away():
    # given the tables as published before issue 13: true counts, and "<5" for a withheld one
    cells = [("population", name, "18+", "female") for name in ("Chüy", "Osh", "Naryn", "Talas")]
    figures = [
        Published((cells[0],), "<5"),
        *(Published((cell,), count) for cell, count in zip(cells[1:], (20, 15, 30), strict=True)),
        Published(tuple(cells), 67),
    ]

    # when / then: the solver finds the one value, as the attacker of issue 13 did
    assert Problem(figures, model="exact").consistent_values(cells[0]) == {2}
