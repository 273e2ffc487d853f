"""The trail names pages as people name them: every page of the site has a title there."""

from django.urls import URLResolver, get_resolver

from repat.audit.presentation import PAGE_TITLES

# Namespaces whose pages the trail never names by their route: Django's admin (titled from its
# models), the API (named by its records) and the machine endpoints.
NOT_TITLED = ("admin", "api", "djdt")


def _route_names(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _route_names(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif pattern.name and namespace:
            yield f"{namespace}{pattern.name}"


def test_every_page_of_the_site_has_a_title_in_the_trail():
    # given
    routes = {name for name in _route_names(get_resolver()) if name.split(":")[0] not in NOT_TITLED}

    # then (a new page without one showed its route, "cases:returnee_photo", in the trail)
    assert sorted(routes - PAGE_TITLES.keys()) == []
