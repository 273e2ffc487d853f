"""How a count is published, for every output: the web page, the PDF and the workbook of a progress
report (all three through repat.reports.documents), and any later API. Reports hold aggregates only,
and a count like "2 women over 18 in Talas" can still point at a person, alone or subtracted from
another report (all regions minus the others leaves one).

The method. A *part* is the count of one region and one operation in one cell of a table (one sex and
age band on a day, one indicator on a day, one service category and measure in a period). Each part
with a count x is published as:

- 0 when x is 0;
- "<T" (T, the threshold of ReportSettings) when 0 < x < T and the figure is that part alone;
- otherwise rounded to a multiple of the base B = max(5, T), down or up at random, up with
  probability (x mod B) / B, so that on average it is right. The draw is a keyed hash of the exact set
  of people (or referrals) counted, so the same people always round the same way, whichever report,
  table or period asks for them: asking again, or another way, gives the same figure and nothing to
  average. A count of T or more never rounds below T, and a count below T rounds to 0 or B.

Every figure of every report, totals and margins included, is the sum of the rounded values of the
parts it covers; a figure made of one small part reads "<T", a figure of small parts that all round
to 0 reads "hidden" (it is not 0 and may not be below T), and a change is the difference of two
published figures (hidden next to a "<T" or a hidden one).

Why it holds. All that any set of reports publishes is a function of the parts' published values, so
subtracting reports from one another (all regions minus the others, all operations minus one, a total
minus its row) gives back at most a part's published value, never its count. And no published value
determines a count: a rounded value R ≥ T comes from any count in (R - B, R + B) from T up (at least
two counts; 4 to 9), "<T" from any count from 1 to T - 1 (two or more once T ≥ 3) whether it rounded
to 0 or to B. Only 0 is exact. This covers the linear relations reports have with each other; what
it does not cover (knowing from elsewhere exactly who arrived between two days, for instance) is in
SECURITY.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

DEFAULT_THRESHOLD = 5
BASE = 5
SMALL, HIDDEN = "small", "hidden"
_SALT = "repat.reports.suppression.rounding"


@dataclass(frozen=True)
class Part:
    """One region's and operation's count in one cell, and what identifies who it counts: the sum of
    their ids (with the count, a set of people gives the same key whichever query found them)."""

    count: int
    id_sum: int
    of: str = "returnee"


@dataclass(frozen=True)
class Figure:
    """A published figure: a number, or no number and a mark (SMALL or HIDDEN) saying why."""

    value: int | float | None
    mark: str | None = None


def is_small(value: int | float | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True for a count that must not be published: above zero and below the threshold."""
    return value is not None and 0 < value < threshold


def rounding_base(threshold: int) -> int:
    """Counts round to multiples of 5, or of the threshold when it is larger, so that a count below
    the threshold always has two values it may round to (0 and the base)."""
    return max(BASE, threshold)


def _draw(part: Part) -> float:
    """A number in [0, 1) fixed for a set of people, and unknowable without the secret key."""
    digest = salted_hmac(_SALT, f"{part.of}:{part.count}:{part.id_sum}", algorithm="sha256").digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def rounded(part: Part, threshold: int) -> int:
    """The part's published value: its count rounded to a multiple of the base, up with probability
    (count mod base) / base, never below the threshold for a count that reaches it."""
    base = rounding_base(threshold)
    low = part.count // base * base
    if low == part.count:
        return low
    value = low + base if _draw(part) < (part.count - low) / base else low
    if part.count >= threshold and value < threshold:
        value = low + base
    return value


def publish(parts: Iterable[Part], threshold: int) -> Figure:
    """The published figure of a cell made of `parts` (one per region and operation it covers)."""
    present = [part for part in parts if part.count]
    if not present:
        return Figure(0)
    if len(present) == 1 and is_small(present[0].count, threshold):
        return Figure(None, SMALL)
    total = sum(rounded(part, threshold) for part in present)
    # Only a sum of small parts can round to 0; "0" would say nobody, and "<T" might be false.
    return Figure(total) if total else Figure(None, HIDDEN)


def difference(now: Figure, before: Figure) -> Figure:
    """The change between two published figures: hidden if either is withheld, since it would give
    that one away from the other; not applicable (no value, no mark) if either has no value."""
    if now.mark or before.mark:
        return Figure(None, HIDDEN)
    if now.value is None or before.value is None:
        return Figure(None)
    return Figure(round(now.value - before.value, 1))


def small_label(threshold: int) -> str:
    return f"<{threshold}"


def hidden_label() -> str:
    return pgettext("report cell", "hidden")


def legend(threshold: int) -> list[str]:
    """The method in the reader's words, in the active language: printed under every report."""
    base = rounding_base(threshold)
    values = {"threshold": threshold, "below": threshold - 1, "base": base, "within": base - 1}
    lines = [
        _(
            "Aggregates only, protected so that no one can be identified from this report, nor by comparing "
            "it with any other report."
        )
    ]
    if threshold == 1:
        lines.append(_("0 means none."))
    elif threshold == 2:
        lines.append(_("0 means none; <2 means 1 (in a total, such a count adds 0 or %(base)s).") % values)
    else:
        lines.append(
            _("0 means none; <%(threshold)s means from 1 to %(below)s (in a total, such a count adds 0 or %(base)s).")
            % values
        )
    lines.append(
        _(
            "Every other count is rounded to a multiple of %(base)s, up or down at random but always the same "
            "way for the same people, so that it is within %(within)s of the true count."
        )
        % values
    )
    lines.append(
        _(
            "A total is the sum of the rounded counts of every region and operation it covers, so that all "
            "reports agree and none can be subtracted from another to reveal a count; a total may differ from "
            "the true one by up to %(within)s for each count it adds up."
        )
        % values
    )
    if threshold > 1:
        lines.append(
            _(
                "“%(hidden)s”: withheld because it would give a small count away (a change next to a count "
                "below %(threshold)s, a median of fewer than %(threshold)s children, or a total made only of "
                "counts below %(threshold)s that all added 0). It may be of any size."
            )
            % {**values, "hidden": hidden_label()}
        )
    return lines
