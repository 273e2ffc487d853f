"""The rules of the first months after arrival: documents, consent, kinship tests, care, assessments and
reintegration plans, each enforced by one action in cases/actions.py."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import actions
from cases.models import (
    Assessment,
    Attachment,
    CareArrangement,
    CaseEvent,
    CaseSettings,
    ConsentRecord,
    FamilyMember,
    GoalProgress,
    IdentityDocument,
    KinshipBasis,
    KinshipTest,
    PlanGoal,
    Returnee,
)
from repat.approvals import actions as approval_actions
from tests.factories import (
    AssessmentFactory,
    CareArrangementFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyFactory,
    FamilyMemberFactory,
    GoalProgressFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    approve_plan,
    mother_of,
    pdf_upload,
    snapshot,
)
from tests.services.factories import ProviderFactory

pytestmark = pytest.mark.django_db

Status = IdentityDocument.Status


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def refused(call: Callable) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value


# --- Identity documents


def test_document_add_records_a_missing_document_with_an_event(worker, case):
    document = actions.document_add(
        actor=worker,
        returnee=case.returnee,
        data={"kind": "birth_certificate", "due_date": days(30), "responsible_organisation": "Civil registry"},
    )

    assert document.status == Status.MISSING
    assert document.responsible_organisation == "Civil registry"
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.DOCUMENT_ADDED
    assert event.actor == worker
    assert (event.subject, event.subject_id, event.item) == ("identitydocument", document.pk, "birth_certificate")
    assert event.changes == {"status": [None, "missing"], "due_date": [None, days(30).isoformat()]}


def test_document_add_of_an_issued_document_needs_the_issue_date(worker, case):
    error = refused(
        lambda: actions.document_add(
            actor=worker, returnee=case.returnee, data={"kind": "passport", "status": "issued"}
        )
    )

    assert error.message_dict == {"issued_on": ["Give the date the document was issued."]}
    assert not IdentityDocument.objects.exists()
    assert not CaseEvent.objects.exists()


def test_document_add_of_an_issued_document_keeps_its_date(worker, case):
    data = {"kind": "passport", "status": "issued", "issued_on": datetime.date(2023, 5, 2), "number": "AC1234567"}
    document = actions.document_add(actor=worker, returnee=case.returnee, data=data)

    document.refresh_from_db()
    assert document.status == Status.ISSUED
    assert document.issued_on == datetime.date(2023, 5, 2)
    assert document.next_statuses() == []


@pytest.mark.parametrize("status", ["in_progress", "refused", "lost"])
def test_document_add_only_starts_missing_requested_or_issued(worker, case, status):
    data = {"kind": "passport", "status": status, "refusal_reason": "No"}
    error = refused(lambda: actions.document_add(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"status": ["A new document is missing, requested or already issued."]}
    assert not IdentityDocument.objects.exists()


def given_document(returnee, status: str) -> IdentityDocument:
    extra = {}
    if status == Status.REFUSED:
        extra["refusal_reason"] = "The father's papers are missing."
    if status == Status.ISSUED:
        extra["issued_on"] = days(-10)
    return IdentityDocumentFactory(returnee=returnee, status=status, **extra)


LEGAL = [(old, new) for old, targets in IdentityDocument.TRANSITIONS.items() for new in targets]
ILLEGAL = [(old, new) for old in Status.values for new in Status.values if (old, new) not in LEGAL]


def test_the_transition_table_is_the_one_social_workers_agreed():
    assert sorted(LEGAL) == sorted(
        [
            ("missing", "requested"),
            ("requested", "in_progress"),
            ("requested", "issued"),
            ("requested", "refused"),
            ("in_progress", "issued"),
            ("in_progress", "refused"),
            ("refused", "requested"),
        ]
    )


@pytest.mark.parametrize(("old", "new"), LEGAL)
def test_legal_document_transitions(worker, case, old, new):
    document = given_document(case.returnee, old)

    actions.document_transition(actor=worker, document=document, status=new, reason="Not registered at birth.")

    document.refresh_from_db()
    assert document.status == new
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.DOCUMENT_STATUS
    assert event.changes["status"] == [old, new]
    assert (event.subject, event.subject_id) == ("identitydocument", document.pk)


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_illegal_document_transitions_are_refused_and_change_nothing(worker, case, old, new):
    document = given_document(case.returnee, old)
    labels = dict(Status.choices)

    error = refused(lambda: actions.document_transition(actor=worker, document=document, status=new, reason="x"))

    assert error.message_dict == {"status": [f"A document cannot go from “{labels[old]}” to “{labels[new]}”."]}
    document.refresh_from_db()
    assert document.status == old
    assert not CaseEvent.objects.exists()


def test_illegal_transition_message_reads_naturally(worker, case):
    document = given_document(case.returnee, Status.MISSING)

    error = refused(lambda: actions.document_transition(actor=worker, document=document, status="issued"))

    assert error.messages == ["A document cannot go from “Missing” to “Issued”."]


def test_an_unknown_status_is_refused_by_name(worker, case):
    document = given_document(case.returnee, Status.MISSING)

    error = refused(lambda: actions.document_transition(actor=worker, document=document, status="lost"))

    assert error.messages == ["A document cannot go from “Missing” to “lost”."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_refusal_needs_a_reason(worker, case, reason):
    document = given_document(case.returnee, Status.REQUESTED)

    error = refused(
        lambda: actions.document_transition(actor=worker, document=document, status="refused", reason=reason)
    )

    assert error.message_dict == {"reason": ["Give the reason for the refusal."]}
    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    assert not CaseEvent.objects.exists()


def test_refusal_keeps_the_reason_and_a_new_request_clears_it(worker, case):
    document = given_document(case.returnee, Status.REQUESTED)

    actions.document_transition(actor=worker, document=document, status="refused", reason="  No proof of birth.  ")
    document.refresh_from_db()
    assert document.refusal_reason == "No proof of birth."

    actions.document_transition(actor=worker, document=document, status="requested", on=days(-1))
    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    assert document.refusal_reason == ""
    assert document.requested_on == days(-1)


def test_issuing_stamps_the_issue_date_today_by_default(worker, case):
    document = given_document(case.returnee, Status.IN_PROGRESS)

    actions.document_transition(actor=worker, document=document, status="issued")

    document.refresh_from_db()
    assert document.issued_on == timezone.localdate()
    assert case.events.get().changes == {
        "status": ["in_progress", "issued"],
        "issued_on": [None, timezone.localdate().isoformat()],
    }


def test_issuing_on_a_given_date_stamps_that_date(worker, case):
    document = given_document(case.returnee, Status.REQUESTED)

    actions.document_transition(actor=worker, document=document, status="issued", on=days(-3))

    document.refresh_from_db()
    assert document.issued_on == days(-3)


def test_requesting_stamps_the_request_date(worker, case):
    document = given_document(case.returnee, Status.MISSING)

    actions.document_transition(actor=worker, document=document, status="requested")

    document.refresh_from_db()
    assert document.requested_on == timezone.localdate()


def test_a_transition_cannot_be_dated_in_the_future(worker, case):
    document = given_document(case.returnee, Status.REQUESTED)

    error = refused(lambda: actions.document_transition(actor=worker, document=document, status="issued", on=days(1)))

    assert error.message_dict == {"on": ["The date cannot be in the future."]}
    document.refresh_from_db()
    assert document.status == Status.REQUESTED
    assert document.issued_on is None


def test_document_update_records_changes_but_never_the_status(worker, case):
    document = given_document(case.returnee, Status.REQUESTED)

    actions.document_update(
        actor=worker, document=document, data={"number": "I-АН 123456", "status": "issued", "refusal_reason": "x"}
    )

    document.refresh_from_db()
    assert document.number == "I-АН 123456"
    assert document.status == Status.REQUESTED
    assert document.refusal_reason == ""
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.DOCUMENT_UPDATED
    assert event.changes == {"number": ["", "I-АН 123456"]}


def test_document_update_without_changes_writes_no_event(worker, case):
    document = IdentityDocumentFactory(returnee=case.returnee, number="123")

    actions.document_update(actor=worker, document=document, data={"number": "123"})

    assert not CaseEvent.objects.exists()


def test_document_update_with_a_scan_attaches_it(worker, case):
    document = given_document(case.returnee, Status.REQUESTED)

    actions.document_update(actor=worker, document=document, data={}, scan_file=pdf_upload("passport.pdf"))

    document.refresh_from_db()
    assert document.scan.original_name == "passport.pdf"
    assert document.scan.case == case
    assert list(case.events.order_by("id").values_list("kind", flat=True)) == ["file_uploaded", "document_updated"]
    assert case.events.get(kind="document_updated").changes == {"scan": [None, "passport.pdf"]}


def test_document_add_with_a_bad_scan_leaves_no_document_and_no_attachment(worker, case):
    html = SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")

    error = refused(
        lambda: actions.document_add(actor=worker, returnee=case.returnee, data={"kind": "passport"}, scan_file=html)
    )

    assert error.messages == ["Only PDF, JPEG and PNG files can be uploaded."]
    assert not IdentityDocument.objects.exists()
    assert not Attachment.objects.exists()
    assert not CaseEvent.objects.exists()


def test_a_document_failing_after_its_scan_was_stored_leaves_no_attachment_row(worker, case):
    # The scan passes its checks and is saved; then the document itself is invalid.
    error = refused(
        lambda: actions.document_add(
            actor=worker, returnee=case.returnee, data={"kind": "spaceship_licence"}, scan_file=pdf_upload()
        )
    )

    assert "kind" in error.message_dict
    assert not IdentityDocument.objects.exists()
    assert not Attachment.objects.exists()
    assert not CaseEvent.objects.exists()


def test_the_database_refuses_a_refused_document_without_reason(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityDocumentFactory(returnee=case.returnee, status="refused", refusal_reason="")


def test_the_database_refuses_an_issued_document_without_date(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityDocumentFactory(returnee=case.returnee, status="issued", issued_on=None)


def test_only_open_documents_with_a_past_due_date_are_overdue(case):
    assert IdentityDocumentFactory(returnee=case.returnee, status="requested", due_date=days(-1)).is_overdue
    assert not IdentityDocumentFactory(returnee=case.returnee, status="requested", due_date=days(0)).is_overdue
    assert not IdentityDocumentFactory(returnee=case.returnee, status="requested", due_date=None).is_overdue
    issued = IdentityDocumentFactory(returnee=case.returnee, status="issued", issued_on=days(-2), due_date=days(-5))
    assert not issued.is_overdue


# --- Consent


@pytest.mark.parametrize(
    ("given_on", "expires_on", "withdrawn_on", "valid"),
    [
        (-10, None, None, True),
        (0, None, None, True),
        (1, None, None, False),  # dated in the future: not yet given
        (-10, -1, None, False),  # expired yesterday
        (-10, 0, None, True),  # expires at the end of today
        (-10, 30, None, True),
        (-10, None, 0, False),  # withdrawn today
        (-10, None, -1, False),
        (-10, None, 5, True),  # withdrawal takes effect later
        (-10, -1, 5, False),
    ],
)
def test_consent_validity_today(given_on, expires_on, withdrawn_on, valid):
    consent = ConsentRecord(
        given_on=days(given_on),
        expires_on=days(expires_on) if expires_on is not None else None,
        withdrawn_on=days(withdrawn_on) if withdrawn_on is not None else None,
    )
    assert consent.is_valid() is valid


def test_consent_validity_on_a_given_day():
    consent = ConsentRecord(given_on=datetime.date(2023, 3, 1), expires_on=datetime.date(2024, 3, 1))
    assert consent.is_valid(datetime.date(2023, 2, 28)) is False
    assert consent.is_valid(datetime.date(2023, 3, 1)) is True
    assert consent.is_valid(datetime.date(2024, 3, 1)) is True
    assert consent.is_valid(datetime.date(2024, 3, 2)) is False


def consent_data(returnee, **overrides):
    """Consent to receive services, given yesterday by the returnee's mother on record."""
    data = {"purpose": "services", "given_by": "member", "giver": mother_of(returnee), "given_on": days(-1)}
    data.update(overrides)
    return data


def test_data_sharing_consent_must_name_a_provider_or_category(worker, case):
    data = consent_data(case.returnee, purpose="data_sharing", expires_on=days(300))

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"provider": ["Choose the provider, or a service category."]}
    assert not ConsentRecord.objects.exists()
    assert not CaseEvent.objects.exists()


def test_data_sharing_consent_must_have_an_expiry(worker, case):
    data = consent_data(case.returnee, purpose="data_sharing", provider=ProviderFactory())

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {
        "expires_on": ["Give the date the consent ends: consent to share data must have one."]
    }
    assert not ConsentRecord.objects.exists()


def test_only_consent_about_services_names_a_provider(worker, case):
    data = consent_data(case.returnee, purpose="photos", provider=ProviderFactory())
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {"provider": ["Only consent to receive services or to share data names a provider."]}


def test_data_sharing_consent_pointing_at_a_provider_is_recorded(worker, case):
    # given
    provider = ProviderFactory(name="Ak-Bata Family Centre")
    data = consent_data(case.returnee, purpose="data_sharing", provider=provider, expires_on=days(300))

    # when
    consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)

    # then: who gave it, as on record today
    consent.refresh_from_db()
    assert (consent.provider, consent.service_category, consent.recorded_by) == (provider, None, worker)
    assert (consent.given_by, consent.giver, consent.given_by_name, consent.giver_relationship) == (
        "member",
        mother_of(case.returnee),
        "Гулнара Тестова",
        "mother",
    )
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CONSENT_RECORDED
    assert (event.subject, event.subject_id, event.item) == ("consentrecord", consent.pk, "data_sharing")
    assert event.changes == {
        "given_by": [None, "member"],
        "given_by_name": [None, "Гулнара Тестова"],
        "provider": [None, "Ak-Bata Family Centre"],
        "given_on": [None, days(-1).isoformat()],
        "expires_on": [None, days(300).isoformat()],
    }


def born(case, day: datetime.date, precision: str = "exact"):
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=day, date_of_birth_precision=precision)
    case.returnee.refresh_from_db()
    return case.returnee


def years_before(day: datetime.date, n: int) -> datetime.date:
    return day.replace(year=day.year - n, day=min(day.day, 28))


UNDER_14 = "The returnee was under 14 when consent was given: a parent or legal guardian on record must consent."
MAYBE_UNDER_14 = (
    "The returnee may have been under 14 when consent was given (the date of birth is approximate): a parent or "
    "legal guardian on record must consent."
)


@pytest.mark.parametrize(
    ("years", "days_short", "precision", "error"),
    [
        pytest.param(10, 0, "exact", UNDER_14, id="ten"),
        pytest.param(14, 1, "exact", UNDER_14, id="the-day-before-fourteen"),
        pytest.param(14, 0, "exact", None, id="fourteen-that-day"),
        pytest.param(17, 0, "exact", None, id="seventeen"),
        # "born in the year 14 years before" may be 13 until that year's last day
        pytest.param(14, 0, "year", MAYBE_UNDER_14, id="year-only"),
        pytest.param(15, 0, "year", None, id="year-only-certainly-fourteen"),
        # an estimate counts a year either side
        pytest.param(15, 0, "estimated", MAYBE_UNDER_14, id="estimated"),
        pytest.param(16, 0, "estimated", None, id="estimated-certainly-fourteen"),
    ],
)
def test_a_child_consents_alone_only_from_the_age_set_by_administrators(
    worker, case, years, days_short, precision, error
):
    # given: born `years` years (less `days_short` days) before the day of consent, mid-year
    given_on = datetime.date(2024, 6, 15)
    born(case, years_before(given_on, years) + datetime.timedelta(days=days_short), precision)
    data = consent_data(case.returnee, given_by="self", giver=None, given_on=given_on)

    # when / then
    if error is None:
        consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)
        assert (consent.given_by, consent.giver, consent.given_by_name) == ("self", None, "")
    else:
        error_dict = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
        assert error_dict.message_dict == {"giver": [error]}
        assert not ConsentRecord.objects.exists()


def test_a_returnee_without_a_date_of_birth_cannot_consent_alone(worker, case):
    Returnee.objects.filter(pk=case.returnee_id).update(date_of_birth=None)
    case.returnee.refresh_from_db()
    data = consent_data(case.returnee, given_by="self", giver=None)
    assert refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data)).message_dict == {
        "giver": [
            "The returnee's date of birth is not recorded (an estimate will do): who may consent depends on their age."
        ]
    }


def test_the_minimum_age_comes_from_the_case_settings(worker, case):
    CaseSettings.objects.update_or_create(pk=1, defaults={"consent_min_age": 16})
    born(case, years_before(days(-1), 15))
    data = consent_data(case.returnee, given_by="self", giver=None)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {
        "giver": [
            "The returnee was under 16 when consent was given: a parent or legal guardian on record must consent."
        ]
    }


@pytest.mark.parametrize(
    ("relationship", "allowed"),
    [("mother", True), ("father", True), ("guardian", True), ("grandparent", False), ("sibling", False)],
)
def test_who_in_the_family_may_consent_for_a_child(worker, case, relationship, allowed):
    # given: a ten-year-old and one relative on record
    born(case, years_before(days(-1), 10))
    family = mother_of(case.returnee).family
    relative = FamilyMemberFactory(family=family, full_name="Калыйпа Тестова", relationship=relationship)
    data = consent_data(case.returnee, giver=relative)

    # when / then
    if allowed:
        consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)
        assert (consent.giver, consent.giver_relationship) == (relative, relationship)
        return
    label = dict(FamilyMember.Relationship.choices)[relationship]
    assert refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data)).message_dict == {
        "giver": [
            f"Калыйпа Тестова ({label}) may not consent for the returnee: only a parent or legal guardian on record "
            "may, or the returnee themself from age 14."
        ]
    }


def test_a_mother_of_another_family_may_not_consent(worker, case):
    stranger = FamilyMemberFactory(family=FamilyFactory(), full_name="Айжан Чужая", relationship="mother")
    data = consent_data(case.returnee, giver=stranger)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {
        "giver": [
            "Айжан Чужая (Mother) may not consent for the returnee: only a parent or legal guardian on record may, "
            "or the returnee themself from age 14."
        ]
    }


def test_a_family_member_must_be_chosen(worker, case):
    data = consent_data(case.returnee, giver=None)
    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))
    assert error.message_dict == {"giver": ["Choose the family member who gave consent."]}


def test_the_guardian_named_by_an_order_consents(worker, case):
    order = CareArrangementFactory(
        returnee=case.returnee,
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="GO-7",
        guardianship_order_date=days(-30),
        recorded_by=worker,
    )
    data = consent_data(case.returnee, given_by="guardian", giver=None, guardianship=order)

    consent = actions.consent_record(actor=worker, returnee=case.returnee, data=data)

    assert (consent.guardianship, consent.given_by_name, consent.giver_relationship) == (
        order,
        "Калыйпа Тестова",
        "guardian",
    )


def test_consent_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.consent_record(
            actor=worker, returnee=case.returnee, data=consent_data(case.returnee, given_on=days(1))
        )
    )

    assert error.message_dict == {"given_on": ["Consent cannot be dated in the future."]}
    assert not ConsentRecord.objects.exists()


def test_consent_cannot_expire_before_it_was_given(worker, case):
    data = consent_data(case.returnee, given_on=days(-1), expires_on=days(-5))

    error = refused(lambda: actions.consent_record(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"expires_on": ["Consent cannot expire before it was given."]}
    assert not ConsentRecord.objects.exists()


def test_consent_with_a_signed_form_keeps_the_form(worker, case):
    consent = actions.consent_record(
        actor=worker, returnee=case.returnee, data=consent_data(case.returnee), form_file=pdf_upload("consent.pdf")
    )

    assert consent.form.original_name == "consent.pdf"
    assert consent.form.content_type == "application/pdf"
    assert list(case.events.order_by("id").values_list("kind", flat=True)) == ["file_uploaded", "consent_recorded"]


def test_withdrawing_consent(worker, case):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30), recorded_by=worker)

    actions.consent_withdraw(actor=worker, consent=consent, on=days(-1), reason="  The mother changed her mind. ")

    consent.refresh_from_db()
    assert consent.withdrawn_on == days(-1)
    assert consent.withdrawal_reason == "The mother changed her mind."
    assert not consent.is_valid()
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CONSENT_WITHDRAWN
    assert (event.subject, event.subject_id, event.item) == ("consentrecord", consent.pk, "services")


def test_consent_is_withdrawn_once(worker, case):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30), withdrawn_on=days(-2))

    error = refused(lambda: actions.consent_withdraw(actor=worker, consent=consent, on=days(0), reason=""))

    assert error.messages == ["This consent was already withdrawn."]
    consent.refresh_from_db()
    assert consent.withdrawn_on == days(-2)


@pytest.mark.parametrize("on", [-31, 1])
def test_withdrawal_date_lies_between_consent_and_today(worker, case, on):
    consent = ConsentRecordFactory(returnee=case.returnee, given_on=days(-30))

    error = refused(lambda: actions.consent_withdraw(actor=worker, consent=consent, on=days(on), reason=""))

    assert error.message_dict == {"on": ["The withdrawal date must be between the date consent was given and today."]}
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert not CaseEvent.objects.exists()


# --- Kinship (DNA) tests


@pytest.fixture
def mother(db):
    """The returnee's claimed mother, recorded in her own household (not a returnee)."""
    return FamilyMemberFactory(family=FamilyFactory(name="Тестовы"), full_name="Гулнара Тестова", relationship="mother")


def test_kinship_test_is_recorded_pending_with_an_event(worker, case, mother):
    consent = ConsentRecordFactory(returnee=case.returnee, purpose="dna_testing", given_on=days(-20))

    test = actions.kinship_test_record(
        actor=worker,
        returnee=case.returnee,
        relative=mother,
        claimed_relationship="mother",
        laboratory="Republican forensic laboratory",
        sample_date=days(-10),
        consent=consent,
    )

    assert test.result == KinshipTest.Result.PENDING
    assert test.consent == consent
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.KINSHIP_TEST
    assert (event.subject, event.subject_id, event.item) == ("kinshiptest", test.pk, "mother")
    assert event.changes == {
        "relative": [None, "Гулнара Тестова"],
        "laboratory": [None, "Republican forensic laboratory"],
    }


def test_a_returnee_cannot_be_tested_against_themselves(worker, case, mother):
    self_member = FamilyMemberFactory(family=mother.family, returnee=case.returnee)

    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=self_member,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(-1),
        )
    )

    assert error.message_dict == {"relative": ["A person cannot be tested against themselves."]}
    assert not KinshipTest.objects.exists()


@pytest.mark.parametrize(
    "make_consent",
    [
        pytest.param(lambda case: ConsentRecordFactory(returnee=case.returnee, purpose="photos"), id="other purpose"),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=CaseFactory().returnee, purpose="dna_testing", given_on=days(-30)
            ),
            id="other returnee",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=case.returnee, purpose="dna_testing", given_on=days(-30), withdrawn_on=days(-20)
            ),
            id="withdrawn before the sample",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(
                returnee=case.returnee, purpose="dna_testing", given_on=days(-30), expires_on=days(-11)
            ),
            id="expired before the sample",
        ),
        pytest.param(
            lambda case: ConsentRecordFactory(returnee=case.returnee, purpose="dna_testing", given_on=days(-5)),
            id="given after the sample",
        ),
    ],
)
def test_kinship_test_consent_must_be_a_valid_dna_consent_of_the_returnee(worker, case, mother, make_consent):
    consent = make_consent(case)

    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=mother,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(-10),
            consent=consent,
        )
    )

    assert error.message_dict == {
        "consent": ["Choose a DNA-testing consent of this returnee valid on the sample date."]
    }
    assert not KinshipTest.objects.exists()


def test_kinship_sample_cannot_be_dated_in_the_future(worker, case, mother):
    error = refused(
        lambda: actions.kinship_test_record(
            actor=worker,
            returnee=case.returnee,
            relative=mother,
            claimed_relationship="mother",
            laboratory="Lab",
            sample_date=days(1),
        )
    )

    assert error.message_dict == {"sample_date": ["The sample date cannot be in the future."]}


@pytest.mark.parametrize(
    ("claimed", "place"),
    [
        ("mother", "child"),
        ("father", "child"),
        ("grandparent", "grandchild"),
        ("sibling", "sibling"),
        ("aunt_uncle", "niece_nephew"),
        ("other_relative", "other_relative"),
    ],
)
def test_a_confirmed_match_places_a_returnee_without_family_in_the_relatives_family(
    worker, case, mother, claimed, place
):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother, claimed_relationship=claimed)

    actions.kinship_result_record(
        actor=worker, test=test, result="match", reported_on=days(-1), confirm_relationship=True
    )

    test.refresh_from_db()
    assert (test.result, test.reported_on) == ("match", days(-1))
    membership = FamilyMember.objects.get(returnee=case.returnee)
    assert membership.family == mother.family
    assert membership.relationship == place
    assert membership.kinship_basis == KinshipBasis.DNA
    assert membership.kinship_test == test
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DNA
    assert mother.kinship_test == test
    assert list(case.events.order_by("id").values_list("kind", flat=True)) == ["kinship_result", "family_joined"]
    result_event = case.events.get(kind="kinship_result")
    assert result_event.changes == {"result": ["pending", "match"], "reported_on": [None, days(-1).isoformat()]}
    assert (result_event.subject, result_event.subject_id) == ("kinshiptest", test.pk)


def test_a_confirmed_match_confirms_an_existing_membership_in_that_family(worker, case, mother):
    membership = FamilyMemberFactory(family=mother.family, returnee=case.returnee, relationship="child")
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    actions.kinship_result_record(
        actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
    )

    membership.refresh_from_db()
    assert membership.kinship_basis == KinshipBasis.DNA
    assert membership.kinship_test == test
    assert FamilyMember.objects.filter(returnee=case.returnee).count() == 1
    assert list(case.events.values_list("kind", flat=True)) == ["kinship_result"]


def test_a_match_cannot_be_confirmed_while_the_returnee_belongs_to_another_family(worker, case, mother):
    FamilyMemberFactory(family=FamilyFactory(name="Другие"), returnee=case.returnee, relationship="child")
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.message_dict == {
        "confirm_relationship": ["This returnee belongs to another family; move them before confirming."]
    }
    # Nothing half-saved: the result is not recorded either, and no basis changed.
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING
    assert test.reported_on is None
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DECLARED
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("result", ["no_match", "inconclusive"])
def test_only_a_match_can_confirm_a_relationship(worker, case, mother, result):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result=result, reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.message_dict == {"confirm_relationship": ["Only a match can confirm a relationship."]}
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()


def test_a_result_without_confirmation_changes_no_family(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    actions.kinship_result_record(actor=worker, test=test, result="match", reported_on=days(0))

    test.refresh_from_db()
    assert test.result == KinshipTest.Result.MATCH
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()
    mother.refresh_from_db()
    assert mother.kinship_basis == KinshipBasis.DECLARED


def test_a_second_result_is_refused(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)
    actions.kinship_result_record(actor=worker, test=test, result="no_match", reported_on=days(0))

    error = refused(
        lambda: actions.kinship_result_record(
            actor=worker, test=test, result="match", reported_on=days(0), confirm_relationship=True
        )
    )

    assert error.messages == ["The result of this test was already recorded."]
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.NO_MATCH
    assert not FamilyMember.objects.filter(returnee=case.returnee).exists()
    assert case.events.count() == 1


def test_pending_is_not_a_result(worker, case, mother):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother)

    error = refused(
        lambda: actions.kinship_result_record(actor=worker, test=test, result="pending", reported_on=days(0))
    )

    assert error.message_dict == {"result": ["Choose the result."]}


@pytest.mark.parametrize("reported_on", [-31, 1])
def test_result_date_lies_between_sample_and_today(worker, case, mother, reported_on):
    test = KinshipTestFactory(returnee=case.returnee, relative=mother, sample_date=days(-30))

    error = refused(
        lambda: actions.kinship_result_record(actor=worker, test=test, result="match", reported_on=days(reported_on))
    )

    assert error.message_dict == {"reported_on": ["The result date must be between the sample date and today."]}
    test.refresh_from_db()
    assert test.result == KinshipTest.Result.PENDING


# --- Care arrangements


def care_data(**overrides):
    data = {"kind": "grandparents", "caregiver_name": "Калыйпа Тестова", "placement_date": datetime.date(2023, 3, 1)}
    data.update(overrides)
    return data


def test_first_care_arrangement_is_current(worker, case):
    arrangement = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    assert arrangement.ended_on is None
    assert arrangement.recorded_by == worker
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CARE_CHANGED
    assert (event.subject, event.subject_id, event.item) == ("carearrangement", arrangement.pk, "grandparents")
    assert event.changes == {
        "kind": [None, "grandparents"],
        "caregiver_name": [None, "Калыйпа Тестова"],
        "placement_date": [None, "2023-03-01"],
    }


def test_a_new_arrangement_ends_the_current_one(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    second = actions.care_arrangement_set(
        actor=worker,
        returnee=case.returnee,
        data=care_data(kind="mother", caregiver_name="Гулнара Тестова", placement_date=datetime.date(2023, 9, 15)),
    )

    first.refresh_from_db()
    assert first.ended_on == datetime.date(2023, 9, 15)
    assert second.ended_on is None
    assert list(case.returnee.care_arrangements.all()) == [second, first]
    event = case.events.get(subject_id=second.pk)
    assert event.changes["kind"] == ["grandparents", "mother"]
    assert event.changes["caregiver_name"] == ["Калыйпа Тестова", "Гулнара Тестова"]


def test_a_new_arrangement_can_start_the_day_the_current_one_did(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data(kind="relatives"))

    first.refresh_from_db()
    assert first.ended_on == first.placement_date
    assert CareArrangement.objects.filter(ended_on__isnull=True).count() == 1


def test_a_new_arrangement_cannot_start_before_the_current_one(worker, case):
    first = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=care_data())

    error = refused(
        lambda: actions.care_arrangement_set(
            actor=worker, returnee=case.returnee, data=care_data(placement_date=datetime.date(2023, 2, 28))
        )
    )

    assert error.message_dict == {
        "placement_date": ["The new placement cannot start before the current one (2023-03-01)."]
    }
    first.refresh_from_db()
    assert first.ended_on is None
    assert CareArrangement.objects.count() == 1
    assert case.events.count() == 1


def test_a_guardianship_order_names_the_guardian(worker, case):
    data = care_data(guardianship_order_number="123/2023", guardianship_order_date=datetime.date(2023, 3, 5))

    error = refused(lambda: actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=data))

    assert error.message_dict == {"guardian_name": ["Name the legal guardian the order appoints."]}
    assert not CareArrangement.objects.exists()


def test_an_arrangement_under_a_guardianship_order(worker, case):
    data = care_data(guardian_name="Калыйпа Тестова", guardianship_order_number="123/2023")

    arrangement = actions.care_arrangement_set(actor=worker, returnee=case.returnee, data=data)

    assert arrangement.under_guardianship
    assert not CareArrangementFactory.build(guardian_name="Калыйпа Тестова").under_guardianship


def test_a_placement_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.care_arrangement_set(
            actor=worker, returnee=case.returnee, data=care_data(placement_date=days(1))
        )
    )

    assert error.message_dict == {"placement_date": ["The placement date cannot be in the future."]}


def test_the_database_allows_one_current_arrangement_per_child(worker, case):
    CareArrangementFactory(returnee=case.returnee, recorded_by=worker)

    with pytest.raises(IntegrityError), transaction.atomic():
        CareArrangementFactory(returnee=case.returnee, recorded_by=worker)

    CareArrangementFactory(returnee=case.returnee, recorded_by=worker, ended_on=datetime.date(2023, 6, 1))
    assert CareArrangement.objects.count() == 2


def test_the_database_refuses_a_guardianship_order_without_guardian(worker, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        CareArrangementFactory(returnee=case.returnee, recorded_by=worker, guardianship_order_number="1/2023")


# --- Assessments


def test_a_planned_assessment_needs_a_due_date(worker, case):
    error = refused(
        lambda: actions.assessment_record(actor=worker, case=case, data={"kind": "medical", "status": "planned"})
    )

    assert error.message_dict == {"due_date": ["Give the date a planned assessment is due."]}
    assert not Assessment.objects.exists()


def test_a_completed_assessment_needs_its_date(worker, case):
    error = refused(
        lambda: actions.assessment_record(actor=worker, case=case, data={"kind": "medical", "status": "completed"})
    )

    assert error.message_dict == {"assessed_on": ["Give the date of a completed assessment."]}
    assert not Assessment.objects.exists()


def test_an_assessment_cannot_be_dated_in_the_future(worker, case):
    error = refused(
        lambda: actions.assessment_record(
            actor=worker, case=case, data={"kind": "medical", "status": "completed", "assessed_on": days(1)}
        )
    )

    assert error.message_dict == {"assessed_on": ["An assessment cannot be dated in the future."]}


def test_recording_an_assessment_writes_an_event(worker, case):
    assessment = actions.assessment_record(
        actor=worker,
        case=case,
        data={
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": days(-2),
            "tool": "SDQ",
            "score": Decimal("17.50"),
            "recommended_domains": ["psychosocial", "education"],
        },
    )

    assert assessment.recorded_by == worker
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.ASSESSMENT_RECORDED
    assert (event.subject, event.subject_id, event.item) == ("assessment", assessment.pk, "psychosocial")
    assert event.changes == {
        "status": [None, "completed"],
        "assessed_on": [None, days(-2).isoformat()],
        "score": [None, "17.50"],
        "recommended_domains": [None, ["psychosocial", "education"]],
    }


def test_a_planned_assessment_is_completed_later(worker, case):
    assessment = actions.assessment_record(
        actor=worker, case=case, data={"kind": "educational", "status": "planned", "due_date": days(-1)}
    )
    assert assessment.is_overdue

    actions.assessment_update(
        actor=worker,
        assessment=assessment,
        data={"status": "completed", "assessed_on": days(0), "assessor": "Школа №5"},
    )

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    assert not assessment.is_overdue
    event = case.events.get(kind="assessment_updated")
    assert event.changes == {
        "status": ["planned", "completed"],
        "assessed_on": [None, days(0).isoformat()],
        "assessor": ["", "Школа №5"],
    }


def test_completing_an_assessment_without_its_date_changes_nothing(worker, case):
    assessment = AssessmentFactory(case=case, status="planned", assessed_on=None, due_date=days(3))

    error = refused(
        lambda: actions.assessment_update(actor=worker, assessment=assessment, data={"status": "completed"})
    )

    assert error.message_dict == {"assessed_on": ["Give the date of a completed assessment."]}
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.PLANNED
    assert not CaseEvent.objects.exists()


def test_an_assessment_update_without_changes_writes_no_event(worker, case):
    assessment = AssessmentFactory(case=case, tool="SDQ")

    actions.assessment_update(actor=worker, assessment=assessment, data={"tool": "SDQ"})

    assert not CaseEvent.objects.exists()


# --- Reintegration plans and goals


def test_plan_versions_from_first_draft_to_superseded(worker, supervisor, case):
    assessment = AssessmentFactory(case=case, recommended_domains=["education"])

    # v1 starts as a draft and cannot go to a supervisor without a goal.
    v1 = actions.plan_start(actor=worker, case=case)
    assert (v1.version, v1.status, v1.created_by) == (1, "draft", worker)
    error = refused(lambda: approval_actions.approval_request(actor=worker, kind="plan", case=case, subject=v1))
    assert error.messages == ["Add at least one goal before making the plan current."]

    goal = actions.goal_add(
        actor=worker,
        plan=v1,
        data={
            "domain": "education",
            "goal": "Enrol in grade 3",
            "actions": "Placement test; talk to the school director.",
            "responsible": "School No. 5",
            "target_date": days(60),
            "status": "in_progress",
            "source_assessment": assessment,
        },
    )
    GoalProgressFactory(goal=goal, author=worker)
    v1 = approve_plan(v1, supervisor)
    assert (v1.status, v1.approved_by) == ("current", supervisor)
    assert v1.activated_at is not None

    # v2 copies the goals of the current version, as new rows, without their progress notes.
    v2 = actions.plan_start(actor=worker, case=case)
    assert (v2.version, v2.status) == (2, "draft")
    copied = v2.goals.get()
    assert copied.pk != goal.pk
    fields = ("domain", "goal", "actions", "responsible", "target_date", "status", "source_assessment")
    assert [getattr(copied, f) for f in fields] == [getattr(goal, f) for f in fields]
    assert not copied.progress_notes.exists()
    assert v1.goals.get() == goal

    # Approving v2 makes it current and keeps v1 as superseded history.
    approve_plan(v2, supervisor)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "current")
    assert case.plans.filter(status="current").get() == v2

    kinds = list(case.events.filter(subject="reintegrationplan").order_by("id").values_list("kind", "item", "actor"))
    assert kinds == [
        ("plan_created", "1", worker.pk),
        ("plan_activated", "1", supervisor.pk),
        ("plan_created", "2", worker.pk),
        ("plan_activated", "2", supervisor.pk),
    ]


def test_a_second_draft_is_refused(worker, case):
    actions.plan_start(actor=worker, case=case)

    error = refused(lambda: actions.plan_start(actor=worker, case=case))

    assert error.messages == ["This case already has a draft plan: finish that one first."]
    assert case.plans.count() == 1


def test_starting_from_a_current_plan_copies_its_summary(worker, case):
    ReintegrationPlanFactory(case=case, version=1, status="current", summary="Family reunification first.")

    draft = actions.plan_start(actor=worker, case=case)

    assert draft.summary == "Family reunification first."
    assert draft.version == 2


@pytest.mark.parametrize("status", ["current", "superseded"])
def test_only_a_draft_can_be_made_current(worker, supervisor, case, status):
    plan = ReintegrationPlanFactory(case=case, version=1, status=status)
    PlanGoalFactory(plan=plan)

    error = refused(lambda: approval_actions.approval_request(actor=worker, kind="plan", case=case, subject=plan))
    assert error.messages == ["Only a draft can be made the current plan."]

    error = refused(lambda: actions.plan_make_current(approver=supervisor, plan=plan))
    assert error.messages == ["Only a draft can be made the current plan."]
    plan.refresh_from_db()
    assert plan.status == status
    assert not CaseEvent.objects.exists()


def superseded_plan(case):
    old = ReintegrationPlanFactory(case=case, version=1, status="superseded")
    ReintegrationPlanFactory(case=case, version=2, status="current")
    return old, PlanGoalFactory(plan=old, goal="Old goal")


SUPERSEDED = "This plan version was superseded and can no longer be changed."


def test_a_superseded_plan_cannot_get_new_goals(worker, case):
    old, _ = superseded_plan(case)

    error = refused(lambda: actions.goal_add(actor=worker, plan=old, data={"domain": "health", "goal": "New"}))

    assert error.messages == [SUPERSEDED]
    assert old.goals.count() == 1


def test_a_goal_of_a_superseded_plan_cannot_be_edited(worker, case):
    _, goal = superseded_plan(case)

    error = refused(lambda: actions.goal_update(actor=worker, goal=goal, data={"status": "achieved"}))

    assert error.messages == [SUPERSEDED]
    goal.refresh_from_db()
    assert goal.status == PlanGoal.Status.NOT_STARTED


def test_a_goal_of_a_superseded_plan_gets_no_progress_notes(worker, case):
    _, goal = superseded_plan(case)

    error = refused(lambda: actions.goal_progress_add(actor=worker, goal=goal, written_on=days(0), text="x"))

    assert error.messages == [SUPERSEDED]
    assert not GoalProgress.objects.exists()


def test_the_database_allows_one_current_and_one_draft_per_case(worker, case):
    ReintegrationPlanFactory(case=case, version=1, status="current")
    ReintegrationPlanFactory(case=case, version=2, status="draft")

    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=3, status="current")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=3, status="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReintegrationPlanFactory(case=case, version=2, status="superseded")


def test_a_goal_cannot_cite_an_assessment_of_another_case(worker, case, other_case):
    plan = ReintegrationPlanFactory(case=case, version=1)
    foreign = AssessmentFactory(case=other_case)

    error = refused(
        lambda: actions.goal_add(
            actor=worker, plan=plan, data={"domain": "health", "goal": "Dental care", "source_assessment": foreign}
        )
    )

    assert error.message_dict == {"source_assessment": ["Choose an assessment of this case."]}
    assert not PlanGoal.objects.exists()


def test_a_goal_cannot_be_changed_to_cite_an_assessment_of_another_case(worker, case, other_case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1))

    error = refused(
        lambda: actions.goal_update(
            actor=worker, goal=goal, data={"source_assessment": AssessmentFactory(case=other_case)}
        )
    )

    assert error.message_dict == {"source_assessment": ["Choose an assessment of this case."]}
    goal.refresh_from_db()
    assert goal.source_assessment is None


def test_adding_a_goal_writes_an_event(worker, case):
    plan = ReintegrationPlanFactory(case=case, version=1)

    goal = actions.goal_add(
        actor=worker, plan=plan, data={"domain": "legal", "goal": "Get a birth certificate", "target_date": days(30)}
    )

    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_ADDED
    assert (event.subject, event.subject_id, event.item) == ("plangoal", goal.pk, "Get a birth certificate")
    assert event.changes == {"domain": [None, "legal"], "target_date": [None, days(30).isoformat()]}


def test_updating_a_goal_records_the_changes(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1, status="current"), goal="Enrol")

    actions.goal_update(actor=worker, goal=goal, data={"status": "achieved", "goal": "Enrol"})

    goal.refresh_from_db()
    assert goal.status == PlanGoal.Status.ACHIEVED
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_UPDATED
    assert event.changes == {"status": ["not_started", "achieved"]}

    actions.goal_update(actor=worker, goal=goal, data={"status": "achieved"})
    assert case.events.count() == 1


def test_progress_on_a_goal(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1, status="current"), goal="Enrol")

    progress = actions.goal_progress_add(actor=worker, goal=goal, written_on=days(-1), text="Attends school daily.")

    assert (progress.goal, progress.author, progress.written_on) == (goal, worker, days(-1))
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.GOAL_PROGRESS
    assert (event.subject, event.subject_id, event.item) == ("plangoal", goal.pk, "Enrol")
    assert event.changes == {"text": [None, "Attends school daily."]}


def test_progress_cannot_be_dated_in_the_future(worker, case):
    goal = PlanGoalFactory(plan=ReintegrationPlanFactory(case=case, version=1))

    error = refused(lambda: actions.goal_progress_add(actor=worker, goal=goal, written_on=days(1), text="x"))

    assert error.message_dict == {"written_on": ["Progress cannot be dated in the future."]}
    assert not GoalProgress.objects.exists()


def test_goal_overdue_only_while_open():
    assert PlanGoal(status="not_started", target_date=days(-1)).is_overdue
    assert PlanGoal(status="in_progress", target_date=days(-1)).is_overdue
    assert not PlanGoal(status="in_progress", target_date=days(0)).is_overdue
    assert not PlanGoal(status="achieved", target_date=days(-1)).is_overdue
    assert not PlanGoal(status="dropped", target_date=days(-1)).is_overdue


# --- Every action: who may call it, and the event it writes


@pytest.fixture
def world(worker, case):
    """One of each thing on `case`: a requested document, a DNA consent, a pending test against the
    mother, an assessment, and a current plan v1 with a goal."""
    mother = FamilyMemberFactory(family=FamilyFactory(), full_name="Гулнара Тестова", relationship="mother")
    plan = ReintegrationPlanFactory(case=case, version=1, status="current", created_by=worker)
    return SimpleNamespace(
        case=case,
        returnee=case.returnee,
        mother=mother,
        document=IdentityDocumentFactory(returnee=case.returnee, status="requested"),
        consent=ConsentRecordFactory(
            returnee=case.returnee, purpose="dna_testing", given_on=days(-60), recorded_by=worker
        ),
        test=KinshipTestFactory(returnee=case.returnee, relative=mother, recorded_by=worker),
        assessment=AssessmentFactory(case=case, recorded_by=worker),
        plan=plan,
        goal=PlanGoalFactory(plan=plan, goal="Enrol in school"),
    )


@dataclass
class Act:
    call: Callable  # (actor, world, given) -> result
    kind: str
    subject: str
    item: str
    given: Callable = lambda w: None


ACTIONS = {
    "attachment_upload": Act(
        lambda a, w, g: actions.attachment_upload(actor=a, case=w.case, uploaded=pdf_upload("form.pdf")),
        "file_uploaded",
        "attachment",
        "form.pdf",
    ),
    "document_add": Act(
        lambda a, w, g: actions.document_add(actor=a, returnee=w.returnee, data={"kind": "passport"}),
        "document_added",
        "identitydocument",
        "passport",
    ),
    "document_update": Act(
        lambda a, w, g: actions.document_update(actor=a, document=w.document, data={"number": "123"}),
        "document_updated",
        "identitydocument",
        "birth_certificate",
    ),
    "document_transition": Act(
        lambda a, w, g: actions.document_transition(actor=a, document=w.document, status="in_progress"),
        "document_status",
        "identitydocument",
        "birth_certificate",
    ),
    "consent_record": Act(
        lambda a, w, g: actions.consent_record(
            actor=a, returnee=w.returnee, data=consent_data(w.returnee, purpose="photos")
        ),
        "consent_recorded",
        "consentrecord",
        "photos",
    ),
    "consent_withdraw": Act(
        lambda a, w, g: actions.consent_withdraw(actor=a, consent=w.consent, on=days(0), reason="Changed her mind."),
        "consent_withdrawn",
        "consentrecord",
        "dna_testing",
    ),
    "kinship_test_record": Act(
        lambda a, w, g: actions.kinship_test_record(
            actor=a,
            returnee=w.returnee,
            relative=w.mother,
            claimed_relationship="grandparent",
            laboratory="Lab",
            sample_date=days(-1),
            consent=w.consent,
        ),
        "kinship_test",
        "kinshiptest",
        "grandparent",
    ),
    "kinship_result_record": Act(
        lambda a, w, g: actions.kinship_result_record(actor=a, test=w.test, result="no_match", reported_on=days(0)),
        "kinship_result",
        "kinshiptest",
        "mother",
    ),
    "care_arrangement_set": Act(
        lambda a, w, g: actions.care_arrangement_set(actor=a, returnee=w.returnee, data=care_data(kind="mother")),
        "care_changed",
        "carearrangement",
        "mother",
    ),
    "assessment_record": Act(
        lambda a, w, g: actions.assessment_record(
            actor=a, case=w.case, data={"kind": "medical", "status": "planned", "due_date": days(7)}
        ),
        "assessment_recorded",
        "assessment",
        "medical",
    ),
    "assessment_update": Act(
        lambda a, w, g: actions.assessment_update(actor=a, assessment=w.assessment, data={"score": Decimal("12")}),
        "assessment_updated",
        "assessment",
        "psychosocial",
    ),
    "plan_start": Act(
        lambda a, w, g: actions.plan_start(actor=a, case=w.case), "plan_created", "reintegrationplan", "2"
    ),
    "goal_add": Act(
        lambda a, w, g: actions.goal_add(actor=a, plan=w.plan, data={"domain": "health", "goal": "Vaccinations"}),
        "goal_added",
        "plangoal",
        "Vaccinations",
    ),
    "goal_update": Act(
        lambda a, w, g: actions.goal_update(actor=a, goal=w.goal, data={"status": "in_progress"}),
        "goal_updated",
        "plangoal",
        "Enrol in school",
    ),
    "goal_progress_add": Act(
        lambda a, w, g: actions.goal_progress_add(actor=a, goal=w.goal, written_on=days(0), text="Started."),
        "goal_progress",
        "plangoal",
        "Enrol in school",
    ),
}


@pytest.mark.parametrize("role", ["worker", "coordinator", "administrator"])
@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_allowed_to_writers_and_writes_one_event_on_the_case(request, world, role, name):
    actor = request.getfixturevalue(role)
    act = ACTIONS[name]
    given = act.given(world)
    before = set(CaseEvent.objects.values_list("pk", flat=True))

    act.call(actor, world, given)

    event = CaseEvent.objects.exclude(pk__in=before).get()
    assert event.case == world.case
    assert event.kind == act.kind
    assert event.actor == actor
    assert event.subject == act.subject
    assert event.item == act.item
    assert apps.get_model("cases", event.subject).objects.filter(pk=event.subject_id).exists()


@pytest.mark.parametrize("role", ["other_worker", "supervisor", "osh_supervisor"])
@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_refused_to_readers_and_strangers_and_writes_nothing(request, world, role, name):
    actor = request.getfixturevalue(role)
    act = ACTIONS[name]
    given = act.given(world)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        act.call(actor, world, given)

    assert snapshot() == before


def test_an_inactive_worker_can_no_longer_write(worker, world):
    worker.is_active = False
    worker.save()

    with pytest.raises(PermissionDenied):
        actions.document_add(actor=worker, returnee=world.returnee, data={"kind": "passport"})
