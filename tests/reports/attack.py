"""The differencing attack on published progress reports, as a reader holding every workbook of a period
would run it: each published figure is a sum of unknown counts (one per region, operation and cell, a
*base cell*), and the question is which values of one base cell agree with everything published.

Two readings of a figure: `EXACT`, the method before issue 13 (a number is the true sum; "<5" and
"hidden" say nothing reliable, since a "<5" could hide a 10); and `ROUNDED`, the method documented in
README.md and printed under each report (a number is the sum of each base cell's rounded value: 0 for
none, a multiple of the base within base - 1 of the count and never below the threshold for a count
that reaches it, 0 or the base for a count below the threshold; "<T" is one base cell from 1 to T - 1;
"hidden" is a sum of rounded values that is 0 with a count that is not). The solver is a small
constraint search: bounds propagation on sums, then branching on the published value of a base cell.
"""

import io
from dataclasses import dataclass

import openpyxl

INFINITY = 10**9
Cell = tuple


@dataclass(frozen=True)
class Published:
    """One figure of one report: the base cells it adds up, and what it shows (a number or a text)."""

    cells: tuple[Cell, ...]
    shown: int | float | str


def read_workbook(xlsx: bytes, keys: tuple[str, ...]) -> dict[str, dict[tuple[str, str], int | float | str]]:
    """The tables of a workbook (the sheets after the summary, named `keys` in order) as {key: {(row
    label, column label): what the cell shows}}."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    tables = {}
    for key, sheet in zip(keys, book.worksheets[1:], strict=True):
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        header, figures = rows[0], {}
        for row in rows[1:]:
            if row[0] is None:
                break  # the notes under the table
            for column, value in zip(header[1:], row[1:], strict=True):
                figures[(row[0], column)] = value
        tables[key] = figures
    return tables


def rounding_options(count: int, threshold: int, base: int) -> set[int]:
    """What the documented method may publish for a base cell holding `count`."""
    low = count // base * base
    if low == count:
        return {count}
    options = {low, low + base}
    return {option for option in options if option >= threshold} if count >= threshold else options


class Options:
    """A base cell's candidates: published value -> the counts that may have published it."""

    __slots__ = ("by_p", "p_high", "p_low", "x_high", "x_low")

    def __init__(self, by_p: dict[int, frozenset[int]]):
        self.by_p = by_p
        self.p_low, self.p_high = min(by_p), max(by_p)
        self.x_low = min(min(xs) for xs in by_p.values())
        self.x_high = max(max(xs) for xs in by_p.values())

    def bounds(self, attribute: str) -> tuple[int, int]:
        return (self.p_low, self.p_high) if attribute == "p" else (self.x_low, self.x_high)

    def restrict(self, attribute: str, lowest: int, highest: int) -> "Options | None":
        if attribute == "p":
            kept = {p: xs for p, xs in self.by_p.items() if lowest <= p <= highest}
        else:
            kept = {p: frozenset(x for x in xs if lowest <= x <= highest) for p, xs in self.by_p.items()}
            kept = {p: xs for p, xs in kept.items() if xs}
        return Options(kept) if kept else None


class Problem:
    """Base cells with their candidates, and sum constraints from every published figure."""

    def __init__(self, figures: list[Published], *, model: str, threshold: int = 5, base: int = 5):
        numbers = [figure.shown for figure in figures if isinstance(figure.shown, int | float)]
        cap = int(max(numbers, default=0)) + 2 * base
        cells = sorted({cell for figure in figures for cell in figure.cells})
        if model == "exact":
            # A number is the true count: the "published value" of a base cell is its count.
            anything = Options({x: frozenset({x}) for x in range(cap + 1)})
        else:
            by_p: dict[int, set[int]] = {}
            for x in range(cap + 1):
                for p in rounding_options(x, threshold, base):
                    by_p.setdefault(p, set()).add(x)
            anything = Options({p: frozenset(xs) for p, xs in by_p.items()})
        self.domains = dict.fromkeys(cells, anything)
        # (what the sum is of: "p" published values or "x" counts, cells, lowest, highest)
        self.constraints: list[tuple[str, tuple[Cell, ...], int, int]] = []
        for figure in figures:
            shown, cells_of = figure.shown, figure.cells
            if isinstance(shown, int | float):
                self.constraints.append(("p", cells_of, shown, shown))
                if model == "rounded" and shown == 0:
                    self.constraints.append(("x", cells_of, 0, 0))
            elif model == "rounded" and shown == f"<{threshold}":
                # One base cell from 1 to T - 1, the others (if the figure covers more) 0.
                self.constraints += [("x", cells_of, 1, threshold - 1), ("p", cells_of, 0, base)]
            elif model == "rounded" and shown == "hidden":
                self.constraints += [("p", cells_of, 0, 0), ("x", cells_of, 1, INFINITY)]
        self.constraints_of: dict[Cell, list[int]] = {cell: [] for cell in cells}
        # Cells of a sum of counts bounded above over several cells: their counts are chosen one by one,
        # so that at the end every sum of counts over several cells is bounded below only.
        self.exact_counts: set[Cell] = set()
        for index, (attribute, cells_of, _low, high) in enumerate(self.constraints):
            for cell in cells_of:
                self.constraints_of[cell].append(index)
            if attribute == "x" and high < INFINITY and len(cells_of) > 1:
                self.exact_counts.update(cells_of)

    def consistent_values(self, target: Cell) -> set[int]:
        """Every count of `target` for which some value of every other base cell agrees with all."""
        domains = self._propagate(self.domains, range(len(self.constraints)))
        if domains is None:
            return set()
        found = set()
        options = domains[target]
        for x in sorted({x for xs in options.by_p.values() for x in xs}):
            fixed = Options({p: frozenset({x}) for p, xs in options.by_p.items() if x in xs})
            if self._search({**domains, target: fixed}, self.constraints_of[target]):
                found.add(x)
        return found

    def _propagate(self, domains: dict, pending) -> dict | None:
        """Bounds consistency on every sum touched, until nothing changes; None if a cell has no value."""
        domains, queue = dict(domains), list(pending)
        queued = set(queue)
        while queue:
            index = queue.pop()
            queued.discard(index)
            attribute, cells, lowest, highest = self.constraints[index]
            bounds = [domains[cell].bounds(attribute) for cell in cells]
            total_low, total_high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
            if total_low > highest or total_high < lowest:
                return None
            for cell, (low, high) in zip(cells, bounds, strict=True):
                allowed_low, allowed_high = lowest - (total_high - high), highest - (total_low - low)
                if allowed_low <= low and allowed_high >= high:
                    continue
                options = domains[cell].restrict(attribute, allowed_low, allowed_high)
                if options is None:
                    return None
                if options.by_p != domains[cell].by_p:
                    domains[cell] = options
                    for other in self.constraints_of[cell]:
                        if other not in queued:
                            queue.append(other)
                            queued.add(other)
        return domains

    def _search(self, domains: dict, pending) -> bool:
        """Whether some published value of every base cell satisfies every constraint. Once each is
        chosen (and the count of each cell in a sum of counts bounded above over several cells), the
        counts left are ranges that every remaining sum of counts accepts, since those are bounded
        above only cell by cell: bounds consistency then proves a solution (take every count highest)."""
        domains = self._propagate(domains, pending)
        if domains is None:
            return False
        open_cells = [
            cell
            for cell, options in domains.items()
            if len(options.by_p) > 1 or (cell in self.exact_counts and options.x_low < options.x_high)
        ]
        if not open_cells:
            return True
        cell = min(open_cells, key=lambda c: len(domains[c].by_p))
        choices = [
            Options({p: frozenset({x})}) if cell in self.exact_counts else Options({p: xs})
            for p, xs in domains[cell].by_p.items()
            for x in (xs if cell in self.exact_counts else [None])
        ]
        return any(self._search({**domains, cell: choice}, self.constraints_of[cell]) for choice in choices)
