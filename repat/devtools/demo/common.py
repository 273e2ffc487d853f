"""What the demo's parts share: dating what they write in the past, so the timeline reads like
real work, and approvals asked of and answered by supervisor1."""

import datetime
import random

from django.utils import timezone

from cases.models import Assessment, CaseEvent, ReintegrationPlan
from repat.accounts.models import User


def request_approval(kind, case, subject, *, approve: bool | None, on: datetime.date | None = None, **details):
    """A request by the case's worker, answered by supervisor1 a few days later (None: left
    waiting). Dated `on` (today by default) so that the period figures of reports move over time."""
    from repat.approvals import actions as approval_actions
    from repat.approvals.models import ApprovalRequest

    on = on or timezone.localdate()
    with Backdate(on):
        approval = approval_actions.approval_request(
            actor=case.worker, kind=kind, case=case, subject=subject, **details
        )
    if approve is not None:
        answered = min(on + datetime.timedelta(days=3), timezone.localdate())
        with Backdate(answered):
            approval_actions.approval_decide(
                actor=User.objects.get(username="supervisor1"),
                approval=approval,
                approve=approve,
                comment="" if approve else "Please add who is responsible for each goal and a target date.",
            )
        ApprovalRequest.objects.filter(pk=approval.pk).update(decided_at=moment(answered))
        if approve and kind == "plan":
            ReintegrationPlan.objects.filter(pk=subject.pk).update(activated_at=moment(answered))
        if approve and kind == "assessment":
            Assessment.objects.filter(pk=subject.pk).update(approved_at=moment(answered))
    ApprovalRequest.objects.filter(pk=approval.pk).update(requested_at=moment(on))
    return approval


def moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


class Backdate:
    """Give the events written inside the block a past date, so the timeline reads like real work."""

    def __init__(self, day: datetime.date):
        self.day = day

    def __enter__(self):
        self.last = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def __exit__(self, *exc):
        if exc[0] is None:
            CaseEvent.objects.filter(id__gt=self.last).update(created_at=moment(self.day))


def past(rng: random.Random, start: datetime.date, today: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((today - start).days, 0)))
