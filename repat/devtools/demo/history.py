"""The work over time and what is due now: visits over the past months, follow-ups (some overdue),
cases moved on or closed; then follow-up tasks and a first reminder sweep."""

import datetime
import random

from cases import actions as case_actions
from cases.models import Case, CaseEvent, Note
from repat.accounts.models import User
from repat.devtools.demo.common import moment, request_approval

VISIT_SUMMARIES = [
    "Home visit. The children are settling in; the grandmother reports better sleep.",
    "Phone call with the mother about the school enrolment documents.",
    "School visit: the teacher says the child follows the catch-up class well.",
    "Office visit to discuss the allowance application; copies of documents taken.",
    "Home visit. The younger child had a fever last week; referred to the polyclinic.",
    "Follow-up call: the family received the winter material aid.",
    "Home visit with the psychologist; the child drew and talked about the new school.",
]


def add_history(rng: random.Random, today: datetime.date) -> None:
    """Visits over the past months, follow-ups (some overdue), a few cases moved to active,
    monitoring or closed; and backdated openings so the timeline reads like real work."""
    for case in Case.objects.select_related("returnee", "worker"):
        opened = case.returnee.arrival_date + datetime.timedelta(days=1)
        Case.objects.filter(pk=case.pk).update(opened_on=opened)
        CaseEvent.objects.filter(case=case).update(created_at=moment(opened))
        case.refresh_from_db()
        for months_ago in sorted(rng.sample(range(1, 8), rng.randint(1, 4)), reverse=True):
            visit = today - datetime.timedelta(days=30 * months_ago + rng.randint(0, 20))
            note = case_actions.note_log(
                actor=case.worker,
                case=case,
                contact_date=visit,
                kind=rng.choice(Note.Kind.values),
                summary=rng.choice(VISIT_SUMMARIES),
                follow_up_needed=rng.random() < 0.3,
            )
            CaseEvent.objects.filter(note=note).update(created_at=moment(visit))
        follow_up = today + datetime.timedelta(days=rng.randint(-20, 45))
        status = rng.choice([Case.Status.ACTIVE, Case.Status.ACTIVE, Case.Status.MONITORING, Case.Status.OPEN])
        case_actions.case_update(actor=case.worker, case=case, data={"next_follow_up": follow_up, "status": status})
        if rng.random() < 0.08:
            request_approval(
                "closure",
                case,
                None,
                approve=rng.random() < 0.6,
                closure_reason=Case.ClosureReason.MOVED,
                comment="The family moved to Kazakhstan.",
            )


def add_reminders(rng: random.Random, today: datetime.date) -> None:
    """E-mail addresses for the demo users, a few follow-up tasks, and a first sweep, so the bell
    shows real reminders after `make run`: due today, overdue, and escalated."""
    from repat.reminders import actions as reminder_actions

    for user in User.objects.filter(email=""):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    for username, days in (("worker1", 0), ("worker1", -10), ("worker2", 0), ("worker2", 2)):
        case = Case.objects.filter(worker__username=username).exclude(status="closed").order_by("?").first()
        task = case_actions.task_schedule(
            actor=case.worker,
            case=case,
            due_date=today,
            description="Call the school about the catch-up class",
            assigned_to=case.worker,
        )
        if days:
            type(task).objects.filter(pk=task.pk).update(due_date=today + datetime.timedelta(days=days))
    # One long-overdue follow-up, so the coordinator and the supervisor see an escalation.
    late = Case.objects.filter(worker__username="worker1").exclude(status="closed").order_by("id").first()
    Case.objects.filter(pk=late.pk).update(next_follow_up=today - datetime.timedelta(days=20))
    reminder_actions.sweep(today=today)
