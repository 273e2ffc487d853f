"""The restricted section (legal and security information): a 404 for everyone not granted it or
outside their own scope, encrypted at rest, and its text nowhere else: not in search, case pages,
the timeline, the audit trail, reminders or progress reports."""

import datetime
import io

import openpyxl
import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CaseEvent, LegalRecord
from repat.accounts.models import User
from repat.audit.models import AuditEvent
from repat.core.crypto import fernet
from repat.reminders import actions as reminder_actions
from repat.reports import actions as report_actions
from tests.factories import UserFactory
from tests.services.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db

MARKER = "MARKER-RESTRICTED-7731"
RESTRICTED_DATA = {
    "charges": f"Article 256 {MARKER}",
    "court": f"Bishkek city court {MARKER}",
    "sentence": "",
    "release": "",
    "lawyer": f"A. Lawyer {MARKER}",
    "security_notes": f"Contacts abroad {MARKER}",
}


def granted(user) -> User:
    """The user with "see the restricted section" (fetched again: permissions are cached)."""
    user.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
    return User.objects.get(pk=user.pk)


def url_of(case) -> str:
    return reverse("cases:restricted_section", args=[case.returnee.pk])


@pytest.fixture
def provider_user(db):
    return ProviderStaffFactory(user__username="provider-a").user


@pytest.fixture
def plain_administrator(db):
    """An administrator by role who is not a superuser: sees every case, not the restricted section."""
    return UserFactory(username="admin-b", role=User.Role.ADMINISTRATOR, is_staff=True)


# Status of the restricted section of `case` (Chüy, held by `worker`) per role, without and with the
# permission. Superusers hold every permission.
EXPECTED = {
    "worker": (404, 200),
    "other_worker": (404, 404),  # not their case
    "coordinator": (404, 200),
    "supervisor": (404, 200),
    "osh_supervisor": (404, 404),  # not their region
    "plain_administrator": (404, 200),
    "administrator": (200, 200),
    "provider_user": (404, 404),
}


@pytest.mark.parametrize("with_permission", [False, True], ids=["without", "with"])
@pytest.mark.parametrize("role", EXPECTED)
def test_the_section_per_role_with_and_without_the_permission(role, with_permission, request, case, client_for):
    # given
    user = request.getfixturevalue(role)
    if with_permission:
        user = granted(user)
    expected = EXPECTED[role][with_permission]
    client = client_for(user)

    # when
    get = client.get(url_of(case))
    post = client.post(url_of(case), RESTRICTED_DATA)

    # then: a 404, the same as for something that does not exist, or the page and the save
    assert get.status_code == expected
    assert post.status_code == (302 if expected == 200 else 404)
    assert LegalRecord.objects.exists() is (expected == 200)


@pytest.mark.parametrize(("role", "shown"), [(role, codes[1] == 200) for role, codes in EXPECTED.items()])
def test_the_link_is_on_the_returnee_page_only_for_those_who_may_open_it(role, shown, request, case, client_for):
    user = granted(request.getfixturevalue(role))

    response = client_for(user).get(reverse("cases:returnee_detail", args=[case.returnee.pk]))

    if response.status_code == 404:
        assert not shown
        return
    assert ('id="restricted-link"' in response.content.decode()) is shown


def test_without_the_permission_there_is_no_link(worker, case, client_for):
    page = client_for(worker).get(reverse("cases:returnee_detail", args=[case.returnee.pk])).content.decode()
    assert 'id="restricted-link"' not in page
    assert url_of(case) not in page


def test_emergency_access_never_opens_the_restricted_section(other_worker, case, client_for):
    # given: a worker granted the section opens someone else's case in an emergency
    other_worker = granted(other_worker)
    actions.emergency_access_open(
        actor=other_worker, case_number=case.returnee.case_number, reason="Hospital called about the child tonight."
    )
    client = client_for(other_worker)

    # then: the case reads, the section does not exist for them
    assert client.get(case.get_absolute_url()).status_code == 200
    page = client.get(reverse("cases:returnee_detail", args=[case.returnee.pk])).content.decode()
    assert 'id="restricted-link"' not in page
    assert client.get(url_of(case)).status_code == 404


# --- Saving


def test_saving_the_section_keeps_the_values_and_records_only_which_fields_changed(worker, case, client_for):
    # given
    worker = granted(worker)
    client = client_for(worker)

    # when
    response = client.post(url_of(case), RESTRICTED_DATA, follow=True)

    # then
    assert response.redirect_chain == [(url_of(case), 302)]
    assert [str(m) for m in response.context["messages"]] == ["The restricted section was saved."]
    record = LegalRecord.objects.get()
    assert {field: getattr(record, field) for field in LegalRecord.FIELDS} == RESTRICTED_DATA
    assert record.updated_by == worker
    event = case.events.get()
    mark = ["[restricted]", "[restricted]"]
    assert (event.kind, event.actor) == ("restricted_updated", worker)
    assert event.changes == {"charges": mark, "court": mark, "lawyer": mark, "security_notes": mark}
    row = AuditEvent.objects.get(action="change")
    assert (row.detail, row.changes) == ("restricted_updated", event.changes)
    # and the page shows them back to the permitted user
    assert MARKER in client.get(url_of(case)).content.decode()


def test_saving_again_unchanged_writes_no_event(worker, case):
    worker = granted(worker)
    actions.restricted_section_save(actor=worker, returnee=case.returnee, data=RESTRICTED_DATA)

    actions.restricted_section_save(actor=worker, returnee=case.returnee, data=dict(RESTRICTED_DATA))

    assert case.events.count() == 1
    assert AuditEvent.objects.filter(action="change").count() == 1


def test_a_second_change_names_only_the_field_that_changed(worker, case):
    worker = granted(worker)
    actions.restricted_section_save(actor=worker, returnee=case.returnee, data=RESTRICTED_DATA)

    actions.restricted_section_save(
        actor=worker, returnee=case.returnee, data={**RESTRICTED_DATA, "sentence": "Suspended, 2 years"}
    )

    assert case.events.order_by("id").last().changes == {"sentence": ["[restricted]", "[restricted]"]}


def test_the_values_are_encrypted_in_the_database(worker, case):
    # given
    actions.restricted_section_save(actor=granted(worker), returnee=case.returnee, data=RESTRICTED_DATA)

    # when: the table is read as a backup or someone with database access would
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(LegalRecord.FIELDS)} FROM cases_legalrecord")  # noqa: S608
        stored = cursor.fetchone()

    # then: ciphertext only, which the configured key opens
    assert not [value for value in stored if MARKER in value]
    assert fernet().decrypt(stored[0].encode()).decode() == RESTRICTED_DATA["charges"]
    assert stored[2] == ""  # empty stays empty


# --- Nowhere else


@pytest.fixture
def restricted(worker, case):
    """`case` with its restricted section filled in by its (permitted) worker, returned as that worker."""
    worker = granted(worker)
    actions.restricted_section_save(actor=worker, returnee=case.returnee, data=RESTRICTED_DATA)
    return worker


@pytest.mark.parametrize("role", ["restricted", "coordinator", "supervisor", "administrator"])
def test_the_text_is_on_no_other_page(role, request, restricted, case, client_for):
    # given
    user = request.getfixturevalue(role)
    client = client_for(user)
    pages = [
        reverse("cases:caseload"),
        reverse("cases:caseload") + f"?q={case.returnee.family_name}",
        reverse("cases:caseload") + "?q=MARKER",
        case.get_absolute_url(),
        reverse("cases:returnee_detail", args=[case.returnee.pk]),
        reverse("cases:plan", args=[case.pk]),
        reverse("reminders:list"),
    ]

    # then
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url


def test_searching_for_the_text_finds_nothing(restricted, case, client_for):
    response = client_for(restricted).get(reverse("cases:caseload"), {"q": MARKER}, follow=True)

    assert list(response.context["cases"]) == []


def test_the_timeline_shows_the_change_but_not_the_text_to_permitted_users(restricted, case, client_for):
    response = client_for(restricted).get(case.get_absolute_url())

    entries = [entry for entry in response.context["timeline"] if entry.event.kind == "restricted_updated"]
    assert len(entries) == 1
    assert {(change.old, change.new, change.hidden) for change in entries[0].changes} == {("", "", True)}
    assert "Restricted section updated" in response.content.decode()
    assert "[restricted]" not in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "supervisor"])
def test_the_timeline_hides_the_change_from_those_without_the_section(role, request, restricted, case, client_for):
    response = client_for(request.getfixturevalue(role)).get(case.get_absolute_url())

    assert [entry.event.kind for entry in response.context["timeline"]] == []
    assert "Restricted section updated" not in response.content.decode()


def test_the_text_is_in_no_event_and_no_audit_row(restricted, case, client_for):
    # given: the section was also viewed and saved through its page
    client = client_for(restricted)
    client.get(url_of(case))
    client.post(url_of(case), {**RESTRICTED_DATA, "release": f"2031 {MARKER}"})

    # then
    events = [str(value) for row in CaseEvent.objects.values_list() for value in row]
    audit = [str(value) for row in AuditEvent.objects.values_list() for value in row]
    assert not [value for value in events + audit if MARKER in value]
    assert AuditEvent.objects.filter(action="view", object_type="legalrecord").count() == 1


def test_the_text_is_in_no_reminder_e_mail(restricted, case):
    # given: an overdue follow-up, so the worker has a reminder and an e-mail
    restricted.email = "worker-a@example.org"
    restricted.save()
    case.next_follow_up = timezone.localdate() - datetime.timedelta(days=3)
    case.save()

    # when
    reminder_actions.sweep()
    reminder_actions.deliver(user_id=restricted.pk)

    # then
    assert len(mail.outbox) == 1
    assert case.returnee.case_number in mail.outbox[0].body
    assert MARKER not in mail.outbox[0].subject + mail.outbox[0].body


def test_the_text_is_in_no_progress_report(restricted, supervisor, chuy, case, django_capture_on_commit_callbacks):
    # given
    today = timezone.localdate()

    # when: a report over the case's region is produced (by the eager task, on commit)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_actions.report_create(
            actor=supervisor,
            data={"period_start": today.replace(day=1), "period_end": today, "region": chuy, "language": "en"},
        )

    # then
    report.refresh_from_db()
    assert report.status == "ready"
    pdf = pypdf.PdfReader(io.BytesIO(report.pdf_file.read()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    workbook = openpyxl.load_workbook(io.BytesIO(report.xlsx_file.read()))
    cells = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    assert text and cells
    assert MARKER not in text
    assert not [cell for cell in cells if MARKER in cell]
