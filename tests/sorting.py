"""Reading a sorted list back in the tests: the order in which its rows appear in the page's HTML, as
the person reads them, and what its column header says about the order."""

import re


def seen_order(response, labels) -> list[str]:
    """The `labels` (one text per row, each unique) in the order they appear in the page."""
    html = response.content.decode()
    missing = [label for label in labels if label not in html]
    assert not missing, f"not on the page: {missing}"
    return sorted(labels, key=html.index)


def header(response, label: str) -> tuple[str, str]:
    """(aria-sort, the link's query string) of the sortable column header named `label`."""
    html = response.content.decode()
    found = re.search(
        rf'<th scope="col" aria-sort="(\w+)"><a class="sort-link" href="\?([^"]*)"[^>]*>{label}</a>', html
    )
    assert found, f"no sortable header {label!r}"
    return found.group(1), found.group(2).replace("&amp;", "&")


HOSTILE_SORTS = ("created_at", "-id); DROP TABLE cases_case; --", "' OR 1=1 --", "key\x00", "x" * 5000)


def check_sorted_both_ways(
    client, url, *, filters: dict, label: str, key: str, rows: list[str], default: str, exports: bool = True
):
    """The list at `url` with `filters` holds `rows` (one label each, in ascending order, one more than
    a page: REPAT_PAGE_SIZE is len(rows) - 1). Its header `label` sorts by `key` and "-key" and says
    which; the filters, the next page and the export links (if it has `exports`) keep the order; a
    sort the list does not offer is the `default` ("key" or "-key") order."""
    orders = {key: rows, f"-{key}": rows[::-1]}
    for sort, seen in orders.items():
        response = client.get(url, {**filters, "sort": sort})
        html = response.content.decode()
        query = "".join(f"{name}={value}&" for name, value in filters.items())
        other = f"-{key}" if sort == key else key
        assert seen_order(response, seen[:-1]) == seen[:-1] and seen[-1] not in html, sort
        assert header(response, label) == ("ascending" if sort == key else "descending", f"{query}sort={other}")
        query = query.replace("&", "&amp;")
        assert f"?{query}sort={sort}&amp;page=2" in html
        assert (f"?{query}sort={sort}&amp;format=csv" in html) == exports
        second = client.get(url, {**filters, "sort": sort, "page": 2})
        assert seen_order(second, seen[-1:]) and seen[0] not in second.content.decode()
    for sort in ("", *HOSTILE_SORTS):
        response = client.get(url, {**filters, "sort": sort} if sort else filters)
        assert response.status_code == 200
        assert seen_order(response, orders[default][:-1]) == orders[default][:-1], sort
        assert header(response, label)[0] == ("ascending" if default == key else "descending")
