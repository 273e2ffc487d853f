"""Identity documents, through the actions: recording them, the status transitions social workers
agreed, scans, and the rules the database keeps too."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import actions
from cases.models import Attachment, CaseEvent, IdentityDocument
from tests.factories import IdentityDocumentFactory, pdf_upload

from .helpers import days, refused

pytestmark = pytest.mark.django_db


Status = IdentityDocument.Status


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
