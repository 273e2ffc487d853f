"""The bell, the reminder list, opening a reminder, marking read and the escalations page."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from repat.accounts.models import User
from repat.audit.refusals import refusals_alert
from repat.reminders import actions
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, ReturneeFactory, UserFactory
from tests.services.factories import ProviderFactory, ProviderStaffFactory, ReferralFactory

from .factories import ReminderFactory

pytestmark = pytest.mark.django_db

GONE = "You can no longer open what this reminder was about."
ROLES = ["worker", "other_worker", "coordinator", "supervisor", "osh_supervisor", "administrator"]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def rename(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


# --- Who may open the pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["reminders:list", "reminders:escalations", "reminders:mark_all_read", "reminders:open"]
)
def test_anonymous_users_are_sent_to_the_login_page(name, client, case):
    # given
    reminder = ReminderFactory(case=case)
    url = reverse(name, args=[reminder.pk]) if name == "reminders:open" else reverse(name)

    # when
    response = client.post(url) if name == "reminders:mark_all_read" else client.get(url)

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"
    assert Reminder.objects.get().read_at is None


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_own_list_and_escalations(role, request, client_for):
    # given
    user = request.getfixturevalue(role)
    client = client_for(user)

    # when
    page, escalations = client.get(reverse("reminders:list")), client.get(reverse("reminders:escalations"))

    # then
    assert (page.status_code, escalations.status_code) == (200, 200)
    assert "No reminders." in page.content.decode()
    assert "Nothing has been escalated to you." in escalations.content.decode()


@pytest.mark.parametrize(("role", "link"), [("worker", False), ("coordinator", True), ("supervisor", True)])
def test_the_escalations_link_is_offered_to_coordinators_and_supervisors(role, link, request, client_for):
    # given
    client = client_for(request.getfixturevalue(role))

    # when
    content = client.get(reverse("reminders:list")).content.decode()

    # then
    assert (reverse("reminders:escalations") in content) is link


def test_mark_all_read_needs_a_post(worker, case, client_for):
    # given
    ReminderFactory(case=case)

    # when
    response = client_for(worker).get(reverse("reminders:mark_all_read"))

    # then
    assert response.status_code == 405
    assert Reminder.objects.get().read_at is None


# --- The bell ----------------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(worker, case, other_case, client_for):
    # given: two unread kinds (a follow-up twice, a task), one read, and someone else's
    ReminderFactory(case=case)
    ReminderFactory(case=case, stage="overdue")
    ReminderFactory(case=case, item_type="task", item_id=7)
    ReminderFactory(case=case, item_type="goal", stage="due_soon", read_at=timezone.now())
    ReminderFactory(case=other_case)
    client = client_for(worker)

    # when
    pages = [
        client.get(url).content.decode()
        for url in (reverse("cases:caseload"), case.get_absolute_url(), reverse("reminders:list"))
    ]

    # then
    for content in pages:
        assert 'id="unread-count">2<' in content


def test_the_bell_shows_no_count_when_everything_is_read(worker, case, client_for):
    # given
    ReminderFactory(case=case, read_at=timezone.now())

    # when
    content = client_for(worker).get(reverse("cases:caseload")).content.decode()

    # then
    assert 'id="unread-count"' not in content


# --- The list ----------------------------------------------------------------------------------------------


def test_the_list_shows_only_the_users_own_reminders(worker, case, other_case, client_for):
    # given
    mine = ReminderFactory(case=case, stage="overdue")
    theirs = ReminderFactory(case=other_case)

    # when
    content = client_for(worker).get(reverse("reminders:list")).content.decode()

    # then
    assert case.returnee.case_number in content
    assert reverse("reminders:open", args=[mine.pk]) in content
    assert "Case follow-up" in content
    assert "Overdue" in content
    assert other_case.returnee.case_number not in content
    assert reverse("reminders:open", args=[theirs.pk]) not in content


def test_the_list_names_the_person_to_whoever_may_see_the_case(worker, case, client_for):
    # given
    ReminderFactory(case=case)

    # when
    content = client_for(worker).get(reverse("reminders:list")).content.decode()

    # then
    assert case.returnee.case_number in content
    assert f'<span class="reminder-name">{case.returnee.full_name}</span>' in content


def test_the_list_is_paged(worker, client_for, settings):
    # given: three kinds, a group each
    settings.REPAT_PAGE_SIZE = 2
    for kind in ("follow_up", "task", "goal"):
        ReminderFactory(case=CaseFactory(worker=worker), item_type=kind)

    # when
    content = client_for(worker).get(reverse("reminders:list"), {"page": 2}).content.decode()

    # then
    assert "Page 2 of 2" in content
    assert content.count("/open/") == 1


def test_reminder_list_query_count_does_not_grow_with_rows(worker, client_for, django_assert_max_num_queries):
    # given
    client = client_for(worker)
    for _ in range(3):
        ReminderFactory(case=CaseFactory(worker=worker))
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("reminders:list"))

    # when
    for _ in range(20):
        ReminderFactory(case=CaseFactory(worker=worker))

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reminders:list"))


def test_mark_all_read_marks_only_the_users_own_reminders(worker, case, other_case, client_for):
    # given
    ReminderFactory(case=case)
    ReminderFactory(case=case, stage="overdue")
    already = ReminderFactory(case=case, stage="due_soon", read_at=timezone.now() - datetime.timedelta(days=1))
    theirs = ReminderFactory(case=other_case)

    # when
    response = client_for(worker).post(reverse("reminders:mark_all_read"))

    # then
    assert response.status_code == 302
    assert response.url == reverse("reminders:list")
    assert messages_of(response) == ["2 reminders marked as read."]
    assert not Reminder.objects.filter(recipient=worker, read_at__isnull=True).exists()
    assert Reminder.objects.get(pk=theirs.pk).read_at is None
    assert Reminder.objects.get(pk=already.pk).read_at == already.read_at


# --- Opening a reminder ------------------------------------------------------------------------------------


def test_opening_a_reminder_marks_it_read_and_goes_to_the_case(worker, case, client_for):
    # given: two reminders on one line (the case's follow-up today) and one of another kind
    reminder = ReminderFactory(case=case)
    same_line = ReminderFactory(case=case, stage="overdue")
    other = ReminderFactory(case=case, item_type="task", item_id=7)

    # when
    response = client_for(worker).get(reverse("reminders:open", args=[reminder.pk]))

    # then
    assert response.status_code == 302
    assert response.url == reverse("cases:case_detail", args=[case.pk])
    assert Reminder.objects.get(pk=reminder.pk).read_at is not None
    assert Reminder.objects.get(pk=same_line.pk).read_at is not None
    assert Reminder.objects.get(pk=other.pk).read_at is None


def test_opening_a_referral_reminder_goes_to_the_referral(coordinator, case, client_for):
    # given
    referral = ReferralFactory(case=case)
    reminder = ReminderFactory(
        case=case, item_type="referral_submitted", item_id=referral.pk, stage="event", recipient=coordinator
    )

    # when
    response = client_for(coordinator).get(reverse("reminders:open", args=[reminder.pk]))

    # then
    assert response.url == reverse("services:referral_detail", args=[referral.pk])


def test_a_reminder_about_a_case_the_user_no_longer_holds_does_not_open_it(worker, other_worker, case, client_for):
    # given: the case was reassigned after the reminder was made
    reminder = ReminderFactory(case=case, stage="overdue")
    Case.objects.filter(pk=case.pk).update(worker=other_worker)
    client = client_for(worker)

    # when
    response = client.get(reverse("reminders:open", args=[reminder.pk]))

    # then: back to the list with a message, read, and nothing about the case
    assert response.status_code == 302
    assert response.url == reverse("reminders:list")
    assert messages_of(response) == [GONE]
    assert Reminder.objects.get(pk=reminder.pk).read_at is not None
    page = client.get(response.url).content.decode()
    assert reverse("cases:case_detail", args=[case.pk]) not in page
    assert case.returnee.family_name not in page
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404


def test_a_provider_no_longer_sees_a_referral_given_to_another_provider(case, client_for):
    # given: assigned to the provider, then declined and given to another one
    first, second = ProviderFactory(), ProviderFactory()
    staff = ProviderStaffFactory(provider=first).user
    referral = ReferralFactory(case=case, status="assigned", provider=second)
    reminder = ReminderFactory(
        case=case, item_type="referral_assigned", item_id=referral.pk, stage="event", recipient=staff
    )

    # when
    response = client_for(staff).get(reverse("reminders:open", args=[reminder.pk]))

    # then
    assert response.url == reverse("reminders:list")
    assert messages_of(response) == [GONE]


def test_another_users_reminder_is_not_found(worker, other_worker, case, client_for):
    # given
    theirs = ReminderFactory(case=case, recipient=other_worker)

    # when
    response = client_for(worker).get(reverse("reminders:open", args=[theirs.pk]))

    # then: the same answer as a reminder that does not exist, and it stays unread
    assert response.status_code == 404
    assert client_for(worker).get(reverse("reminders:open", args=[theirs.pk + 1000])).status_code == 404
    assert Reminder.objects.get(pk=theirs.pk).read_at is None


# --- Escalations ------------------------------------------------------------------------------------------


@pytest.fixture
def escalated(worker, case, coordinator, supervisor, osh_supervisor):
    """A follow-up 14 days overdue: the worker, the coordinator and the supervisor were told."""
    rename(worker, "Айгуль", "Осмонова")
    rename(coordinator, "Бакыт", "Исаков")
    rename(supervisor, "Нургуль", "Турдубаева")
    Case.objects.filter(pk=case.pk).update(next_follow_up=timezone.localdate() - datetime.timedelta(days=14))
    actions.sweep(today=timezone.localdate())
    return case


def test_the_escalations_page_shows_who_was_told_and_when(escalated, worker, coordinator, client_for):
    # given: the worker read theirs
    actions.mark_read(user=worker)

    # when
    content = client_for(coordinator).get(reverse("reminders:escalations")).content.decode()

    # then: the chain in the order people were told
    told = [
        "Айгуль Осмонова — Overdue (read ",
        "Бакыт Исаков — Escalated to the coordinator",
        "Нургуль Турдубаева — Escalated to the supervisor",
    ]
    positions = [content.find(line) for line in told]
    assert -1 not in positions, content
    assert positions == sorted(positions)
    assert escalated.returnee.case_number in content


def test_the_escalations_page_lists_only_what_was_escalated_to_the_user(escalated, worker, supervisor, client_for):
    # when
    worker_page = client_for(worker).get(reverse("reminders:escalations")).content.decode()
    supervisor_page = client_for(supervisor).get(reverse("reminders:escalations")).content.decode()

    # then
    assert "Nothing has been escalated to you." in worker_page
    assert "Escalated to the supervisor" in supervisor_page


def test_escalations_of_another_region_are_not_shown(escalated, osh_supervisor, client_for):
    # when
    content = client_for(osh_supervisor).get(reverse("reminders:escalations")).content.decode()

    # then
    assert "Nothing has been escalated to you." in content
    assert escalated.returnee.case_number not in content


def test_escalations_query_count_does_not_grow_with_rows(coordinator, chuy, client_for, django_assert_max_num_queries):
    # given
    def overdue_case():
        worker = UserFactory(role=User.Role.SOCIAL_WORKER, regions=[chuy])
        case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
        Case.objects.filter(pk=case.pk).update(next_follow_up=timezone.localdate() - datetime.timedelta(days=8))

    client = client_for(coordinator)
    for _ in range(2):
        overdue_case()
    actions.sweep(today=timezone.localdate())
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("reminders:escalations"))

    # when
    for _ in range(15):
        overdue_case()
    actions.sweep(today=timezone.localdate())

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reminders:escalations"))


def test_alerts_about_people_are_named_in_one_query_for_the_page(
    administrator, client_for, django_assert_max_num_queries
):
    # given: an administrator told about people refused on many objects (alerts with no case)
    client = client_for(administrator)
    refusals_alert(user=UserFactory(username="stepper-1"), count=20)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("reminders:list"))

    # when
    for n in range(2, 12):
        refusals_alert(user=UserFactory(username=f"stepper-{n}"), count=20)

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("reminders:list")).content.decode()
    # one group (that kind, today), its eight newest lines, and a link to the rest
    assert all(f"stepper-{n}" in page for n in range(4, 12))
    assert "See all (3 more)" in page
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("reminders:list"), {"day": timezone.localdate(), "kind": "refusals"}).content.decode()
    assert all(f"stepper-{n}" in page for n in range(1, 12))
