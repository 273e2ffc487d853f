"""Referral pages, the queue and bulk assignment: who gets what, and what a provider may see. Who may
open each page, role by role, is in test_view_roles.py."""

import datetime
import uuid

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import Returnee
from repat.accounts.models import User
from repat.reminders import actions as reminder_actions
from services import actions
from services.models import Referral, ServiceCategory
from tests.factories import (
    CaseFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    NoteFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
)
from tests.sorting import HOSTILE_SORTS, check_sorted_both_ways, header, seen_order

from .factories import ProviderFactory, ReferralFactory, service

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def short(date: datetime.date) -> str:
    """A date as the pages show it in English (SHORT_DATE_FORMAT of repat/formats/en)."""
    return f"{date:%d.%m.%Y}"


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assigned_referral(case, worker, provider):
    """A referral of `case` assigned to `provider`, sharing no data."""
    return ReferralFactory(
        case=case,
        requested_by=worker,
        status="assigned",
        provider=provider,
        accept_due=days(5),
        provider_contact="Гулнара Тестова, +996 555 000 111",
    )


def waiting_referral(case, worker):
    """A submitted referral of `case` that shares data (so a supervisor may override its consent)."""
    return ReferralFactory(case=case, requested_by=worker, status="submitted", shares_data=True)


@pytest.fixture
def assigned(case, worker, provider):
    return assigned_referral(case, worker, provider)


@pytest.fixture
def waiting(case, worker):
    return waiting_referral(case, worker)


# --- What a provider sees ----------------------------------------------------------------------------


def test_provider_queue_lists_only_the_referrals_sent_to_its_organisation(
    case, worker, provider, other_provider, provider_user, assigned, waiting, client_for
):
    # given: one of its own in every status it may see, one of another provider, one not yet assigned
    own = [assigned] + [
        ReferralFactory(case=case, requested_by=worker, status=status, provider=provider, **extra)
        for status, extra in [
            ("accepted", {"complete_due": days(30)}),
            ("completed", {"completed_on": today(), "outcome": "Done."}),
            ("declined", {"closing_reason": "Full."}),
        ]
    ]
    ReferralFactory(case=case, requested_by=worker, status="assigned", provider=other_provider)
    ReferralFactory(case=case, requested_by=worker, status="draft", provider=provider)

    # when
    response = client_for(provider_user).get(reverse("services:queue"))

    # then: none shares data, so none says who it is for
    assert set(response.context["referrals"]) == set(own)
    page = response.content.decode()
    assert "Incoming referrals" in page
    assert case.returnee.case_number not in page
    assert case.returnee.full_name not in page
    assert all(referral.number in page for referral in own)
    assert response.context["bulk_form"] is None


# --- A referral that shares no data tells the provider nothing about the person (issue 13, point 5) -----

PHONE = "+996 555 000 111"


@pytest.fixture
def identifiable(case, worker):
    """A ten-year-old girl with a full name, her mother's phone, and a case worker who writes names."""
    Returnee.objects.filter(pk=case.returnee_id).update(
        given_name="Айгуль", family_name="Асанова", patronymic="Бакытовна", date_of_birth=days(-10 * 365 - 3)
    )
    case.returnee.refresh_from_db()
    return case


def walk_to_provider(case, worker, coordinator, provider, provider_user, *, shares_data: bool) -> Referral:
    """Requested, assigned with a comment that names the child, accepted: through the actions."""
    if shares_data:
        ConsentRecordFactory(returnee=case.returnee, purpose="data_sharing", provider=provider)
    referral = actions.referral_create(
        actor=worker,
        case=case,
        service_type=service("individual-counselling"),
        reason="Айгуль wakes at night since the camp; her mother asks for help.",
        shares_data=shares_data,
        provider_contact=f"Назгуль, {PHONE}" if shares_data else "",
        provider_brief="Weekly sessions for a child of primary-school age.",
    )
    referral = actions.referral_transition(
        actor=coordinator,
        referral=referral,
        action="assign",
        expected_status="submitted",
        provider=provider,
        comment=f"Айгуль Асанова, {case.returnee.case_number}: please call the mother.",
    )
    return actions.referral_transition(
        actor=provider_user, referral=referral, action="accept", expected_status="assigned", comment="Monday 10:00."
    )


def everything_a_provider_can_open(client, referral, provider_user) -> dict[str, str]:
    """Every page, fragment and e-mail where provider staff meet the referral."""
    pages = {
        "queue": reverse("services:queue"),
        "queue filtered": reverse("services:queue") + "?status=accepted",
        "detail": referral.get_absolute_url(),
        "step start": reverse("services:referral_step", args=[referral.pk, "start"]),
        "step cancel (not theirs)": reverse("services:referral_step", args=[referral.pk, "cancel"]),
        "reminders": reverse("reminders:list"),
        "htmx queue": reverse("services:queue"),
    }
    seen = {}
    for name, url in pages.items():
        headers = {"HTTP_HX_REQUEST": "true"} if name.startswith("htmx") else {}
        response = client.get(url, **headers)
        seen[name] = response.content.decode() if response.status_code == 200 else ""
    provider_user.email = "provider-a@example.org"
    provider_user.save()
    reminder_actions.deliver(user_id=provider_user.pk, now=timezone.localtime().replace(hour=11))
    seen["e-mail"] = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    return seen


def test_provider_staff_see_nothing_that_identifies_the_person_when_no_data_are_shared(
    identifiable, worker, coordinator, provider, provider_user, client_for
):
    # given
    case = identifiable
    referral = walk_to_provider(case, worker, coordinator, provider, provider_user, shares_data=False)

    # when
    seen = everything_a_provider_can_open(client_for(provider_user), referral, provider_user)

    # then: no name, age, sex, phone, reason, case number, region, nor the coordinator's note naming her
    assert seen["detail"] and seen["queue"] and seen["step start"] and seen["reminders"] and seen["e-mail"]
    secrets = {
        "given name": "Айгуль",
        "family name": "Асанова",
        "patronymic": "Бакытовна",
        "age": '<dt class="col-5">Age</dt>',
        "sex": "Female",
        "phone": PHONE,
        "mother's name": "Назгуль",
        "reason": "wakes at night",
        "case number": case.returnee.case_number,
        "case page": case.get_absolute_url(),
        "coordinator's note": "please call the mother",
    }
    for where, content in seen.items():
        for what, secret in secrets.items():
            assert secret not in content, f"{what} on {where}"
    row = seen["queue"].split(f'href="{referral.get_absolute_url()}"')[1].split("</tr>")[0]
    assert "Chüy Oblast" not in row, "region in the queue row"
    # and what the provider needs to act is there
    for page in ("detail", "step start"):
        assert referral.number in seen[page]
        assert "Individual counselling" in seen[page]
        assert "Weekly sessions for a child of primary-school age." in seen[page]
        assert "Monday 10:00." in seen["detail"]  # its own staff's comment stays


def test_the_region_filter_does_not_reveal_where_a_referral_that_shares_no_data_comes_from(
    case, worker, provider, provider_user, client_for, chuy
):
    # given
    hidden = ReferralFactory(case=case, requested_by=worker, status="assigned", provider=provider)
    shared = ReferralFactory(case=case, requested_by=worker, status="assigned", provider=provider, shares_data=True)

    # when
    response = client_for(provider_user).get(reverse("services:queue"), {"region": chuy.pk})

    # then
    assert list(response.context["referrals"]) == [shared]
    assert hidden.number not in response.content.decode()


def test_provider_staff_see_the_minimum_as_before_when_data_are_shared(
    identifiable, worker, coordinator, provider, provider_user, client_for
):
    # given
    case = identifiable
    referral = walk_to_provider(case, worker, coordinator, provider, provider_user, shares_data=True)

    # when
    seen = everything_a_provider_can_open(client_for(provider_user), referral, provider_user)

    # then: name, age, sex, contact, reason and the coordinator's note; never the case file
    detail = seen["detail"]
    assert "Асанова Айгуль Бакытовна" in detail
    assert f'<dd class="col-7">{case.returnee.age()} <small class="text-secondary">Female</small>' in detail
    assert f"Назгуль, {PHONE}" in detail
    assert "wakes at night" in detail
    assert "please call the mother" in detail
    assert "Асанова Айгуль Бакытовна" in seen["queue"]
    for where, content in seen.items():
        assert case.returnee.case_number not in content.replace(f"{case.returnee.case_number}: please", ""), where
        assert case.get_absolute_url() not in content, where


def test_provider_referral_page_shows_only_what_the_service_needs(
    case, worker, supervisor, provider_user, assigned, client_for
):
    # given: a case file with things the provider must not read
    returnee = case.returnee
    case.risk_reason = "Contact with a recruiter in the camp."
    case.save()
    NoteFactory(case=case, author=worker, summary="Grandmother hides the papers.")
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, created_by=worker), goal="Sleeps through the night")
    assigned.plan_goal = goal
    assigned.shares_data = True
    assigned.save()
    actions.referral_consent_override(actor=supervisor, referral=assigned, reason="Mother unreachable in Russia.")

    # when
    page = client_for(provider_user).get(assigned.get_absolute_url()).content.decode()

    # then: name, age, sex, contact, reason
    assert returnee.full_name in page
    assert f'<dd class="col-7">{returnee.age()} <small class="text-secondary">Female</small>' in page
    assert "Гулнара Тестова, +996 555 000 111" in page
    assert assigned.reason in page
    # and nothing of the case file
    for secret in (
        returnee.case_number,
        case.get_absolute_url(),
        "Contact with a recruiter in the camp.",
        "Grandmother hides the papers.",
        "Sleeps through the night",
        "Mother unreachable in Russia.",
        "Requested by",
    ):
        assert secret not in page, secret


def test_case_holders_see_the_case_link_and_the_override_on_the_referral_page(
    case, worker, supervisor, assigned, client_for
):
    assigned.shares_data = True
    assigned.save()
    actions.referral_consent_override(actor=supervisor, referral=assigned, reason="Mother unreachable in Russia.")
    for user in (worker, supervisor):
        page = client_for(user).get(assigned.get_absolute_url()).content.decode()
        assert f'<a href="{case.get_absolute_url()}">{case.returnee.case_number}</a>' in page
        assert "Mother unreachable in Russia." in page


def test_provider_step_page_hides_the_case_file_too(case, provider_user, assigned, client_for):
    page = client_for(provider_user).get(reverse("services:referral_step", args=[assigned.pk, "accept"])).content
    assert case.returnee.case_number not in page.decode()
    assert case.get_absolute_url() not in page.decode()


def test_provider_accepts_through_the_page(provider_user, assigned, client_for):
    # when
    response = client_for(provider_user).post(
        reverse("services:referral_step", args=[assigned.pk, "accept"]),
        {"expected_status": "assigned", "comment": "First session on Monday."},
    )

    # then
    assert response.status_code == 302
    assert response.url == assigned.get_absolute_url()
    assigned.refresh_from_db()
    assert (assigned.status, assigned.complete_due) == ("accepted", days(90))
    page = client_for(provider_user).get(assigned.get_absolute_url()).content.decode()
    assert "First session on Monday." in page


def test_step_posted_from_a_stale_page_is_refused_on_the_form(provider_user, coordinator, assigned, client_for):
    # given: the coordinator accepted on paper while the provider's page still showed "assigned"
    actions.referral_transition(actor=coordinator, referral=assigned, action="accept", expected_status="assigned")

    # when
    response = client_for(provider_user).post(
        reverse("services:referral_step", args=[assigned.pk, "decline"]),
        {"expected_status": "assigned", "reason": "Full."},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This referral is now “Accepted”: someone changed it meanwhile, or this step is not possible."
    ]
    assigned.refresh_from_db()
    assert (assigned.status, assigned.closing_reason) == ("accepted", "")


@pytest.mark.parametrize(
    ("role", "action"), [("worker", "accept"), ("supervisor", "cancel"), ("provider_user", "cancel")]
)
def test_step_posted_by_a_role_that_may_not_take_it_is_denied(role, action, assigned, client_for, request):
    response = client_for(request.getfixturevalue(role)).post(
        reverse("services:referral_step", args=[assigned.pk, action]),
        {"expected_status": "assigned", "reason": "x", "comment": "x"},
    )
    assert response.status_code == 403
    assigned.refresh_from_db()
    assert assigned.status == "assigned"


def test_assign_page_offers_only_suitable_providers_and_assigns(
    waiting, case, coordinator, provider, other_provider, osh, counselling, chuy, client_for
):
    # given
    ConsentRecordFactory(returnee=case.returnee, purpose="data_sharing", provider=provider)
    ProviderFactory(name="Osh Family Centre", regions=[osh], service_types=[counselling])
    ProviderFactory(name="School No. 5", regions=[chuy], service_types=[service("school-enrolment")])
    ProviderFactory(name="Closed Centre", regions=[chuy], service_types=[counselling], accepting_referrals=False)
    url = reverse("services:referral_step", args=[waiting.pk, "assign"])
    client = client_for(coordinator)

    # when
    form = client.get(url).context["form"]
    response = client.post(url, {"expected_status": "submitted", "provider": provider.pk, "comment": "Closest."})

    # then
    assert list(form.fields["provider"].queryset) == [provider, other_provider]
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.provider, waiting.accept_due) == ("assigned", provider, days(5))
    assert waiting.consent is not None


def test_the_coordinator_writes_the_brief_on_the_assign_page(case, worker, coordinator, provider, client_for):
    # given: a referral that shares no data, requested without a brief
    referral = ReferralFactory(case=case, requested_by=worker, provider_brief="")
    url = reverse("services:referral_step", args=[referral.pk, "assign"])
    client = client_for(coordinator)

    # when: the brief names the child, then does not
    page = client.get(url).content.decode()
    named = client.post(
        url, {"expected_status": "submitted", "provider": provider.pk, "provider_brief": case.returnee.given_name}
    )
    plain = client.post(
        url, {"expected_status": "submitted", "provider": provider.pk, "provider_brief": "Weekly sessions."}
    )

    # then
    assert "Do not write names, ages, addresses, phone numbers" in page
    assert list(named.context["form"].fields) == [
        "provider",
        "assignee",
        "provider_brief",
        "comment",
        "expected_status",
    ]
    assert named.context["form"].errors == {
        "provider_brief": [
            "Without data sharing the provider may read nothing that identifies the person: remove "
            f"“{case.returnee.given_name}”."
        ]
    }
    assert plain.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.provider_brief) == ("assigned", "Weekly sessions.")


def test_assign_page_shows_the_consent_gate_message(waiting, coordinator, provider, client_for):
    response = client_for(coordinator).post(
        reverse("services:referral_step", args=[waiting.pk, "assign"]),
        {"expected_status": "submitted", "provider": provider.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "provider": [
            "No consent allows sharing this returnee's data with Ak-Bata Family Centre or any provider of Mental "
            "health and psychosocial support. Record the consent, or ask a supervisor to override the requirement."
        ]
    }
    waiting.refresh_from_db()
    assert waiting.status == "submitted"


def test_override_through_the_page(supervisor, coordinator, waiting, client_for):
    url = reverse("services:referral_step", args=[waiting.pk, "override"])
    response = client_for(supervisor).post(url, {"expected_status": "submitted", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}

    response = client_for(supervisor).post(url, {"expected_status": "submitted", "reason": "Court order."})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.consent_overridden_by, waiting.consent_override_reason) == (supervisor, "Court order.")
    assert client_for(coordinator).post(url, {"expected_status": "submitted", "reason": "x"}).status_code == 403


# --- The queue and its filters -----------------------------------------------------------------------


@pytest.fixture
def queue_rows(case, worker, provider, other_provider, osh):
    """One referral per situation the filters tell apart, in Chüy unless named otherwise."""

    def make(status="submitted", **kwargs):
        return ReferralFactory(case=kwargs.pop("case", case), requested_by=worker, status=status, **kwargs)

    osh_case = CaseFactory(returnee=ReturneeFactory(region=osh))
    return {
        "submitted": make(),
        "school": make(service_type=service("school-enrolment")),
        "osh": make(case=osh_case),
        "declined": make("declined", provider=provider, closing_reason="Full."),
        "assigned_overdue": make("assigned", provider=provider, accept_due=days(-1)),
        "assigned_due_today": make("assigned", provider=provider, accept_due=today()),
        "assigned_other": make("assigned", provider=other_provider, accept_due=days(3)),
        "accepted_overdue": make("accepted", provider=provider, accept_due=days(-20), complete_due=days(-1)),
        "in_progress_overdue": make("in_progress", provider=provider, complete_due=days(-2)),
        "in_progress": make("in_progress", provider=provider, complete_due=days(10)),
        "completed_late": make(
            "completed", provider=provider, complete_due=days(-5), completed_on=today(), outcome="Done."
        ),
        "cancelled": make("cancelled", closing_reason="Moved."),
    }


@pytest.fixture
def two_region_coordinator(chuy, osh):
    return UserFactory(role=User.Role.COORDINATOR, regions=[chuy, osh])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "all"),
        ({"status": "submitted"}, {"submitted", "school", "osh"}),
        ({"status": "assigned"}, {"assigned_overdue", "assigned_due_today", "assigned_other"}),
        ({"category": "education"}, {"school"}),
        ({"region": "Osh Oblast"}, {"osh"}),
        ({"provider": "other"}, {"assigned_other"}),
        ({"overdue": "on"}, {"assigned_overdue", "accepted_overdue", "in_progress_overdue"}),
        ({"unassigned": "on"}, {"submitted", "school", "osh", "declined"}),
        ({"status": "submitted", "region": "Chüy Oblast"}, {"submitted", "school"}),
        ({"overdue": "on", "provider": "main"}, {"assigned_overdue", "accepted_overdue", "in_progress_overdue"}),
        ({"unassigned": "on", "category": "education"}, {"school"}),
    ],
)
def test_queue_filters_return_exactly_the_right_rows(
    params, expected, queue_rows, two_region_coordinator, provider, other_provider, chuy, osh, client_for
):
    # given
    values = {
        "education": ServiceCategory.objects.get(code="education").pk,
        "Osh Oblast": osh.pk,
        "Chüy Oblast": chuy.pk,
        "other": other_provider.pk,
        "main": provider.pk,
    }
    query = {key: values.get(value, value) for key, value in params.items()}

    # when
    response = client_for(two_region_coordinator).get(reverse("services:queue"), query)

    # then
    names = {referral.pk: name for name, referral in queue_rows.items()}
    got = {names[referral.pk] for referral in response.context["referrals"]}
    assert got == (set(queue_rows) if expected == "all" else expected)


def test_queue_marks_overdue_rows(queue_rows, coordinator, client_for):
    page = client_for(coordinator).get(reverse("services:queue"), {"overdue": "on"}).content.decode()
    assert page.count('<span class="badge text-bg-danger">Overdue</span>') == 3
    assert short(days(-1)) in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("worker", "chuy"),
        ("other_worker", {"osh"}),
        ("coordinator", "chuy"),
        ("osh_supervisor", {"osh"}),
        ("administrator", "all"),
    ],
)
def test_queue_shows_each_role_its_own_scope(role, expected, queue_rows, client_for, request):
    # The Osh row's case has no worker: give it to other_worker so the worker scope shows too.
    queue_rows["osh"].case.worker = request.getfixturevalue("other_worker")
    queue_rows["osh"].case.save()
    response = client_for(request.getfixturevalue(role)).get(reverse("services:queue"))
    names = {referral.pk: name for name, referral in queue_rows.items()}
    got = {names[referral.pk] for referral in response.context["referrals"]}
    if expected == "all":
        expected = set(queue_rows)
    elif expected == "chuy":
        expected = set(queue_rows) - {"osh"}
    assert got == expected


@pytest.mark.parametrize("role", ["coordinator", "provider_user", "worker", "administrator"])
def test_queue_query_count_does_not_grow_with_rows(
    role, case, worker, provider, provider_user, client_for, django_assert_max_num_queries, request
):
    # given
    client = client_for(request.getfixturevalue(role))

    def rows(n):
        for _ in range(n):
            ReferralFactory(
                case=CaseFactory(worker=worker, returnee=ReturneeFactory(region=case.returnee.region)),
                requested_by=worker,
                status="assigned",
                provider=provider,
                assignee=provider_user,
                accept_due=days(-1),
            )

    rows(3)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("services:queue"))
    rows(15)

    # when / then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("services:queue"))
    assert len(response.context["referrals"]) == 18


def test_case_page_query_count_does_not_grow_with_referrals(
    case, worker, provider, provider_user, client_for, django_assert_max_num_queries
):
    # given
    client = client_for(worker)
    url = case.get_absolute_url()

    def rows(n):
        for i in range(n):
            ReferralFactory(
                case=case,
                requested_by=worker,
                status="assigned" if i % 2 else "submitted",
                provider=provider if i % 2 else None,
                assignee=provider_user if i % 2 else None,
                accept_due=days(2) if i % 2 else None,
            )

    rows(2)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    rows(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["referrals"]) == 17


# --- Bulk assignment through the queue ---------------------------------------------------------------


def bulk_post(client, referrals, provider, assignee=None, **extra):
    data = {"referrals": [r.pk for r in referrals], "provider": provider.pk, **extra}
    if assignee is not None:
        data["assignee"] = assignee.pk
    return client.post(reverse("services:bulk_assign"), data)


def test_bulk_assign_through_the_queue(case, worker, coordinator, provider, provider_user, client_for):
    # given
    referrals = [ReferralFactory(case=case, requested_by=worker) for _ in range(2)]

    # when
    response = bulk_post(client_for(coordinator), referrals, provider, provider_user, next="/services/referrals/?x=1")

    # then
    assert response.status_code == 302
    assert response.url == "/services/referrals/?x=1"
    assert flashed(response) == ["2 referrals were assigned."]
    for referral in referrals:
        referral.refresh_from_db()
        assert (referral.status, referral.provider, referral.assignee) == ("assigned", provider, provider_user)
        assert referral.accept_due == days(5)


def test_queue_offers_only_waiting_referrals_for_bulk_assignment(queue_rows, coordinator, client_for):
    page = client_for(coordinator).get(reverse("services:queue")).content.decode()
    for name in ("submitted", "declined"):
        assert f'value="{queue_rows[name].pk}" form="bulk-assign" aria-label="Select">' in page
    assert f'value="{queue_rows["in_progress"].pk}" form="bulk-assign" aria-label="Select" disabled>' in page


def assert_unchanged(referrals):
    for referral in referrals:
        before = (referral.status, referral.provider_id, referral.assignee_id)
        referral.refresh_from_db()
        assert (referral.status, referral.provider_id, referral.assignee_id) == before


def test_bulk_assign_is_all_or_none_through_the_view(case, worker, coordinator, provider, client_for):
    # given
    good = ReferralFactory(case=case, requested_by=worker)
    unsuitable = ReferralFactory(case=case, requested_by=worker, shares_data=True)

    # when
    response = bulk_post(client_for(coordinator), [good, unsuitable], provider)

    # then
    assert response.url == reverse("services:queue")
    assert flashed(response) == [
        f"{case.returnee.case_number}: No consent allows sharing this returnee's data with Ak-Bata Family Centre "
        "or any provider of Mental health and psychosocial support. Record the consent, or ask a supervisor to "
        "override the requirement. — nothing was assigned."
    ]
    assert_unchanged([good, unsuitable])


def test_bulk_assign_of_a_referral_outside_the_coordinators_scope_changes_nothing(
    case, worker, other_case, other_worker, coordinator, provider, client_for
):
    # given
    mine = ReferralFactory(case=case, requested_by=worker)
    foreign = ReferralFactory(case=other_case, requested_by=other_worker)

    # when
    response = bulk_post(client_for(coordinator), [mine, foreign], provider)

    # then
    assert flashed(response) == ["Tick the referrals and choose a provider."]
    assert_unchanged([mine, foreign])


def test_bulk_assign_to_a_provider_outside_the_region_changes_nothing(
    case, worker, coordinator, osh, counselling, client_for
):
    osh_centre = ProviderFactory(name="Osh Family Centre", regions=[osh], service_types=[counselling])
    referral = ReferralFactory(case=case, requested_by=worker)
    response = bulk_post(client_for(coordinator), [referral], osh_centre)
    assert flashed(response) == [
        f"{case.returnee.case_number}: Osh Family Centre does not serve this region. — nothing was assigned."
    ]
    assert_unchanged([referral])


def test_bulk_assign_to_a_closed_provider_changes_nothing(case, worker, coordinator, provider, client_for):
    provider.accepting_referrals = False
    provider.save()
    referral = ReferralFactory(case=case, requested_by=worker)
    response = bulk_post(client_for(coordinator), [referral], provider)
    assert flashed(response) == ["Tick the referrals and choose a provider."]
    assert_unchanged([referral])


def test_bulk_assign_with_another_providers_staff_as_assignee_changes_nothing(
    case, worker, coordinator, provider, other_provider_user, client_for
):
    referral = ReferralFactory(case=case, requested_by=worker)
    response = bulk_post(client_for(coordinator), [referral], provider, other_provider_user)
    assert flashed(response) == [
        f"{case.returnee.case_number}: This person does not work for Ak-Bata Family Centre. — nothing was assigned."
    ]
    assert_unchanged([referral])


@pytest.mark.parametrize("role", ["worker", "supervisor", "provider_user"])
def test_bulk_assign_is_denied_to_other_roles_and_changes_nothing(case, worker, provider, role, client_for, request):
    referral = ReferralFactory(case=case, requested_by=worker)
    response = bulk_post(client_for(request.getfixturevalue(role)), [referral], provider)
    assert response.status_code == 403
    assert_unchanged([referral])


# --- Requesting a service from the case page and a plan goal -----------------------------------------


def referral_form(counselling, **overrides):
    return {
        "form_token": uuid.uuid4(),
        "service_type": counselling.pk,
        "reason": "Nightmares since arrival.",
        "urgency": "urgent",
        "shares_data": "on",
        "provider_contact": "Гулнара, +996 555 000 111",
        "days_to_accept": "",
        "days_to_complete": "",
        "submit_now": "on",
        **overrides,
    }


def test_request_a_service_from_the_case_page(case, worker, coordinator, provider, counselling, client_for):
    # given
    client = client_for(worker)
    create_url = reverse("services:referral_create", args=[case.pk])
    assert f'href="{create_url}"' in client.get(case.get_absolute_url()).content.decode()
    ConsentRecordFactory(returnee=case.returnee, purpose="data_sharing", provider=provider)

    # when
    response = client.post(create_url, referral_form(counselling))

    # then
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == referral.get_absolute_url()
    assert (referral.status, referral.urgency, referral.shares_data, referral.requested_by) == (
        "submitted",
        "urgent",
        True,
        worker,
    )
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'<a href="{referral.get_absolute_url()}">Individual counselling</a>' in page
    assert '<span class="badge text-bg-info">Submitted</span>' in page
    assert '<span class="badge text-bg-warning">Urgent</span>' in page

    # and once assigned, the page shows the date by which the provider must accept
    actions.referral_transition(
        actor=coordinator, referral=referral, action="assign", expected_status="submitted", provider=provider
    )
    page = client.get(case.get_absolute_url()).content.decode()
    assert '<span class="badge text-bg-info">Assigned</span>' in page
    assert f"<span>{short(days(5))}</span>" in page


def test_request_a_service_from_a_plan_goal(case, worker, counselling, client_for):
    # given
    plan = ReintegrationPlanFactory(case=case, created_by=worker, status="current")
    goal = PlanGoalFactory(plan=plan, goal="Sleeps through the night")
    client = client_for(worker)
    create_url = reverse("services:referral_create", args=[case.pk])
    assert f'href="{create_url}?goal={goal.pk}"' in client.get(plan.get_absolute_url()).content.decode()

    # when
    form_page = client.get(create_url, {"goal": goal.pk})
    response = client.post(
        create_url, referral_form(counselling, plan_goal=goal.pk, shares_data="", provider_contact="")
    )

    # then
    assert form_page.context["form"].initial["plan_goal"] == goal.pk
    assert f'<option value="{goal.pk}" selected>Sleeps through the night</option>' in form_page.content.decode()
    referral = Referral.objects.get()
    assert response.url == referral.get_absolute_url()
    assert (referral.status, referral.plan_goal, referral.shares_data) == ("submitted", goal, False)
    assert f'href="{referral.get_absolute_url()}"' in client.get(case.get_absolute_url()).content.decode()


def test_request_kept_as_draft(case, worker, counselling, client_for):
    client_for(worker).post(
        reverse("services:referral_create", args=[case.pk]), referral_form(counselling, submit_now="")
    )
    assert Referral.objects.get().status == "draft"


def test_request_posted_twice_creates_one_referral(case, worker, counselling, client_for):
    data = referral_form(counselling)
    client = client_for(worker)
    first = client.post(reverse("services:referral_create", args=[case.pk]), data)
    second = client.post(reverse("services:referral_create", args=[case.pk]), data)
    assert first.url == second.url
    assert Referral.objects.count() == 1


def test_request_for_a_goal_of_another_case_is_refused_on_the_form(case, worker, counselling, client_for):
    elsewhere = CaseFactory(worker=worker)
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=elsewhere, created_by=worker, status="current"))
    response = client_for(worker).post(
        reverse("services:referral_create", args=[case.pk]), referral_form(counselling, plan_goal=goal.pk)
    )
    assert response.status_code == 200
    assert "plan_goal" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_returnee_page_shows_the_familys_service_history(case, worker, other_worker, osh, client_for):
    # given: the returnee, a sibling held by the same worker, and a relative in Osh held by someone else
    membership = FamilyMemberFactory(returnee=case.returnee)
    sibling = CaseFactory(worker=worker, returnee=ReturneeFactory(region=case.returnee.region))
    FamilyMemberFactory(family=membership.family, returnee=sibling.returnee)
    relative = CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=osh))
    FamilyMemberFactory(family=membership.family, returnee=relative.returnee)
    own = ReferralFactory(case=case, requested_by=worker)
    siblings = ReferralFactory(case=sibling, requested_by=worker, service_type=service("school-enrolment"))
    hidden = ReferralFactory(case=relative, requested_by=other_worker, service_type=service("legal-aid"))

    # when
    response = client_for(worker).get(case.returnee.get_absolute_url())

    # then
    assert set(response.context["family_referrals"]) == {own, siblings}
    page = response.content.decode()
    assert siblings.get_absolute_url() in page
    assert hidden.get_absolute_url() not in page


# --- Consent overrides page --------------------------------------------------------------------------


def test_consent_overrides_page_lists_the_regions_overrides_for_supervisors(
    case, worker, other_case, other_worker, supervisor, osh_supervisor, client_for
):
    # given
    chuy_referral = ReferralFactory(case=case, requested_by=worker, shares_data=True)
    osh_referral = ReferralFactory(case=other_case, requested_by=other_worker, shares_data=True)
    ReferralFactory(case=case, requested_by=worker, shares_data=True)  # not overridden
    actions.referral_consent_override(actor=supervisor, referral=chuy_referral, reason="Mother unreachable.")
    actions.referral_consent_override(actor=osh_supervisor, referral=osh_referral, reason="Court order.")

    # when
    chuy_page = client_for(supervisor).get(reverse("services:consent_overrides"))
    osh_page = client_for(osh_supervisor).get(reverse("services:consent_overrides"))

    # then
    assert list(chuy_page.context["referrals"]) == [chuy_referral]
    assert "Mother unreachable." in chuy_page.content.decode()
    assert "Court order." not in chuy_page.content.decode()
    assert list(osh_page.context["referrals"]) == [osh_referral]


def flashed_after(client, response) -> list[str]:
    return [str(message) for message in client.get(response.url).context["messages"]]


@pytest.mark.parametrize(
    ("action", "body", "said"),
    [
        (
            "accept",
            {"comment": "Monday."},
            "You accepted the referral. Next, start the service when the first session takes place.",
        ),
        (
            "decline",
            {"reason": "Full."},
            "You declined the referral. The coordinator sees your reason and may assign another provider.",
        ),
    ],
)
def test_each_provider_step_says_what_happened_and_what_comes_next(
    action, body, said, provider_user, assigned, client_for
):
    client = client_for(provider_user)

    response = client.post(
        reverse("services:referral_step", args=[assigned.pk, action]), {"expected_status": "assigned", **body}
    )

    assert flashed_after(client, response) == [said]


@pytest.mark.parametrize(
    ("action", "said"),
    [
        ("cancel", "The referral was cancelled and is closed. Request the service again if the need returns."),
        ("revoke", "The referral was revoked: the provider's work on it stops and your reason is kept on record."),
    ],
)
def test_cancelling_and_revoking_say_what_they_did(action, said, coordinator, assigned, client_for):
    client = client_for(coordinator)

    response = client.post(
        reverse("services:referral_step", args=[assigned.pk, action]), {"expected_status": "assigned", "reason": "Why."}
    )

    assert flashed_after(client, response)[0].startswith(said)


def test_assigning_names_the_provider_it_went_to(coordinator, waiting, provider, client_for):
    client = client_for(coordinator)
    waiting.consent_overridden_by = coordinator
    waiting.save(update_fields=["consent_overridden_by"])

    response = client.post(
        reverse("services:referral_step", args=[waiting.pk, "assign"]),
        {"expected_status": "submitted", "provider": provider.pk},
    )

    assert flashed_after(client, response) == [
        f"The referral was assigned to {provider.name}. Next, its staff accept or decline it."
    ]


def test_cancel_and_revoke_buttons_explain_the_difference(coordinator, assigned, client_for):
    client = client_for(coordinator)

    page = client.get(assigned.get_absolute_url()).content.decode()
    revoke = client.get(reverse("services:referral_step", args=[assigned.pk, "revoke"])).content.decode()

    assert 'title="Cancel when the service is no longer needed' in page
    assert 'title="Revoke when the referral must not go on: consent was withdrawn' in page
    assert '<p class="text-secondary" id="step-help">Revoke when the referral must not go on' in revoke


def test_queue_sorts_by_the_day_requested_both_ways_keeping_filters_and_pages(
    case, worker, coordinator, client_for, settings
):
    # given: four waiting referrals requested on different days (one more than a page), one declined
    settings.REPAT_PAGE_SIZE = 3
    requested = {}
    for days_ago in (3, 1, 4, 2):
        referral = ReferralFactory(case=case, requested_by=worker, status="submitted")
        Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
        requested[days_ago] = referral.number
    declined = ReferralFactory(case=case, requested_by=worker, status="declined", closing_reason="Full.")
    client = client_for(coordinator)

    # when / then: newest first unless asked otherwise, with the status filter
    rows = [requested[n] for n in (4, 3, 2, 1)]
    filters = {"status": "submitted"}
    check_sorted_both_ways(
        client,
        reverse("services:queue"),
        filters=filters,
        label="Requested on",
        key="requested",
        rows=rows,
        default="-requested",
    )
    assert (
        declined.number not in client.get(reverse("services:queue"), {**filters, "sort": "requested"}).content.decode()
    )


def test_consent_overrides_sort_by_when_both_ways_on_pages(case, worker, supervisor, client_for, settings):
    # given: four overrides decided at different times (one more than a page)
    settings.REPAT_PAGE_SIZE = 3
    when = {}
    for hours_ago in (2, 4, 1, 3):
        referral = ReferralFactory(case=case, requested_by=worker, shares_data=True)
        actions.referral_consent_override(actor=supervisor, referral=referral, reason=f"Reason {hours_ago}.")
        Referral.objects.filter(pk=referral.pk).update(
            consent_overridden_at=timezone.now() - datetime.timedelta(hours=hours_ago)
        )
        when[hours_ago] = f"Reason {hours_ago}."

    # when / then: newest first unless asked otherwise
    check_sorted_both_ways(
        client_for(supervisor),
        reverse("services:consent_overrides"),
        filters={},
        label="When",
        key="overridden",
        rows=[when[n] for n in (4, 3, 2, 1)],
        default="-overridden",
        exports=False,
    )


def test_provider_load_sorts_by_name_and_load_both_ways_and_pages(case, worker, coordinator, client_for):
    # given: three providers with 2, 0 and 1 referrals in their hands, and fifty more without any
    loads = {"Centre Alpha": 2, "Centre Beta": 0, "Centre Gamma": 1}
    for name, open_referrals in loads.items():
        provider = ProviderFactory(name=name)
        for _ in range(open_referrals):
            ReferralFactory(case=case, requested_by=worker, status="accepted", provider=provider)
    client, url = client_for(coordinator), reverse("services:providers")
    names = list(loads)

    # when / then: by name unless asked otherwise; by open referrals either way (ties by name)
    assert seen_order(client.get(url), names) == names
    busiest = client.get(url, {"sort": "-open"})
    assert seen_order(busiest, names) == ["Centre Alpha", "Centre Gamma", "Centre Beta"]
    assert header(busiest, "Open referrals") == ("descending", "sort=open")
    assert header(busiest, "Provider") == ("none", "sort=name")
    assert seen_order(client.get(url, {"sort": "open"}), names) == ["Centre Beta", "Centre Gamma", "Centre Alpha"]
    assert seen_order(client.get(url, {"sort": "-name"}), names) == names[::-1]
    for hostile in HOSTILE_SORTS:
        assert seen_order(client.get(url, {"sort": hostile}), names) == names

    # the list goes on past its first page of 50, in the same order (it had no page links)
    for n in range(50):
        ProviderFactory(name=f"Zentrum {n:03d}")
    first = client.get(url, {"sort": "-open"}).content.decode()
    assert "?sort=-open&amp;page=2" in first
    assert "Zentrum 049" in client.get(url, {"sort": "-open", "page": 2}).content.decode()
