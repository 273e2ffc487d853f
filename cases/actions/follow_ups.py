"""Follow-up tasks on a case."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repat.accounts.models import User

from .. import permissions
from ..models import Case, CaseEvent, FollowUpTask
from .base import _require_edit
from .events import _raw, case_event_write

# --- Follow-up tasks --------------------------------------------------------------------------------


@transaction.atomic
def task_schedule(
    *, actor: User, case: Case, due_date: datetime.date, description: str, assigned_to: User
) -> FollowUpTask:
    """Schedule something to do on a case by a date, by the case's worker or another colleague:
    someone the task form offers the actor (permissions.task_assignees), whoever calls."""
    _require_edit(actor, case)
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("A task cannot be due in the past.")})
    if not permissions.task_assignees(actor).filter(pk=assigned_to.pk).exists():
        raise ValidationError({"assigned_to": _("Choose an active colleague.")})
    task = FollowUpTask(
        case=case, due_date=due_date, description=description, assigned_to=assigned_to, created_by=actor
    )
    task.full_clean()
    task.save()
    changes = {"due_date": [None, _raw(due_date)], "assigned_to": [None, _raw(assigned_to)]}
    case_event_write(case=case, kind=CaseEvent.Kind.TASK_SCHEDULED, actor=actor, changes=changes, subject=task)
    return task


@transaction.atomic
def task_done(*, actor: User, task: FollowUpTask) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update(of=("self",)).select_related("case").get(pk=task.pk)
    if task.assigned_to_id != actor.pk:
        _require_edit(actor, task.case)
    if task.done_at is not None:
        raise ValidationError(_("This task is already done."))
    task.done_at, task.done_by = timezone.now(), actor
    task.save(update_fields=["done_at", "done_by"])
    case_event_write(case=task.case, kind=CaseEvent.Kind.TASK_DONE, actor=actor, subject=task)
    return task
