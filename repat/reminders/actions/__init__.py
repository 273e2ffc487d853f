"""What is due, who is told, and the e-mails that carry it.

The database is the source of truth: the sweep and events write Reminder rows (the in-app
notifications) with their e-mail waiting; the broker only carries the work of sending. If Redis is
down, nothing is lost: the next relay finds the waiting e-mails in the database.

`due` is the sweep, `events` the reminders written as things happen and what people do with them,
`email` the sending; callers import from here.
"""

from .due import BATCH, SWEEP_LEASE, SWEEP_LEASE_SECONDS, LeaseLost, SweepResult, sweep
from .email import (
    deliver,
    due_for_email,
    emails_resend,
    in_quiet_hours,
    recipients_waiting,
    release_stale_claims,
    retry_budget,
    retry_delay,
)
from .events import (
    MAX_SNOOZE_DAYS,
    mark_read,
    notify,
    notify_many,
    reminder_group_done,
    reminder_group_read,
    reminder_group_snooze,
    request_relay,
)

__all__ = [
    "BATCH",
    "MAX_SNOOZE_DAYS",
    "SWEEP_LEASE",
    "SWEEP_LEASE_SECONDS",
    "LeaseLost",
    "SweepResult",
    "deliver",
    "due_for_email",
    "emails_resend",
    "in_quiet_hours",
    "mark_read",
    "notify",
    "notify_many",
    "recipients_waiting",
    "release_stale_claims",
    "reminder_group_done",
    "reminder_group_read",
    "reminder_group_snooze",
    "request_relay",
    "retry_budget",
    "retry_delay",
    "sweep",
]
