"""The case-transfer pages: asking for a transfer, the list of transfers, and answering one."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import CaseTransfer

pytestmark = pytest.mark.django_db


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_coordinator_of_the_target_region_answers_a_transfer(transfer, osh_coordinator, client_for):
    response = client_for(osh_coordinator).post(
        reverse("cases:transfer_decide", args=[transfer.pk]), {"decision": "decline", "comment": "Wrong region."}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("declined", osh_coordinator)


def test_denied_transfer_answers_change_nothing(transfer, worker, coordinator, client_for):
    for user in (worker, coordinator):
        client_for(user).post(reverse("cases:transfer_decide", args=[transfer.pk]), {"decision": "accept"})
    transfer.refresh_from_db()
    transfer.case.refresh_from_db()
    assert (transfer.status, transfer.case.worker) == ("pending", worker)


def test_transfer_through_the_pages_moves_the_case(case, worker, other_worker, osh, client_for, osh_coordinator):
    # given
    response = client_for(worker).post(
        reverse("cases:transfer_create", args=[case.pk]),
        {"form_token": uuid.uuid4(), "to_region": osh.pk, "to_worker": other_worker.pk, "reason": "Moved to Osh."},
    )
    assert response.status_code == 302
    transfer = case.transfers.get()

    # when
    page = client_for(other_worker).get(reverse("cases:transfers")).content.decode()
    assert case.returnee.case_number in page
    response = client_for(other_worker).post(
        reverse("cases:transfer_decide", args=[transfer.pk]), {"decision": "accept", "comment": ""}
    )

    # then
    assert flashed(response) == ["Your answer was recorded."]
    case.refresh_from_db()
    case.returnee.refresh_from_db()
    assert (case.worker, case.returnee.region) == (other_worker, osh)
    assert client_for(other_worker).get(case.get_absolute_url()).status_code == 200
    assert client_for(worker).get(case.get_absolute_url()).status_code == 404


def test_declining_a_transfer_without_comment_shows_the_message(transfer, other_worker, client_for):
    response = client_for(other_worker).post(
        reverse("cases:transfer_decide", args=[transfer.pk]), {"decision": "decline", "comment": ""}
    )
    assert flashed(response) == ["Say why the transfer is declined."]
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_second_pending_transfer_is_refused_on_the_form(transfer, case, worker, chuy, client_for):
    response = client_for(worker).post(
        reverse("cases:transfer_create", args=[case.pk]),
        {"form_token": uuid.uuid4(), "to_region": chuy.pk, "reason": "Another idea."},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["A transfer of this case is already waiting for an answer."]
    assert case.transfers.count() == 1


def test_transfer_list_shows_incoming_and_outgoing(transfer, case, worker, other_worker, client_for):
    incoming = client_for(other_worker).get(reverse("cases:transfers"))
    outgoing = client_for(worker).get(reverse("cases:transfers"))
    assert list(incoming.context["incoming"]) == [transfer]
    assert list(outgoing.context["incoming"]) == []
    assert list(outgoing.context["outgoing"]) == [transfer]
    assert reverse("cases:transfer_cancel", args=[transfer.pk]) in outgoing.content.decode()
    assert CaseTransfer.objects.get().status == "pending"
