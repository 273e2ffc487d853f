import pytest

from cases import permissions
from cases.search import ranked_returnee_ids
from repat.accounts.models import User
from tests.factories import CaseFactory, FamilyMemberFactory, ReturneeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_worker_sees_only_their_own_cases(worker, case, other_case):
    assert list(permissions.cases_visible_to(worker)) == [case]
    assert list(permissions.returnees_visible_to(worker)) == [case.returnee]


def test_regional_roles_see_cases_of_their_regions(coordinator, supervisor, osh_supervisor, case, other_case):
    assert list(permissions.cases_visible_to(coordinator)) == [case]
    assert list(permissions.cases_visible_to(supervisor)) == [case]
    assert list(permissions.cases_visible_to(osh_supervisor)) == [other_case]


def test_administrator_sees_everything(administrator, case, other_case):
    assert set(permissions.cases_visible_to(administrator)) == {case, other_case}


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.SUPERVISOR])
def test_regional_role_without_regions_sees_nothing(role, case):
    user = UserFactory(role=role)
    assert not permissions.cases_visible_to(user).exists()
    assert not permissions.families_visible_to(user).exists()


def test_unknown_role_and_inactive_users_fail_closed(case, worker):
    stranger = UserFactory(role="auditor")
    assert not permissions.cases_visible_to(stranger).exists()
    worker.is_active = False
    worker.save()
    assert not permissions.cases_visible_to(worker).exists()
    assert not permissions.returnees_visible_to(worker).exists()
    assert not permissions.families_visible_to(worker).exists()


def test_anonymous_user_sees_nothing(case):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.cases_visible_to(AnonymousUser()).exists()


def test_worker_sees_families_of_their_cases_only(worker, case, other_case):
    mine = FamilyMemberFactory(returnee=case.returnee).family
    FamilyMemberFactory(returnee=other_case.returnee)
    assert list(permissions.families_visible_to(worker)) == [mine]


def test_region_change_takes_effect_at_once(coordinator, case, other_case, osh):
    coordinator.regions.set([osh])
    assert list(permissions.cases_visible_to(coordinator)) == [other_case]


def test_reassigned_case_leaves_the_old_workers_view(worker, other_worker, case):
    case.worker = other_worker
    case.save()
    assert not permissions.cases_visible_to(worker).exists()


def test_supervisor_cannot_edit_but_coordinator_can(supervisor, coordinator, case):
    assert not permissions.can_edit_case(supervisor, case)
    assert permissions.can_edit_case(coordinator, case)


def test_assignable_workers_are_limited_to_the_coordinators_regions(coordinator, worker, other_worker):
    assert list(permissions.assignable_workers(coordinator)) == [worker]
    assert list(permissions.assignable_workers(worker)) == [worker]


def test_search_respects_visibility(worker, case):
    hidden = CaseFactory(worker=None, returnee=ReturneeFactory(given_name="Зайнаб"))
    assert ranked_returnee_ids(worker, "Зайнаб") == []
    assert ranked_returnee_ids(UserFactory(role=User.Role.ADMINISTRATOR), "Зайнаб") == [hidden.returnee_id]
