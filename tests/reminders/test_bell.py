"""What the bell's badge reads, decided in Python (the template shows it as given)."""

import pytest

from repat.reminders.selectors import BELL_LIMIT, bell_badge


@pytest.mark.parametrize(
    ("count", "badge"), [(0, ""), (1, "1"), (99, "99"), (BELL_LIMIT, "99+"), (BELL_LIMIT + 5, "99+")]
)
def test_the_badge_counts_to_99_then_says_99_plus(count, badge):
    assert bell_badge(count) == badge
