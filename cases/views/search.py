"""The people search: a box in the top bar of every page, answering at /search/."""

from django import forms
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from repat.core.search import SearchField
from repat.core.views import PermissionMixin

from .. import permissions
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
        text = self.request.GET["q"] if "q" in self.request.GET else self.request.session.get(PEOPLE_SEARCH_KEY, "")
        form = PeopleSearchForm({"q": text})
        results = None
        if form.is_valid() and form.cleaned_data["q"]:
            results = find_people(self.request.user, form.cleaned_data["q"])
        return super().get_context_data(form=form, results=results, searched=bool(text), **kwargs)
