"""What waits for someone: follow-up tasks, approvals pending with a supervisor, and the reminders
the daily sweep would have sent about both."""

from cases.models import FollowUpTask
from repat.approvals.models import ApprovalRequest
from repat.devtools.scale.base import SeederBase
from repat.devtools.scale.names import TASKS
from repat.devtools.scale.randomness import Weighted
from repat.reminders.models import Reminder


class FollowUpRows(SeederBase):
    """The rows of tasks, pending approvals and reminders."""

    TASK_COUNT_OPEN = Weighted([(0, 60), (1, 30), (2, 10)])
    TASK_FIELDS = (
        "id",
        "case",
        "due_date",
        "description",
        "assigned_to",
        "created_by",
        "created_at",
        "done_at",
        "done_by",
    )

    def task_rows(self, families):
        rng = self.rng
        for f in families:
            for p in f.people:
                for _ in range(self.TASK_COUNT_OPEN(rng)):
                    if p.status == "closed" or rng.random() < 0.45:
                        due = self.between(f.arrival + 7, p.end)
                        created = max(f.arrival, due - rng.randint(1, 30))
                        done = self.moment(min(max(due + rng.randint(-5, 5), created), p.end))
                        done_by = f.worker.id
                    else:
                        due, done, done_by = self.today_ord + rng.randint(-20, 30), None, None
                        created = max(f.arrival, min(due, self.today_ord) - rng.randint(1, 30))
                    yield (
                        self.next_id(FollowUpTask),
                        p.id,
                        self.day(due),
                        rng.choice(TASKS),
                        f.worker.id,
                        f.worker.id,
                        self.moment(created),
                        done,
                        done_by,
                    )

    APPROVAL_FIELDS = (
        "id",
        "kind",
        "status",
        "case",
        "region",
        "assessment",
        "plan",
        "referral",
        "closure_reason",
        "comment",
        "requested_by",
        "requested_at",
        "decision_comment",
    )

    def approval_rows(self, families, approvable: dict, pending: list):
        """About one open case in two hundred waits for a supervisor: an assessment or a plan that
        was sent for approval, or a closure. Noted in `pending` for the supervisors' reminders."""
        rng = self.rng
        for f in families:
            for p in f.people:
                if p.status == "closed" or rng.random() >= 0.005:
                    continue
                kind, subject = approvable.get(p.id, ("closure", None))
                if kind != "closure" and rng.random() < 0.25:
                    kind, subject = "closure", None
                pk = self.next_id(ApprovalRequest)
                requested = self.today_ord - rng.randint(0, 20)
                comment = {
                    "closure": "Цели плана достигнуты, семья устроена.",
                    "assessment": "Прошу утвердить оценку.",
                    "plan": "Первая версия плана, согласована с матерью.",
                }[kind]
                yield (
                    pk,
                    kind,
                    "pending",
                    p.id,
                    f.region.id,
                    subject if kind == "assessment" else None,
                    subject if kind == "plan" else None,
                    None,
                    "reintegrated" if kind == "closure" else "",
                    comment,
                    f.worker.id,
                    self.moment(requested),
                    "",
                )
                pending.append((pk, p.id, requested, f.region))

    REMINDER_FIELDS = (
        "id",
        "item_type",
        "item_id",
        "due_date",
        "stage",
        "recipient",
        "case",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_sent_at",
        "email_error",
    )

    def reminder_rows(self, families, pending: list):
        """What the daily sweep would have told: overdue follow-ups to half the workers (mostly
        unread), and each pending approval to the region's supervisors. Their e-mails count as sent,
        so the relay does not mail thousands of people after seeding."""
        rng = self.rng
        for f in families:
            if not f.worker.gets_reminders:
                continue
            for p in f.people:
                if p.follow_up is None or p.follow_up >= self.today_ord:
                    continue
                at = self.moment(p.follow_up)
                yield (
                    self.next_id(Reminder),
                    "follow_up",
                    p.id,
                    self.day(p.follow_up),
                    "overdue",
                    f.worker.id,
                    p.id,
                    at,
                    at if rng.random() < 0.3 else None,
                    "sent",
                    1,
                    at,
                    "",
                )
        for approval, case, requested, region in pending:
            at = self.moment(requested)
            for supervisor in region.supervisors:
                yield (
                    self.next_id(Reminder),
                    "approval_requested",
                    approval,
                    self.day(requested),
                    "event",
                    supervisor,
                    case,
                    at,
                    None,
                    "sent",
                    1,
                    at,
                    "",
                )
