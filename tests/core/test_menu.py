"""The menu is built from what the apps register (repat/core/navigation.py): entries in their order,
each shown to whoever its permission function allows, and labels that depend on the reader."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from repat.core import navigation

pytestmark = pytest.mark.django_db


def labels(menu, place):
    return [str(link["label"]) for link in menu[place]]


def test_entries_come_in_order_and_only_to_whom_they_are_for(worker, supervisor):
    worker_menu = navigation.menu_for(worker)["menu"]
    supervisor_menu = navigation.menu_for(supervisor)["menu"]

    assert labels(worker_menu, navigation.MAIN) == [
        "Today",
        "My caseload",
        "Register a returnee",
        "Referrals",
        "Transfers",
        "Approvals",
    ]
    assert labels(supervisor_menu, navigation.MAIN)[:4] == ["Today", "Cases", "Referrals", "Providers"]
    assert labels(worker_menu, navigation.ACCOUNT) == [
        "Change password",
        "Emergency access to a case",
        "Two-factor sign-in",
        "API tokens",
    ]
    assert worker_menu[navigation.ACCOUNT][1]["css_class"] == "text-danger"


def test_nav_says_what_applies_to_the_user(worker, coordinator):
    assert navigation.menu_for(worker)["nav"]["escalations"] is False
    assert navigation.menu_for(coordinator)["nav"]["escalations"] is True
    assert navigation.menu_for(coordinator)["nav"]["provider_staff"] is False


def test_signed_out_the_brand_leads_home_and_nothing_else_is_offered():
    assert navigation.menu_for(AnonymousUser()) == {"menu": {"home": reverse("today:home")}}


def test_registering_a_key_again_replaces_the_entry(worker, monkeypatch):
    monkeypatch.setattr(navigation, "_entries", dict(navigation._entries))
    navigation.register("transfers", "cases:transfers", "Moves", order=1)

    assert labels(navigation.menu_for(worker)["menu"], navigation.MAIN)[0] == "Moves"
