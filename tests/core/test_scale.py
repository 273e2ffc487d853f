"""Issue #8's design rules, as tests: lists never count a whole table, the case page asks once
whether its case is in the user's scope, and an audit row costs one statement on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import selectors
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from repat.core.pagination import BoundedPaginator
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_the_paginator_counts_up_to_its_bound_and_says_there_are_more(worker):
    CaseFactory.create_batch(5, worker=worker)
    cases = selectors.caseload(user=worker, params={}).qs

    bounded = BoundedPaginator(cases, 2, bound=3)
    assert (bounded.count, bounded.truncated, bounded.num_pages) == (3, True, 2)

    exact = BoundedPaginator(cases, 2, bound=10)
    assert (exact.count, exact.truncated, exact.num_pages) == (5, False, 3)
    assert BoundedPaginator(list(range(5)), 2, bound=3).truncated


def test_the_caseload_says_more_than_the_bound_and_never_counts_every_row(worker, client_for, settings):
    # Given more cases than a list counts
    settings.REPAT_COUNT_BOUND, settings.REPAT_PAGE_SIZE = 3, 2
    CaseFactory.create_batch(5, worker=worker)
    client = client_for(worker)

    # When the worker opens the caseload
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("cases:caseload")).content.decode()

    # Then it says "more than 3", and its only count of cases stops after the bound
    assert "More than 3 cases" in page
    assert "Page 1 of more than 2" in page
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    assert counts
    assert all("LIMIT 4" in sql for sql in counts)

    # And the last page tells them to narrow the filters
    last = client.get(reverse("cases:caseload") + "?page=2").content.decode()
    assert "Use the filters to find the rest." in last


def test_a_short_list_still_shows_its_exact_count(worker, client_for):
    CaseFactory.create_batch(2, worker=worker)
    assert "2 cases" in client_for(worker).get(reverse("cases:caseload")).content.decode()


def test_the_case_page_asks_once_whether_the_case_is_the_users_own(worker, case, client_for):
    # The page asks "may they change it?" in several places: the answer comes with the case
    with CaptureQueriesContext(connection) as queries:
        response = client_for(worker).get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    scope_checks = [q["sql"] for q in queries if q["sql"].startswith('SELECT 1 AS "a" FROM "cases_case"')]
    assert scope_checks == []
    assert response.context["can_edit"] is True
    assert response.context["emergency"] is False


def test_a_supervisor_reads_but_does_not_edit_on_the_case_page(supervisor, case, client_for):
    response = client_for(supervisor).get(reverse("cases:case_detail", args=[case.pk]))
    assert response.context["can_edit"] is False
    assert response.context["emergency"] is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement append is PostgreSQL's")
def test_an_audit_row_is_one_statement_and_joins_the_chain(worker, case):
    audit.record(actor=worker, action=AuditEvent.Action.VIEW, obj=case, case_id=case.pk)  # the head exists
    with CaptureQueriesContext(connection) as queries:
        event = audit.record(
            actor=worker,
            action=AuditEvent.Action.CHANGE,
            obj=case,
            case_id=case.pk,
            changes={"risk_level": ["low", "high"], "note": ["", 'Ай "quoted" @@previous-hash@@']},
        )
    assert len(queries) == 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash == event.hash == stored.compute_hash()
    assert stored.prev_hash == AuditEvent.objects.filter(pk__lt=event.pk).order_by("-pk").first().hash
    assert audit.verify().broken_at is None


def test_the_referral_queue_loads_the_provider_sidebar_after_the_list(coordinator, worker, case, chuy, client_for):
    from tests.services.factories import ProviderFactory, ReferralFactory

    provider = ProviderFactory(name="Көмөк NGO", regions=[chuy])
    ReferralFactory.create_batch(2, case=case, requested_by=worker, provider=provider, status="assigned")

    queue = client_for(coordinator).get(reverse("services:queue")).content.decode()
    assert 'hx-get="/services/providers/?part=sidebar"' in queue
    assert "Көмөк NGO" not in queue.split("Provider load")[1]  # not counted with the queue

    sidebar = client_for(coordinator).get(reverse("services:providers") + "?part=sidebar", HTTP_HX_REQUEST="true")
    text = sidebar.content.decode()
    assert "<html" not in text and "Көмөк NGO" in text
    assert sidebar.context["loads"][0].open_referrals == 2
    assert (
        client_for(worker).get(reverse("services:providers") + "?part=sidebar", HTTP_HX_REQUEST="true").status_code
        == 403
    )


def test_the_worker_filter_offers_a_regions_workers_and_survives_any_region(administrator, worker, chuy, client_for):
    # An administrator sees the country's workers offered once a region is chosen
    client = client_for(administrator)
    page = client.get(reverse("cases:caseload") + f"?region={chuy.pk}")
    assert list(page.context["filter"].form.fields["worker"].queryset) == [worker]
    assert client.get(reverse("cases:caseload")).context["filter"].form.fields["worker"].widget.is_hidden

    # A region id no database can hold is not a region: the page answers, listing nobody's workers
    for region in ("99999999999999999999999", "-1", "x"):
        assert client.get(reverse("cases:caseload") + f"?region={region}").status_code == 200
