"""Column headers that sort a list: a link to the same list sorted by the column (the other way when
it is already sorted by it), with `aria-sort` for screen readers. Only the list's own whitelisted
sort keys are offered (its `SortFilter`, repat/core/filters.py, each backed by an index or over a
bounded list), the filters are kept and the page number is dropped: a new order starts on its first
page."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, filterset, key: str, label: str, descending_key: str = "") -> str:
    """`<th>` for a column of `filterset`'s list sorted ascending by `key` and descending by
    `descending_key` (default "-key"; "" when the list has no such order: then the link always sorts
    by `key`). The header of the order the list is in, its default included, says so."""
    request = context["request"]
    current = filterset.sort_key
    descending_key = descending_key or f"-{key}"
    if current == key:
        target, state, arrow = descending_key, "ascending", "▲"
    elif current == descending_key:
        target, state, arrow = key, "descending", "▼"
    else:
        target, state, arrow = key, "none", ""
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = target
    hint = _("Sort by this column")
    return format_html(
        '<th scope="col" aria-sort="{}"><a class="sort-link" href="?{}" title="{}">{}</a>{}</th>',
        state,
        params.urlencode(),
        hint,
        label,
        format_html(' <span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )
