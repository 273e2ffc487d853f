"""The published report document: small counts hidden in every table (with the second cell a total
would give away), hidden cells carrying no value, and the figures of the period and the one before."""

import datetime

import pytest
from django.utils import timezone

from repat.reports import documents, selectors
from repat.reports.models import ProgressReport
from services.models import ServiceCategory
from tests.factories import OperationFactory

from .factories import ON, born_aged, care, days, person, referral, scope_of

pytestmark = pytest.mark.django_db

BANDS = ("0-4", "5-11", "12-17", "18+", "unknown")


def values(table: dict) -> list[list]:
    return [[cell["value"] for cell in row["cells"]] for row in table["rows"]]


def hidden(table: dict) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(table["rows"]) for c, cell in enumerate(row["cells"]) if cell["suppressed"]}


def lines_giving_a_cell_away(table: dict, *, total_col: bool) -> list:
    """Rows (when the last column is their total) and columns (the last row is their total) with
    exactly one hidden cell: that cell would be the total minus the others."""
    mask = [[cell["suppressed"] for cell in row["cells"]] for row in table["rows"]]
    lines = [list(column) for column in zip(*mask, strict=True)]
    if total_col:
        lines += mask
    return [line for line in lines if sum(line) == 1]


def population(female: dict, male: dict) -> dict:
    return {
        "female": dict(zip(BANDS, female.values(), strict=True)),
        "male": dict(zip(BANDS, male.values(), strict=True)),
    }


def indicator_figures(**figures) -> dict:
    base = {key: 20 for key, _kind in documents.INDICATOR_ROWS}
    return {**base, "placed_with_family": 20, "median_days_to_family": 31.5, **figures}


# --- Population -------------------------------------------------------------------------------------------


def test_three_girls_under_five_hide_a_second_cell_in_their_row_and_columns():
    # given: 3 girls under five; every other count is 5 or more
    figures = population(
        {"0-4": 3, "5-11": 10, "12-17": 12, "18+": 7, "unknown": 0},
        {"0-4": 8, "5-11": 9, "12-17": 11, "18+": 6, "unknown": 0},
    )

    # when
    table = documents.population_table(figures, threshold=5)

    # then: the 3, the boys under five (its row), the women (its column), and the men (the men's
    # column lost a cell, and the 18+ row then has two)
    assert hidden(table) == {(0, 0), (0, 1), (3, 0), (3, 1)}
    assert values(table) == [
        [None, None, 11],
        [10, 9, 19],
        [12, 11, 23],
        [None, None, 13],
        [0, 0, 0],
        [32, 34, 66],
    ]
    assert lines_giving_a_cell_away(table, total_col=True) == []
    assert [row["label"] for row in table["rows"]] == [
        "0–4 years",
        "5–11 years",
        "12–17 years",
        "18 and over",
        "Age not known",
        "Total",
    ]
    assert [row["total"] for row in table["rows"]] == [False] * 5 + [True]
    assert table["columns"] == ["Female", "Male", "Total"]


def test_totals_stay_consistent_with_the_cells_shown():
    # given: small counts scattered over the table
    figures = population(
        {"0-4": 1, "5-11": 22, "12-17": 2, "18+": 40, "unknown": 0},
        {"0-4": 14, "5-11": 3, "12-17": 17, "18+": 35, "unknown": 4},
    )

    # when
    table = documents.population_table(figures, threshold=5)

    # then: no line with a total has exactly one hidden cell, every small count is hidden, and the
    # figures shown are the true ones
    assert lines_giving_a_cell_away(table, total_col=True) == []
    assert {(0, 0), (2, 0), (1, 1), (4, 1)} <= hidden(table)
    truth = [[figures["female"][b], figures["male"][b], figures["female"][b] + figures["male"][b]] for b in BANDS]
    truth.append([sum(column) for column in zip(*truth, strict=True)])
    for r, row in enumerate(values(table)):
        for c, value in enumerate(row):
            assert value is None if (r, c) in hidden(table) else value == truth[r][c]


def test_threshold_of_one_hides_nothing():
    figures = population(
        {"0-4": 1, "5-11": 2, "12-17": 0, "18+": 4, "unknown": 1},
        {"0-4": 3, "5-11": 1, "12-17": 1, "18+": 0, "unknown": 0},
    )
    table = documents.population_table(figures, threshold=1)
    assert hidden(table) == set()
    assert values(table)[-1] == [8, 5, 13]


def test_a_table_of_zeros_hides_nothing():
    zeros = dict.fromkeys(BANDS, 0)
    assert hidden(documents.population_table(population(zeros, zeros), threshold=5)) == set()


# --- Indicators ------------------------------------------------------------------------------------------


def indicator_row(table: dict, key: str) -> dict:
    return table["rows"][[k for k, _kind in documents.INDICATOR_ROWS].index(key)]


def cells(row: dict) -> list[tuple]:
    return [(cell["value"], cell["suppressed"], cell["kind"]) for cell in row["cells"]]


def test_indicator_rows_hide_small_values_and_the_change_next_to_them():
    # given
    current = indicator_figures(core_documents=12, guardianship=2, relatives=10, institution=0, benefits=5)
    previous = indicator_figures(core_documents=3, guardianship=8, relatives=9, institution=0, benefits=4)

    # when
    table = documents.indicator_table(current, previous, threshold=5)

    # then: before, now, change
    assert cells(indicator_row(table, "core_documents")) == [
        (None, True, "count"),
        (12, False, "count"),
        (None, True, "change"),
    ]
    assert cells(indicator_row(table, "guardianship")) == [
        (8, False, "count"),
        (None, True, "count"),
        (None, True, "change"),
    ]
    assert cells(indicator_row(table, "relatives")) == [(9, False, "count"), (10, False, "count"), (1, False, "change")]
    assert cells(indicator_row(table, "institution")) == [
        (0, False, "count"),
        (0, False, "count"),
        (0, False, "change"),
    ]
    assert cells(indicator_row(table, "benefits")) == [
        (None, True, "count"),
        (5, False, "count"),
        (None, True, "change"),
    ]
    assert table["columns"] == ["End of previous period", "End of this period", "Change"]
    assert [row["label"] for row in table["rows"]][-1] == "Median days from arrival to placement with relatives"


def test_median_is_hidden_when_fewer_placements_than_the_threshold():
    # given: the median now describes 4 children, the one before 5
    current = indicator_figures(placed_with_family=4, median_days_to_family=12.5)
    previous = indicator_figures(placed_with_family=5, median_days_to_family=20.0)

    # when
    row = indicator_row(documents.indicator_table(current, previous, threshold=5), "median_days_to_family")

    # then
    assert cells(row) == [(20.0, False, "days"), (None, True, "days"), (None, True, "change")]


def test_median_and_its_change_are_shown_from_the_threshold_on():
    current = indicator_figures(placed_with_family=5, median_days_to_family=12.5)
    previous = indicator_figures(placed_with_family=7, median_days_to_family=20.0)
    row = indicator_row(documents.indicator_table(current, previous, threshold=5), "median_days_to_family")
    assert cells(row) == [(20.0, False, "days"), (12.5, False, "days"), (-7.5, False, "change")]


def test_median_without_placements_is_not_applicable_and_has_no_change():
    current = indicator_figures(placed_with_family=0, median_days_to_family=None)
    row = indicator_row(documents.indicator_table(current, indicator_figures(), threshold=5), "median_days_to_family")
    assert cells(row) == [(31.5, False, "days"), (None, False, "days"), (None, False, "change")]


def test_indicator_threshold_of_one_hides_nothing():
    current = indicator_figures(core_documents=1, guardianship=2, placed_with_family=1, median_days_to_family=3.0)
    previous = indicator_figures(core_documents=0, guardianship=4, placed_with_family=0, median_days_to_family=None)
    table = documents.indicator_table(current, previous, threshold=1)
    assert hidden(table) == set()
    assert cells(indicator_row(table, "core_documents")) == [
        (0, False, "count"),
        (1, False, "count"),
        (1, False, "change"),
    ]


# --- Services -----------------------------------------------------------------------------------------


def test_services_table_hides_small_completed_counts_and_a_second_one_in_the_column(case, chuy):
    # given: in the period, 6 psychosocial referrals (2 completed) and 5 education ones (all completed)
    returnee = case.returnee
    today = timezone.localdate()
    for n in range(6):
        if n < 2:
            referral(returnee, "individual-counselling", "completed", completed=today)
        else:
            referral(returnee, "individual-counselling", "submitted")
    for _n in range(5):
        referral(returnee, "school-enrolment", "completed", completed=today)

    # when
    table = documents.services_table(scope_of(chuy, start=today, end=today), threshold=5)

    # then: the 2 completed, and the 5 (the smallest count left in the completed column)
    categories = list(ServiceCategory.objects.order_by("position", "code"))
    labels = [row["label"] for row in table["rows"]]
    assert labels == [c.localized_name for c in categories] + ["Total"]
    rows = dict(zip([c.code for c in categories] + ["total"], values(table), strict=True))
    assert rows["mhpss"] == [6, None]
    assert rows["education"] == [5, None]
    assert rows["total"] == [11, 7]
    assert rows["health"] == [0, 0]
    assert len(hidden(table)) == 2
    assert lines_giving_a_cell_away(table, total_col=False) == []
    assert table["columns"] == ["Requested", "Completed"]


def test_services_table_with_a_threshold_of_one(case, chuy):
    referral(case.returnee, "child-allowance", "submitted")
    today = timezone.localdate()
    table = documents.services_table(scope_of(chuy, start=today, end=today), threshold=1)
    assert hidden(table) == set()
    assert values(table)[-1] == [1, 0]


# --- The whole document -----------------------------------------------------------------------------------


@pytest.fixture
def report(supervisor, chuy):
    return ProgressReport(
        created_by=supervisor,
        period_start=datetime.date(2025, 4, 1),
        period_end=ON,
        region=chuy,
        scope_regions=[chuy.pk],
        language="en",
        summary="Thirty children went back to school.",
        challenges="   ",
    )


def test_build_puts_the_figures_of_both_ends_of_the_period_side_by_side(report, chuy, supervisor):
    # given: 3 girls under 12 with relatives, 2 placed before the period (arrival + 4 and + 6 days)
    # and one during it
    for placed in (datetime.date(2023, 2, 14), datetime.date(2023, 2, 16), datetime.date(2025, 5, 1)):
        care(person(chuy, born=born_aged(7)), "relatives", placed=placed)
    progress = []

    # when
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=1, progress=progress.append)

    # then
    assert progress == [35, 55, 70]
    assert document["title"] == "Progress report: All operations, Chüy Oblast"
    assert document["subtitle"] == "01.04.2025 – 30.06.2025"
    assert document["generated"].endswith(f"by {supervisor.get_full_name()}")
    assert document["narrative"] == [{"heading": "Summary", "text": "Thirty children went back to school."}]
    assert (document["small_label"], document["hidden_label"]) == ("<1", "hidden")
    assert [table["key"] for table in document["tables"]] == ["population", "indicators", "services"]
    indicators = document["tables"][1]
    assert cells(indicator_row(indicators, "relatives")) == [
        (2, False, "count"),
        (3, False, "count"),
        (1, False, "change"),
    ]
    median = indicator_row(indicators, "median_days_to_family")
    assert cells(median) == [(5.0, False, "days"), (6.0, False, "days"), (1.0, False, "change")]
    assert values(document["tables"][0])[1] == [3, 0, 3]  # 5–11 years
    assert hidden(document["tables"][0]) == set()


def test_build_with_the_default_threshold_hides_the_three_girls(report, chuy):
    # given: three girls, nobody else
    for _n in range(3):
        person(chuy, born=born_aged(7))

    # when
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=5)

    # then: the 3 and every total of them (3 too) are hidden; the zeros are shown
    population = document["tables"][0]
    assert values(population)[1] == [None, 0, None]
    assert values(population)[-1] == [None, 0, None]
    assert document["footnote"] == (
        "Aggregates only. Counts from 1 to 4 are shown as <5. “hidden” marks a figure withheld because it "
        "would give such a count away (another figure in the same row or column, or a change next to it): it "
        "may be of any size."
    )
    assert document["small_label"] == "<5"


def test_build_leaves_out_returnees_who_arrived_after_the_period(report, chuy):
    person(chuy, born=born_aged(30), arrived=days(1))
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=1)
    assert values(document["tables"][0])[-1] == [0, 0, 0]


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    assert documents.previous_period(datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)) == (
        datetime.date(2024, 12, 31),
        datetime.date(2025, 3, 31),
    )
    assert documents.previous_period(ON, ON) == (days(-1), days(-1))


def test_report_title_for_one_operation_over_all_regions(report):
    report.region = None
    report.operation = OperationFactory(name="Operation Mercy")
    assert documents.report_title(report) == "Progress report: Operation Mercy, All regions in scope"


def test_population_of_the_report_equals_the_selector(report, chuy):
    person(chuy, born=born_aged(2), sex="male", arrived=ON)
    person(chuy, born=None)
    scope = scope_of(chuy, start=report.period_start)
    figures = selectors.population(selectors.returnees_in(scope), scope.end)
    table = documents.build(report, scope, threshold=1)["tables"][0]
    assert values(table)[0] == [figures["female"]["0-4"], figures["male"]["0-4"], 1]
    assert values(table)[4] == [1, 0, 1]
