"""The published report document: every figure from repat.reports.suppression (small counts "<5",
the others rounded from their parts, totals as sums of their parts), withheld cells carrying no value
and saying why, and the figures of the period and the one before."""

import datetime

import pytest
from django.utils import timezone

from repat.reports import documents, selectors
from repat.reports.models import ProgressReport
from repat.reports.suppression import Part, rounded
from services.models import ServiceCategory
from tests.factories import OperationFactory

from .factories import ON, born_aged, care, days, person, referral, scope_of

pytestmark = pytest.mark.django_db

BANDS = ("0-4", "5-11", "12-17", "18+", "unknown")


def values(table: dict) -> list[list]:
    return [[cell["value"] for cell in row["cells"]] for row in table["rows"]]


def marks(table: dict) -> dict[tuple[int, int], str]:
    return {
        (r, c): cell["mark"]
        for r, row in enumerate(table["rows"])
        for c, cell in enumerate(row["cells"])
        if cell["mark"]
    }


def parts(counts: dict[str, int], start: int = 1) -> dict[str, list[Part]]:
    """One part (one region and operation) per cell, with distinct people behind each."""
    return {
        key: [Part(count, start + index * 1000)] if count else [] for index, (key, count) in enumerate(counts.items())
    }


def population(female: dict, male: dict) -> dict[str, list[Part]]:
    counts = {f"female|{band}": female[band] for band in BANDS} | {f"male|{band}": male[band] for band in BANDS}
    return parts(counts)


def indicator_figures(**figures) -> dict:
    counts = {key: 20 for key, kind in documents.INDICATOR_ROWS if kind == "count"} | {"placed_with_family": 20}
    median = figures.pop("median_days_to_family", 31.5)
    return parts(counts | figures) | {"median_days_to_family": median}


# --- Population -------------------------------------------------------------------------------------------


def test_a_small_count_is_below_five_and_the_ten_beside_it_is_shown():
    # given: 3 girls under five and 10 boys; every other count a multiple of 5 or zero
    figures = population(
        {"0-4": 3, "5-11": 10, "12-17": 15, "18+": 5, "unknown": 0},
        {"0-4": 10, "5-11": 20, "12-17": 0, "18+": 5, "unknown": 0},
    )

    # when
    table = documents.population_table(figures, threshold=5)

    # then: only the 3 is withheld; a multiple of 5 is published as it is; every total holding the
    # 3 adds what it rounded to (0 or 5), so that the total minus the others gives that, not the 3
    three = rounded(figures["female|0-4"][0], 5)
    assert marks(table) == {(0, 0): "small"}
    assert values(table) == [
        [None, 10, 10 + three],
        [10, 20, 30],
        [15, 0, 15],
        [5, 5, 10],
        [0, 0, 0],
        [30 + three, 35, 65 + three],
    ]
    assert three in (0, 5)
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


def test_every_count_is_published_rounded_within_the_base():
    # given counts that are not multiples of 5
    female = {"0-4": 7, "5-11": 22, "12-17": 13, "18+": 41, "unknown": 0}
    male = {"0-4": 14, "5-11": 6, "12-17": 17, "18+": 38, "unknown": 9}

    # when
    table = documents.population_table(population(female, male), threshold=5)

    # then: each cell is a multiple of 5 less than 5 away; each total is the sum of what it adds up
    shown = values(table)
    for r, band in enumerate(BANDS):
        for c, count in enumerate((female[band], male[band])):
            assert shown[r][c] % 5 == 0
            assert abs(shown[r][c] - count) < 5
        assert shown[r][2] == shown[r][0] + shown[r][1]
    assert shown[-1] == [sum(column) for column in zip(*shown[:-1], strict=True)]
    assert marks(table) == {}


def test_a_total_of_small_counts_that_round_to_zero_is_hidden_not_zero():
    # given: a girl and a boy under five, each rounded to 0 with this set of people
    girl, boy = next(
        (Part(1, key), Part(1, key + 1))
        for key in range(1, 1000)
        if not rounded(Part(1, key), 5) + rounded(Part(1, key + 1), 5)
    )
    figures = population(dict.fromkeys(BANDS, 0), dict.fromkeys(BANDS, 0))
    figures["female|0-4"], figures["male|0-4"] = [girl], [boy]

    # when
    table = documents.population_table(figures, threshold=5)

    # then
    assert marks(table) == {
        (0, 0): "small",
        (0, 1): "small",
        (0, 2): "hidden",
        (5, 0): "small",
        (5, 1): "small",
        (5, 2): "hidden",
    }


def test_threshold_of_one_withholds_nothing_and_still_rounds():
    figures = population(
        {"0-4": 1, "5-11": 2, "12-17": 0, "18+": 4, "unknown": 1},
        {"0-4": 3, "5-11": 1, "12-17": 1, "18+": 0, "unknown": 0},
    )
    table = documents.population_table(figures, threshold=1)
    assert marks(table) == {}
    assert values(table)[-1] == [20, 15, 35]  # every count from 1 to 4 shows as 5


def test_a_table_of_zeros_withholds_nothing():
    zeros = dict.fromkeys(BANDS, 0)
    table = documents.population_table(population(zeros, zeros), threshold=5)
    assert marks(table) == {}
    assert values(table)[-1] == [0, 0, 0]


# --- Indicators ------------------------------------------------------------------------------------------


def indicator_row(table: dict, key: str) -> dict:
    return table["rows"][[k for k, _kind in documents.INDICATOR_ROWS].index(key)]


def cells(row: dict) -> list[tuple]:
    return [(cell["value"], cell["mark"], cell["kind"]) for cell in row["cells"]]


def test_indicator_rows_withhold_small_values_and_hide_the_change_next_to_them():
    # given
    current = indicator_figures(core_documents=10, guardianship=2, relatives=10, institution=0, benefits=5)
    previous = indicator_figures(core_documents=3, guardianship=15, relatives=5, institution=0, benefits=4)

    # when
    table = documents.indicator_table(current, previous, threshold=5)

    # then: before, now, change
    assert cells(indicator_row(table, "core_documents")) == [
        (None, "small", "count"),
        (10, None, "count"),
        (None, "hidden", "change"),
    ]
    assert cells(indicator_row(table, "guardianship")) == [
        (15, None, "count"),
        (None, "small", "count"),
        (None, "hidden", "change"),
    ]
    assert cells(indicator_row(table, "relatives")) == [(5, None, "count"), (10, None, "count"), (5, None, "change")]
    assert cells(indicator_row(table, "institution")) == [(0, None, "count"), (0, None, "count"), (0, None, "change")]
    assert cells(indicator_row(table, "benefits")) == [
        (None, "small", "count"),
        (5, None, "count"),
        (None, "hidden", "change"),
    ]
    assert table["columns"] == ["End of previous period", "End of this period", "Change"]
    assert [row["label"] for row in table["rows"]][-1] == "Median days from arrival to placement with relatives"


def test_an_indicator_is_rounded_like_any_count():
    current = indicator_figures(relatives=23)
    value = indicator_row(documents.indicator_table(current, indicator_figures(), threshold=5), "relatives")
    assert value["cells"][1]["value"] in (20, 25)
    assert value["cells"][2]["value"] == value["cells"][1]["value"] - 20


def test_median_is_hidden_when_fewer_placements_than_the_threshold():
    # given: the median now describes 4 children, the one before 5
    current = indicator_figures(placed_with_family=4, median_days_to_family=12.5)
    previous = indicator_figures(placed_with_family=5, median_days_to_family=20.0)

    # when
    row = indicator_row(documents.indicator_table(current, previous, threshold=5), "median_days_to_family")

    # then: hidden, not "<5": a median of 4 children may be any number of days
    assert cells(row) == [(20.0, None, "days"), (None, "hidden", "days"), (None, "hidden", "change")]


def test_median_and_its_change_are_shown_from_the_threshold_on():
    current = indicator_figures(placed_with_family=5, median_days_to_family=12.5)
    previous = indicator_figures(placed_with_family=7, median_days_to_family=20.0)
    row = indicator_row(documents.indicator_table(current, previous, threshold=5), "median_days_to_family")
    assert cells(row) == [(20.0, None, "days"), (12.5, None, "days"), (-7.5, None, "change")]


def test_median_without_placements_is_not_applicable_and_has_no_change():
    current = indicator_figures(placed_with_family=0, median_days_to_family=None)
    row = indicator_row(documents.indicator_table(current, indicator_figures(), threshold=5), "median_days_to_family")
    assert cells(row) == [(31.5, None, "days"), (None, None, "days"), (None, None, "change")]


def test_indicator_threshold_of_one_withholds_nothing():
    current = indicator_figures(core_documents=1, guardianship=2, placed_with_family=1, median_days_to_family=3.0)
    previous = indicator_figures(core_documents=0, guardianship=4, placed_with_family=0, median_days_to_family=None)
    table = documents.indicator_table(current, previous, threshold=1)
    assert marks(table) == {}
    assert cells(indicator_row(table, "core_documents")) == [
        (0, None, "count"),
        (5, None, "count"),
        (5, None, "change"),
    ]
    assert cells(indicator_row(table, "median_days_to_family"))[1] == (3.0, None, "days")


# --- Services -----------------------------------------------------------------------------------------


def test_services_table_withholds_small_counts_and_totals_add_up(case, chuy):
    # given: in the period, 10 psychosocial referrals (2 completed) and 5 education ones (all completed)
    returnee = case.returnee
    today = timezone.localdate()
    for n in range(10):
        if n < 2:
            referral(returnee, "individual-counselling", "completed", completed=today)
        else:
            referral(returnee, "individual-counselling", "submitted")
    for _n in range(5):
        referral(returnee, "school-enrolment", "completed", completed=today)

    # when
    table = documents.services_table(scope_of(chuy, start=today, end=today), threshold=5)

    # then: the 2 completed is "<5"; the total of the completed adds what the 2 rounded to
    categories = list(ServiceCategory.objects.order_by("position", "code"))
    labels = [row["label"] for row in table["rows"]]
    assert labels == [c.localized_name for c in categories] + ["Total"]
    rows = dict(zip([c.code for c in categories] + ["total"], values(table), strict=True))
    assert rows["mhpss"] == [10, None]
    assert rows["education"] == [5, 5]
    assert rows["total"][0] == 15
    assert rows["total"][1] in (5, 10)
    assert rows["health"] == [0, 0]
    assert list(marks(table).values()) == ["small"]
    assert table["columns"] == ["Requested", "Completed"]


def test_services_table_with_a_threshold_of_one(case, chuy):
    referral(case.returnee, "child-allowance", "submitted")
    today = timezone.localdate()
    table = documents.services_table(scope_of(chuy, start=today, end=today), threshold=1)
    assert marks(table) == {}
    assert values(table)[-1] == [5, 0]


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
        (5, None, "count"),
        (5, None, "count"),
        (0, None, "change"),
    ]
    median = indicator_row(indicators, "median_days_to_family")
    assert cells(median) == [(5.0, None, "days"), (6.0, None, "days"), (1.0, None, "change")]
    assert values(document["tables"][0])[1] == [5, 0, 5]  # 5–11 years: 3 girls, rounded up from 3
    assert marks(document["tables"][0]) == {}


def test_build_with_the_default_threshold_withholds_the_three_girls(report, chuy):
    # given: three girls, nobody else
    for _n in range(3):
        person(chuy, born=born_aged(7))

    # when
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=5)

    # then: the 3 and every total of them (3 too) read "<5"; the zeros are shown
    population = document["tables"][0]
    assert values(population)[1] == [None, 0, None]
    assert values(population)[-1] == [None, 0, None]
    assert set(marks(population).values()) == {"small"}
    assert (
        document["footnote"].splitlines()[1]
        == "0 means none; <5 means from 1 to 4 (in a total, such a count adds 0 or 5)."
    )
    assert (document["small_label"], document["hidden_label"]) == ("<5", "hidden")


def test_build_rounds_the_figures_of_each_region_and_operation_and_adds_them_up(report, chuy):
    # given: 3 women of one operation and 2 of another
    other = OperationFactory(name="Second operation")
    first = [person(chuy, born=born_aged(30)) for _n in range(3)]
    second = [person(chuy, born=born_aged(30), operation=other) for _n in range(2)]

    # when
    report.region = None
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=5)

    # then: 5 women, published as the sum of what each operation's count rounds to
    total = sum(rounded(Part(len(group), sum(r.pk for r in group)), 5) for group in (first, second))
    women = values(document["tables"][0])[3][0]
    assert women == (total or None)
    assert women in (None, 5, 10)


def test_build_leaves_out_returnees_who_arrived_after_the_period(report, chuy):
    person(chuy, born=born_aged(30), arrived=days(1))
    document = documents.build(report, scope_of(chuy, start=report.period_start), threshold=5)
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


def test_population_of_the_report_counts_what_the_selector_counts(report, chuy):
    for _n in range(5):
        person(chuy, born=born_aged(2), sex="male", arrived=ON)
    person(chuy, born=None)
    scope = scope_of(chuy, start=report.period_start)
    figures = selectors.population(selectors.returnees_in(scope), scope.end)
    table = documents.build(report, scope, threshold=5)["tables"][0]
    assert values(table)[0] == [figures["female"]["0-4"], figures["male"]["0-4"], 5]
    assert values(table)[4] == [None, 0, None]


def test_building_a_report_takes_the_same_queries_for_one_region_or_all(
    report, chuy, osh, django_assert_max_num_queries
):
    # given: children placed with relatives in one region and one operation
    for _n in range(3):
        care(person(chuy, born=born_aged(7)), "relatives")
    scope = scope_of(start=report.period_start)
    report.region = None
    with django_assert_max_num_queries(20) as few:
        documents.build(report, scope, threshold=5)

    # when: more regions and operations have returnees
    other = OperationFactory(name="Second operation")
    for place in (chuy, osh):
        for _n in range(3):
            care(person(place, born=born_aged(7), operation=other), "relatives")

    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        documents.build(report, scope, threshold=5)
