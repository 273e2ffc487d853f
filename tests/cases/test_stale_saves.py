"""Stale saves: every edit form of an existing record carries the version it was opened at; a save
over a change someone made after that is refused with a message, and nothing of it is saved."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import Attachment, CareArrangement, LegalRecord
from repat.accounts.models import User
from repat.approvals import actions as approvals
from repat.core.versions import version_of
from repat.reports.models import ProgressReport
from tests.factories import (
    AssessmentFactory,
    CareArrangementFactory,
    ConsentRecordFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    pdf_upload,
)
from tests.reports.factories import ProgressReportFactory
from tests.worlds import sign_in

pytestmark = pytest.mark.django_db

STALE = (
    "Someone else saved changes to this record after you opened the form. "
    "Nothing was saved: reload the page to see their changes, then make yours again."
)


def opened_form(client, url) -> dict:
    """What the form posts back as it was opened (its hidden version included)."""
    form = client.get(url).context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value not in (None, False, ""):
            data[field.name] = value
    return data


@pytest.fixture
def case_url(case):
    return reverse("cases:case_update", args=[case.pk])


@pytest.fixture
def returnee_url(case):
    return reverse("cases:returnee_update", args=[case.returnee.pk])


def test_the_forms_carry_the_version_they_were_opened_at(worker, case, case_url, returnee_url, client_for):
    client = client_for(worker)

    for url, instance in ((case_url, case), (returnee_url, case.returnee)):
        instance.refresh_from_db()
        page = client.get(url)
        assert page.context["form"]["version"].value() == instance.updated_at.isoformat()
        assert f'<input type="hidden" name="version" value="{instance.updated_at.isoformat()}"' in (
            page.content.decode()
        )


def test_a_case_saved_by_someone_else_meanwhile_is_not_overwritten(worker, coordinator, case, case_url, client_for):
    # given: both open the case form
    mine = opened_form(client_for(worker), case_url)
    theirs = opened_form(client_for(coordinator), case_url)

    # when: the coordinator saves first, then the worker
    first = client_for(coordinator).post(case_url, {**theirs, "risk_level": "high", "risk_reason": "Threats."})
    second = client_for(worker).post(case_url, {**mine, "status": "active", "risk_level": "low"})

    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].non_field_errors() == [STALE]
    assert STALE in second.content.decode()
    case.refresh_from_db()
    assert (case.status, case.risk_level, case.risk_reason) == ("open", "high", "Threats.")
    assert list(case.events.values_list("kind", "actor__username")) == [("risk_changed", "coordinator-a")]


def test_a_returnee_saved_by_someone_else_meanwhile_is_not_overwritten(
    worker, coordinator, case, returnee_url, client_for
):
    # given
    mine = opened_form(client_for(worker), returnee_url)
    theirs = opened_form(client_for(coordinator), returnee_url)

    # when
    first = client_for(coordinator).post(returnee_url, {**theirs, "given_name": "Амина"})
    second = client_for(worker).post(returnee_url, {**mine, "family_name": "Осмонова", "aliases": "Aisha"})

    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].non_field_errors() == [STALE]
    returnee = case.returnee
    returnee.refresh_from_db()
    assert (returnee.given_name, returnee.family_name) == ("Амина", case.returnee.family_name)
    assert not returnee.aliases.exists()
    assert list(case.events.values_list("kind", "actor__username")) == [("returnee_updated", "coordinator-a")]


def test_a_form_opened_after_the_other_save_saves(worker, coordinator, case, case_url, returnee_url, client_for):
    # given: the coordinator saved both forms
    client = client_for(coordinator)
    client.post(case_url, {**opened_form(client, case_url), "risk_level": "high", "risk_reason": "Threats."})
    client.post(returnee_url, {**opened_form(client, returnee_url), "given_name": "Амина"})

    # when: the worker opens them afterwards and saves
    client = client_for(worker)
    case_saved = client.post(case_url, {**opened_form(client, case_url), "status": "active"})
    returnee_saved = client.post(returnee_url, {**opened_form(client, returnee_url), "patronymic": "Бакытовна"})

    # then
    assert (case_saved.status_code, returnee_saved.status_code) == (302, 302)
    case.refresh_from_db()
    case.returnee.refresh_from_db()
    assert (case.status, case.risk_level) == ("active", "high")
    assert (case.returnee.given_name, case.returnee.patronymic) == ("Амина", "Бакытовна")


def test_the_same_person_in_two_tabs_is_refused_the_second_time(worker, case, case_url, client_for):
    client = client_for(worker)
    tab_one, tab_two = opened_form(client, case_url), opened_form(client, case_url)

    assert client.post(case_url, {**tab_one, "risk_level": "low"}).status_code == 302
    response = client.post(case_url, {**tab_two, "risk_level": "high", "risk_reason": "Threats."})

    assert response.context["form"].non_field_errors() == [STALE]
    case.refresh_from_db()
    assert case.risk_level == "low"


# --- Through the actions


def test_case_update_refuses_a_stale_version(worker, coordinator, case):
    version = version_of(case)
    actions.case_update(actor=coordinator, case=case, data={"risk_level": "low"})

    with pytest.raises(ValidationError) as error:
        actions.case_update(actor=worker, case=case, data={"status": "active"}, version=version)

    assert error.value.messages == [STALE]
    case.refresh_from_db()
    assert case.status == "open"


def test_returnee_update_refuses_a_stale_version(worker, coordinator, case):
    returnee = case.returnee
    version = version_of(returnee)
    actions.returnee_update(actor=coordinator, returnee=returnee, data={"given_name": "Амина"})

    with pytest.raises(ValidationError) as error:
        actions.returnee_update(actor=worker, returnee=returnee, data={"patronymic": "Бакытовна"}, version=version)

    assert error.value.messages == [STALE]
    returnee.refresh_from_db()
    assert returnee.patronymic == ""


def test_the_current_version_and_no_version_both_save(worker, case):
    actions.case_update(actor=worker, case=case, data={"risk_level": "low"}, version=version_of(case))
    actions.case_update(actor=worker, case=case, data={"status": "active"})

    case.refresh_from_db()
    assert (case.risk_level, case.status) == ("low", "active")


# --- Every other edit form of an existing record: two people open it, both save -------------------
#
# Each test: both load the form, the first saves, the second saves from the copy they opened. The
# second is refused with the message above, their input stays in the form, nothing of it is saved.


@pytest.fixture
def browser():
    """A browser of its own per person (the `client_for` fixture shares one between users)."""

    def open_as(user) -> Client:
        return sign_in(Client(), user)

    return open_as


def race(url, first, second, first_changes, second_changes, files=None):
    """Both open the form at `url`; `first` saves, then `second` saves from its older copy."""
    first_form, second_form = opened_form(first, url), opened_form(second, url)
    first_response = first.post(url, {**first_form, **first_changes})
    second_response = second.post(url, {**second_form, **second_changes, **(files or {})})
    assert first_response.status_code == 302, first_response.context and first_response.context["form"].errors
    return second_response


def refused(response, kept: dict) -> None:
    """The second saver sees why, on the form, with what they typed still in it."""
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [STALE]
    assert STALE in response.content.decode()
    for name, value in kept.items():
        assert form[name].value() == value, name


def events_of(case, kind) -> list:
    return list(case.events.filter(kind=kind).values_list("actor__username", flat=True))


def test_a_document_edited_by_two_people_keeps_the_first_save(worker, coordinator, case, browser):
    document = IdentityDocumentFactory(returnee=case.returnee, kind="passport", status="requested")
    url = reverse("cases:document_update", args=[document.pk])

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"number": "AC1111111", "notes": "Collected by the mother."},
        {"number": "AC2222222"},
        files={"scan_file": pdf_upload()},
    )

    refused(response, {"number": "AC2222222"})
    document.refresh_from_db()
    assert (document.number, document.notes, document.scan) == ("AC1111111", "Collected by the mother.", None)
    assert events_of(case, "document_updated") == ["coordinator-a"]
    assert not Attachment.objects.exists()  # the second one's scan is not stored either


def test_a_document_status_changed_by_two_people_keeps_the_first_change(worker, coordinator, case, browser):
    document = IdentityDocumentFactory(returnee=case.returnee, kind="passport", status="requested")
    url = reverse("cases:document_transition", args=[document.pk])

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"status": "in_progress"},
        {"status": "issued", "on": str(timezone.localdate())},
    )

    refused(response, {"status": "issued"})
    document.refresh_from_db()
    assert (document.status, document.issued_on) == ("in_progress", None)
    assert events_of(case, "document_status") == ["coordinator-a"]


def test_a_childs_care_recorded_by_two_people_at_once_keeps_the_first(worker, coordinator, case, browser):
    """A new arrangement ends the current one: the second must not end the first one's."""
    CareArrangementFactory(returnee=case.returnee, kind="mother", caregiver_name="Гулнара", recorded_by=worker)
    url = reverse("cases:care_create", args=[case.returnee.pk])
    placed = str(timezone.localdate())

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"kind": "grandparents", "caregiver_name": "Калыйпа", "placement_date": placed},
        {"kind": "foster", "caregiver_name": "Foster family Asanova", "placement_date": placed},
    )

    refused(response, {"kind": "foster", "caregiver_name": "Foster family Asanova"})
    arrangements = CareArrangement.objects.filter(returnee=case.returnee).order_by("id")
    assert [(a.caregiver_name, a.ended_on is None) for a in arrangements] == [("Гулнара", False), ("Калыйпа", True)]
    assert events_of(case, "care_changed") == ["coordinator-a"]


def test_the_first_care_arrangement_recorded_by_two_people_at_once_is_kept(worker, coordinator, case, browser):
    url = reverse("cases:care_create", args=[case.returnee.pk])
    placed = str(timezone.localdate())

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"kind": "grandparents", "caregiver_name": "Калыйпа", "placement_date": placed},
        {"kind": "foster", "caregiver_name": "Foster family Asanova", "placement_date": placed},
    )

    refused(response, {"caregiver_name": "Foster family Asanova"})
    assert list(CareArrangement.objects.values_list("caregiver_name", flat=True)) == ["Калыйпа"]


def test_an_assessment_edited_by_two_people_keeps_the_first_save(worker, coordinator, case, browser):
    assessment = AssessmentFactory(case=case, kind="psychosocial", findings="Sleeps badly.", recorded_by=worker)
    url = reverse("cases:assessment_update", args=[assessment.pk])

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"findings": "Sleeps better since May.", "score": "14"},
        {"findings": "Nightmares twice a week."},
    )

    refused(response, {"findings": "Nightmares twice a week."})
    assessment.refresh_from_db()
    assert (assessment.findings, assessment.score) == ("Sleeps better since May.", 14)
    assert events_of(case, "assessment_updated") == ["coordinator-a"]


def test_an_assessment_approved_after_the_form_was_opened_is_not_saved_over(worker, supervisor, case, browser):
    assessment = AssessmentFactory(case=case, kind="psychosocial", findings="Sleeps badly.", recorded_by=worker)
    url = reverse("cases:assessment_update", args=[assessment.pk])
    client = browser(worker)
    opened = opened_form(client, url)
    request = approvals.approval_request(actor=worker, kind="assessment", case=case, subject=assessment)
    approvals.approval_decide(actor=supervisor, approval=request, approve=True)

    response = client.post(url, {**opened, "findings": "Nightmares twice a week."})

    refused(response, {"findings": "Nightmares twice a week."})
    assessment.refresh_from_db()
    assert (assessment.findings, assessment.approved_by) == ("Sleeps badly.", supervisor)


def test_a_plan_goal_edited_by_two_people_keeps_the_first_save(worker, coordinator, case, browser):
    plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    goal = PlanGoalFactory(plan=plan, domain="education", goal="Enrol in grade 3")
    url = reverse("cases:goal_update", args=[goal.pk])

    response = race(
        url,
        browser(coordinator),
        browser(worker),
        {"goal": "Enrol in grade 3 at school No. 5", "status": "in_progress"},
        {"goal": "Enrol in grade 2", "status": "dropped"},
    )

    refused(response, {"goal": "Enrol in grade 2", "status": "dropped"})
    goal.refresh_from_db()
    assert (goal.goal, goal.status) == ("Enrol in grade 3 at school No. 5", "in_progress")
    assert events_of(case, "goal_updated") == ["coordinator-a"]


@pytest.fixture
def restricted_pair(worker, coordinator):
    """The worker and the coordinator, both granted the restricted section."""
    permission = Permission.objects.get(codename="see_restricted", content_type__app_label="cases")
    for user in (worker, coordinator):
        user.user_permissions.add(permission)
    return User.objects.get(pk=worker.pk), User.objects.get(pk=coordinator.pk)


@pytest.mark.parametrize("existing", [False, True], ids=["first-version", "existing"])
def test_the_restricted_section_saved_by_two_people_keeps_the_first_save(existing, restricted_pair, case, browser):
    worker, coordinator = restricted_pair
    if existing:
        actions.restricted_section_save(actor=worker, returnee=case.returnee, data={"charges": "Article 256"})
    url = reverse("cases:restricted_section", args=[case.returnee.pk])

    response = race(
        url, browser(coordinator), browser(worker), {"lawyer": "A. Lawyer"}, {"lawyer": "B. Lawyer", "court": "X"}
    )

    refused(response, {"lawyer": "B. Lawyer", "court": "X"})
    record = LegalRecord.objects.get(returnee=case.returnee)
    assert (record.lawyer, record.court, record.updated_by) == ("A. Lawyer", "", coordinator)
    assert events_of(case, "restricted_updated") == ["coordinator-a", "worker-a"][: 1 + existing]  # newest first


def test_the_same_report_narrative_saved_from_two_tabs_keeps_the_first(supervisor, chuy, browser):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready", summary="Draft.")
    client = browser(supervisor)
    url = report.get_absolute_url()

    first_tab, second_tab = opened_form(client, url), opened_form(client, url)
    assert client.post(url, {**first_tab, "summary": "Final text."}).status_code == 302
    ProgressReport.objects.filter(pk=report.pk).update(status="ready")  # produced again meanwhile
    response = client.post(url, {**second_tab, "summary": "Older text."})

    refused(response, {"summary": "Older text."})
    report.refresh_from_db()
    assert report.summary == "Final text."


# One-way steps on an existing record need no version: their action refuses a second step, with the
# reason on the form, and nothing of it is saved.


def test_a_consent_withdrawn_by_two_people_keeps_the_first_withdrawal(worker, coordinator, case, browser):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=timezone.localdate(), recorded_by=worker)
    url = reverse("cases:consent_withdraw", args=[consent.pk])

    response = race(url, browser(coordinator), browser(worker), {"reason": "Phoned."}, {"reason": "In writing."})

    assert response.context["form"].non_field_errors() == ["This consent was already withdrawn."]
    assert response.context["form"]["reason"].value() == "In writing."
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "Phoned."


def test_a_kinship_result_recorded_by_two_people_keeps_the_first(worker, coordinator, case, browser):
    test = KinshipTestFactory(returnee=case.returnee, recorded_by=worker)
    url = reverse("cases:kinship_result", args=[test.pk])

    response = race(url, browser(coordinator), browser(worker), {"result": "match"}, {"result": "no_match"})

    assert response.context["form"].non_field_errors() == ["The result of this test was already recorded."]
    assert response.context["form"]["result"].value() == "no_match"
    test.refresh_from_db()
    assert test.result == "match"


def test_a_task_marked_done_by_two_people_keeps_the_first(worker, coordinator, case, browser):
    task = actions.task_schedule(
        actor=worker, case=case, due_date=timezone.localdate(), description="Call the school", assigned_to=coordinator
    )
    url = reverse("cases:task_done", args=[task.pk])

    assert browser(coordinator).post(url).status_code == 302
    response = browser(worker).post(url, follow=True)

    assert "This task is already done." in response.content.decode()
    task.refresh_from_db()
    assert task.done_by == coordinator
    assert events_of(case, "task_done") == ["coordinator-a"]


def test_every_edit_page_sends_its_version_with_the_form(restricted_pair, supervisor, chuy, case, browser):
    worker, _coordinator = restricted_pair
    document = IdentityDocumentFactory(returnee=case.returnee)
    assessment = AssessmentFactory(case=case, recorded_by=worker)
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, status="draft", created_by=worker))
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready")
    pages = {
        reverse("cases:case_update", args=[case.pk]): (worker, case),
        reverse("cases:returnee_update", args=[case.returnee.pk]): (worker, case.returnee),
        reverse("cases:document_update", args=[document.pk]): (worker, document),
        reverse("cases:document_transition", args=[document.pk]): (worker, document),
        reverse("cases:care_create", args=[case.returnee.pk]): (worker, None),
        reverse("cases:assessment_update", args=[assessment.pk]): (worker, assessment),
        reverse("cases:goal_update", args=[goal.pk]): (worker, goal),
        reverse("cases:restricted_section", args=[case.returnee.pk]): (worker, None),
        report.get_absolute_url(): (supervisor, report),
    }

    for url, (user, record) in pages.items():
        page = browser(user).get(url).content.decode()
        assert f'<input type="hidden" name="version" value="{version_of(record)}"' in page, url
