"""Small-count suppression for published statistics: reports hold aggregates only, and a count
like "2 returnees with a disability in this village" can still point at a person."""

from collections.abc import Iterator

Cell = tuple[int, int]
Line = tuple[list[Cell], Cell]  # the members present (not None), and the one that is the line's total

DEFAULT_THRESHOLD = 5


def is_small(value: int | float | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count that must not be published: above zero and below the threshold."""
    return value is not None and 0 < value < threshold


def suppress_matrix(
    values: list[list[int | None]], threshold: int = DEFAULT_THRESHOLD, *, total_row: bool, total_col: bool
) -> list[list[bool]]:
    """Which cells of a table to hide (True = hide), in the table's shape.

    A count from 1 to threshold - 1 is hidden because it can point at a person, and a hidden count
    that is the only one hidden in a row or column with a total protects nobody, since the total minus
    the others gives it back; so each such line gets a second hidden cell until none gives one away.
    That cell is the smallest count, as it costs readers least; a zero only when no count is left, as
    readers often know a zero anyway; the total last, as hiding it spreads to the lines it belongs to.

    If total_col, each row's last cell is its total; if total_row, the last row holds the column totals
    (its last cell the grand total when both). `None` marks a cell that does not apply: it is never
    hidden and takes no part in hiding others.
    """
    mask = [[is_small(value, threshold) for value in row] for row in values]
    lines = list(_lines_with_total(values, total_row=total_row, total_col=total_col))
    changed = True
    while changed:  # each pass hides at least one more cell or stops: at most one pass per cell
        changed = False
        for members, total in lines:
            hidden = [cell for cell in members if mask[cell[0]][cell[1]]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in members if not mask[cell[0]][cell[1]]]
            if not candidates:
                continue  # nothing else in the line: there is no subtraction to make
            row, col = min(candidates, key=lambda cell: _cost(values, cell, total))
            mask[row][col] = True
            changed = True
    return mask


def _cost(values: list[list[int | None]], cell: Cell, total: Cell) -> tuple[bool, bool, int | float]:
    """Order of preference for a second hidden cell: a non-total, a positive count, the smallest."""
    value = values[cell[0]][cell[1]]
    return (cell == total, value == 0, value)


def _lines_with_total(values: list[list[int | None]], *, total_row: bool, total_col: bool) -> Iterator[Line]:
    """Rows (if total_col) and columns (if total_row) whose total is present, with their non-None members.
    A line without a total gives nothing away by subtraction, so it needs no second hidden cell."""
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0

    def present(cells: list[Cell]) -> list[Cell]:
        return [(r, c) for r, c in cells if values[r][c] is not None]

    if total_col and n_cols:
        for r in range(n_rows):
            total = (r, n_cols - 1)
            if values[total[0]][total[1]] is not None:
                yield present([(r, c) for c in range(n_cols)]), total
    if total_row and n_rows:
        for c in range(n_cols):
            total = (n_rows - 1, c)
            if values[total[0]][total[1]] is not None:
                yield present([(r, c) for r in range(n_rows)]), total
