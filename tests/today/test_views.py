"""Each role's home page: what needs them today, from the apps' own querysets and rules; bounded
lists with "see all" links; a query count that does not grow with the data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from repat.approvals import actions as approval_actions
from tests.factories import AssessmentFactory, CaseFactory, ReturneeFactory
from tests.reminders.factories import FollowUpTaskFactory
from tests.services.factories import ReferralFactory

pytestmark = pytest.mark.django_db

HOME = reverse("today:home")


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def follow_up(case, day):
    Case.objects.filter(pk=case.pk).update(next_follow_up=day)


# --- Who gets what ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("worker", {"agenda"}),
        ("coordinator", {"unassigned", "overdue-referrals"}),
        ("supervisor", {"approvals-waiting", "programme-figures"}),
        ("administrator", {"unassigned", "overdue-referrals", "approvals-waiting", "programme-figures"}),
    ],
)
def test_each_role_gets_its_own_sections(role, sections, request, client_for):
    page = client_for(request.getfixturevalue(role)).get(HOME).content.decode()

    every = {"agenda", "unassigned", "overdue-referrals", "approvals-waiting", "programme-figures"}
    assert {name for name in every if f'id="{name}"' in page} == sections


def test_provider_staff_are_sent_to_their_referrals(provider_user, client_for):
    response = client_for(provider_user).get(HOME)
    assert response.status_code == 302
    assert response.url == reverse("services:queue")


def test_signing_in_leads_to_today(worker, client):
    worker.set_password("a-long-enough-password-1")
    worker.save()
    response = client.post(
        reverse("accounts:login"), {"username": worker.username, "password": "a-long-enough-password-1"}
    )
    assert response.status_code == 302
    assert response.url == HOME


# --- The worker's week ----------------------------------------------------------------------------------


def test_the_workers_week_is_grouped_by_day_with_overdue_first(worker, case, chuy, other_case, client_for):
    # given: the case's visit in two days, a task today, one overdue, and another worker's visit today
    follow_up(case, days(2))
    second = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    follow_up(second, days(-3))
    FollowUpTaskFactory(case=case, due_date=today(), assigned_to=worker, description="Call the school.")
    FollowUpTaskFactory(case=case, due_date=days(9), assigned_to=worker, description="Next month's call.")
    follow_up(other_case, today())

    # when
    response = client_for(worker).get(HOME)

    # then
    agenda = response.context["agenda"]
    assert [(e.kind, e.case) for e in agenda["overdue"].entries] == [("visit", second)]
    by_day = {d.day: [(e.kind, e.text) for e in d.entries] for d in agenda["days"]}
    assert list(by_day) == [days(n) for n in range(7)]
    assert by_day[today()] == [("task", "Call the school.")]
    assert by_day[days(2)] == [("visit", "Follow-up visit")]
    assert sum(len(entries) for entries in by_day.values()) == 2
    page = response.content.decode()
    assert case.returnee.full_name in page
    assert other_case.returnee.full_name not in page
    assert "Next month" not in page


def test_the_week_is_counted_in_bishkek_time(worker, case, client_for, monkeypatch):
    # given: 20:30 UTC on the 10th is already the 11th in Bishkek (UTC+6), where the visit is due
    client = client_for(worker)
    late_evening_utc = datetime.datetime(2026, 3, 10, 20, 30, tzinfo=datetime.UTC)
    follow_up(case, datetime.date(2026, 3, 11))
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)

    # when
    agenda = client.get(HOME).context["agenda"]

    # then: the week starts on the 11th, with the visit today rather than tomorrow
    assert agenda["days"][0].day == datetime.date(2026, 3, 11)
    assert [e.case for e in agenda["days"][0].entries] == [case]
    assert agenda["overdue"].entries == []


def test_the_week_costs_the_same_queries_however_busy(worker, chuy, client_for, django_assert_max_num_queries):
    client = client_for(worker)

    def busy(n):
        for i in range(n):
            case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
            follow_up(case, days(i % 7))
            FollowUpTaskFactory(case=case, due_date=days(i % 7), assigned_to=worker)

    busy(2)
    with django_assert_max_num_queries(30) as few:
        client.get(HOME)
    busy(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(HOME)
    assert sum(len(d.entries) for d in response.context["agenda"]["days"]) == 44


def test_a_very_busy_week_is_bounded_with_a_link_to_the_rest(worker, chuy, client_for, monkeypatch):
    from repat.today import selectors

    monkeypatch.setattr(selectors, "AGENDA_LIMIT", 3)
    for _ in range(5):
        follow_up(CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)), today())

    response = client_for(worker).get(HOME)

    assert len(response.context["agenda"]["days"][0].entries) == 3
    assert "See all in your caseload" in response.content.decode()


# --- The coordinator's lists ----------------------------------------------------------------------------


def test_the_coordinator_sees_unassigned_cases_and_overdue_referrals_of_their_regions(
    coordinator, case, chuy, osh, provider, client_for
):
    # given
    waiting = CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))
    elsewhere = CaseFactory(worker=None, returnee=ReturneeFactory(region=osh))
    late = ReferralFactory(case=case, status="assigned", provider=provider, accept_due=days(-2))
    ReferralFactory(case=case, status="assigned", provider=provider, accept_due=days(2))

    # when
    response = client_for(coordinator).get(HOME)

    # then
    assert response.context["unassigned"].rows == [waiting]
    assert response.context["overdue_referrals"].rows == [late]
    page = response.content.decode()
    assert waiting.returnee.case_number in page
    assert elsewhere.returnee.case_number not in page


def test_long_lists_stop_at_ten_with_a_see_all_link(coordinator, chuy, client_for):
    CaseFactory.create_batch(11, worker=None, returnee__region=chuy)

    response = client_for(coordinator).get(HOME)

    unassigned = response.context["unassigned"]
    assert (len(unassigned.rows), unassigned.more) == (10, True)
    assert 'href="/?unassigned=on&amp;hide_closed=on"' in response.content.decode()


def test_the_coordinators_page_costs_the_same_queries_however_many_rows(
    coordinator, chuy, provider, client_for, django_assert_max_num_queries
):
    client = client_for(coordinator)

    def rows(n):
        for _ in range(n):
            case = CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))
            ReferralFactory(case=case, status="assigned", provider=provider, accept_due=days(-1))

    rows(2)
    with django_assert_max_num_queries(30) as few:
        client.get(HOME)
    rows(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(HOME)


# --- The supervisor's approvals and figures -------------------------------------------------------------


def test_the_supervisor_sees_approvals_waiting_and_the_figures(worker, supervisor, case, chuy, client_for):
    # given
    assessment = AssessmentFactory(case=case, recorded_by=worker)
    approval = approval_actions.approval_request(actor=worker, kind="assessment", case=case, subject=assessment)
    follow_up(case, days(-1))
    CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))

    # when
    response = client_for(supervisor).get(HOME)

    # then
    assert response.context["approvals"].rows == [approval]
    figures = {str(label): value for label, value, _url in response.context["figures"]}
    assert figures == {
        "Open cases": 2,
        "Overdue follow-ups": 1,
        "Overdue referrals": 0,
        "Open cases with no social worker": 1,
    }
    assert approval.get_absolute_url() in response.content.decode()


def test_the_supervisors_page_costs_the_same_queries_however_many_approvals(
    worker, supervisor, chuy, client_for, django_assert_max_num_queries
):
    client = client_for(supervisor)

    def ask(n):
        for _ in range(n):
            case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
            approval_actions.approval_request(actor=worker, kind="closure", case=case, closure_reason="moved")

    ask(2)
    with django_assert_max_num_queries(30) as few:
        client.get(HOME)
    ask(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(HOME)
    assert (len(response.context["approvals"].rows), response.context["approvals"].more) == (10, True)
