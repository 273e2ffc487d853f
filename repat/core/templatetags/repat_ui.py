"""Small helpers of the shared layout (templates/_filters.html)."""

from django import template

register = template.Library()

# Query parameters a list carries that are not filters.
NOT_FILTERS = {"page", "cursor", "sort", "o", "order"}


@register.simple_tag
def active_filters(form) -> int:
    """How many of the list's filters the reader has set, for the folded filter box's button."""
    if not form.is_bound:
        return 0
    active = 0
    for name in form.fields:
        if name in NOT_FILTERS:
            continue
        values = form.data.getlist(name) if hasattr(form.data, "getlist") else [form.data.get(name)]
        if any(value not in (None, "") for value in values):
            active += 1
    return active
