"""Small-count suppression: the small cells are hidden, and no row or column with a total gives one back."""

import random

import pytest

from repat.reports.suppression import is_small, suppress_matrix


def hidden(mask: list[list[bool]]) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(mask) for c, cell in enumerate(row) if cell}


def lines_with_total(values, *, total_row: bool, total_col: bool) -> list[list[tuple[int, int]]]:
    """Every row or column whose total is shown, as its cells that apply (not None)."""
    if not values or not values[0]:
        return []
    n_rows, n_cols = len(values), len(values[0])
    lines = []
    if total_col:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows) if values[r][-1] is not None]
    if total_row:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols) if values[-1][c] is not None]
    return [[(r, c) for r, c in line if values[r][c] is not None] for line in lines]


def lines_giving_a_cell_away(values, mask, *, total_row: bool, total_col: bool) -> list:
    """Lines with a total and exactly one hidden cell: that cell is the total minus the others."""
    return [
        line
        for line in lines_with_total(values, total_row=total_row, total_col=total_col)
        if len(line) >= 2 and sum(mask[r][c] for r, c in line) == 1
    ]


@pytest.mark.parametrize(
    ("value", "small"), [(None, False), (0, False), (1, True), (4, True), (5, False), (120, False)]
)
def test_is_small_is_above_zero_and_below_the_threshold(value, small):
    assert is_small(value, 5) is small


def test_without_totals_only_the_small_cells_are_hidden():
    # given a table without totals: nothing can be derived by subtraction
    values = [[3, 10, 1], [0, 7, 12]]

    # when
    mask = suppress_matrix(values, 5, total_row=False, total_col=False)

    # then
    assert mask == [[True, False, True], [False, False, False]]


def test_a_small_cell_hides_a_second_cell_in_its_row_and_then_in_their_columns():
    # given one small count (3) in a table with row and column totals
    values = [
        [3, 40, 9, 52],
        [11, 30, 10, 51],
        [50, 60, 70, 180],
        [64, 130, 89, 283],
    ]

    # when
    mask = suppress_matrix(values, 5, total_row=True, total_col=True)

    # then the smallest other count in its row (9) is hidden, then the smallest others in the two
    # columns (11 and 10), which happen to share a row: a rectangle that no total can undo
    assert hidden(mask) == {(0, 0), (0, 2), (1, 0), (1, 2)}
    assert lines_giving_a_cell_away(values, mask, total_row=True, total_col=True) == []


def test_zeros_are_shown_and_a_count_is_hidden_before_a_zero():
    # given a row with a zero, a small count and a larger count
    values = [[0, 3, 8, 11]]

    # when
    mask = suppress_matrix(values, 5, total_row=False, total_col=True)

    # then the zero stays visible although it is the smallest: the 8 is hidden with the 3
    assert mask == [[False, True, True, False]]


def test_a_zero_is_hidden_when_no_count_is_left_but_the_total():
    # given a row whose 50 is hidden for its column, and whose only other cell is a zero
    values = [
        [3, 7, 10],
        [50, 0, 50],
        [53, 7, 60],
    ]

    # when
    mask = suppress_matrix(values, 5, total_row=True, total_col=True)

    # then the zero is hidden rather than the row's total
    assert mask[1] == [True, True, False]
    assert lines_giving_a_cell_away(values, mask, total_row=True, total_col=True) == []


def test_the_total_is_hidden_when_it_is_the_only_other_member():
    # given a row whose only cell (20) is hidden for its column
    values = [
        [3, 3],
        [20, 20],
        [23, 23],
    ]

    # when
    mask = suppress_matrix(values, 5, total_row=True, total_col=True)

    # then that row's total is hidden too
    assert mask == [[True, True], [True, True], [False, False]]


def test_cells_that_do_not_apply_are_never_hidden_nor_used():
    # given a row with a cell that does not apply
    values = [[3, None, 10, 13]]

    # when
    mask = suppress_matrix(values, 5, total_row=False, total_col=True)

    # then
    assert mask == [[True, False, True, False]]


def test_the_threshold_decides_what_is_small():
    # given
    values = [
        [3, 40, 9, 52],
        [11, 30, 10, 51],
        [14, 60, 70, 144],
    ]

    # when
    with_threshold_1 = suppress_matrix(values, 1, total_row=False, total_col=True)
    with_threshold_10 = suppress_matrix(values, 10, total_row=False, total_col=True)

    # then
    assert hidden(with_threshold_1) == set()
    assert hidden(with_threshold_10) == {(0, 0), (0, 2)}


def test_an_empty_table_hides_nothing():
    assert suppress_matrix([], 5, total_row=True, total_col=True) == []


def random_table(rng: random.Random, *, total_row: bool, total_col: bool) -> list[list[int | None]]:
    """Mostly small counts and zeros, a few cells that do not apply, and consistent totals."""
    n_rows, n_cols = rng.randint(1, 5), rng.randint(1, 5)
    values = [
        [None if rng.random() < 0.1 else rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40]) for _ in range(n_cols)]
        for _ in range(n_rows)
    ]
    if total_col:
        values = [[*row, sum(v for v in row if v is not None)] for row in values]
    if total_row:
        values.append([sum(row[c] for row in values if row[c] is not None) for c in range(len(values[0]))])
    return values


@pytest.mark.parametrize("seed", range(20))
def test_no_line_with_a_total_ever_gives_a_hidden_cell_away(seed):
    rng = random.Random(seed)
    for _ in range(100):
        # given a random small table
        total_row, total_col = rng.choice([True, False]), rng.choice([True, False])
        values = random_table(rng, total_row=total_row, total_col=total_col)

        # when
        mask = suppress_matrix(values, 5, total_row=total_row, total_col=total_col)

        # then every small cell is hidden, no cell that does not apply is, and no line with a total
        # has exactly one hidden cell
        assert [len(row) for row in mask] == [len(row) for row in values]
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if is_small(value, 5):
                    assert mask[r][c], (values, mask)
                if value is None:
                    assert not mask[r][c], (values, mask)
        assert lines_giving_a_cell_away(values, mask, total_row=total_row, total_col=total_col) == [], (values, mask)
