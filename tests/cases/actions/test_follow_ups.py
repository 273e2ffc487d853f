"""Follow-up tasks: who may be given one is the rule the task form and the API offer
(permissions.task_assignees), enforced by the action itself, so that no caller can bypass it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import actions
from cases.models import CaseEvent, FollowUpTask
from repat.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def schedule(actor, case, assigned_to) -> FollowUpTask:
    return actions.task_schedule(
        actor=actor,
        case=case,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
        description="Call the school.",
        assigned_to=assigned_to,
    )


@pytest.mark.parametrize("stranger", ["osh_coordinator", "other_worker", "inactive_colleague", "provider_user"])
def test_a_task_goes_to_no_one_the_task_form_does_not_offer(stranger, worker, case, chuy, request):
    # given: active colleagues of another region (what the action let through before), and people
    # no one may give a task to
    if stranger == "inactive_colleague":
        assignee = UserFactory(role=User.Role.SOCIAL_WORKER, regions=[chuy], is_active=False)
    else:
        assignee = request.getfixturevalue(stranger)

    # when
    with pytest.raises(ValidationError) as refused:
        schedule(worker, case, assignee)

    # then: the message the action gives, next to the field; nothing written
    assert refused.value.message_dict == {"assigned_to": ["Choose an active colleague."]}
    assert not FollowUpTask.objects.exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.TASK_SCHEDULED).exists()


@pytest.mark.parametrize("assignee", ["worker", "coordinator"])
def test_a_task_goes_to_oneself_or_a_colleague_of_ones_regions(assignee, worker, case, request):
    task = schedule(worker, case, request.getfixturevalue(assignee))

    assert task.assigned_to == request.getfixturevalue(assignee)
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TASK_SCHEDULED, actor=worker).count() == 1


def test_a_coordinator_gives_tasks_to_the_workers_of_their_region_only(coordinator, worker, other_worker, case):
    assert schedule(coordinator, case, worker).assigned_to == worker
    with pytest.raises(ValidationError):
        schedule(coordinator, case, other_worker)
