"""Follow-up tasks: those of the cases the user may see (a task is seen through its case)."""

from .. import permissions
from ..models import FollowUpTask


def tasks_visible_to(*, user):
    condition = permissions.visible_through(user, "case")
    tasks = FollowUpTask.objects.all() if condition is None else FollowUpTask.objects.filter(condition)
    return tasks.select_related("case")
