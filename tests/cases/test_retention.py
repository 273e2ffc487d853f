"""Retention: a case closed more than five years ago is listed (the notice period starts), then
anonymised when the notice runs out. What identifies the returnee goes; what the statistics count
stays. A dry run changes nothing; reopening takes a case off the list; running twice is harmless."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone

from cases import actions, tasks
from cases.actions import retention
from cases.models import (
    Assessment,
    Attachment,
    CareArrangement,
    Case,
    CaseEvent,
    CaseTransfer,
    ConsentRecord,
    FamilyMember,
    FollowUpTask,
    GoalProgress,
    IdentityDocument,
    LegalRecord,
    Note,
    ReturneeAlias,
)
from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from services import actions as service_actions
from services.models import Referral
from tests.factories import (
    AssessmentFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    IdentityDocumentFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    close_case,
    pdf_upload,
)
from tests.services.factories import service

pytestmark = pytest.mark.django_db

MARKER = "ZZPERSONAL"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def years_ago(n: int) -> datetime.date:
    day = today()
    return day.replace(year=day.year - n, day=28 if (day.month, day.day) == (2, 29) else day.day)


def closed_on(case: Case, day: datetime.date) -> Case:
    """Move a closed case's dates back (the approval that closed it stamps today)."""
    Case.objects.filter(pk=case.pk).update(opened_on=day - datetime.timedelta(days=400), closed_on=day)
    case.refresh_from_db()
    return case


def retention_rows() -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action="retention")
        .order_by("id")
        .values_list("detail", "actor_id", "actor_name", "object_type", "object_id", "case_id", "changes")
    )


@pytest.fixture
def old_case(worker, supervisor, chuy, osh, osh_supervisor):
    """A case full of personal details (each carrying MARKER), closed six years ago."""
    returnee = ReturneeFactory(
        region=chuy,
        given_name=f"Айша {MARKER}",
        family_name=f"Тестова {MARKER}",
        patronymic=f"Бакытовна {MARKER}",
        date_of_birth=datetime.date(2015, 5, 17),
        date_of_birth_precision="day",
        place_of_birth=f"Raqqa {MARKER}",
        departure_place=f"al-Hol {MARKER}",
        special_needs=f"Hearing aid {MARKER}",
        locality=f"Sokuluk, Lenin street 5 {MARKER}",
        district=chuy.districts.first(),
    )
    case = CaseFactory(returnee=returnee, worker=worker)
    ReturneeAlias.objects.create(returnee=returnee, name=f"Aisha {MARKER}", script="latin")
    FamilyMemberFactory(returnee=returnee, notes=f"Lives with the aunt {MARKER}")
    today = timezone.localdate()
    actions.note_log(actor=worker, case=case, contact_date=today, kind="home_visit", summary=f"Visited {MARKER}.")
    document = actions.document_add(
        actor=worker,
        returnee=returnee,
        data={
            "kind": "passport",
            "status": "issued",
            "issued_on": today,
            "number": f"AN{MARKER}",
            "issuing_body": f"SRS {MARKER}",
            "notes": f"Collected by the aunt {MARKER}",
        },
        scan_file=pdf_upload(f"passport-{MARKER}.pdf"),
    )
    IdentityDocumentFactory(
        returnee=returnee, kind="birth_certificate", status="refused", refusal_reason=f"Mother absent {MARKER}"
    )
    # A consent recorded before consents pointed at records: its giver and organisations as typed.
    ConsentRecordFactory(
        returnee=returnee,
        given_by="member",
        giver=None,
        given_by_name=f"Гулнара {MARKER}",
        purpose="data_sharing",
        shared_with=f"School No. 5 {MARKER}",
        given_on=today,
        recorded_by=worker,
    )
    actions.care_arrangement_set(
        actor=worker,
        returnee=returnee,
        data={"kind": "grandparents", "caregiver_name": f"Калыйпа {MARKER}", "placement_date": today},
    )
    plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
    goal = PlanGoalFactory(plan=plan)
    actions.goal_progress_add(actor=worker, goal=goal, written_on=today, text=f"Reads well {MARKER}.")
    actions.task_schedule(
        actor=worker, case=case, due_date=today, description=f"Call the aunt {MARKER}", assigned_to=worker
    )
    service_actions.referral_create(
        actor=worker,
        case=case,
        service_type=service("individual-counselling"),
        reason=f"Nightmares {MARKER}",
        shares_data=False,
    )
    AssessmentFactory(case=case, findings=f"Sleeps badly {MARKER}", assessor=f"Dr. {MARKER}", recorded_by=worker)
    transfer = actions.transfer_request(actor=worker, case=case, to_region=osh, reason=f"Moving to the aunt {MARKER}")
    actions.transfer_cancel(actor=worker, transfer=transfer)
    worker.user_permissions.add(Permission.objects.get(codename="see_restricted"))
    actions.restricted_section_save(
        actor=User.objects.get(pk=worker.pk), returnee=returnee, data={"charges": f"Article 256 {MARKER}"}
    )
    case.refresh_from_db()
    close_case(case, supervisor, reason="reintegrated")
    case.file_paths = [attachment.file.path for attachment in case.attachments.all()]
    assert document.scan_id
    assert [Path(path).exists() for path in case.file_paths] == [True]
    return closed_on(case, years_ago(6))


def test_a_dry_run_reports_and_changes_nothing(old_case):
    # given
    before = Case.objects.values().get(pk=old_case.pk)

    # when
    result = actions.retention_run(dry_run=True)

    # then
    assert (result.listed, result.anonymised) == ([old_case.returnee.case_number], [])
    assert Case.objects.values().get(pk=old_case.pk) == before
    assert retention_rows() == []


def test_the_first_run_lists_the_case_for_the_notice_period(old_case):
    # when
    result = actions.retention_run()

    # then
    assert (result.listed, result.anonymised) == ([old_case.returnee.case_number], [])
    old_case.refresh_from_db()
    assert (old_case.anonymise_after, old_case.anonymised_on) == (days(30), None)
    assert retention_rows() == [
        (
            "listed",
            None,
            "retention",
            "case",
            old_case.pk,
            old_case.pk,
            {"anonymise_after": [None, days(30).isoformat()]},
        )
    ]
    assert old_case.returnee.given_name == f"Айша {MARKER}"  # nothing is removed yet


def test_a_listed_case_is_not_listed_again(old_case):
    actions.retention_run()

    result = actions.retention_run(today=days(10))

    assert (result.listed, result.anonymised) == ([], [])
    old_case.refresh_from_db()
    assert old_case.anonymise_after == days(30)
    assert len(retention_rows()) == 1


def test_the_notice_period_and_settings_decide_the_day(old_case, settings):
    settings.REPAT_RETENTION_NOTICE_DAYS = 10
    actions.retention_run()

    assert actions.retention_run(today=days(9)).anonymised == []
    assert actions.retention_run(today=days(10)).anonymised == [old_case.returnee.case_number]


def test_a_dry_run_during_the_notice_names_the_case_to_be_anonymised(old_case):
    actions.retention_run()

    result = actions.retention_run(today=days(31), dry_run=True)

    assert (result.listed, result.anonymised) == ([], [old_case.returnee.case_number])
    old_case.refresh_from_db()
    assert old_case.anonymised_on is None


@pytest.fixture
def anonymised(old_case):
    actions.retention_run()
    result = actions.retention_run(today=days(31))
    assert result.anonymised == [old_case.returnee.case_number]
    old_case.refresh_from_db()
    old_case.returnee.refresh_from_db()
    return old_case


def test_the_run_after_the_notice_anonymises_the_returnee(anonymised):
    returnee = anonymised.returnee

    assert anonymised.anonymised_on == days(31)
    assert (returnee.given_name, returnee.family_name, returnee.patronymic) == ("[anonymised]", "", "")
    assert (returnee.date_of_birth, returnee.date_of_birth_precision) == (datetime.date(2015, 1, 1), "year")
    assert (returnee.place_of_birth, returnee.departure_place, returnee.special_needs, returnee.locality) == (
        "",
        "",
        "",
        "",
    )
    assert returnee.district is None
    assert not ReturneeAlias.objects.exists()
    assert not LegalRecord.objects.exists()


def test_notes_reasons_and_names_around_the_case_are_removed(anonymised):
    assert list(Note.objects.values_list("summary", flat=True)) == ["[anonymised]"]
    assert list(Referral.objects.values_list("reason", flat=True)) == ["[anonymised]"]
    assert list(FollowUpTask.objects.values_list("description", flat=True)) == ["[anonymised]"]
    assert list(GoalProgress.objects.values_list("text", flat=True)) == ["[anonymised]"]
    assert list(CareArrangement.objects.values_list("caregiver_name", "notes")) == [("[anonymised]", "")]
    # consent to share data names the organisations (the database insists), now anonymised
    assert list(ConsentRecord.objects.values_list("purpose", "given_by_name", "shared_with")) == [
        ("data_sharing", "", "[anonymised]")
    ]
    assert list(IdentityDocument.objects.order_by("kind").values_list("number", "issuing_body", "refusal_reason")) == [
        ("", "", "[anonymised]"),  # a refused document keeps a reason, but not what it said
        ("", "", ""),
    ]
    assert list(FamilyMember.objects.values_list("full_name", "notes")) == [("", "")]


def test_uploaded_files_are_removed_from_disk(anonymised):
    assert [Path(path).exists() for path in anonymised.file_paths] == [False]
    assert list(Attachment.objects.values_list("file", "original_name")) == [("", "")]


def test_the_timeline_keeps_what_happened_but_not_what_was_said(anonymised):
    events = CaseEvent.objects.filter(case=anonymised)

    assert events.count() > 5
    assert list(events.exclude(changes={}).values_list("kind", flat=True)) == []


def test_no_personal_detail_is_left_in_the_cases_rows(anonymised):
    tables = (
        Case,
        CaseEvent,
        CaseTransfer,
        Assessment,
        Note,
        Attachment,
        IdentityDocument,
        ConsentRecord,
        CareArrangement,
        FamilyMember,
        GoalProgress,
        FollowUpTask,
        Referral,
        ReturneeAlias,
        LegalRecord,
    )
    left = {model.__name__: [row for row in model.objects.values_list() if MARKER in repr(row)] for model in tables}
    left["Returnee"] = [row for row in type(anonymised.returnee).objects.values_list() if MARKER in repr(row)]

    assert {name: rows for name, rows in left.items() if rows} == {}


def test_what_the_statistics_count_is_kept(old_case):
    # given
    returnee = old_case.returnee
    kept = ("sex", "operation_id", "region_id", "arrival_date", "citizenship_status", "born_in_conflict_zone")
    returnee_before = {field: getattr(returnee, field) for field in kept}
    case_fields = ("status", "closure_reason", "closed_on", "opened_on", "risk_level", "worker_id")
    case_before = {field: getattr(old_case, field) for field in case_fields}
    events_before = list(old_case.events.values_list("kind", "actor_id", "created_at").order_by("id"))
    documents_before = list(IdentityDocument.objects.values_list("kind", "status", "issued_on"))

    # when
    actions.retention_run()
    actions.retention_run(today=days(31))

    # then
    returnee.refresh_from_db()
    old_case.refresh_from_db()
    assert {field: getattr(returnee, field) for field in kept} == returnee_before
    assert {field: getattr(old_case, field) for field in case_fields} == case_before
    assert list(old_case.events.values_list("kind", "actor_id", "created_at").order_by("id")) == events_before
    assert list(IdentityDocument.objects.values_list("kind", "status", "issued_on")) == documents_before


def test_the_anonymisation_is_in_the_audit_trail(anonymised):
    assert retention_rows() == [
        (
            "listed",
            None,
            "retention",
            "case",
            anonymised.pk,
            anonymised.pk,
            {"anonymise_after": [None, days(30).isoformat()]},
        ),
        ("anonymised", None, "retention", "case", anonymised.pk, anonymised.pk, {}),
    ]
    assert audit.verify().intact


def test_anonymising_again_changes_nothing(anonymised):
    returnee_before = type(anonymised.returnee).objects.values().get(pk=anonymised.returnee.pk)

    actions.case_anonymise(case_id=anonymised.pk, today=days(40))
    result = actions.retention_run(today=days(60))

    assert (result.listed, result.anonymised) == ([], [])
    assert type(anonymised.returnee).objects.values().get(pk=anonymised.returnee.pk) == returnee_before
    anonymised.refresh_from_db()
    assert anonymised.anonymised_on == days(31)
    assert [row[0] for row in retention_rows()] == ["listed", "anonymised"]


def test_reopening_a_listed_case_takes_it_off_the_list(old_case, worker):
    # given
    actions.retention_run()

    # when
    actions.case_update(actor=worker, case=old_case, data={"status": "active"})

    # then
    old_case.refresh_from_db()
    assert (old_case.status, old_case.anonymise_after, old_case.closed_on) == ("active", None, None)
    assert actions.retention_run(today=days(31)) == actions.RetentionResult([], [])
    old_case.returnee.refresh_from_db()
    assert old_case.returnee.given_name == f"Айша {MARKER}"


def test_open_cases_and_cases_closed_less_than_five_years_ago_are_never_touched(worker, supervisor, chuy):
    # given: an open case opened long ago, and a case closed four years ago
    open_case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy), opened_on=years_ago(8))
    recent = closed_on(
        close_case(CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)), supervisor), years_ago(4)
    )

    # when: every day for the next hundred days
    results = [actions.retention_run(today=days(n)) for n in (0, 31, 100)]

    # then
    assert results == [actions.RetentionResult([], [])] * 3
    for case in (open_case, recent):
        case.refresh_from_db()
        assert (case.anonymise_after, case.anonymised_on) == (None, None)
    assert retention_rows() == []


def test_the_period_counts_from_the_day_after_five_full_years(worker, supervisor, chuy):
    five_years = closed_on(
        close_case(CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)), supervisor), years_ago(5)
    )
    one_day_more = closed_on(
        close_case(CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy)), supervisor),
        years_ago(5) - datetime.timedelta(days=1),
    )

    result = actions.retention_run()

    assert result.listed == [one_day_more.returnee.case_number]
    assert five_years.returnee.case_number not in result.listed


def test_case_anonymise_refuses_an_open_case(case):
    actions.case_anonymise(case_id=case.pk, today=today())

    case.refresh_from_db()
    case.returnee.refresh_from_db()
    assert case.anonymised_on is None
    assert case.returnee.given_name == "Айша"
    assert retention_rows() == []


# --- The command and the periodic task


def test_the_command_dry_run_reports_and_changes_nothing(old_case, capsys):
    call_command("retention", "--dry-run")

    number = old_case.returnee.case_number
    assert capsys.readouterr().out == (
        f"1 cases would be listed for anonymisation: {number}\n0 cases would be anonymised: -\n"
    )
    old_case.refresh_from_db()
    assert old_case.anonymise_after is None


def test_the_command_lists_then_anonymises(old_case, capsys):
    call_command("retention")
    number = old_case.returnee.case_number
    assert capsys.readouterr().out == f"1 cases were listed for anonymisation: {number}\n0 cases were anonymised: -\n"

    Case.objects.filter(pk=old_case.pk).update(anonymise_after=today())
    call_command("retention")
    assert capsys.readouterr().out == f"0 cases were listed for anonymisation: -\n1 cases were anonymised: {number}\n"


def test_the_periodic_task_runs_the_retention(old_case):
    assert tasks.retention.delay().get() == 0
    Case.objects.filter(pk=old_case.pk).update(anonymise_after=today())

    assert tasks.retention.delay().get() == 1
    old_case.refresh_from_db()
    assert old_case.anonymised_on == today()


def test_the_periodic_task_stops_cleanly_at_its_time_limit(old_case, monkeypatch, caplog):
    # given: the soft time limit strikes while a case is anonymised
    from celery.exceptions import SoftTimeLimitExceeded

    from repat.core.locks import lease_acquire

    Case.objects.filter(pk=old_case.pk).update(anonymise_after=today())

    def interrupted(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(retention, "_retention_apply", interrupted)

    # when
    assert tasks.retention.delay().get() == 0

    # then: the lease is free for tomorrow's run, and the task has limits of its own within it
    assert "Retention stopped at its time limit; the next run carries on." in caplog.messages
    assert lease_acquire("retention", 60) is not None
    assert (tasks.retention.soft_time_limit, tasks.retention.time_limit) == (50 * 60, 55 * 60)


def test_a_run_while_another_holds_the_lease_does_nothing(old_case):
    # given another run in progress (it holds the retention lease)
    from repat.core.locks import lease_acquire

    assert lease_acquire("retention", 600) is not None

    # when the daily job starts meanwhile
    result = actions.retention_run()

    # then it leaves the work to the other run
    assert (result.listed, result.anonymised) == ([], [])
    old_case.refresh_from_db()
    assert old_case.anonymise_after is None
    assert retention_rows() == []


def test_a_case_that_fails_does_not_stop_the_others(old_case, worker, supervisor, chuy, monkeypatch, caplog):
    # given two cases due for anonymisation, the first of which fails
    actions.retention_run()
    second = CaseFactory(returnee=ReturneeFactory(region=chuy, given_name="Второй"), worker=worker)
    close_case(second, supervisor, reason="moved")
    closed_on(second, years_ago(6))
    actions.retention_run()
    real = actions.case_anonymise

    def flaky(*, case_id, today):
        if case_id == old_case.pk:
            raise RuntimeError(f"row contains {MARKER}")
        return real(case_id=case_id, today=today)

    # retention_run calls case_anonymise from its own module
    monkeypatch.setattr(retention, "case_anonymise", flaky)

    # when the run after the notice period comes
    result = actions.retention_run(today=days(31))

    # then the other case is anonymised, the failure is logged without the row's text
    assert result.anonymised == [second.returnee.case_number]
    second.refresh_from_db()
    assert second.anonymised_on == days(31)
    assert f"case {old_case.pk} could not be anonymised (RuntimeError)" in caplog.text
    assert MARKER not in caplog.text


def test_records_merged_into_an_anonymised_case_are_anonymised_too(worker, supervisor, chuy):
    # given: a record merged into a case that closed long ago
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    twin = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, family_name="Тестова", place_of_birth="Ош"))
    ReturneeAlias.objects.create(returnee=twin.returnee, name=case.returnee.full_name, script="cyrillic")
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin.returnee, reason="Twice.")
    closed_on(close_case(case, supervisor, reason="reintegrated"), years_ago(6))

    # when
    actions.retention_run()
    actions.retention_run(today=days(31))

    # then
    twin.returnee.refresh_from_db()
    assert (twin.returnee.given_name, twin.returnee.family_name, twin.returnee.place_of_birth) == (
        "[anonymised]",
        "",
        "",
    )
    assert not ReturneeAlias.objects.exists()
    merge.refresh_from_db()
    assert merge.reason == "[anonymised]"
    assert list(twin.events.values_list("changes", flat=True)) == [{}]
