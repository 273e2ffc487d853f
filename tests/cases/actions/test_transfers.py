"""Case transfers, through the actions: who asks and who answers, what moves when a transfer is
accepted, and the one pending transfer a case may have."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases import actions as case_actions
from cases.models import CaseEvent, CaseTransfer
from repat.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_transfer_accepted_by_the_addressee_moves_worker_and_region(
    worker, other_worker, case, chuy, osh, osh_coordinator
):
    # given
    transfer = case_actions.transfer_request(
        actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="The family moved to Osh."
    )
    case.refresh_from_db()
    assert (case.worker, case.returnee.region) == (worker, chuy)  # nothing moves before the answer

    # when
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)

    # then
    case.refresh_from_db()
    case.returnee.refresh_from_db()
    transfer.refresh_from_db()
    assert (case.worker, case.returnee.region, case.returnee.district) == (other_worker, osh, None)
    assert (transfer.status, transfer.decided_by) == ("accepted", other_worker)
    assert transfer.decided_at is not None
    accepted = case.events.get(kind=CaseEvent.Kind.TRANSFER_ACCEPTED)
    assert accepted.actor == other_worker
    assert accepted.changes == {"worker": [str(worker), str(other_worker)], "region": ["Chüy Oblast", "Osh Oblast"]}
    assert case.events.filter(kind=CaseEvent.Kind.TRANSFER_REQUESTED, actor=worker).exists()


def test_transfer_to_a_region_is_accepted_by_its_coordinator_who_picks_the_worker(
    worker, other_worker, case, osh, osh_coordinator
):
    # given
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, reason="Moved to Osh.")

    # when / then
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_decide(actor=osh_coordinator, transfer=transfer, accept=True)
    assert error.value.message_dict == {"worker": ["Choose the social worker who takes the case."]}
    case_actions.transfer_decide(actor=osh_coordinator, transfer=transfer, accept=True, worker=other_worker)
    case.refresh_from_db()
    assert (case.worker, case.returnee.region) == (other_worker, osh)


def test_declining_a_transfer_needs_a_comment_and_leaves_the_case(worker, other_worker, case, osh, osh_coordinator):
    # given
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")

    # when / then
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=False, comment="  ")
    assert error.value.message_dict == {"comment": ["Say why the transfer is declined."]}
    transfer.refresh_from_db()
    assert transfer.status == "pending"

    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=False, comment="My caseload is full.")
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert (transfer.status, transfer.decision_comment, transfer.decided_by) == (
        "declined",
        "My caseload is full.",
        other_worker,
    )
    assert case.worker == worker
    declined = case.events.get(kind=CaseEvent.Kind.TRANSFER_DECLINED)
    assert declined.changes == {"comment": [None, "My caseload is full."]}


@pytest.mark.parametrize("role", ["worker", "coordinator", "osh_supervisor", "supervisor", "third_worker_in_osh"])
def test_only_the_addressee_or_a_coordinator_of_the_target_region_answers_a_transfer(
    worker, other_worker, case, osh, role, request, osh_coordinator
):
    # given
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")
    if role == "third_worker_in_osh":
        actor = UserFactory(role=User.Role.SOCIAL_WORKER, regions=[osh])
    else:
        actor = request.getfixturevalue(role)

    # when / then
    for accept, comment in [(True, ""), (False, "No.")]:
        with pytest.raises(ValidationError) as error:
            case_actions.transfer_decide(actor=actor, transfer=transfer, accept=accept, comment=comment)
        assert error.value.messages == ["This transfer is no longer waiting for your answer."]
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert (transfer.status, case.worker) == ("pending", worker)


def test_coordinator_of_the_target_region_may_answer_a_transfer_addressed_to_a_worker(
    worker, other_worker, case, osh, osh_coordinator
):
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")
    case_actions.transfer_decide(actor=osh_coordinator, transfer=transfer, accept=False, comment="Wrong region.")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("declined", osh_coordinator)


def test_answered_transfer_cannot_be_answered_again(worker, other_worker, case, osh, osh_coordinator):
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=False, comment="No.")
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=True)
    assert error.value.messages == ["This transfer is no longer waiting for your answer."]


def test_only_one_pending_transfer_per_case(worker, other_worker, case, osh, chuy, osh_coordinator):
    # given
    case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")

    # when / then
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_request(actor=worker, case=case, to_region=chuy, reason="Another idea.")
    assert error.value.messages == ["A transfer of this case is already waiting for an answer."]
    assert case.transfers.count() == 1


def test_the_database_also_refuses_a_second_pending_transfer(worker, case, osh, chuy):
    CaseTransfer.objects.create(case=case, from_region=chuy, to_region=osh, reason="x", requested_by=worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransfer.objects.create(case=case, from_region=chuy, to_region=osh, reason="y", requested_by=worker)


def test_a_new_transfer_may_be_requested_once_the_last_one_was_answered(
    worker, other_worker, case, osh, osh_coordinator
):
    first = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")
    case_actions.transfer_decide(actor=other_worker, transfer=first, accept=False, comment="Full.")
    second = case_actions.transfer_request(actor=worker, case=case, to_region=osh, reason="Try the coordinator.")
    assert second.status == "pending"


def test_requester_cancels_a_pending_transfer_once(worker, other_worker, case, osh, osh_coordinator):
    # given
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")

    # when
    case_actions.transfer_cancel(actor=worker, transfer=transfer)

    # then
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    assert case.events.filter(kind=CaseEvent.Kind.TRANSFER_CANCELLED, actor=worker).exists()
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_cancel(actor=worker, transfer=transfer)
    assert error.value.messages == ["This transfer is no longer pending."]


def test_transfer_to_a_worker_outside_the_region_is_refused(worker, other_worker, case, chuy):
    with pytest.raises(ValidationError) as error:
        case_actions.transfer_request(actor=worker, case=case, to_region=chuy, to_worker=other_worker, reason="x")
    assert error.value.message_dict == {"to_worker": ["This social worker does not work in the chosen region."]}


@pytest.mark.parametrize("role", ["supervisor", "other_worker"])
def test_transfer_is_requested_by_those_who_edit_the_case(case, osh, role, request):
    with pytest.raises(PermissionDenied):
        case_actions.transfer_request(actor=request.getfixturevalue(role), case=case, to_region=osh, reason="x")
    assert not case.transfers.exists()


@pytest.mark.parametrize(("language", "label"), [("en", "Comment"), ("ru", "Комментарий"), ("ky", "Түшүндүрмө")])
def test_the_timeline_labels_a_comment_in_the_readers_language(
    worker, other_worker, case, osh, language, label, osh_coordinator
):
    from django.utils import translation

    from cases.selectors import timeline

    # given: a declined transfer, whose event carries a comment that is not a field of any model
    transfer = case_actions.transfer_request(actor=worker, case=case, to_region=osh, to_worker=other_worker, reason="x")
    case_actions.transfer_decide(actor=other_worker, transfer=transfer, accept=False, comment="My caseload is full.")

    # when
    with translation.override(language):
        changes = timeline(case=case)[0].changes

    # then
    assert [(c.label, c.new) for c in changes] == [(label, "My caseload is full.")]
