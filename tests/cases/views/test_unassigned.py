"""Coordinators find the cases nobody holds yet: the caseload's "no social worker yet" filter."""

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case
from tests.factories import CaseFactory, ReturneeFactory

pytestmark = pytest.mark.django_db


def test_the_filter_lists_only_the_open_cases_nobody_holds_in_the_coordinators_regions(
    coordinator, case, chuy, osh, client_for
):
    # given: one unassigned case in Chüy, one in Osh, and the worker's case in Chüy
    waiting = CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))
    CaseFactory(worker=None, returnee=ReturneeFactory(region=osh))

    # when
    response = client_for(coordinator).get(reverse("cases:caseload"), {"unassigned": "on", "hide_closed": "on"})

    # then
    assert list(response.context["cases"]) == [waiting]
    assert 'name="unassigned"' in response.content.decode()


def test_without_the_filter_every_case_is_listed(coordinator, case, chuy, client_for):
    CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))

    response = client_for(coordinator).get(reverse("cases:caseload"))

    assert len(response.context["cases"]) == 2


def test_the_filter_costs_the_same_queries_however_many_cases(
    coordinator, chuy, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)
    CaseFactory.create_batch(2, worker=None, returnee__region=chuy)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("cases:caseload"), {"unassigned": "on"})
    CaseFactory.create_batch(15, worker=None, returnee__region=chuy)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("cases:caseload"), {"unassigned": "on"})
    assert len(response.context["cases"]) == 17


def test_unassigned_cases_have_an_index_of_their_own():
    indexes = connection.introspection.get_constraints(connection.cursor(), Case._meta.db_table)
    assert indexes["case_unassigned_idx"]["index"]
    assert indexes["case_unassigned_idx"]["columns"] == ["next_follow_up", "id"]
