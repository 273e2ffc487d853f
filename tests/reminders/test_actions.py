"""Follow-up reminders and escalation, through the actions: the sweep, events, cadences and e-mail.

The sweep takes `today=` and the e-mail functions take `now=`, so no test depends on the clock:
dates are set relative to today and times are given in Bishkek time.
"""

import datetime
import logging
import smtplib
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import actions as case_actions
from cases.models import Assessment, Case, IdentityDocument, PlanGoal, ReintegrationPlan
from repat.accounts.models import User
from repat.core.locks import lease_acquire, lease_release
from repat.core.models import Lease
from repat.reminders import actions, tasks
from repat.reminders.models import DigestLog, EmailStatus, Reminder, ReminderSettings
from services import actions as service_actions
from services.models import Referral
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    IdentityDocumentFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
    register_returnee,
)
from tests.ops.stack import free_port
from tests.services.factories import ProviderStaffFactory, ReferralFactory, service

from .factories import FollowUpTaskFactory, ReminderFactory

pytestmark = pytest.mark.django_db

BISHKEK = zoneinfo.ZoneInfo("Asia/Bishkek")
STALE_CLAIM_ERROR = "The worker stopped while sending; not retried to avoid a duplicate e-mail."


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime.datetime:
    """A moment in Bishkek time, `day` days from today."""
    return datetime.datetime.combine(days(day), datetime.time(hour, minute), tzinfo=BISHKEK)


def told() -> set[tuple]:
    """Every reminder as (about, item, due date, stage, recipient's username)."""
    return set(Reminder.objects.values_list("item_type", "item_id", "due_date", "stage", "recipient__username"))


def reachable(user: User, language: str = "") -> User:
    user.email = f"{user.username}@example.org"
    user.language = language
    user.save(update_fields=["email", "language"])
    return user


def configure(**values) -> ReminderSettings:
    config = ReminderSettings.current()
    for field, value in values.items():
        setattr(config, field, value)
    config.full_clean()
    config.save()
    return config


@pytest.fixture
def at_any_hour(db):
    """Single e-mails at any time of day: no digest, no quiet hours."""
    return configure(daily_digest=False, quiet_hours_start=0, quiet_hours_end=0)


@pytest.fixture
def colleague(chuy):
    return UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])


@pytest.fixture
def provider_users(provider):
    return [ProviderStaffFactory(provider=provider, user__username=f"provider-{n}").user for n in (1, 2)]


# --- What is due, for whom, at which stage ---------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in", "stage"),
    [(3, "due_soon"), (1, "due_soon"), (0, "due_today"), (-1, "overdue"), (-6, "overdue")],
)
def test_case_follow_up_reminds_its_worker_at_the_right_stage(worker, case, due_in, stage):
    # given
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(due_in))

    # when
    result = actions.sweep(today=today())

    # then
    assert result.ran
    assert (result.items, result.created) == (1, 1)
    assert told() == {("follow_up", case.pk, days(due_in), stage, "worker-a")}
    reminder = Reminder.objects.get()
    assert (reminder.case, reminder.email_status, reminder.read_at) == (case, "pending", None)


def test_nothing_is_due_beyond_the_due_soon_horizon(case):
    # given: reminders start three days ahead by default
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(4))

    # when
    result = actions.sweep(today=today())

    # then
    assert (result.ran, result.items, result.created) == (True, 0, 0)
    assert told() == set()


def test_the_due_soon_horizon_follows_the_settings(case):
    # given
    configure(due_soon_days=5)
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(5))

    # when
    actions.sweep(today=today())

    # then
    assert told() == {("follow_up", case.pk, days(5), "due_soon", "worker-a")}


def test_the_stage_moves_on_as_days_pass_and_each_stage_is_told_once(worker, case):
    # given
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(2))

    # when: the sweep runs on each of the following days
    for day in range(5):
        actions.sweep(today=days(day))

    # then
    assert told() == {
        ("follow_up", case.pk, days(2), "due_soon", "worker-a"),
        ("follow_up", case.pk, days(2), "due_today", "worker-a"),
        ("follow_up", case.pk, days(2), "overdue", "worker-a"),
    }


def test_follow_up_task_reminds_the_colleague_it_is_assigned_to(worker, colleague, case):
    # given
    task = case_actions.task_schedule(
        actor=worker, case=case, due_date=days(1), description="Call the school.", assigned_to=colleague
    )

    # when: the sweep runs today, then two days later
    actions.sweep(today=today())
    actions.sweep(today=days(2))

    # then
    assert told() == {
        ("task", task.pk, days(1), "due_soon", "worker-c"),
        ("task", task.pk, days(1), "overdue", "worker-c"),
    }
    assert set(Reminder.objects.values_list("case", flat=True)) == {case.pk}


def test_a_done_task_is_not_reminded(worker, case):
    # given
    task = case_actions.task_schedule(
        actor=worker, case=case, due_date=today(), description="Call the school.", assigned_to=worker
    )
    case_actions.task_done(actor=worker, task=task)

    # when
    result = actions.sweep(today=days(1))

    # then
    assert (result.items, result.created) == (0, 0)


def test_referral_to_accept_reminds_every_staff_member_of_the_provider(case, provider, provider_users):
    # given
    referral = ReferralFactory(case=case, status="assigned", provider=provider, accept_due=today())

    # when
    actions.sweep(today=today())

    # then
    assert told() == {
        ("referral_accept", referral.pk, today(), "due_today", "provider-1"),
        ("referral_accept", referral.pk, today(), "due_today", "provider-2"),
    }


def test_referral_to_complete_reminds_only_the_responsible_person(case, provider, provider_users):
    # given
    responsible = provider_users[1]
    accepted = ReferralFactory(
        case=case, status="accepted", provider=provider, assignee=responsible, complete_due=days(2)
    )
    in_progress = ReferralFactory(
        case=case, status="in_progress", provider=provider, assignee=responsible, complete_due=days(-1)
    )
    ReferralFactory(case=case, status="completed", provider=provider, complete_due=days(-1), completed_on=today())

    # when
    actions.sweep(today=today())

    # then
    assert told() == {
        ("referral_complete", accepted.pk, days(2), "due_soon", "provider-2"),
        ("referral_complete", in_progress.pk, days(-1), "overdue", "provider-2"),
    }


def test_open_document_reminds_the_case_worker(worker, case):
    # given
    document = IdentityDocumentFactory(returnee=case.returnee, status="requested", due_date=days(-2))
    IdentityDocumentFactory(
        returnee=case.returnee, kind="passport", status="issued", issued_on=today(), due_date=days(-2)
    )

    # when
    actions.sweep(today=today())

    # then
    assert told() == {("document", document.pk, days(-2), "overdue", "worker-a")}


def test_goal_of_the_current_plan_reminds_the_case_worker(worker, case):
    # given
    plan = ReintegrationPlanFactory(case=case, status=ReintegrationPlan.Status.CURRENT, created_by=worker)
    goal = PlanGoalFactory(plan=plan, target_date=today(), status="in_progress")
    PlanGoalFactory(plan=plan, target_date=today(), status="achieved")
    draft = ReintegrationPlanFactory(case=case, status=ReintegrationPlan.Status.DRAFT, created_by=worker)
    PlanGoalFactory(plan=draft, target_date=today())

    # when
    actions.sweep(today=today())

    # then
    assert told() == {("goal", goal.pk, today(), "due_today", "worker-a")}


def test_planned_assessment_reminds_the_case_worker(worker, case):
    # given
    planned = AssessmentFactory(
        case=case, status=Assessment.Status.PLANNED, assessed_on=None, due_date=days(1), recorded_by=worker
    )
    AssessmentFactory(case=case, due_date=days(1), recorded_by=worker)  # completed

    # when
    actions.sweep(today=today())

    # then
    assert told() == {("assessment", planned.pk, days(1), "due_soon", "worker-a")}


# --- Escalation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "escalated_to"),
    [
        (6, set()),
        (7, {("escalated_coordinator", "coordinator-a")}),
        (13, {("escalated_coordinator", "coordinator-a")}),
        (14, {("escalated_coordinator", "coordinator-a"), ("escalated_supervisor", "supervisor-a")}),
    ],
)
def test_overdue_items_escalate_to_the_coordinators_then_the_supervisors_of_the_region(
    worker, case, coordinator, supervisor, osh_coordinator, osh_supervisor, late, escalated_to
):
    # given: people of another region are never told
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-late))

    # when
    actions.sweep(today=today())

    # then
    stages = {(stage, username) for *_, stage, username in told()}
    assert stages == {("overdue", "worker-a"), *escalated_to}


def test_escalation_thresholds_follow_the_settings(worker, case, coordinator, supervisor):
    # given
    configure(escalate_to_coordinator_days=1, escalate_to_supervisor_days=2)
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-2))

    # when
    actions.sweep(today=today())

    # then: each item escalated, and one summary of the region's day for each person told
    region = case.returnee.region_id
    assert told() == {
        ("follow_up", case.pk, days(-2), "overdue", "worker-a"),
        ("follow_up", case.pk, days(-2), "escalated_coordinator", "coordinator-a"),
        ("follow_up", case.pk, days(-2), "escalated_supervisor", "supervisor-a"),
        ("escalations", region, today(), "escalated_coordinator", "coordinator-a"),
        ("escalations", region, today(), "escalated_supervisor", "supervisor-a"),
    }


def test_an_overdue_referral_escalates_in_the_referrals_region(
    case, provider, provider_users, coordinator, osh_coordinator
):
    # given
    referral = ReferralFactory(case=case, status="assigned", provider=provider, accept_due=days(-7))

    # when
    actions.sweep(today=today())

    # then
    assert ("referral_accept", referral.pk, days(-7), "escalated_coordinator", "coordinator-a") in told()
    assert not Reminder.objects.filter(recipient=osh_coordinator).exists()


def test_an_overdue_referral_at_a_provider_without_staff_in_repat_still_escalates(case, provider, coordinator):
    # given: the provider does not use Repat, so nobody is told directly; the coordinator acts for it
    referral = ReferralFactory(case=case, status="assigned", provider=provider, accept_due=days(-7))

    # when
    result = actions.sweep(today=today())

    # then
    assert result.items == 1
    assert told() == {
        ("referral_accept", referral.pk, days(-7), "escalated_coordinator", "coordinator-a"),
        ("escalations", case.returnee.region_id, today(), "escalated_coordinator", "coordinator-a"),
    }


def test_inactive_coordinators_are_not_told(case, coordinator):
    # given
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-10))

    # when
    actions.sweep(today=today())

    # then
    assert {username for *_, username in told()} == {"worker-a"}


# --- Idempotence, the lease, closed cases -----------------------------------------------------------


@pytest.fixture
def everything_due(worker, colleague, case, coordinator, supervisor, provider, provider_users):
    """One overdue item of every kind on `case`, long enough ago to reach the supervisor."""
    late = days(-14)
    Case.objects.filter(pk=case.pk).update(next_follow_up=late)
    FollowUpTaskFactory(case=case, due_date=late, assigned_to=colleague)
    ReferralFactory(case=case, status="assigned", provider=provider, accept_due=late)
    ReferralFactory(case=case, status="in_progress", provider=provider, complete_due=late)
    IdentityDocumentFactory(returnee=case.returnee, status="missing", due_date=late)
    plan = ReintegrationPlanFactory(case=case, status=ReintegrationPlan.Status.CURRENT, created_by=worker)
    PlanGoalFactory(plan=plan, target_date=late)
    AssessmentFactory(case=case, status="planned", assessed_on=None, due_date=late, recorded_by=worker)
    return case


def test_every_kind_of_due_item_is_found(everything_due):
    # when
    result = actions.sweep(today=today())

    # then: 7 items; each told to its people (2 provider staff for referrals) + coordinator + supervisor,
    # and the region's summary of the day for the coordinator and the supervisor
    assert result.items == 7
    assert result.created == 5 * 3 + 2 * 4 + 2
    kinds = set(Reminder.objects.values_list("item_type", flat=True))
    assert kinds == {
        "follow_up",
        "task",
        "referral_accept",
        "referral_complete",
        "document",
        "goal",
        "assessment",
        "escalations",
    }


def test_running_the_sweep_twice_creates_nothing_new(everything_due):
    # given
    first = actions.sweep(today=today())
    before = told()

    # when
    second = actions.sweep(today=today())

    # then
    assert (second.ran, second.items, second.created) == (True, 7, 0)
    assert first.created == len(before) == Reminder.objects.count()
    assert told() == before


def test_the_sweep_uses_a_fixed_number_of_queries_per_kind_of_item(everything_due, django_assert_max_num_queries):
    # given: four statements per kind of item (its own people, two escalations, the count)
    with django_assert_max_num_queries(45) as small:
        actions.sweep(today=today())
    Reminder.objects.all().delete()
    for _ in range(5):
        FollowUpTaskFactory(case=everything_due, due_date=days(-14), assigned_to=everything_due.worker)
        IdentityDocumentFactory(returnee=everything_due.returnee, status="requested", due_date=days(-14))

    # when / then: more due items do not mean more queries
    with django_assert_max_num_queries(len(small.captured_queries)):
        actions.sweep(today=today())


def test_a_sweep_while_another_holds_the_lease_is_skipped(everything_due):
    # given
    holder = lease_acquire("reminder-sweep", 60)
    assert holder is not None

    # when
    skipped = actions.sweep(today=today())

    # then
    assert (skipped.ran, skipped.created) == (False, 0)
    assert Reminder.objects.count() == 0

    # when: the holder lets go
    lease_release("reminder-sweep", holder)
    again = actions.sweep(today=today())

    # then
    assert again.ran
    assert again.created == 25  # 23 for the items, 2 summaries of the region's escalations


def test_a_lease_left_by_a_crashed_sweep_expires(everything_due):
    # given: a holder that died with its lease
    Lease.objects.create(
        name="reminder-sweep", held_until=timezone.now() - datetime.timedelta(seconds=1), holder="dead:0000"
    )

    # when
    result = actions.sweep(today=today())

    # then
    assert result.ran
    assert Lease.objects.get().held_until <= timezone.now()


def test_closed_cases_produce_nothing(worker, everything_due):
    # given: the referrals are ended with the case
    Referral.objects.update(status="cancelled", closing_reason="Case closed.")
    Case.objects.filter(pk=everything_due.pk).update(
        status=Case.Status.CLOSED, closure_reason=Case.ClosureReason.REINTEGRATED, closed_on=today()
    )

    # when
    result = actions.sweep(today=today())

    # then
    assert (result.ran, result.items, result.created) == (True, 0, 0)


# --- Cadences ------------------------------------------------------------------------------------------


def register(actor, region, **overrides):
    return register_returnee(actor, region, **overrides)


@pytest.mark.parametrize(("risk", "cadence"), [("high", 14), ("medium", 30), ("low", 90)])
def test_registration_sets_the_first_follow_up_by_the_risk_cadence(worker, chuy, risk, cadence, coordinator):
    # when
    returnee = register(worker, chuy, risk_level=risk)

    # then
    assert returnee.case.next_follow_up == days(cadence)


def test_changed_cadences_apply_to_new_cases(worker, chuy, coordinator):
    # given
    configure(high_risk_cadence_days=7, medium_risk_cadence_days=21, low_risk_cadence_days=60)

    # when
    high, medium, low = (register(worker, chuy, risk_level=risk) for risk in ("high", "medium", "low"))

    # then
    assert [r.case.next_follow_up for r in (high, medium, low)] == [days(7), days(21), days(60)]


def test_follow_up_after_uses_the_current_settings():
    # given
    configure(medium_risk_cadence_days=45)

    # when / then
    assert case_actions.follow_up_after("medium", datetime.date(2024, 1, 1)) == datetime.date(2024, 2, 15)
    assert case_actions.follow_up_after("unknown", datetime.date(2024, 1, 1)) == datetime.date(2024, 2, 15)


def test_a_logged_visit_moves_the_follow_up_on_by_the_cadence(worker, case):
    # given: an overdue follow-up, already reminded
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-3), risk_level="high")
    actions.sweep(today=today())
    before = Reminder.objects.count()

    # when
    case_actions.note_log(actor=worker, case=case, contact_date=today(), kind="home_visit", summary="Visit.")

    # then: the next sweep has nothing new to say
    case.refresh_from_db()
    assert case.next_follow_up == days(14)
    assert actions.sweep(today=today()).created == 0
    assert Reminder.objects.count() == before


def test_a_visit_logged_late_moves_the_follow_up_at_least_to_tomorrow(worker, case):
    # when: a visit from 40 days ago is logged on a medium-risk case (cadence 30)
    case_actions.note_log(actor=worker, case=case, contact_date=days(-40), kind="phone_call", summary="Call.")

    # then
    case.refresh_from_db()
    assert case.next_follow_up == days(1)


def test_a_follow_up_date_chosen_with_the_visit_wins(worker, case):
    # when
    case_actions.note_log(
        actor=worker, case=case, contact_date=today(), kind="home_visit", summary="Visit.", next_follow_up=days(5)
    )

    # then
    case.refresh_from_db()
    assert case.next_follow_up == days(5)


def test_a_higher_risk_brings_the_follow_up_forward(worker, case, coordinator):
    # given
    Case.objects.filter(pk=case.pk).update(risk_level="low", next_follow_up=days(80))

    # when
    case_actions.case_update(actor=worker, case=case, data={"risk_level": "high", "risk_reason": "Threats."})

    # then: recorded as a change of risk, with the date it moved
    case.refresh_from_db()
    assert case.next_follow_up == days(14)
    event = case.events.get()
    assert event.kind == "risk_changed"
    assert event.changes["next_follow_up"] == [days(80).isoformat(), days(14).isoformat()]


def test_a_lower_risk_leaves_the_follow_up_where_it_was(worker, case):
    # given
    Case.objects.filter(pk=case.pk).update(risk_level="high", next_follow_up=days(10))

    # when
    case_actions.case_update(actor=worker, case=case, data={"risk_level": "low"})

    # then
    case.refresh_from_db()
    assert case.next_follow_up == days(10)


# --- Events: referrals submitted and assigned ----------------------------------------------------------


def request_service(actor, case, **kwargs) -> Referral:
    kwargs.setdefault("service_type", service("individual-counselling"))
    kwargs.setdefault("reason", "Nightmares since arrival; the mother asks for help.")
    kwargs.setdefault("shares_data", False)
    kwargs.setdefault("provider_brief", "Weekly sessions; a Kyrgyz-speaking counsellor if possible.")
    return service_actions.referral_create(actor=actor, case=case, **kwargs)


def assign(coordinator, referral, **kwargs) -> Referral:
    return service_actions.referral_transition(
        actor=coordinator, referral=referral, action="assign", expected_status=referral.status, **kwargs
    )


def test_a_submitted_referral_notifies_the_coordinators_of_its_region(
    worker, case, coordinator, supervisor, osh_coordinator
):
    # given
    second = UserFactory(username="coordinator-c", role=User.Role.COORDINATOR, regions=[case.returnee.region])

    # when
    referral = request_service(worker, case)

    # then
    assert told() == {
        ("referral_submitted", referral.pk, today(), "event", "coordinator-a"),
        ("referral_submitted", referral.pk, today(), "event", second.username),
    }
    assert set(Reminder.objects.values_list("case", flat=True)) == {case.pk}


def test_a_draft_notifies_nobody(worker, case, coordinator):
    # when
    request_service(worker, case, submit=False)

    # then
    assert told() == set()


def test_an_assigned_referral_notifies_every_staff_member_of_the_provider(
    worker, case, coordinator, provider, provider_users
):
    # given
    referral = request_service(worker, case)

    # when
    assign(coordinator, referral, provider=provider)

    # then
    events = {(item, username) for item, _, _, stage, username in told() if item == "referral_assigned"}
    assert events == {("referral_assigned", "provider-1"), ("referral_assigned", "provider-2")}


def test_an_assigned_referral_notifies_only_the_responsible_person(
    worker, colleague, case, coordinator, provider, provider_users
):
    # given
    referral = request_service(worker, case)

    # when
    assign(coordinator, referral, provider=provider, assignee=colleague)

    # then
    events = {username for item, _, _, _, username in told() if item == "referral_assigned"}
    assert events == {"worker-c"}


def test_an_event_e_mail_goes_out_after_commit(
    worker, case, coordinator, at_any_hour, django_capture_on_commit_callbacks
):
    # given
    reachable(coordinator)

    # when: the relay runs eagerly in tests once the transaction commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_service(worker, case)

    # then
    assert len(callbacks) == 1
    assert [message.to for message in mail.outbox] == [["coordinator-a@example.org"]]
    assert Reminder.objects.get().email_status == "sent"


def test_a_broker_that_is_down_does_not_fail_the_save(
    worker, case, coordinator, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # given
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.relay, "apply_async", broker_down)

    # when
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        referral = request_service(worker, case)

    # then: the reminder waits in the database for the next relay
    assert Referral.objects.get(pk=referral.pk).status == "submitted"
    assert Reminder.objects.get().email_status == "pending"
    assert "Broker unavailable; e-mails wait in the database for the next relay." in caplog.messages


# --- E-mail ------------------------------------------------------------------------------------------------


@pytest.fixture
def due_for_worker(worker, case, coordinator):
    """Three reminders for `worker` on two cases, one for the coordinator."""
    second = CaseFactory(worker=worker, returnee=ReturneeFactory(region=case.returnee.region))
    ReminderFactory(case=case, stage="overdue")
    ReminderFactory(case=case, item_type="document", item_id=1, stage="due_soon", due_date=days(2))
    ReminderFactory(case=second, stage="due_today")
    ReminderFactory(case=case, stage="escalated_coordinator", recipient=coordinator)
    return [case, second]


def test_deliver_sends_one_e_mail_with_all_of_a_persons_reminders(worker, due_for_worker, at_any_hour):
    # given
    reachable(worker)

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then
    assert carried == 3
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["worker-a@example.org"]
    assert message.subject == "Repat: 3 reminders"
    for case in due_for_worker:
        assert case.returnee.case_number in message.body
    assert "Hello Test " in message.body
    assert "This e-mail names case numbers only. Sign in to see the details." in message.body
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts")) == {("sent", 1)}
    assert all(r.email_sent_at is not None for r in mine)
    assert Reminder.objects.exclude(recipient=worker).get().email_status == "pending"


def test_the_e_mail_never_names_the_returnee(worker, due_for_worker, at_any_hour):
    # given
    reachable(worker)

    # when
    actions.deliver(user_id=worker.pk, now=at(10))

    # then
    message = mail.outbox[0]
    text = message.subject + message.body
    for case in due_for_worker:
        assert case.returnee.given_name not in text
        assert case.returnee.family_name not in text


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "footer", "stage"),
    [
        (
            "ru",
            "Репат: напоминания (3)",
            "Здравствуйте, Test ",
            "В этом письме указаны только номера дел. Чтобы увидеть подробности, войдите в систему.",
            "Просрочено",
        ),
        (
            "ky",
            "Репат: эскертмелер (3)",
            "Саламатсызбы, Test ",
            "Бул катта иштердин номерлери гана көрсөтүлгөн. Толук маалыматты көрүү үчүн системага кириңиз.",
            "Мөөнөтү өттү",
        ),
    ],
)
def test_the_e_mail_is_in_the_recipients_language(
    worker, due_for_worker, at_any_hour, language, subject, greeting, footer, stage
):
    # given
    reachable(worker, language=language)

    # when
    actions.deliver(user_id=worker.pk, now=at(10))

    # then
    message = mail.outbox[0]
    assert message.subject == subject
    assert greeting in message.body
    assert footer in message.body
    assert stage in message.body
    assert "reminders" not in message.subject


def test_a_second_deliver_sends_nothing(worker, due_for_worker, at_any_hour):
    # given
    reachable(worker)
    actions.deliver(user_id=worker.pk, now=at(10))

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10, 5))

    # then
    assert carried == 0
    assert len(mail.outbox) == 1


def test_a_reminder_made_after_an_e_mail_goes_in_the_next_one(worker, case, due_for_worker, at_any_hour):
    # given
    reachable(worker)
    actions.deliver(user_id=worker.pk, now=at(10))
    ReminderFactory(case=case, item_type="goal", item_id=1, stage="overdue")

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(11))

    # then
    assert carried == 1
    assert [m.subject for m in mail.outbox] == ["Repat: 3 reminders", "Repat: 1 reminders"]


def test_a_user_without_e_mail_is_not_sent_anything(worker, due_for_worker, at_any_hour):
    # given: the fixture users have no e-mail address

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then
    assert carried == 0
    assert mail.outbox == []
    assert set(Reminder.objects.filter(recipient=worker).values_list("email_status", flat=True)) == {"not_sent"}
    assert worker.pk not in actions.recipients_waiting(now=at(10))


def test_an_inactive_user_is_not_sent_anything(worker, due_for_worker, at_any_hour):
    # given
    reachable(worker)
    worker.is_active = False
    worker.save(update_fields=["is_active"])

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then
    assert carried == 0
    assert mail.outbox == []
    assert set(Reminder.objects.filter(recipient=worker).values_list("email_status", flat=True)) == {"not_sent"}


@pytest.mark.parametrize(
    ("hour", "minute", "waiting"),
    [(23, 0, False), (21, 0, False), (2, 0, False), (7, 59, False), (8, 0, True), (10, 0, True), (20, 59, True)],
)
def test_nobody_is_e_mailed_in_quiet_hours(worker, coordinator, due_for_worker, hour, minute, waiting):
    # given: quiet from 21:00 to 8:00 Bishkek time by default
    configure(daily_digest=False)

    # when
    people = actions.recipients_waiting(now=at(hour, minute))

    # then
    assert sorted(people) == (sorted([worker.pk, coordinator.pk]) if waiting else [])


def test_quiet_hours_are_read_in_bishkek_time(worker, due_for_worker):
    # given: 23:00 in Bishkek is 17:00 UTC
    configure(daily_digest=False)
    late_evening = at(23).astimezone(datetime.UTC)
    assert late_evening.hour == 17

    # when / then
    assert actions.recipients_waiting(now=late_evening) == []


def test_quiet_hours_within_one_day(worker, due_for_worker):
    # given
    configure(daily_digest=False, quiet_hours_start=12, quiet_hours_end=14)

    # when / then
    assert actions.recipients_waiting(now=at(13)) == []
    assert actions.recipients_waiting(now=at(14)) != []


def test_the_digest_waits_for_its_hour_then_goes_once_a_day(worker, coordinator, due_for_worker, case):
    # given: the daily digest at 8:00 (the default), no quiet hours
    configure(quiet_hours_start=0, quiet_hours_end=0)
    reachable(worker)

    # then: nothing before the digest hour
    assert actions.recipients_waiting(now=at(7)) == []

    # when: after it
    assert worker.pk in actions.recipients_waiting(now=at(9))
    carried = actions.deliver(user_id=worker.pk, now=at(9))

    # then: one e-mail, and the day is recorded
    assert carried == 3
    assert len(mail.outbox) == 1
    assert list(DigestLog.objects.values_list("recipient", "day")) == [(worker.pk, today())]

    # when: something new comes up the same day
    ReminderFactory(case=case, item_type="goal", item_id=1, stage="overdue")

    # then: it waits for tomorrow's digest
    assert actions.recipients_waiting(now=at(15)) == [coordinator.pk]
    assert actions.deliver(user_id=worker.pk, now=at(15)) == 0
    assert len(mail.outbox) == 1
    assert worker.pk in actions.recipients_waiting(now=at(9, day=1))
    assert actions.deliver(user_id=worker.pk, now=at(9, day=1)) == 1
    assert len(mail.outbox) == 2


@pytest.fixture
def smtp_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("451 Temporary local problem, try again later")

    monkeypatch.setattr(actions.email, "send_mail", refuse)


def test_a_failed_send_puts_the_reminders_back_with_the_error_and_a_retry_time(
    worker, due_for_worker, smtp_down, caplog
):
    # given
    reachable(worker)

    # when
    with caplog.at_level(logging.WARNING):
        carried = actions.deliver(user_id=worker.pk, now=at(9))

    # then: waiting again, attempt counted, retried in a minute or so, and today's digest is still to send
    assert carried == 0
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts", "email_error", "email_failing_since")) == {
        ("pending", 1, "451 Temporary local problem, try again later", at(9))
    }
    for retry_at in mine.values_list("email_retry_at", flat=True):
        assert at(9, 1) <= retry_at <= at(9, 1) + datetime.timedelta(seconds=6)
    assert not DigestLog.objects.exists()
    assert mail.outbox == []
    assert f"E-mail to user {worker.pk} not sent (attempt 1): SMTPException; it will be retried." in caplog.messages


def test_a_retry_waits_for_its_time(worker, due_for_worker, smtp_down, at_any_hour):
    # given: a failed try at 10:00
    reachable(worker)
    actions.deliver(user_id=worker.pk, now=at(10))

    # then: nobody to e-mail before the retry time, and a delivery asked for meanwhile sends nothing
    assert worker.pk not in actions.recipients_waiting(now=at(10, 0) + datetime.timedelta(seconds=30))
    assert actions.deliver(user_id=worker.pk, now=at(10, 0) + datetime.timedelta(seconds=30)) == 0
    assert set(Reminder.objects.filter(recipient=worker).values_list("email_attempts", flat=True)) == {1}
    assert worker.pk in actions.recipients_waiting(now=at(10, 2))


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (30, 60)])
def test_the_pause_between_tries_doubles_up_to_an_hour(attempts, minutes):
    delay = actions.retry_delay(attempts)
    assert datetime.timedelta(minutes=minutes) <= delay <= datetime.timedelta(minutes=minutes) * 1.1


def relay_until(worker, start, end, step=datetime.timedelta(minutes=2)) -> list[datetime.datetime]:
    """Run the relay as beat does (every 2 minutes) from `start` to `end`: the moments it sent."""
    sent, now = [], start
    while now <= end:
        if worker.pk in actions.recipients_waiting(now=now) and actions.deliver(user_id=worker.pk, now=now):
            sent.append(now)
        now += step
    return sent


def test_a_four_minute_smtp_outage_fails_nothing_and_each_e_mail_goes_once_after_it(
    worker, coordinator, due_for_worker, smtp_down, monkeypatch, at_any_hour
):
    # given: the SMTP server refuses every connection from 10:00 to 10:04
    reachable(worker)
    reachable(coordinator)

    # when: the relay runs every 2 minutes through the outage
    assert relay_until(worker, at(10), at(10, 4)) == []
    assert relay_until(coordinator, at(10), at(10, 4)) == []

    # then: nothing is failed, everything waits
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"pending"}

    # when: the server is back and the relay goes on
    monkeypatch.undo()
    sent = relay_until(worker, at(10, 6), at(11)) + relay_until(coordinator, at(10, 6), at(11))

    # then: one e-mail each, as soon as their retry time came
    assert len(sent) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator-a@example.org", "worker-a@example.org"]
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"sent"}


def test_an_outage_longer_than_the_budget_marks_the_e_mails_failed_only_at_its_end(
    worker, due_for_worker, smtp_down, at_any_hour, settings, caplog
):
    # given: a budget of 6 hours, the SMTP server down from 10:00 for good
    settings.REPAT_EMAIL_RETRY_HOURS = 6
    reachable(worker)

    # when: the relay runs every 2 minutes for 5 h 50 min
    relay_until(worker, at(10), at(15, 50))

    # then: still waiting, tried with backoff (about a dozen times, not 175)
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", flat=True)) == {"pending"}
    assert 8 <= mine.first().email_attempts <= 12

    # when: the budget is spent
    with caplog.at_level(logging.WARNING):
        relay_until(worker, at(15, 52), at(17, 30))

    # then: failed for an administrator, with the last error, and never picked up again
    assert set(mine.values_list("email_status", "email_error")) == {
        ("failed", "451 Temporary local problem, try again later")
    }
    assert any("3 reminders marked failed after the retry budget." in message for message in caplog.messages)
    assert worker.pk not in actions.recipients_waiting(now=at(18))
    assert mail.outbox == []


def test_a_send_that_works_on_the_next_attempt_is_sent_once(worker, due_for_worker, smtp_down, monkeypatch):
    # given
    reachable(worker)
    actions.deliver(user_id=worker.pk, now=at(9))
    monkeypatch.undo()

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(9, 5))

    # then
    assert carried == 3
    assert len(mail.outbox) == 1
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts", "email_retry_at")) == {("sent", 2, None)}


def test_a_real_smtp_backend_with_nothing_listening_is_retried_too(worker, due_for_worker, at_any_hour, settings):
    # given: Django's SMTP backend pointed at a loopback port where nothing listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    reachable(worker)

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then
    assert carried == 0
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts")) == {("pending", 1)}
    assert "Connection refused" in mine.first().email_error


def test_a_stale_sending_claim_is_marked_failed_and_never_resent(worker, due_for_worker, at_any_hour):
    # given: a worker died 16 minutes ago while sending one reminder; another was claimed a minute ago
    reachable(worker)
    stale, fresh, waiting = Reminder.objects.filter(recipient=worker).order_by("id")
    Reminder.objects.filter(pk=stale.pk).update(
        email_status="sending", email_claimed_at=at(10) - datetime.timedelta(minutes=16), email_attempts=1
    )
    Reminder.objects.filter(pk=fresh.pk).update(
        email_status="sending", email_claimed_at=at(10) - datetime.timedelta(minutes=1), email_attempts=1
    )

    # when
    people = actions.recipients_waiting(now=at(10))
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then
    stale.refresh_from_db()
    fresh.refresh_from_db()
    waiting.refresh_from_db()
    assert worker.pk in people
    assert (stale.email_status, stale.email_error) == ("failed", STALE_CLAIM_ERROR)
    assert fresh.email_status == "sending"
    assert (carried, waiting.email_status) == (1, "sent")
    assert mail.outbox[0].subject == "Repat: 1 reminders"


def fail_for_good(worker):
    """The worker's e-mail failed after the whole retry budget."""
    Reminder.objects.filter(recipient=worker).update(
        email_status="failed", email_attempts=14, email_failing_since=at(10, day=-2), email_error="451 Try later"
    )


def test_failed_reminders_stay_in_the_app(worker, due_for_worker, smtp_down, at_any_hour):
    # given
    reachable(worker)
    actions.deliver(user_id=worker.pk, now=at(10))
    actions.deliver(user_id=worker.pk, now=at(10, day=2))

    # then: the e-mail failed; the in-app notification is still unread
    assert Reminder.objects.filter(recipient=worker, email_status="failed", read_at__isnull=True).count() == 3


def test_an_administrator_sends_failed_e_mails_again(
    worker, coordinator, administrator, due_for_worker, at_any_hour, django_capture_on_commit_callbacks
):
    # given
    from repat.audit.models import AuditEvent

    reachable(worker)
    fail_for_good(worker)
    ids = list(Reminder.objects.values_list("pk", flat=True))  # the coordinator's is not failed

    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = actions.emails_resend(actor=administrator, reminder_ids=ids)

    # then: waiting again with a fresh budget, the relay asked for (eager: sent at once), audited
    assert count == 3
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts", "email_failing_since", "email_error")) == {
        ("sent", 1, None, "")
    }
    assert [m.to for m in mail.outbox] == [["worker-a@example.org"]]
    event = AuditEvent.objects.get(detail="resend failed e-mails")
    assert (event.actor, event.action, event.object_type, event.changes["count"]) == (
        administrator,
        "change",
        "reminder",
        3,
    )


def test_only_an_administrator_sends_failed_e_mails_again(worker, coordinator, due_for_worker):
    fail_for_good(worker)
    with pytest.raises(PermissionDenied):
        actions.emails_resend(actor=coordinator, reminder_ids=Reminder.objects.values_list("pk", flat=True))
    assert set(Reminder.objects.filter(recipient=worker).values_list("email_status", flat=True)) == {"failed"}


KINDS = ("follow_up", "task", "document", "goal", "assessment", "referral_accept", "referral_complete")


def test_a_digest_lists_the_most_pressing_and_says_how_many_more(worker, case, settings, at_any_hour):
    # given: reminders of 7 kinds (a line each), an e-mail lists 5 lines
    settings.REPAT_DIGEST_MAX_ITEMS = 5
    reachable(worker)
    for n, kind in enumerate(KINDS):
        ReminderFactory(case=case, item_type=kind, item_id=n + 1, stage="overdue", due_date=days(-n))

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then: all 7 are carried (and in the app); the e-mail lists the 5 oldest and says "and 2 more"
    assert carried == 7
    message = mail.outbox[0]
    assert message.subject == "Repat: 7 reminders"
    assert message.body.count("\n- ") == 5
    assert "and 2 more" in message.body
    for n in range(2, 7):
        assert days(-n).strftime("%d.%m.%Y") in message.body
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"sent"}


def test_a_digest_groups_reminders_of_one_kind_into_one_line(worker, settings, at_any_hour):
    # given: 12 overdue or due tasks on 12 cases, and one follow-up
    reachable(worker)
    cases = [CaseFactory(worker=worker) for _ in range(12)]
    for n, case in enumerate(cases):
        ReminderFactory(
            case=case, item_type="task", item_id=n + 1, stage="overdue" if n % 3 else "due_today", due_date=days(-n)
        )
    ReminderFactory(case=cases[0], stage="due_soon", due_date=days(2))

    # when
    carried = actions.deliver(user_id=worker.pk, now=at(10))

    # then: two lines, counted by stage, with the span of due dates and ten case numbers
    assert carried == 13
    body = mail.outbox[0].body
    assert body.count("\n- ") == 2
    assert f"- Follow-up task: Overdue (8), Due today (4); due {days(-11):%d.%m.%Y} to {days(0):%d.%m.%Y}" in body
    assert f"- Case follow-up: Due soon; due {days(2):%d.%m.%Y}" in body
    assert "and 2 more cases" in body
    # the ten most pressing tasks' cases (not the two due latest), and the follow-up's case
    assert [case.returnee.case_number in body for case in cases] == [True, False] + [True] * 10


@pytest.mark.parametrize(
    ("language", "more", "text"),
    [("en", 1, "and 1 more"), ("en", 3, "and 3 more")],
)
def test_and_n_more_is_translated(worker, case, settings, at_any_hour, language, more, text):
    settings.REPAT_DIGEST_MAX_ITEMS = 1
    reachable(worker, language=language)
    for n in range(more + 1):
        ReminderFactory(case=case, item_type=KINDS[n], item_id=n + 1, stage="overdue")
    actions.deliver(user_id=worker.pk, now=at(10))
    assert text in mail.outbox[0].body


# --- Tasks (eager in tests) ------------------------------------------------------------------------------


def test_the_sweep_task_records_and_sends(worker, case, coordinator, at_any_hour):
    # given
    reachable(worker)
    reachable(coordinator)
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-7))

    # when
    created = tasks.sweep.delay().get()

    # then: the worker's overdue follow-up, the escalated item and the coordinator's summary of it;
    # the coordinator is e-mailed the summary, the item itself rides in it
    assert created == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator-a@example.org", "worker-a@example.org"]
    statuses = dict(Reminder.objects.values_list("item_type", "email_status").filter(recipient=coordinator))
    assert statuses == {"follow_up": EmailStatus.SUMMARISED, "escalations": EmailStatus.SENT}
    assert Reminder.objects.get(recipient=worker).email_status == EmailStatus.SENT


def test_the_sweep_task_returns_zero_when_skipped(case):
    # given
    lease_acquire("reminder-sweep", 60)
    Case.objects.filter(pk=case.pk).update(next_follow_up=today())

    # when / then
    assert tasks.sweep.delay().get() == 0
    assert not Reminder.objects.exists()


def test_the_relay_task_queues_one_delivery_per_person(worker, coordinator, due_for_worker, at_any_hour):
    # given
    reachable(worker)
    reachable(coordinator)

    # when
    people = tasks.relay.delay().get()

    # then
    assert people == 2
    assert len(mail.outbox) == 2
    assert tasks.relay.delay().get() == 0
    assert len(mail.outbox) == 2


def test_the_deliver_task_leaves_a_failing_send_to_the_relay_and_never_raises(
    worker, due_for_worker, smtp_down, at_any_hour
):
    # given
    reachable(worker)

    # when: the task runs (eager) while SMTP is down
    result = tasks.deliver.apply(args=[worker.pk])

    # then: no error, no broker retry: the database holds the next try
    assert result.successful() and result.get() == 0
    mine = Reminder.objects.filter(recipient=worker)
    assert set(mine.values_list("email_status", "email_attempts")) == {("pending", 1)}
    assert mail.outbox == []


def test_settings_are_one_row_with_consistent_thresholds():
    # given
    config = ReminderSettings.current()

    # then
    assert (config.pk, ReminderSettings.current().pk) == (1, 1)
    config.escalate_to_coordinator_days, config.escalate_to_supervisor_days = 10, 5
    with pytest.raises(ValidationError) as refused:
        config.full_clean()
    assert refused.value.messages == ["The supervisor is told after the coordinator, not before."]


def test_the_statuses_the_sweep_reads_exist_in_the_models():
    # The sweep filters on these statuses by name: a renamed status would silently drop reminders.
    assert {"missing", "requested", "in_progress", "refused"} < set(IdentityDocument.Status.values)
    assert {"not_started", "in_progress"} < set(PlanGoal.Status.values)
    assert "planned" in Assessment.Status.values


def test_an_unassigned_case_overdue_for_follow_up_is_escalated_to_the_regions_coordinator(coordinator, chuy):
    from cases.models import Case
    from repat.reminders import actions as reminder_actions
    from repat.reminders.models import Reminder
    from tests.factories import CaseFactory, ReturneeFactory

    # given: nobody holds the case, and its follow-up is long overdue
    today = timezone.localdate()
    case = CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))
    Case.objects.filter(pk=case.pk).update(next_follow_up=today - datetime.timedelta(days=30))

    # when
    reminder_actions.sweep(today=today)

    # then the coordinator of the region is told
    assert list(Reminder.objects.filter(case=case).values_list("recipient", "stage")) == [
        (coordinator.pk, "escalated_coordinator")
    ]


def test_alerts_about_a_person_go_at_once_at_any_hour_and_leave_the_digest_alone(worker, administrator, case):
    # given: quiet hours and the daily digest (the defaults); a follow-up due, and an alert about
    # someone who stepped through case ids (issue 13: administrators are told at once)
    admin = reachable(administrator)
    ReminderFactory(case=case, recipient=admin)
    Reminder.objects.create(
        item_type=Reminder.Item.REFUSALS, item_id=1, due_date=today(), stage=Reminder.Stage.EVENT, recipient=admin
    )

    # when: at 23:00
    waiting = actions.recipients_waiting(now=at(23))
    carried = actions.deliver(user_id=admin.pk, now=at(23))

    # then: the alert alone, in an e-mail of its own; the day's digest is still to come
    assert (waiting, carried) == ([admin.pk], 1)
    (alert,) = mail.outbox
    assert alert.subject == "Repat: alert"
    assert "Many refused requests" in alert.body
    assert not DigestLog.objects.exists()
    assert actions.recipients_waiting(now=at(23, 30)) == []
    assert actions.deliver(user_id=admin.pk, now=at(9, day=1)) == 1
    assert "Case follow-up" in mail.outbox[1].body


# --- A sweep longer than its lease -----------------------------------------------------------------------


class Clock:
    """timezone.now() that moves only when told: each statement of the sweep "takes" `step`."""

    def __init__(self, step: datetime.timedelta):
        self.now, self.step = timezone.now(), step

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def slow_statements(monkeypatch):
    """Every INSERT of the sweep takes 45 s (of a clock of our own); `during(n, do)` runs `do` right
    after the n-th statement."""
    clock = Clock(datetime.timedelta(seconds=45))
    monkeypatch.setattr(timezone, "now", clock)
    run, hooks, count = actions.due._Insert.run, {}, [0]

    def slow_run(self, *args):
        clock.now += clock.step
        run(self, *args)
        count[0] += 1
        if count[0] in hooks:
            hooks[count[0]]()

    monkeypatch.setattr(actions.due._Insert, "run", slow_run)
    clock.during = hooks.__setitem__
    return clock


def test_a_sweep_longer_than_its_lease_renews_it_and_a_second_sweep_is_skipped(everything_due, slow_statements):
    # given: a lease of 60 s, statements of 45 s each, about 20 of them; a second beat's sweep
    # starts after the 5th (3 min 45 s in)
    second = []
    slow_statements.during(5, lambda: second.append(actions.sweep(today=today(), lease_seconds=60)))

    # when
    first = actions.sweep(today=today(), lease_seconds=60)

    # then: the first renewed its lease and did all the work; the second did nothing
    assert (first.ran, first.stopped, first.created) == (True, False, 25)  # with the 2 regional summaries
    assert [result.ran for result in second] == [False]
    assert Lease.objects.get(name="reminder-sweep").held_until <= timezone.now()


def test_a_sweep_whose_lease_was_taken_stops_cleanly(everything_due, slow_statements, caplog):
    # given: after the 3rd statement another holder has the lease (the first's had lapsed)
    def taken():
        Lease.objects.filter(name="reminder-sweep").update(
            holder="other:1234", held_until=timezone.now() + datetime.timedelta(minutes=10)
        )

    slow_statements.during(3, taken)

    # when
    with caplog.at_level(logging.WARNING):
        result = actions.sweep(today=today(), lease_seconds=60)

    # then: it stopped at the next renewal, kept what it made, and left the other's lease alone
    assert (result.ran, result.stopped) == (True, True)
    assert 0 < result.created < 25
    assert "Reminder sweep stopped: its lease expired and another sweep took it over." in caplog.messages
    lease = Lease.objects.get(name="reminder-sweep")
    assert (lease.holder, lease.held_until > timezone.now()) == ("other:1234", True)

    # when: the lease is free again, the next sweep carries on without duplicates
    Lease.objects.update(held_until=timezone.now() - datetime.timedelta(seconds=1))
    assert actions.sweep(today=today()).created == 25 - result.created


def test_the_sweep_task_stops_at_its_soft_time_limit_and_lets_go_of_the_lease(everything_due, monkeypatch, caplog):
    # given: the time limit strikes in the middle of the sweep
    from celery.exceptions import SoftTimeLimitExceeded

    def interrupted(*args):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(actions.due, "_queue_due", interrupted)

    # when
    with caplog.at_level(logging.WARNING):
        created = tasks.sweep.delay().get()

    # then: no error, the lease is free for the next sweep
    assert created == 0
    assert "Reminder sweep stopped at its time limit; the next sweep carries on." in caplog.messages
    assert lease_acquire("reminder-sweep", 60) is not None


def test_the_sweep_has_longer_time_limits_than_other_tasks(settings):
    assert (tasks.sweep.soft_time_limit, tasks.sweep.time_limit) == (30 * 60, 32 * 60)
    assert (settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT) == (300, 360)
    assert tasks.deliver.soft_time_limit == 300  # the defaults above


def test_a_broker_that_stays_down_is_said_once_not_for_every_save(
    worker, case, coordinator, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.relay, "apply_async", broker_down)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        for _n in range(3):
            request_service(worker, case)

    assert caplog.messages.count("Broker unavailable; e-mails wait in the database for the next relay.") == 1


def test_the_e_mail_links_to_the_configured_site_address(worker, due_for_worker, at_any_hour, settings):
    settings.REPAT_SITE_URL = "https://repat.example.kg"
    reachable(worker)

    actions.deliver(user_id=worker.pk, now=at(10))

    assert "https://repat.example.kg/reminders/" in mail.outbox[0].body
    assert ":8000" not in mail.outbox[0].body
