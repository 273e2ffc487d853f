"""The site's search rule (`repat.core.search`) in every admin search box, the admin's own and those
of the libraries (accounts, two-factor devices, sign-in attempts) alike."""

from django.contrib import messages
from django.contrib.admin.sites import all_sites
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ValidationError

from .search import search_text


class SearchCheckedAdmin:
    """A search that cannot be used lists nothing and says why, instead of listing everything."""

    def get_search_results(self, request, queryset, search_term):
        # The search as typed: the changelist's own form turns a search with a NUL byte into "".
        typed = request.GET.get(SEARCH_VAR)
        try:
            search_term = search_text(search_term if typed is None else typed)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


def check_every_search() -> None:
    """Give each registered ModelAdmin with a search box the rule. Called once every admin module
    is loaded (CoreConfig.ready), so that none is forgotten, including third-party ones."""
    for site in all_sites:
        for model, model_admin in list(site._registry.items()):
            if model_admin.search_fields and not isinstance(model_admin, SearchCheckedAdmin):
                cls = type(model_admin)
                checked = type(cls.__name__, (SearchCheckedAdmin, cls), {"__module__": cls.__module__})
                site.unregister(model)
                site.register(model, checked)
