"""The people search: a box in the top bar of every page, answering at /search/."""

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from repat.accounts.permissions import can_export_lists
from repat.core.exports import ListExportView, export_links
from repat.core.search import SearchField
from repat.core.views import PermissionMixin

from .. import exports, permissions
from ..search import find_people

# The session key of the last search typed in the top bar (kept out of the URL, as the caseload's).
PEOPLE_SEARCH_KEY = "people-search"


class PeopleSearchForm(forms.Form):
    q = SearchField(label=_("Find a person"))


class PeopleSearchView(PermissionMixin, TemplateView):
    """A ranked list of the people the user may see that a search finds, each saying why.

    The top bar's box posts its text, which is kept in the session and shown by GET /search/: names
    never travel in the URL, where proxies, browser history and access logs would keep them. A link
    `/search/?q=...` is answered as well, for what links to it."""

    template_name = "cases/people_search.html"
    permission = staticmethod(permissions.can_search_people)

    def post(self, request, *args, **kwargs):
        request.session[PEOPLE_SEARCH_KEY] = request.POST.get("q", "")[: PeopleSearchForm.base_fields["q"].limit + 1]
        return redirect("cases:search")

    def get_context_data(self, **kwargs):
        from_link = "q" in self.request.GET
        text = self.request.GET["q"] if from_link else self.request.session.get(PEOPLE_SEARCH_KEY, "")
        form = PeopleSearchForm({"q": text})
        results = None
        if form.is_valid() and form.cleaned_data["q"]:
            results = find_people(self.request.user, form.cleaned_data["q"])
        # The export reads the search kept in the session, never one from a URL: a page shown from a
        # link `?q=...` offers none, as its results may not be the session's.
        exports = None
        if results and results.hits and not from_link and can_export_lists(self.request.user):
            exports = export_links(self.request, reverse("cases:search_export"))
        return super().get_context_data(form=form, results=results, searched=bool(text), exports=exports, **kwargs)


def session_search(request) -> str:
    """The search typed in the top bar, cleaned; "" when there is none or it cannot be searched for."""
    form = PeopleSearchForm({"q": request.session.get(PEOPLE_SEARCH_KEY, "")})
    return form.cleaned_data["q"] if form.is_valid() else ""


class PeopleSearchExportView(ListExportView):
    """The people search's results as CSV or Excel: the search kept in the session, never a URL's."""

    list_permission = staticmethod(permissions.can_search_people)

    def export(self):
        return exports.people_export(user=self.request.user, text=session_search(self.request))
