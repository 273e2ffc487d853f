"""A case always has someone above its worker (issue 13, point 11): a returnee cannot be registered
in, moved to or transferred to a region that no active coordinator or supervisor covers. The page
says so next to the region field, and nothing is saved."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import actions
from cases.models import Case, CaseEvent, CaseTransfer, Returnee
from repat.accounts.models import User
from tests.factories import UserFactory, region

from .test_stale_saves import opened_form
from .views.test_registration import registration_data

pytestmark = pytest.mark.django_db

NOBODY_ABOVE = (
    "No coordinator or supervisor works in this region yet, so nobody would oversee the case. "
    "Ask an administrator to assign one, or choose another region."
)


@pytest.fixture
def naryn(db):
    """A region nobody oversees: no coordinator, no supervisor (a social worker does not count)."""
    place = region("Naryn Oblast")
    UserFactory(username="worker-naryn", role=User.Role.SOCIAL_WORKER, regions=[place])
    return place


def naryn_data(chuy, naryn):
    return registration_data(chuy, region=naryn.pk, district=naryn.districts.first().pk)


def test_registering_in_a_region_nobody_oversees_is_refused_next_to_the_region(worker, chuy, naryn, client_for):
    # when
    response = client_for(worker).post(reverse("cases:returnee_register"), naryn_data(chuy, naryn))

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"region": [NOBODY_ABOVE]}
    assert NOBODY_ABOVE in response.content.decode()
    assert not Returnee.objects.exists()
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_an_inactive_coordinator_oversees_nothing(worker, chuy, naryn, client_for):
    UserFactory(role=User.Role.COORDINATOR, regions=[naryn], is_active=False)

    response = client_for(worker).post(reverse("cases:returnee_register"), naryn_data(chuy, naryn))

    assert response.context["form"].errors == {"region": [NOBODY_ABOVE]}
    assert not Returnee.objects.exists()


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.SUPERVISOR])
def test_a_coordinator_or_a_supervisor_of_the_region_is_enough(role, worker, chuy, naryn, client_for):
    UserFactory(role=role, regions=[naryn])

    response = client_for(worker).post(reverse("cases:returnee_register"), naryn_data(chuy, naryn))

    assert response.status_code == 302
    assert Returnee.objects.get().region == naryn


def test_moving_a_returnee_to_a_region_nobody_oversees_is_refused(worker, case, naryn, client_for):
    # given
    url = reverse("cases:returnee_update", args=[case.returnee.pk])
    data = {**opened_form(client_for(worker), url), "region": naryn.pk, "district": ""}

    # when
    response = client_for(worker).post(url, data)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"region": [NOBODY_ABOVE]}
    case.returnee.refresh_from_db()
    assert case.returnee.region.name == "Chüy Oblast"
    assert not CaseEvent.objects.filter(kind="returnee_updated").exists()


def test_transferring_to_a_region_nobody_oversees_is_refused_next_to_the_region(worker, case, naryn, client_for):
    # when
    response = client_for(worker).post(
        reverse("cases:transfer_create", args=[case.pk]),
        {"to_region": naryn.pk, "reason": "The family moved to Naryn.", "form_token": str(uuid.uuid4())},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"to_region": [NOBODY_ABOVE]}
    assert not CaseTransfer.objects.exists()


def test_a_transfer_is_not_accepted_once_nobody_oversees_its_region(worker, case, naryn, client_for):
    # given: asked while Naryn had a coordinator, who has left since
    coordinator = UserFactory(role=User.Role.COORDINATOR, regions=[naryn])
    naryn_worker = User.objects.get(username="worker-naryn")
    transfer = actions.transfer_request(
        actor=worker, case=case, to_region=naryn, to_worker=naryn_worker, reason="The family moved to Naryn."
    )
    User.objects.filter(pk=coordinator.pk).update(is_active=False)

    # when
    response = client_for(naryn_worker).post(
        reverse("cases:transfer_decide", args=[transfer.pk]), {"decision": "accept"}
    )

    # then
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOBODY_ABOVE]
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert (transfer.status, case.worker, case.returnee.region.name) == ("pending", worker, "Chüy Oblast")
