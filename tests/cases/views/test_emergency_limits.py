"""Breaking the glass has limits (issue 13, point 9), each tried here through the page:

- a few openings per person per Asia/Bishkek day (CaseSettings, set in the admin, 3 by default);
  beyond them a supervisor of the case's region must approve each further opening;
- the reason must be written in words: junk is refused next to the field, and costs nothing;
- the page never says whether a case number exists: an unknown number and a case that cannot be
  opened are answered alike, with the same queries, and count and are audited like any attempt;
- reaching the limit alerts the supervisors (and, for a number that opens nothing, the
  administrators) at once, in the app and by e-mail."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, CaseSettings, EmergencyAccess
from repat.accounts.models import User
from repat.approvals.models import ApprovalRequest
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, ReturneeFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("cases:emergency_access")
REASON = "The hospital called: the child was admitted tonight and they need her documents."
NOT_WORDS = "Say in words why you need this case now: a sentence or two, not letters or one word repeated."
NOTHING_TO_OPEN = (
    "No case that you may open in an emergency has this number. The attempt is recorded and counts towards "
    "today's emergency openings."
)
SENT = (
    "You have used today's emergency openings, so a supervisor must approve each further one. If a case has "
    "this number, your request is now with its supervisors, and you will be told of their answer. "
    "The attempt is recorded."
)
UNKNOWN = "T-1999-99999"


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def attempts(user) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(actor=user, action="emergency")
        .order_by("id")
        .values_list("detail", "case_id", "changes__case_number__1")
    )


@pytest.fixture
def osh_cases(other_worker, osh):
    """Five cases in Osh, none of them the Chüy worker's."""
    return [CaseFactory(worker=other_worker, returnee=ReturneeFactory(region=osh)) for _ in range(5)]


@pytest.fixture
def anonymised(other_worker, osh):
    """A case of Osh anonymised after the retention period: it cannot be opened any more."""
    today = timezone.localdate()
    return CaseFactory(
        worker=other_worker,
        returnee=ReturneeFactory(region=osh, given_name="[anonymised]"),
        status="closed",
        opened_on=today - datetime.timedelta(days=3000),
        closed_on=today - datetime.timedelta(days=2000),
        closure_reason="moved",
        anonymised_on=today,
    )


@pytest.fixture
def people(supervisor, osh_supervisor, administrator):
    """Everyone who may be alerted, with an e-mail address."""
    for user in (supervisor, osh_supervisor, administrator):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.org")


def open_(client, number, reason=REASON):
    """Post the form; `response.flashed` holds the messages it left (shown, so cleared, at once)."""
    response = client.post(URL, {"case_number": number, "reason": reason})
    response.flashed = flashed(response)
    if response.flashed:
        client.get(URL)  # shows them, as following the redirect would
    return response


# --- The limit


def test_three_openings_a_day_then_each_further_one_waits_for_a_supervisor(worker, osh_cases, client_for):
    client = client_for(worker)

    # when: three openings
    for case in osh_cases[:3]:
        response = open_(client, case.returnee.case_number)
        assert response["Location"] == case.get_absolute_url()

    # then: the page says none are left
    page = client.get(URL).content.decode()
    assert "You have used today's emergency openings" in page

    # when: a fourth
    fourth = osh_cases[3]
    response = open_(client, fourth.returnee.case_number)

    # then: not opened, a supervisor is asked
    assert response["Location"] == URL
    assert response.flashed == [SENT]
    assert EmergencyAccess.objects.count() == 3
    assert client.get(fourth.get_absolute_url()).status_code == 404
    request = ApprovalRequest.objects.get(kind="emergency_access")
    assert (request.case, request.requested_by, request.region.name, request.status, request.comment) == (
        fourth,
        worker,
        "Osh Oblast",
        "pending",
        REASON,
    )
    # ... which the requester cannot read (it names the returnee)
    assert client.get(request.get_absolute_url()).status_code == 404
    assert fourth.returnee.case_number not in client.get(reverse("approvals:queue") + "?status=").content.decode()


def test_a_supervisor_of_the_cases_region_approves_a_further_opening(
    worker, supervisor, osh_supervisor, osh_cases, client_for
):
    # given: the day's openings used, a fourth asked for
    worker_client = client_for(worker)
    for case in osh_cases[:4]:
        open_(worker_client, case.returnee.case_number)
    request = ApprovalRequest.objects.get(kind="emergency_access")
    fourth = osh_cases[3]

    # then: Osh's supervisor has it in the queue, Chüy's supervisor cannot answer it
    assert Reminder.objects.filter(item_type="approval_requested", recipient=osh_supervisor).exists()
    assert client_for(supervisor).get(request.get_absolute_url()).status_code == 404
    osh = client_for(osh_supervisor)
    queue = osh.get(reverse("approvals:queue") + "?kind=emergency_access").content.decode()
    assert fourth.returnee.case_number in queue
    page = osh.get(request.get_absolute_url()).content.decode()
    assert "Opening the case in an emergency for" in page and REASON in page

    # when: approved
    response = osh.post(request.get_absolute_url(), {"decision": "approve", "comment": ""})

    # then: the access starts now, named as approved, and the requester can read the case
    assert response.status_code == 302
    access = EmergencyAccess.objects.get(case=fourth)
    assert (access.user, access.approved_by, access.reason) == (worker, osh_supervisor, REASON)
    assert client_for(worker).get(fourth.get_absolute_url()).status_code == 200
    assert Reminder.objects.filter(item_type="approval_decided", recipient=worker, item_id=request.pk).exists()
    assert not Reminder.objects.filter(item_type="approval_decided", recipient=fourth.worker).exists()
    kinds = list(CaseEvent.objects.filter(case=fourth).order_by("id").values_list("kind", "actor__username"))
    assert kinds == [
        ("approval_requested", "worker-a"),
        ("emergency_access", "worker-a"),
        ("approval_given", "supervisor-b"),
    ]


def test_the_requester_never_approves_their_own_opening(coordinator, osh_cases, osh, client_for):
    # given: a coordinator of Chüy asks for a fourth Osh case, and is made a supervisor of Osh meanwhile
    client = client_for(coordinator)
    for case in osh_cases[:4]:
        open_(client, case.returnee.case_number)
    request = ApprovalRequest.objects.get(kind="emergency_access")
    User.objects.filter(pk=coordinator.pk).update(role=User.Role.SUPERVISOR)
    coordinator.regions.add(osh)

    # when
    response = client_for(User.objects.get(pk=coordinator.pk)).post(
        request.get_absolute_url(), {"decision": "approve", "comment": ""}
    )

    # then
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_limit_is_set_by_an_administrator_in_the_admin(worker, administrator, osh_cases, client_for):
    # given
    CaseSettings.current()
    admin = client_for(administrator)
    url = reverse("admin:cases_casesettings_change", args=[1])
    assert admin.post(url, {"consent_min_age": 14, "emergency_access_daily_limit": 1}).status_code == 302

    # when
    client = client_for(worker)
    first = open_(client, osh_cases[0].returnee.case_number)
    second = open_(client, osh_cases[1].returnee.case_number)

    # then
    assert first["Location"] == osh_cases[0].get_absolute_url()
    assert (second["Location"], second.flashed) == (URL, [SENT])


@pytest.fixture
def clock(monkeypatch):
    """Set the time audit rows are written at (`clock.at = ...`): attempts made on another day."""

    class Clock:
        at = None

    field = AuditEvent._meta.get_field("at")
    monkeypatch.setattr(field, "_get_default", lambda: Clock.at or timezone.now())
    return Clock


def bishkek_midnight() -> datetime.datetime:
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(timezone.localdate(timezone=zone), datetime.time.min, tzinfo=zone)


def test_the_day_is_the_bishkek_day(worker, osh_cases, client_for, clock):
    client = client_for(worker)

    # given: three attempts at 23:50 yesterday, Bishkek time (17:50 UTC, the same UTC day)
    clock.at = bishkek_midnight() - datetime.timedelta(minutes=10)
    for _ in range(3):
        open_(client, UNKNOWN)

    # when: today
    clock.at = None
    response = open_(client, osh_cases[0].returnee.case_number)

    # then: today's first opening
    assert response["Location"] == osh_cases[0].get_absolute_url()


def test_attempts_after_midnight_in_bishkek_count_for_the_new_day(worker, osh_cases, client_for, clock):
    client = client_for(worker)

    # given: three attempts at 00:00:01 today, Bishkek time (still yesterday in UTC)
    clock.at = bishkek_midnight() + datetime.timedelta(seconds=1)
    assert clock.at.astimezone(datetime.UTC).date() < timezone.localdate()
    for _ in range(3):
        open_(client, UNKNOWN)
    clock.at = None

    # when
    response = open_(client, osh_cases[0].returnee.case_number)

    # then
    assert (response["Location"], response.flashed) == (URL, [SENT])


# --- The reason


@pytest.mark.parametrize(
    "reason",
    [
        "asdfghjklqwertyuiopz",  # the 20 letters of the issue
        "aaaaaaaaaaaaaaaaaaaaaaaaa",
        "urgent urgent urgent urgent urgent",
        "qwerty asdfgh zxcvbn yuiop hjkl",
        "фывапролд ячсмить йцукенг фывапролд",
        "1234567890 1234567890 1234567890",
        "a b c d e f g h i j k l",
        "Emergency, please open it",
        "xkcd bcdf ghjkl mnpqr stvwx",
    ],
)
def test_a_reason_that_is_not_words_is_refused_next_to_the_field_and_costs_nothing(
    reason, worker, osh_cases, client_for
):
    response = open_(client_for(worker), osh_cases[0].returnee.case_number, reason)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": [NOT_WORDS]}
    assert attempts(worker) == []
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize(
    "reason",
    [
        "Police called: the boy was found alone at the Osh bus station tonight.",
        "Из больницы позвонили: ребёнка госпитализировали ночью, нужны его документы.",
        "Ооруканадан чалышты: бала түнү жаткырылды, документтери шашылыш керек.",
        "اتصلت الشرطة: وجدوا الطفل وحده في محطة الحافلات الليلة",
    ],
)
def test_a_reason_in_words_opens_the_case_in_any_script(reason, worker, osh_cases, client_for):
    response = open_(client_for(worker), osh_cases[0].returnee.case_number, reason)

    assert response["Location"] == osh_cases[0].get_absolute_url()
    assert EmergencyAccess.objects.get().reason == reason


@pytest.mark.parametrize("number", ["12345", "Aisha Chuyova", "KG 2023", "KG-23-1"])
def test_something_that_is_no_case_number_is_refused_and_never_recorded(number, worker, client_for):
    response = open_(client_for(worker), number)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "case_number": ["Type the case number as it is written on the file, for example KG-2023-00001."]
    }
    assert not AuditEvent.objects.filter(action="emergency").exists()


# --- Whether a number exists


def normalised(queries) -> list[str]:
    """The statements run, with their values taken out: the same list means the same work."""
    return [re.sub(r"'[^']*'|\b\d+\b|\bNULL\b|\"s\d+_x\d+\"", "?", query["sql"]) for query in queries]


def test_an_unknown_number_and_a_case_that_cannot_be_opened_are_answered_alike(
    worker, anonymised, osh_cases, client_for
):
    client = client_for(worker)
    CaseSettings.current()  # (made on first use: not part of what is compared)
    answers, work = [], []

    # when: within the limit, then beyond it
    for number in (UNKNOWN, anonymised.returnee.case_number, "T-1999-99998", anonymised.returnee.case_number):
        with CaptureQueriesContext(connection) as queries:
            response = open_(client, number)
        # The form as answered (the count of openings left above it goes down by one each time).
        form = re.search(r'<form method="post" novalidate>.*?</form>', response.content.decode(), re.S)
        form = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", form.group(0) if form else "")
        answers.append((response.status_code, response.get("Location"), response.flashed, form.replace(number, "#")))
        work.append(normalised(queries.captured_queries))

    # then: the same answer, the same statements
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert answers[0][1:3] == (None, [])
    assert NOTHING_TO_OPEN.replace("'", "&#x27;") in answers[0][3]
    assert work[0] == work[1]
    # ... and beyond the limit, the same as for a case that exists: "sent for approval"
    assert answers[3][:3] == (302, URL, [SENT])
    existing = open_(client, osh_cases[0].returnee.case_number)
    assert (existing["Location"], existing.flashed) == (URL, [SENT])


def test_every_attempt_counts_and_is_audited_unknown_numbers_included(worker, anonymised, osh_cases, client_for):
    client = client_for(worker)

    open_(client, UNKNOWN)
    open_(client, anonymised.returnee.case_number)
    open_(client, osh_cases[0].returnee.case_number)  # the third: still opens
    open_(client, osh_cases[1].returnee.case_number)  # the fourth: a supervisor must approve

    assert attempts(worker) == [
        ("attempt:nothing to open", None, UNKNOWN),
        ("attempt:nothing to open", anonymised.pk, anonymised.returnee.case_number),
        ("attempt:opened", osh_cases[0].pk, osh_cases[0].returnee.case_number),
        ("attempt:approval", osh_cases[1].pk, osh_cases[1].returnee.case_number),
    ]
    assert EmergencyAccess.objects.get().case == osh_cases[0]


def test_ones_own_case_opens_without_counting(worker, case, osh_cases, client_for):
    client = client_for(worker)
    for _ in range(5):
        assert open_(client, case.returnee.case_number)["Location"] == case.get_absolute_url()

    assert attempts(worker) == []
    assert open_(client, osh_cases[0].returnee.case_number)["Location"] == osh_cases[0].get_absolute_url()


# --- Alerts


def told(item="emergency_limit") -> list[tuple]:
    return sorted(Reminder.objects.filter(item_type=item).values_list("recipient__username", "case__pk"))


def test_reaching_the_limit_alerts_the_supervisors_at_once(
    worker, people, osh_cases, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(worker)
    for case in osh_cases[:2]:
        open_(client, case.returnee.case_number)
    assert told() == []

    # when: the third, the limit
    with django_capture_on_commit_callbacks(execute=True):
        open_(client, osh_cases[2].returnee.case_number)

    # then: Osh's supervisor (the case's region) and Chüy's (the worker's), not the administrators
    assert told() == [("supervisor-a", osh_cases[2].pk), ("supervisor-b", osh_cases[2].pk)]
    alerts = [mail for mail in mailoutbox if mail.subject == "Repat: alert"]
    assert sorted(mail.to[0] for mail in alerts) == ["supervisor-a@example.org", "supervisor-b@example.org"]
    assert all("Emergency access limit reached, worker-a" in mail.body for mail in alerts)
    # ... once: the fourth asks for approval, it does not alert again
    open_(client, osh_cases[3].returnee.case_number)
    assert len(told()) == 2


def test_an_unknown_number_at_the_limit_alerts_the_administrators_too(worker, people, osh_cases, client_for):
    client = client_for(worker)
    for case in osh_cases[:2]:
        open_(client, case.returnee.case_number)

    open_(client, UNKNOWN)

    assert told() == [("admin-a", None), ("supervisor-a", None)]
    alert = AuditEvent.objects.get(action="alert")
    assert (alert.actor, alert.object_id, alert.detail, alert.changes) == (
        worker,
        worker.pk,
        "emergency limit, nothing to open",
        {"attempts": [None, 3], "limit": [None, 3]},
    )


def test_unknown_numbers_beyond_the_limit_alert_the_administrators_once_a_day(worker, people, osh_cases, client_for):
    client = client_for(worker)
    for case in osh_cases[:3]:
        open_(client, case.returnee.case_number)

    for number in (UNKNOWN, "T-1999-99998", "T-1999-99997"):
        assert open_(client, number).flashed == [SENT]

    assert told() == [("admin-a", None), ("supervisor-a", osh_cases[2].pk), ("supervisor-b", osh_cases[2].pk)]


def test_the_supervisors_alert_leads_to_the_openings_waiting_for_approval(
    worker, people, osh_supervisor, osh_cases, client_for
):
    client = client_for(worker)
    for case in osh_cases[:4]:
        open_(client, case.returnee.case_number)
    reminder = Reminder.objects.get(item_type="emergency_limit", recipient=osh_supervisor)
    osh = client_for(osh_supervisor)

    listed = osh.get(reverse("reminders:list")).content.decode()
    opened = osh.get(reverse("reminders:open", args=[reminder.pk]))

    assert "Emergency access limit reached" in listed and "worker-a" in listed
    assert opened["Location"] == reverse("approvals:queue") + "?kind=emergency_access&status=pending"
    assert osh_cases[3].returnee.case_number in osh.get(opened["Location"]).content.decode()


def test_a_person_without_a_region_of_theirs_alerts_the_cases_supervisors(
    osh_supervisor, people, osh_cases, client_for
):
    lonely = UserFactory(username="worker-x", role=User.Role.SOCIAL_WORKER)
    client = client_for(lonely)

    for case in osh_cases[:3]:
        open_(client, case.returnee.case_number)

    assert told() == [("supervisor-b", osh_cases[2].pk)]
