"""The one permission check every view goes through (repat/core/views.py): a view that forgets its
rule does not open, a refused user gets 403, and the rule is asked about the object the view loaded."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views import View

from repat.core.views import PermissionMixin


class Page(PermissionMixin, View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("the page")


def request(user="worker", method="get"):
    made = getattr(RequestFactory(), method)("/page/")
    made.user = user
    return made


def test_a_view_that_names_no_rule_never_opens():
    with pytest.raises(ImproperlyConfigured):
        Page.as_view()(request())


def test_a_refused_user_gets_403_and_the_handler_never_runs():
    asked = []

    def rule(user):
        asked.append(user)
        return False

    with pytest.raises(PermissionDenied):
        Page.as_view(permission=rule)(request())
    assert asked == ["worker"]


def test_an_allowed_user_sees_the_page():
    response = Page.as_view(permission=lambda user: user == "worker")(request())
    assert response.content == b"the page"


def test_the_rule_is_asked_about_the_object_the_view_loaded():
    asked = []

    class OnePage(Page):
        def load_objects(self):
            self.thing = f"thing {self.kwargs['pk']}"

        def permission_object(self):
            return self.thing

        @staticmethod
        def permission(user, thing):
            asked.append((user, thing))
            return thing == "thing 7"

    assert OnePage.as_view()(request(), pk=7).status_code == 200
    with pytest.raises(PermissionDenied):
        OnePage.as_view()(request(), pk=8)
    assert asked == [("worker", "thing 7"), ("worker", "thing 8")]


def test_a_view_may_answer_a_refusal_with_404_instead():
    class Hidden(Page):
        permission = staticmethod(lambda user: False)

        def permission_denied(self):
            raise Http404

    with pytest.raises(Http404):
        Hidden.as_view()(request())
