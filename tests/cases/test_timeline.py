"""The case timeline: every kind of event, and every change an action writes into it, is shown with a
label in the reader's language (never a crash, never a field's key), on the real case page.

Each kind of event has a driver below that brings it about through the actions, changing everything
the action can change; the tests read the case page in English, Russian and Kyrgyz."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cases import actions
from cases.models import CaseEvent, FamilyMember, LegalRecord
from cases.search import ProbableMatch
from repat.accounts.models import User
from repat.approvals import actions as approvals
from services import actions as services
from tests.factories import (
    CaseFactory,
    OperationFactory,
    ReturneeFactory,
    UserFactory,
    pdf_upload,
    person,
    png_upload,
    region,
    register_returnee,
)
from tests.services.factories import ProviderFactory, ProviderStaffFactory, service
from tests.worlds import module_world, reread, sessions_of, signing_in

from .test_stale_saves import opened_form

pytestmark = pytest.mark.django_db

Kind = CaseEvent.Kind
CYRILLIC = re.compile(r"[А-Яа-яЁёӨөҮүҢң]")
REASON = "The child's school called: the mother has not been seen since Monday and needs help now."


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def build_world():
    """A returnee registered by the worker of tests/conftest.py (with another spelling and a new
    family), and the people and provider the drivers need (Bishkek and Osh, where the returnee
    moves, have someone above). Built once for the module (tests/worlds.py): each test drives its
    kind of event in a savepoint of its own."""
    chuy, osh = region("Chüy Oblast"), region("Osh Oblast")
    people = {name: person(name) for name in ("worker", "coordinator", "supervisor", "other_worker", "osh_supervisor")}
    people["colleague"] = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])
    UserFactory(username="coordinator-bishkek", role=User.Role.COORDINATOR, regions=[region("Bishkek")])
    counselling = service("individual-counselling")
    provider = ProviderFactory(name="Ak-Bata Family Centre", regions=[chuy], service_types=[counselling])
    provider_user = ProviderStaffFactory(provider=provider, user__username="provider-a").user
    returnee = register_returnee(people["worker"], chuy, aliases=["Hamza Orozov"], new_family_name="Орозовы")
    return SimpleNamespace(
        **people,
        sessions=sessions_of([*people.values(), provider_user]),
        osh=osh,
        counselling=counselling,
        provider=provider,
        provider_user=provider_user,
        returnee=returnee,
    )


built = module_world(build_world)


@pytest.fixture
def client_for(client, built):
    return signing_in(client, built.sessions)


def world_of(built):
    """The module's world, read afresh: what a driver changes in it stays with the driver."""
    returnee = reread(built.returnee)
    people = ("worker", "colleague", "coordinator", "supervisor", "other_worker", "provider_user")
    return SimpleNamespace(
        **{name: reread(getattr(built, name)) for name in people},
        osh=built.osh,
        counselling=built.counselling,
        provider=reread(built.provider),
        case=returnee.case,
        returnee=returnee,
    )


# The world's people are the module's: tests/conftest.py's would be the same people again.
@pytest.fixture
def worker(built):
    return reread(built.worker)


@pytest.fixture
def coordinator(built):
    return reread(built.coordinator)


@pytest.fixture
def supervisor(built):
    return reread(built.supervisor)


def fresh(w):
    w.case.refresh_from_db()
    return w.case


# --- One driver per kind of event: each changes everything its action can change ------------------


def drive_registration(w):
    pass  # the world registers the returnee: registered, opened, added to a family


def drive_returnee_update(w):
    other = OperationFactory(name="Second operation", arrival_date=datetime.date(2023, 5, 1))
    bishkek = region("Bishkek")
    data = {
        "given_name": "Хамза-Али",
        "family_name": "Орозов-Тестов",
        "patronymic": "Бакытович",
        "sex": "female",
        "date_of_birth": datetime.date(2016, 3, 4),
        "date_of_birth_precision": "exact",
        "place_of_birth": "Raqqa",
        "born_in_conflict_zone": True,
        "operation": other,
        "departure_place": "al-Hol",
        "arrival_date": datetime.date(2023, 5, 1),
        "citizenship_status": "confirmed",
        "languages": ["ky", "ar"],
        "special_needs": "Asthma.",
        "region": bishkek,
        "district": None,
        "locality": "Street 1",
    }
    actions.returnee_update(actor=w.worker, returnee=w.returnee, data=data, aliases=["Hamza", "حمزة"])


def drive_photo(w):
    returnee = fresh(w).returnee
    actions.returnee_photo_set(actor=w.worker, returnee=returnee, uploaded=png_upload())
    actions.returnee_photo_set(actor=w.worker, returnee=returnee, uploaded=png_upload())
    actions.returnee_photo_remove(actor=w.worker, returnee=returnee)


def drive_case_update(w):
    actions.case_update(actor=w.coordinator, case=fresh(w), data={"next_follow_up": days(9), "worker": w.colleague})


def drive_status(w):
    actions.case_update(actor=w.worker, case=fresh(w), data={"status": "active"})


def drive_risk(w):
    actions.case_update(actor=w.worker, case=fresh(w), data={"risk_level": "high", "risk_reason": "Threats."})


def drive_assign(w):
    actions.case_update(actor=w.coordinator, case=fresh(w), data={"worker": w.colleague})


def drive_close_and_reopen(w):
    request = approvals.approval_request(actor=w.worker, kind="closure", case=w.case, closure_reason="moved")
    approvals.approval_decide(actor=w.supervisor, approval=request, approve=True)
    actions.case_update(actor=w.worker, case=fresh(w), data={"status": "active"})


def drive_note(w):
    actions.note_log(
        actor=w.worker, case=w.case, contact_date=today(), kind="home_visit", summary="Visit.", next_follow_up=days(5)
    )


def drive_documents(w):
    document = actions.document_add(
        actor=w.worker, returnee=w.returnee, data={"kind": "passport", "status": "missing", "due_date": days(30)}
    )
    data = {
        "kind": "national_id",
        "number": "ID123",
        "issuing_body": "Registry office",
        "requested_on": days(-3),
        "issued_on": days(-1),
        "expires_on": days(3650),
        "responsible_organisation": "Legal clinic",
        "due_date": days(20),
        "notes": "Urgent.",
    }
    actions.document_update(actor=w.worker, document=document, data=data, scan_file=pdf_upload())
    for status, reason in (("requested", ""), ("refused", "No birth record."), ("requested", ""), ("issued", "")):
        document = actions.document_transition(actor=w.worker, document=document, status=status, reason=reason)


def drive_upload(w):
    actions.attachment_upload(actor=w.worker, case=w.case, uploaded=pdf_upload())


def drive_consent(w):
    mother = actions.family_member_add(
        actor=w.worker, family=w.returnee.membership.family, full_name="Гулнара Орозова", relationship="mother"
    )
    data = {
        "given_by": "member",
        "giver": mother,
        "purpose": "data_sharing",
        "provider": w.provider,
        "given_on": days(-10),
        "expires_on": days(300),
    }
    consent = actions.consent_record(actor=w.worker, returnee=w.returnee, data=data, form_file=pdf_upload())
    actions.consent_withdraw(actor=w.worker, consent=consent, on=today(), reason="Changed her mind.")


def drive_kinship(w):
    family = w.returnee.membership.family
    mother = actions.family_member_add(
        actor=w.worker, family=family, full_name="Гулнара Орозова", relationship="mother", whereabouts="abroad"
    )
    test = actions.kinship_test_record(
        actor=w.worker,
        returnee=w.returnee,
        relative=mother,
        claimed_relationship=FamilyMember.Relationship.MOTHER,
        laboratory="Forensic laboratory",
        sample_date=days(-20),
    )
    actions.kinship_result_record(
        actor=w.worker, test=test, result="match", reported_on=days(-1), confirm_relationship=True
    )


def drive_care(w):
    for kind, name, placed in (("grandparents", "Калыйпа", -30), ("relatives", "Айгүл", -5)):
        data = {
            "kind": kind,
            "caregiver_name": name,
            "caregiver_relationship": "Aunt",
            "guardian_name": name,
            "guardianship_order_number": "12/2023",
            "guardianship_order_date": days(placed),
            "placement_date": days(placed),
            "prior_agreement": True,
            "notes": "Agreed.",
        }
        actions.care_arrangement_set(actor=w.worker, returnee=w.returnee, data=data)


ASSESSMENT = {
    "kind": "psychosocial",
    "status": "completed",
    "due_date": None,
    "assessed_on": days(-2),
    "assessor": "Psychologist",
    "tool": "SDQ",
    "score": "12.50",
    "findings": "Sleeps badly.",
    "recommendations": "Counselling.",
    "recommended_domains": ["psychosocial", "education"],
}


def drive_assessments(w):
    assessment = actions.assessment_record(actor=w.worker, case=w.case, data=ASSESSMENT)
    request = approvals.approval_request(actor=w.worker, kind="assessment", case=w.case, subject=assessment)
    approvals.approval_decide(actor=w.supervisor, approval=request, approve=True)
    changed = {
        "kind": "medical",
        "status": "planned",
        "due_date": days(7),
        "assessed_on": None,
        "assessor": "Doctor",
        "tool": "Screening",
        "score": None,
        "findings": "",
        "recommendations": "Check-up.",
        "recommended_domains": ["health"],
    }
    actions.assessment_update(actor=w.worker, assessment=assessment, data=changed)


def drive_plan(w):
    assessment = actions.assessment_record(actor=w.worker, case=w.case, data=ASSESSMENT)
    plan = actions.plan_start(actor=w.worker, case=w.case)
    goal = actions.goal_add(
        actor=w.worker, plan=plan, data={"domain": "education", "goal": "Enrol in school", "target_date": days(30)}
    )
    changed = {
        "domain": "psychosocial",
        "goal": "Weekly counselling",
        "actions": "Book sessions.",
        "responsible": "Ak-Bata",
        "target_date": days(60),
        "status": "in_progress",
        "source_assessment": assessment,
    }
    actions.goal_update(actor=w.worker, goal=goal, data=changed)
    actions.goal_progress_add(actor=w.worker, goal=goal, written_on=today(), text="First session held.")
    request = approvals.approval_request(actor=w.worker, kind="plan", case=w.case, subject=plan)
    approvals.approval_decide(actor=w.supervisor, approval=request, approve=True)


def step(actor, referral, action, **kwargs):
    return services.referral_transition(
        actor=actor, referral=referral, action=action, expected_status=referral.status, **kwargs
    )


def drive_referrals(w):
    referral = services.referral_create(
        actor=w.worker, case=w.case, service_type=w.counselling, reason="Nightmares.", urgency="urgent"
    )
    services.referral_consent_override(actor=w.supervisor, referral=referral, reason="Mother unreachable.")
    referral.refresh_from_db()
    referral = step(w.coordinator, referral, "assign", provider=w.provider, comment="Closest centre.")
    referral = step(w.provider_user, referral, "accept", comment="We can see her Monday.")
    referral = step(w.provider_user, referral, "start")
    step(w.provider_user, referral, "complete", outcome="Eight sessions held.", completed_on=today())
    for actor, action in ((w.provider_user, "decline"), (w.worker, "cancel"), (w.coordinator, "revoke")):
        referral = services.referral_create(
            actor=w.worker, case=w.case, service_type=w.counselling, reason="Nightmares.", shares_data=False
        )
        if action == "decline":
            referral = step(
                w.coordinator, referral, "assign", provider=w.provider, provider_brief="Counselling, Osh office."
            )
        step(actor, referral, action, reason="No longer needed.")


def drive_transfers(w):
    for answer in ("decline", "cancel", "accept"):
        transfer = actions.transfer_request(
            actor=w.worker, case=fresh(w), to_region=w.osh, to_worker=w.other_worker, reason="The family moved."
        )
        if answer == "cancel":
            actions.transfer_cancel(actor=w.worker, transfer=transfer)
        else:
            actions.transfer_decide(
                actor=w.other_worker, transfer=transfer, accept=answer == "accept", comment="Not our district yet."
            )


def drive_tasks(w):
    task = actions.task_schedule(
        actor=w.worker, case=w.case, due_date=days(3), description="Call the school", assigned_to=w.colleague
    )
    actions.task_done(actor=w.colleague, task=task)


def drive_approvals(w):
    assessment = actions.assessment_record(actor=w.worker, case=w.case, data=ASSESSMENT)
    request = approvals.approval_request(
        actor=w.worker, kind="assessment", case=w.case, subject=assessment, comment="Please check the score."
    )
    approvals.approval_decide(actor=w.supervisor, approval=request, approve=False, comment="Add the tool's version.")
    request = approvals.approval_request(actor=w.worker, kind="closure", case=w.case, closure_reason="reintegrated")
    approvals.approval_withdraw(actor=w.worker, approval=request)
    request = approvals.approval_request(actor=w.worker, kind="assessment", case=w.case, subject=assessment)
    approvals.approval_decide(actor=w.supervisor, approval=request, approve=True, comment="Fine.")


def drive_restricted(w):
    grant(w.worker)
    data = {field: f"Text of {field}" for field in LegalRecord.FIELDS}
    actions.restricted_section_save(actor=w.worker, returnee=w.returnee, data=data)


def drive_emergency(w):
    actions.emergency_access_open(actor=w.other_worker, case_number=w.returnee.case_number, reason=REASON)


def drive_merge(w):
    try:
        twin = register_returnee(w.worker, w.returnee.region, new_family_name="Орозовы 2")
    except actions.ProbableDuplicates as found:  # the twin is one: that is why it is merged
        twin = register_returnee(
            w.worker, w.returnee.region, new_family_name="Орозовы 2", distinct=found.confirm(REASON)
        )
    merge = actions.returnee_merge(actor=w.supervisor, survivor=w.returnee, merged=twin, reason=REASON)
    administrator = UserFactory(username="admin-merge", role=User.Role.ADMINISTRATOR)
    actions.returnee_merge_undo(actor=administrator, merge=merge, reason=REASON)


def drive_duplicates(w):
    # The world's returnee was registered although someone in a caseload the worker does not
    # see was probably her; the region's coordinator, who sees both, decides.
    other = ReturneeFactory(region=w.returnee.region)
    CaseFactory(returnee=other, worker=w.colleague)
    match = ProbableMatch(other.pk, 0.9, same_birth=True, same_operation=True, same_mother=False)
    [decision] = actions.duplicates_record(actor=w.worker, returnee=w.returnee, matches=[match], reason=REASON)
    actions.duplicate_decide(actor=w.coordinator, decision=decision, same=False, reason=REASON)


DRIVERS = {
    Kind.OPENED: drive_registration,
    Kind.REGISTERED: drive_registration,
    Kind.FAMILY_JOINED: drive_registration,
    Kind.RETURNEE_UPDATED: drive_returnee_update,
    Kind.UPDATED: drive_case_update,
    Kind.STATUS_CHANGED: drive_status,
    Kind.RISK_CHANGED: drive_risk,
    Kind.ASSIGNED: drive_assign,
    Kind.CLOSED: drive_close_and_reopen,
    Kind.REOPENED: drive_close_and_reopen,
    Kind.NOTE_LOGGED: drive_note,
    Kind.DOCUMENT_ADDED: drive_documents,
    Kind.DOCUMENT_UPDATED: drive_documents,
    Kind.DOCUMENT_STATUS: drive_documents,
    Kind.FILE_UPLOADED: drive_upload,
    Kind.CONSENT_RECORDED: drive_consent,
    Kind.CONSENT_WITHDRAWN: drive_consent,
    Kind.KINSHIP_TEST: drive_kinship,
    Kind.KINSHIP_RESULT: drive_kinship,
    Kind.CARE_CHANGED: drive_care,
    Kind.ASSESSMENT_RECORDED: drive_assessments,
    Kind.ASSESSMENT_UPDATED: drive_assessments,
    Kind.PLAN_CREATED: drive_plan,
    Kind.PLAN_ACTIVATED: drive_plan,
    Kind.GOAL_ADDED: drive_plan,
    Kind.GOAL_UPDATED: drive_plan,
    Kind.GOAL_PROGRESS: drive_plan,
    Kind.REFERRAL_CREATED: drive_referrals,
    Kind.REFERRAL_STATUS: drive_referrals,
    Kind.CONSENT_OVERRIDDEN: drive_referrals,
    Kind.TRANSFER_REQUESTED: drive_transfers,
    Kind.TRANSFER_ACCEPTED: drive_transfers,
    Kind.TRANSFER_DECLINED: drive_transfers,
    Kind.TRANSFER_CANCELLED: drive_transfers,
    Kind.TASK_SCHEDULED: drive_tasks,
    Kind.TASK_DONE: drive_tasks,
    Kind.APPROVAL_REQUESTED: drive_approvals,
    Kind.APPROVAL_GIVEN: drive_approvals,
    Kind.APPROVAL_RETURNED: drive_approvals,
    Kind.APPROVAL_WITHDRAWN: drive_approvals,
    Kind.RESTRICTED_UPDATED: drive_restricted,
    Kind.EMERGENCY_ACCESS: drive_emergency,
    Kind.MERGED: drive_merge,
    Kind.MERGE_UNDONE: drive_merge,
    Kind.DUPLICATE_CONFIRMED: drive_duplicates,
    Kind.DUPLICATE_DECIDED: drive_duplicates,
    Kind.PHOTO_ADDED: drive_photo,
    Kind.PHOTO_REPLACED: drive_photo,
    Kind.PHOTO_REMOVED: drive_photo,
}

# What the drivers must make each kind write: every field its action can change. A field added to an
# action's list without its driver here fails the test, so its label is checked before it ships.
EXPECTED_KEYS = {
    Kind.OPENED: {"worker", "risk_level"},
    Kind.FAMILY_JOINED: {"family"},
    Kind.RETURNEE_UPDATED: {*actions.RETURNEE_FIELDS, "aliases"} - {"district"},
    Kind.UPDATED: {"next_follow_up", "worker"},
    Kind.STATUS_CHANGED: {"status"},
    Kind.RISK_CHANGED: {"risk_level", "risk_reason", "next_follow_up"},
    Kind.ASSIGNED: {"worker"},
    Kind.CLOSED: {"status", "closure_reason", "closed_on"},
    Kind.REOPENED: {"status", "closure_reason", "closed_on"},
    Kind.NOTE_LOGGED: {"next_follow_up"},
    Kind.DOCUMENT_ADDED: {"status", "due_date"},
    Kind.DOCUMENT_UPDATED: {*actions.DOCUMENT_FIELDS, "scan"},
    Kind.DOCUMENT_STATUS: {"status", "refusal_reason", "requested_on", "issued_on"},
    Kind.CONSENT_RECORDED: {"given_by", "given_by_name", "provider", "given_on", "expires_on"},
    Kind.CONSENT_WITHDRAWN: {"withdrawn_on", "withdrawal_reason"},
    Kind.KINSHIP_TEST: {"relative", "laboratory"},
    Kind.KINSHIP_RESULT: {"result", "reported_on"},
    Kind.CARE_CHANGED: {"kind", "caregiver_name", "guardian_name", "placement_date"},
    Kind.ASSESSMENT_RECORDED: {"status", "assessed_on", "score", "recommended_domains"},
    Kind.ASSESSMENT_UPDATED: {*actions.ASSESSMENT_FIELDS, "approved_by", "approved_at"},
    Kind.PLAN_CREATED: {"version"},
    Kind.PLAN_ACTIVATED: {"version"},
    Kind.GOAL_ADDED: {"domain", "target_date"},
    Kind.GOAL_UPDATED: set(actions.GOAL_FIELDS),
    Kind.GOAL_PROGRESS: {"text"},
    Kind.REFERRAL_CREATED: {"urgency"},
    Kind.REFERRAL_STATUS: {"status", "provider", "comment"},
    Kind.CONSENT_OVERRIDDEN: {"consent_override_reason"},
    Kind.TRANSFER_REQUESTED: {"to_region", "to_worker"},
    Kind.TRANSFER_ACCEPTED: {"worker", "region"},
    Kind.TRANSFER_DECLINED: {"comment"},
    Kind.TASK_SCHEDULED: {"due_date", "assigned_to"},
    Kind.APPROVAL_REQUESTED: {"comment", "closure_reason"},
    Kind.APPROVAL_GIVEN: {"comment"},
    Kind.APPROVAL_RETURNED: {"comment"},
    Kind.RESTRICTED_UPDATED: set(LegalRecord.FIELDS),
    Kind.EMERGENCY_ACCESS: {"comment"},
    Kind.MERGED: {"merged_case_number", "reason"},
    Kind.MERGE_UNDONE: {"merged_case_number", "undo_reason"},
    Kind.DUPLICATE_CONFIRMED: {"distinct_reason"},
    Kind.DUPLICATE_DECIDED: {"status", "decision_reason"},
}


def grant(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))


def read_timeline(client, case, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response, response.context["timeline"]


def is_human(label: str, key: str, language: str) -> bool:
    """A label a reader understands in their language: not the key, not the fallback. (In English a
    key's own words, "Status", are a fine label; in Russian and Kyrgyz they would be untranslated.)"""
    with translation.override(language):
        fallback = translation.gettext("Other")
    if not label or label in (key, fallback) or "_" in label:
        return False
    if language == "en":
        return label[0].isupper() and label.isascii()
    return bool(CYRILLIC.search(label))


def test_every_kind_of_event_has_a_driver():
    assert set(DRIVERS) == set(Kind.values)


@pytest.fixture(scope="module")
def driven(request, built, django_db_blocker):
    """The world after the driver named `request.param`: run once for the kinds of event it brings
    about and the three languages (pytest runs their tests together), in a savepoint of its own that
    is rolled back before the next driver's; each test reads it in a savepoint inside that one."""
    world = world_of(built)
    with django_db_blocker.unblock(), transaction.atomic():
        DRIVER_NAMED[request.param](world)
        yield world
        transaction.set_rollback(True)


DRIVER_NAMED = {driver.__name__: driver for driver in DRIVERS.values()}
READINGS = [
    pytest.param(DRIVERS[kind].__name__, kind, language, id=f"{kind}-{language}")
    for kind in Kind.values
    for language in ("en", "ru", "ky")
]


@pytest.mark.parametrize(("driven", "kind", "language"), READINGS, indirect=["driven"])
def test_every_kind_of_event_and_change_has_a_label_in_the_readers_language(driven, client_for, kind, language):
    # given: the kind of event, brought about by its actions with everything they can change (`driven`)
    case = fresh(driven)
    grant(case.worker)
    reader = User.objects.get(pk=case.worker.pk)  # permissions are cached on the instance

    # when: its social worker reads the case page
    response, timeline = read_timeline(client_for(reader), case, language)

    # then
    entries = [entry for entry in timeline if entry.event.kind == kind]
    assert entries, f"no {kind} event on the page"
    page = response.content.decode()
    written = set()
    for entry in entries:
        title = entry.event.get_kind_display()
        assert is_human(title, kind, language), title
        assert not entry.item.isdigit(), f"{kind}: the item is shown as a bare id ({entry.item})"
        written |= set(entry.event.changes)
        for key, change in zip(entry.event.changes, entry.changes, strict=True):
            assert is_human(change.label, key, language), f"{kind}: {key} is labelled {change.label!r}"
            assert escape(change.label) in page
            assert "[restricted]" not in page
    assert EXPECTED_KEYS.get(kind, set()) <= written, EXPECTED_KEYS[kind] - written


def test_other_spellings_edited_through_the_form_keep_the_case_page_open_for_every_role(
    worker, coordinator, supervisor, case, client_for
):
    # given: the worker adds other spellings after registration, through the edit page
    url = reverse("cases:returnee_update", args=[case.returnee.pk])
    client = client_for(worker)
    saved = client.post(url, {**opened_form(client, url), "aliases": "Aisha Testova\nАйша Тестова"})
    assert saved.status_code == 302

    # when / then: everyone who may see the case opens its page, and reads what changed
    for user in (worker, coordinator, supervisor):
        response = client_for(user).get(reverse("cases:case_detail", args=[case.pk]))
        assert response.status_code == 200, user.username
        assert "Other spellings: — → Aisha Testova, Айша Тестова" in response.content.decode()


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_a_changed_spelling_reads_in_the_readers_language(worker, case, client_for, language):
    actions.returnee_update(actor=worker, returnee=case.returnee, data={}, aliases=["Aisha"])

    _response, timeline = read_timeline(client_for(worker), case, language)

    [change] = timeline[0].changes
    with translation.override(language):
        assert change.label == translation.gettext("Other spellings")
    assert CYRILLIC.search(change.label)


def test_a_reverse_relation_or_unknown_key_is_labelled_not_crashed(worker, case, client_for):
    """Keys that no action writes today, as a future one might: a reverse relation of the returnee
    or the case, and a key that is no field at all."""
    CaseEvent.objects.create(
        case=case,
        kind=Kind.RETURNEE_UPDATED,
        actor=worker,
        changes={"documents": [None, "2"], "notes": [None, "3"], "membership": [None, "x"], "no_such_key": [1, 2]},
    )

    _response, timeline = read_timeline(client_for(worker), case, "en")

    labels = {change.label for change in timeline[0].changes}  # jsonb keeps no key order
    assert labels == {"Identity documents", "Notes", "Family member", "Other"}
