"""Merging two records of one person, through the actions: every kind of row moves, names become
other spellings, the merged record disappears from every list and count, and an administrator's undo
puts back exactly what moved, within the period."""

import datetime
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils import timezone

from cases import actions, permissions, search, selectors
from cases.actions import merges as merge_module
from cases.models import (
    Attachment,
    CareArrangement,
    Case,
    CaseEvent,
    CaseTransfer,
    ConsentRecord,
    EmergencyAccess,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    KinshipTest,
    LegalRecord,
    Note,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
    ReturneeMerge,
    ReturneePhoto,
    merge_relations,
)
from repat.approvals.models import ApprovalRequest
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from repat.reports import selectors as report_selectors
from services.models import Referral
from tests.factories import (
    AssessmentFactory,
    CareArrangementFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyFactory,
    FamilyMemberFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    NoteFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    pdf_upload,
    png_upload,
)
from tests.reminders.factories import FollowUpTaskFactory, ReminderFactory
from tests.services.factories import ReferralFactory

pytestmark = pytest.mark.django_db

REASON = "Registered twice: same mother, same date of birth, same camp."

# Every relation that points at a returnee or a case, and what a merge does with it. A relation added
# later fails this list: decide whether it moves (the default) or needs care, then add it here.
EXPECTED_RELATIONS = {
    "cases.returneealias.returnee": "other spellings, skipping those the survivor has",
    "cases.familymember.returnee": "moves when the survivor has no family",
    "cases.case.returnee": "each record keeps its case",
    "cases.identitydocument.returnee": "moves",
    "cases.consentrecord.returnee": "moves",
    "cases.kinshiptest.returnee": "moves",
    "cases.carearrangement.returnee": "moves (two current ones refuse the merge)",
    "cases.legalrecord.returnee": "moves (two refuse the merge)",
    "cases.returneephoto.returnee": "moves when the survivor has no photo; else stays with the merged record",
    "cases.returnee.merged_into": "records merged earlier point at the new survivor",
    "cases.returneemerge.survivor": "history, stays",
    "cases.returneemerge.merged": "history, stays",
    "cases.namekey.returnee": "derived: rebuilt for both records",
    "cases.duplicatedecision.returnee": "history, stays",
    "cases.duplicatedecision.candidate": "history, stays",
    "cases.note.case": "moves",
    "cases.caseevent.case": "moves",
    "cases.followuptask.case": "moves",
    "cases.attachment.case": "moves",
    "cases.assessment.case": "moves",
    "cases.reintegrationplan.case": "moves, renumbered after the survivor's versions",
    "cases.casetransfer.case": "moves (a pending one refuses the merge)",
    "cases.emergencyaccess.case": "moves",
    "cases.case.merged_into": "cases merged earlier point at the new survivor",
    "services.referral.case": "moves",
    "approvals.approvalrequest.case": "moves (a pending one refuses the merge)",
    "reminders.reminder.case": "moves",
}


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def survivor(case):
    """The record kept: `case` (Chüy, `worker`), with one spelling of its own."""
    ReturneeAlias.objects.create(returnee=case.returnee, name="Aisha Testova", script="latin")
    return case.returnee


@pytest.fixture
def duplicate(worker, chuy, coordinator):
    """A second record of the same person in Chüy, with one of every kind of row on it."""
    returnee = ReturneeFactory(region=chuy, given_name="Айша", family_name="Тестова", patronymic="Ивановна")
    case = CaseFactory(returnee=returnee, worker=worker)
    ReturneeAlias.objects.create(returnee=returnee, name="Aisha Testova", script="latin")  # the survivor has it
    ReturneeAlias.objects.create(returnee=returnee, name="عائشة", script="arabic")
    family = FamilyFactory(name="Тестовы")
    membership = FamilyMemberFactory(family=family, returnee=returnee, relationship="child")
    mother = FamilyMemberFactory(family=family, full_name="Гулнара Тестова", relationship="mother", is_head=True)
    plan = ReintegrationPlanFactory(case=case, version=1, status="current", created_by=worker)
    approval = ApprovalRequest.objects.create(
        kind="closure",
        status="withdrawn",
        case=case,
        region=chuy,
        closure_reason="moved",
        requested_by=worker,
    )
    return SimpleNamespace(
        returnee=returnee,
        case=case,
        family=family,
        mother=mother,
        membership=membership,
        document=IdentityDocumentFactory(returnee=returnee),
        consent=ConsentRecordFactory(returnee=returnee, giver=mother, giver_relationship="mother"),
        test=KinshipTestFactory(returnee=returnee, relative=mother),
        care=CareArrangementFactory(returnee=returnee, ended_on=days(-5)),
        legal=LegalRecord.objects.create(returnee=returnee, charges="none", updated_by=worker),
        note=NoteFactory(case=case, author=worker),
        task=FollowUpTaskFactory(case=case, assigned_to=worker),
        attachment=actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload()),
        photo=actions.returnee_photo_set(actor=worker, returnee=returnee, uploaded=png_upload()),
        assessment=AssessmentFactory(case=case, recorded_by=worker),
        plan=plan,
        goal=PlanGoalFactory(plan=plan),
        transfer=CaseTransfer.objects.create(
            case=case, from_region=chuy, to_region=chuy, reason="x", requested_by=worker, status="cancelled"
        ),
        access=EmergencyAccess.objects.create(
            user=coordinator, case=case, reason="x", expires_at=timezone.now() + datetime.timedelta(hours=1)
        ),
        referral=ReferralFactory(case=case, requested_by=worker),
        approval=approval,
        reminder=ReminderFactory(case=case),
    )


def merge(supervisor, survivor, duplicate, **kwargs):
    return actions.returnee_merge(
        actor=supervisor, survivor=survivor, merged=duplicate.returnee, reason=REASON, **kwargs
    )


def where(obj) -> tuple:
    """Which returnee or case a row hangs on now."""
    obj.refresh_from_db()
    return getattr(obj, "returnee_id", None), getattr(obj, "case_id", None)


def test_every_relation_to_a_returnee_or_a_case_is_decided():
    assert {key for key, _relation, _side in merge_relations()} == set(EXPECTED_RELATIONS)


def test_a_merge_moves_every_kind_of_row_to_the_survivor(supervisor, survivor, duplicate):
    # given
    d = duplicate
    survivor_case = survivor.case

    # when
    merge(supervisor, survivor, d)

    # then
    for row in (d.document, d.consent, d.test, d.care, d.legal, d.membership, d.photo):
        assert where(row)[0] == survivor.pk, row
    for row in (d.note, d.task, d.attachment, d.assessment, d.plan, d.transfer, d.access, d.referral, d.approval):
        assert where(row)[1] == survivor_case.pk, row
    assert where(d.reminder)[1] == survivor_case.pk
    d.goal.refresh_from_db()
    assert d.goal.plan.case == survivor_case
    earlier_events = CaseEvent.objects.filter(case=survivor_case).exclude(kind=CaseEvent.Kind.MERGED)
    assert earlier_events.filter(kind=CaseEvent.Kind.FILE_UPLOADED).exists()  # the duplicate's timeline
    # the consent still names its giver, the kinship test its relative: the mother in the family that moved
    assert (d.consent.giver, d.test.relative) == (d.mother, d.mother)
    assert survivor.membership.family == d.family


def test_the_merged_records_names_become_other_spellings_without_duplicates(supervisor, survivor, duplicate):
    # when
    merge(supervisor, survivor, duplicate)

    # then
    assert sorted(survivor.aliases.values_list("name", flat=True)) == sorted(
        ["Aisha Testova", "عائشة", "Тестова Айша Ивановна"]
    )
    scripts = dict(survivor.aliases.values_list("name", "script"))
    assert scripts["Тестова Айша Ивановна"] == "cyrillic"
    # the spelling both had stays behind with the merged record: nothing is lost on an undo
    assert list(duplicate.returnee.aliases.values_list("name", flat=True)) == ["Aisha Testova"]


def test_the_survivor_keeps_its_own_details_and_case(supervisor, survivor, duplicate, worker):
    # given
    before = {f: getattr(survivor, f) for f in ("given_name", "family_name", "date_of_birth", "region_id")}

    # when
    merge(supervisor, survivor, duplicate)

    # then
    survivor.refresh_from_db()
    assert {f: getattr(survivor, f) for f in before} == before
    assert survivor.case.worker == worker


def test_the_merge_is_recorded_on_both_timelines_and_in_the_audit_trail(supervisor, survivor, duplicate):
    # when
    record = merge(supervisor, survivor, duplicate)

    # then
    kept = survivor.case.events.get(kind=CaseEvent.Kind.MERGED)
    assert kept.changes == {"merged_case_number": [None, duplicate.returnee.case_number], "reason": [None, REASON]}
    assert (kept.actor, kept.subject, kept.subject_id, kept.item) == (
        supervisor,
        "returneemerge",
        record.pk,
        duplicate.returnee.case_number,
    )
    gone = duplicate.case.events.get(kind=CaseEvent.Kind.MERGED)
    assert gone.changes["survivor_case_number"] == [None, survivor.case_number]
    trail = AuditEvent.objects.filter(object_type="returneemerge", object_id=record.pk)
    assert set(trail.values_list("detail", flat=True)) == {"merged", "merge"}
    summary = trail.get(detail="merge").changes
    assert summary["cases.identitydocument.returnee"] == 1
    assert summary["services.referral.case"] == 1


def test_the_timeline_names_the_merge_and_its_reason(supervisor, survivor, duplicate):
    # when
    merge(supervisor, survivor, duplicate)

    # then
    entry = next(e for e in selectors.timeline(case=survivor.case) if e.event.kind == CaseEvent.Kind.MERGED)
    assert entry.item == duplicate.returnee.case_number
    assert sorted((c.label, c.new) for c in entry.changes) == [
        ("Case number merged", duplicate.returnee.case_number),
        ("Reason", REASON),
    ]


def test_the_merged_record_is_in_no_list_count_or_report(supervisor, survivor, duplicate, administrator, worker):
    # given
    merge(supervisor, survivor, duplicate)
    gone, gone_case = duplicate.returnee, duplicate.case

    # then
    for user in (administrator, supervisor, worker):
        assert not permissions.returnees_visible_to(user).filter(pk=gone.pk).exists()
        assert not permissions.cases_visible_to(user).filter(pk=gone_case.pk).exists()
        assert not permissions.cases_in_scope(user).filter(pk=gone_case.pk).exists()
    assert not Returnee.objects.unmerged().filter(pk=gone.pk).exists()
    assert not Case.objects.unmerged().filter(pk=gone_case.pk).exists()
    scope = report_selectors.Scope(
        regions=None, start=days(-400), end=days(0), operation=None, region=None, organisation=None
    )
    assert list(report_selectors.returnees_in(scope)) == [survivor]
    assert list(report_selectors.cases_in(scope)) == [survivor.case]
    assert not actions.retention_due(days(365 * 20)).filter(pk=gone_case.pk).exists()


def test_the_follow_up_sweep_leaves_the_merged_case_out(supervisor, survivor, duplicate):
    # given
    Case.objects.filter(pk=duplicate.case.pk).update(next_follow_up=days(-3))
    merge(supervisor, survivor, duplicate)

    # when
    from repat.reminders import actions as reminder_actions

    reminder_actions.sweep(today=timezone.localdate())

    # then
    assert (
        not Reminder.objects.filter(item_type="follow_up", item_id=duplicate.case.pk)
        .exclude(pk=duplicate.reminder.pk)
        .exists()
    )


def test_searching_the_old_case_number_finds_the_survivor(supervisor, survivor, duplicate, worker, administrator):
    # given
    merge(supervisor, survivor, duplicate)
    number = duplicate.returnee.case_number

    # then
    for user in (worker, administrator):
        results = search.find_people(user, number)
        assert [(hit.returnee, hit.reason) for hit in results.hits] == [(survivor, "Former case number")]
        assert search.ranked_returnee_ids(user, number) == [survivor.pk]
    assert selectors.former_case_numbers(returnee=survivor) == [number]
    assert list(Case.objects.unmerged().numbered(number)) == [survivor.case]


def test_a_chain_of_merges_leads_to_the_last_survivor(supervisor, survivor, duplicate, chuy, worker):
    # given
    merge(supervisor, survivor, duplicate)
    third = CaseFactory(returnee=ReturneeFactory(region=chuy), worker=worker).returnee

    # when
    actions.returnee_merge(actor=supervisor, survivor=third, merged=survivor, reason=REASON)

    # then
    duplicate.returnee.refresh_from_db()
    assert duplicate.returnee.merged_into == third
    assert sorted(selectors.former_case_numbers(returnee=third)) == sorted(
        [survivor.case_number, duplicate.returnee.case_number]
    )
    assert where(duplicate.document)[0] == third.pk


@pytest.mark.parametrize("role", ["worker", "coordinator", "osh_supervisor", "provider_user", "other_worker"])
def test_only_supervisors_of_both_records_and_administrators_merge(role, request, survivor, duplicate):
    # given
    user = request.getfixturevalue(role)

    # when / then
    with pytest.raises(PermissionDenied):
        merge(user, survivor, duplicate)
    assert not ReturneeMerge.objects.exists()
    assert where(duplicate.document)[0] == duplicate.returnee.pk


def test_a_supervisor_of_one_record_only_cannot_merge(supervisor, survivor, osh, other_worker):
    # given
    elsewhere = CaseFactory(returnee=ReturneeFactory(region=osh), worker=other_worker).returnee

    # when / then
    with pytest.raises(PermissionDenied):
        actions.returnee_merge(actor=supervisor, survivor=survivor, merged=elsewhere, reason=REASON)


def test_an_administrator_merges_across_regions(administrator, survivor, other_case):
    record = actions.returnee_merge(actor=administrator, survivor=survivor, merged=other_case.returnee, reason="x")
    assert record.merged_by == administrator


def test_a_merge_needs_a_reason_and_two_records(supervisor, survivor, duplicate):
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge(actor=supervisor, survivor=survivor, merged=duplicate.returnee, reason="  ")
    assert error.value.message_dict == {"reason": ["Say why these two records are the same person."]}
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge(actor=supervisor, survivor=survivor, merged=survivor, reason=REASON)
    assert error.value.messages == ["A record cannot be merged with itself."]


def test_a_record_already_merged_cannot_be_merged_again(supervisor, survivor, duplicate, chuy, worker):
    # given
    merge(supervisor, survivor, duplicate)
    third = CaseFactory(returnee=ReturneeFactory(region=chuy), worker=worker).returnee

    # when / then
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge(actor=supervisor, survivor=third, merged=duplicate.returnee, reason=REASON)
    assert error.value.messages == [
        f"Record {duplicate.returnee.case_number} has already been merged into another one."
    ]


def test_a_stale_preview_is_refused(supervisor, survivor, duplicate):
    # given
    from repat.core.versions import version_of

    seen = {survivor.pk: version_of(survivor), duplicate.returnee.pk: "2020-01-01T00:00:00+00:00"}

    # when / then
    with pytest.raises(ValidationError) as error:
        merge(supervisor, survivor, duplicate, versions=seen)
    assert error.value.code == "stale"
    assert not ReturneeMerge.objects.exists()


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        (
            "pending_transfer",
            "The record to be merged has a transfer waiting for an answer: wait for the answer or cancel the "
            "transfer first.",
        ),
        (
            "two_current_care",
            "Both records have a current care arrangement: record the one that applies on the record kept first.",
        ),
        ("two_legal_records", "Both records have a restricted section: only one can be kept."),
        (
            "pending_approval",
            "The record to be merged has a request waiting for approval: decide or withdraw it first.",
        ),
    ],
)
def test_what_cannot_be_merged_is_refused_with_a_clear_message(
    situation, message, supervisor, survivor, duplicate, worker, chuy
):
    # given
    if situation == "pending_transfer":
        CaseTransfer.objects.create(
            case=duplicate.case, from_region=chuy, to_region=chuy, reason="x", requested_by=worker
        )
    elif situation == "two_current_care":
        duplicate.care.ended_on = None
        duplicate.care.save()
        CareArrangementFactory(returnee=survivor)
    elif situation == "two_legal_records":
        LegalRecord.objects.create(returnee=survivor, charges="none", updated_by=worker)
    else:
        ApprovalRequest.objects.filter(pk=duplicate.approval.pk).update(status="pending")

    # when / then
    with pytest.raises(ValidationError) as error:
        merge(supervisor, survivor, duplicate)
    assert error.value.messages == [message]
    assert where(duplicate.document)[0] == duplicate.returnee.pk


def test_plan_versions_follow_the_survivors(supervisor, survivor, duplicate, worker):
    # given
    ReintegrationPlanFactory(case=survivor.case, version=1, status="superseded", created_by=worker)
    kept_current = ReintegrationPlanFactory(case=survivor.case, version=2, status="current", created_by=worker)

    # when
    record = merge(supervisor, survivor, duplicate)

    # then
    duplicate.plan.refresh_from_db()
    assert (duplicate.plan.case, duplicate.plan.version, duplicate.plan.status) == (
        survivor.case,
        3,
        "superseded",
    )
    kept_current.refresh_from_db()
    assert kept_current.status == "current"
    assert record.changed == [["cases.reintegrationplan.case", duplicate.plan.pk, {"version": 1, "status": "current"}]]


def test_both_in_families_the_survivor_keeps_its_own(supervisor, survivor, duplicate):
    # given
    own = FamilyMemberFactory(family=FamilyFactory(name="Other"), returnee=survivor, relationship="child")

    # when
    merge(supervisor, survivor, duplicate)

    # then
    assert where(own)[0] == survivor.pk
    assert where(duplicate.membership)[0] == duplicate.returnee.pk  # kept aside, back on an undo


def test_both_with_a_photo_the_survivor_keeps_its_own(supervisor, survivor, duplicate, worker):
    # given
    own = actions.returnee_photo_set(actor=worker, returnee=survivor, uploaded=png_upload())

    # when
    record = merge(supervisor, survivor, duplicate)

    # then: not a reason to refuse the merge; the other photo is kept aside, back on an undo
    assert where(own)[0] == survivor.pk
    assert where(duplicate.photo)[0] == duplicate.returnee.pk
    assert "cases.returneephoto.returnee" not in record.moved


def test_a_failure_midway_leaves_nothing_half_moved(supervisor, survivor, duplicate):
    # given
    real = merge_module._Recorder.move
    calls = []

    def failing(self, model, *args, **kwargs):
        calls.append(model)
        if model is Note:
            raise DatabaseError("disk full")
        return real(self, model, *args, **kwargs)

    # when
    with mock.patch.object(merge_module._Recorder, "move", failing), pytest.raises(DatabaseError):
        merge(supervisor, survivor, duplicate)

    # then
    assert len(calls) > 3  # several kinds had moved before the failure
    assert where(duplicate.document)[0] == duplicate.returnee.pk
    assert where(duplicate.membership)[0] == duplicate.returnee.pk
    assert where(duplicate.plan)[1] == duplicate.case.pk
    assert not survivor.aliases.filter(name="عائشة").exists()
    duplicate.returnee.refresh_from_db()
    assert duplicate.returnee.merged_into is None
    assert not ReturneeMerge.objects.exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.MERGED).exists()


# --- Undo ------------------------------------------------------------------------------------------


def state(survivor, duplicate) -> dict:
    """Where every row of both records is, with the values a merge may change."""
    ids = (survivor.pk, duplicate.returnee.pk)
    cases = (survivor.case.pk, duplicate.case.pk)
    by_returnee = (
        IdentityDocument,
        ConsentRecord,
        KinshipTest,
        CareArrangement,
        LegalRecord,
        FamilyMember,
        ReturneePhoto,
    )
    by_case = (Note, CaseEvent, FollowUpTask, Attachment, Referral, ApprovalRequest, Reminder, EmergencyAccess)
    rows = {m.__name__: sorted(m.objects.filter(returnee__in=ids).values_list("pk", "returnee")) for m in by_returnee}
    rows.update({m.__name__: sorted(m._base_manager.filter(case__in=cases).values_list("pk", "case")) for m in by_case})
    rows["plans"] = sorted(
        ReintegrationPlan.objects.filter(case__in=cases).values_list("pk", "case", "version", "status")
    )
    rows["transfers"] = sorted(CaseTransfer.objects.filter(case__in=cases).values_list("pk", "case"))
    rows["aliases"] = sorted(ReturneeAlias.objects.filter(returnee__in=ids).values_list("returnee", "name"))
    rows["merged_into"] = sorted(Returnee.objects.filter(pk__in=ids).values_list("pk", "merged_into"))
    rows["case_merged_into"] = sorted(Case.objects.filter(pk__in=cases).values_list("pk", "merged_into"))
    return rows


def test_undo_puts_back_exactly_what_the_merge_moved(supervisor, administrator, survivor, duplicate, worker):
    # given
    ReintegrationPlanFactory(case=survivor.case, version=1, status="current", created_by=worker)
    before = state(survivor, duplicate)
    record = merge(supervisor, survivor, duplicate)
    later = NoteFactory(case=survivor.case, author=worker)  # written on the survivor after the merge

    # when
    actions.returnee_merge_undo(actor=administrator, merge=record, reason="Twins, not one person.")

    # then
    after = state(survivor, duplicate)
    merge_events = set(CaseEvent.objects.filter(kind__in=["merged", "merge_undone"]).values_list("pk", flat=True))
    after["CaseEvent"] = [row for row in after["CaseEvent"] if row[0] not in merge_events]
    after["Note"] = [row for row in after["Note"] if row[0] != later.pk]
    assert after == before
    assert where(later)[1] == survivor.case.pk  # what was added since stays with the survivor
    record.refresh_from_db()
    assert (record.undone_by, record.undo_reason) == (administrator, "Twins, not one person.")
    assert record.undone_at is not None
    assert permissions.returnees_visible_to(worker).filter(pk=duplicate.returnee.pk).exists()
    for case in (survivor.case, duplicate.case):
        assert case.events.filter(kind=CaseEvent.Kind.MERGE_UNDONE, actor=administrator).exists()
    assert AuditEvent.objects.filter(object_type="returneemerge", object_id=record.pk, detail="merge undone").exists()


def test_undo_after_the_survivors_spellings_were_edited(supervisor, administrator, survivor, duplicate, worker):
    # given
    record = merge(supervisor, survivor, duplicate)
    survivor.refresh_from_db()
    names = list(survivor.aliases.values_list("name", flat=True))
    actions.returnee_update(actor=worker, returnee=survivor, data={}, aliases=[*names, "Aysha"])  # rewrites rows

    # when
    actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")

    # then
    assert sorted(survivor.aliases.values_list("name", flat=True)) == ["Aisha Testova", "Aysha"]
    assert sorted(duplicate.returnee.aliases.values_list("name", flat=True)) == ["Aisha Testova", "عائشة"]


def test_undo_is_refused_after_the_period(supervisor, administrator, survivor, duplicate, settings):
    # given
    settings.REPAT_MERGE_UNDO_DAYS = 30
    record = merge(supervisor, survivor, duplicate)
    ReturneeMerge.objects.filter(pk=record.pk).update(merged_at=timezone.now() - datetime.timedelta(days=31))
    record.refresh_from_db()

    # when / then
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")
    made = record.merged_at.astimezone(timezone.get_current_timezone())
    assert error.value.messages == [
        "This merge can no longer be undone: a merge can be undone for 30 days, and this one was made on "
        f"{made.day} {made:%B} {made.year}."
    ]
    assert where(duplicate.document)[0] == survivor.pk


@pytest.mark.parametrize("role", ["supervisor", "coordinator", "worker"])
def test_only_administrators_undo(role, request, supervisor, survivor, duplicate):
    # given
    record = merge(supervisor, survivor, duplicate)

    # when / then
    with pytest.raises(PermissionDenied):
        actions.returnee_merge_undo(actor=request.getfixturevalue(role), merge=record, reason="x")


def test_undo_twice_or_of_a_survivor_merged_since_is_refused(
    supervisor, administrator, survivor, duplicate, chuy, worker
):
    # given
    record = merge(supervisor, survivor, duplicate)
    third = CaseFactory(returnee=ReturneeFactory(region=chuy), worker=worker).returnee
    later = actions.returnee_merge(actor=supervisor, survivor=third, merged=survivor, reason=REASON)

    # when / then
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")
    assert error.value.messages == ["The record kept has since been merged into another one: undo that merge first."]
    actions.returnee_merge_undo(actor=administrator, merge=later, reason="x")
    actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")
    with pytest.raises(ValidationError) as error:
        actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")
    assert error.value.messages == ["This merge has already been undone."]
    assert where(duplicate.document)[0] == duplicate.returnee.pk


def test_the_name_index_follows_the_merge_and_its_undo(supervisor, administrator, survivor, duplicate, worker):
    # given
    from cases.models import NameKey

    search.index_returnees([survivor.pk, duplicate.returnee.pk])
    assert NameKey.objects.filter(returnee=duplicate.returnee).exists()

    # when
    record = merge(supervisor, survivor, duplicate)

    # then: the merged record is found only as the survivor, by its old name too
    assert not NameKey.objects.filter(returnee=duplicate.returnee).exists()
    assert search.ranked_returnee_ids(worker, "Тестова Айша Ивановна")[0] == survivor.pk
    assert duplicate.returnee.pk not in search.ranked_returnee_ids(administrator, "Тестова Айша Ивановна")
    found = search.probable_duplicates(worker, names_given=["Тестова Айша Ивановна"])
    assert [m.returnee_id for m in found] == [survivor.pk]

    # when
    actions.returnee_merge_undo(actor=administrator, merge=record, reason="x")

    # then
    assert NameKey.objects.filter(returnee=duplicate.returnee, source="name").exists()
    assert search.ranked_returnee_ids(worker, "Тестова Айша Ивановна")[0] == duplicate.returnee.pk
