"""How a count is published (repat.reports.suppression): small counts withheld as "<T", the others
rounded to a multiple of the base the same way for the same people, and totals as sums of their parts'
rounded values, so that no report can be subtracted from another to give a count back."""

import pytest

from repat.reports import suppression
from repat.reports.suppression import HIDDEN, SMALL, Figure, Part, difference, is_small, publish, rounded

KEYS = range(1, 401)  # 400 different sets of people per count


def outcomes(count: int, threshold: int) -> set[int]:
    """Every value the method publishes for a part of `count`, over many different sets of people."""
    return {rounded(Part(count, key * 7919), threshold) for key in KEYS}


@pytest.mark.parametrize(
    ("value", "small"), [(None, False), (0, False), (1, True), (4, True), (5, False), (120, False)]
)
def test_is_small_is_above_zero_and_below_the_threshold(value, small):
    assert is_small(value, 5) is small


# --- Rounding a part ----------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [1, 3, 5, 7, 10, 12])
def test_a_part_rounds_to_a_neighbouring_multiple_of_the_base_and_never_below_the_threshold(threshold):
    base = suppression.rounding_base(threshold)
    for count in range(0, 80):
        for value in outcomes(count, threshold):
            # then: a multiple of the base, less than a base away, a multiple kept as it is
            assert value % base == 0
            assert abs(value - count) < base
            if count % base == 0:
                assert value == count
            if count >= threshold:
                assert value >= threshold, (count, value)


@pytest.mark.parametrize("threshold", [3, 5, 7, 10, 12])
def test_no_published_value_tells_which_count_it_came_from(threshold):
    # given every value each count from 1 to 200 may be published as
    came_from: dict[int | str, set[int]] = {}
    for count in range(1, 200):
        if is_small(count, threshold):
            came_from.setdefault(f"<{threshold}", set()).add(count)
            # what such a count adds to a total: 0 or the base, whatever it is
            assert outcomes(count, threshold) <= {0, suppression.rounding_base(threshold)}
        for value in outcomes(count, threshold):
            came_from.setdefault(value, set()).add(count)

    # then: each could be any of at least two counts (0 aside, which only a zero part publishes alone)
    assert all(len(counts) >= 2 for counts in came_from.values()), came_from


def test_the_same_people_always_round_the_same_way():
    part = Part(13, 4242)
    assert {rounded(Part(13, 4242), 5) for _n in range(20)} == {rounded(part, 5)}


def test_other_people_draw_again_and_on_average_the_rounding_is_right():
    for count in (1, 3, 7, 13, 24):
        values = [rounded(Part(count, key * 7919), 5) for key in KEYS]
        low = count // 5 * 5
        # then: both neighbours occur, as often as makes the average the count (up with probability
        # (count mod 5) / 5)
        assert set(values) == {low, low + 5}
        assert sum(values) / len(values) == pytest.approx(count, abs=0.4)


def test_the_draw_depends_on_what_is_counted():
    # a set of returnees and a set of referrals with the same ids are not the same people
    draws = {(suppression._draw(Part(3, key)), suppression._draw(Part(3, key, "referral"))) for key in KEYS}
    assert any(a != b for a, b in draws)


def test_with_a_threshold_of_one_every_count_is_shown_rounded():
    assert {rounded(Part(count, key), 1) for count in (1, 2, 3, 4) for key in KEYS} == {5}
    assert publish([Part(3, 99)], 1) == Figure(5)


# --- Publishing a figure from its parts -------------------------------------------------------------------


def test_nothing_is_zero():
    assert publish([], 5) == Figure(0)
    assert publish([Part(0, 0), Part(0, 0)], 5) == Figure(0)


def test_one_small_part_is_below_the_threshold_even_beside_empty_ones():
    assert publish([Part(3, 17)], 5) == Figure(None, SMALL)
    assert publish([Part(0, 0), Part(3, 17)], 5) == Figure(None, SMALL)


def test_a_figure_of_several_parts_is_the_sum_of_their_rounded_values():
    parts = [Part(10, 1), Part(3, 2), Part(27, 3)]
    figure = publish(parts, 5)
    assert figure == Figure(sum(rounded(part, 5) for part in parts))
    assert figure.value in {35, 40, 45}


def test_a_total_agrees_with_the_figures_it_adds_up():
    # given the parts of three regions
    regions = [[Part(12, 5), Part(8, 6)], [Part(40, 7)], [Part(6, 8), Part(9, 9)]]

    # when each region is published alone and all together
    each = [publish(parts, 5).value for parts in regions]
    total = publish([part for parts in regions for part in parts], 5).value

    # then: subtracting the others from the total gives a region's published figure, nothing more
    assert total == sum(each)
    assert total - each[1] - each[2] == each[0]


def test_small_parts_that_all_round_to_zero_are_hidden_never_zero_nor_below_the_threshold():
    # given pairs of small parts: 1 and 1 round to 0 most often
    figures = {publish([Part(1, key), Part(1, key + 100_000)], 5) for key in KEYS}

    # then: hidden when both round to 0, else 5 or 10; never 0 (it is 2), never "<5" (it may be 8)
    assert figures == {Figure(None, HIDDEN), Figure(5), Figure(10)}


def test_large_totals_stay_close_to_the_truth():
    # given 200 parts from 20 to 80
    parts = [Part(20 + key % 61, key * 104729) for key in range(200)]
    truth = sum(part.count for part in parts)

    # when
    published = publish(parts, 5).value

    # then: at most 4 off per part, and in fact within 1% of a total of ten thousand
    assert abs(published - truth) <= 4 * len(parts)
    assert abs(published - truth) <= truth / 100


# --- Changes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "before", "change"),
    [
        (Figure(15), Figure(10), Figure(5)),
        (Figure(0), Figure(10), Figure(-10)),
        (Figure(None, SMALL), Figure(10), Figure(None, HIDDEN)),
        (Figure(10), Figure(None, HIDDEN), Figure(None, HIDDEN)),
        (Figure(12.5), Figure(20.0), Figure(-7.5)),
        (Figure(None), Figure(20.0), Figure(None)),
    ],
)
def test_a_change_is_the_difference_of_published_figures_and_hidden_beside_a_withheld_one(now, before, change):
    assert difference(now, before) == change


# --- The legend -------------------------------------------------------------------------------------------


def test_the_legend_explains_both_marks_and_the_rounding():
    assert suppression.legend(5) == [
        "Aggregates only, protected so that no one can be identified from this report, nor by comparing it with "
        "any other report.",
        "0 means none; <5 means from 1 to 4 (in a total, such a count adds 0 or 5).",
        "Every other count is rounded to a multiple of 5, up or down at random but always the same way for the "
        "same people, so that it is within 4 of the true count.",
        "A total is the sum of the rounded counts of every region and operation it covers, so that all reports "
        "agree and none can be subtracted from another to reveal a count; a total may differ from the true one "
        "by up to 4 for each count it adds up.",
        "“hidden”: withheld because it would give a small count away (a change next to a count below 5, a median "
        "of fewer than 5 children, or a total made only of counts below 5 that all added 0). It may be of any "
        "size.",
    ]


def test_the_legend_follows_the_threshold():
    assert suppression.legend(10)[1:3] == [
        "0 means none; <10 means from 1 to 9 (in a total, such a count adds 0 or 10).",
        "Every other count is rounded to a multiple of 10, up or down at random but always the same way for the "
        "same people, so that it is within 9 of the true count.",
    ]
    assert suppression.legend(2)[1] == "0 means none; <2 means 1 (in a total, such a count adds 0 or 5)."
    assert suppression.legend(1)[1] == "0 means none."
    assert len(suppression.legend(1)) == 4  # nothing is ever hidden
