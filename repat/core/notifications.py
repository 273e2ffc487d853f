"""Telling people about something that just happened: a referral to assign, an approval to give, an
alert about a person. The platform and the domain apps call `notify`; the reminders app delivers (an
in-app reminder, then an e-mail) and registers itself here when it is ready (repat/reminders/apps.py).
The reminders app sits above cases and services (its sweep reads their due dates), so they could
not import it without an import cycle between the layers."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class Item(models.TextChoices):
    """What a person can be told about (a reminder's `item_type`)."""

    FOLLOW_UP = "follow_up", _("Case follow-up")
    TASK = "task", _("Follow-up task")
    REFERRAL_ACCEPT = "referral_accept", _("Referral to accept")
    REFERRAL_COMPLETE = "referral_complete", _("Referral to complete")
    DOCUMENT = "document", _("Document")
    GOAL = "goal", _("Plan goal")
    ASSESSMENT = "assessment", _("Assessment")
    REFERRAL_ASSIGNED = "referral_assigned", _("Referral assigned")
    REFERRAL_SUBMITTED = "referral_submitted", _("Referral to assign")
    APPROVAL_REQUESTED = "approval_requested", _("Approval to give")
    APPROVAL_DECIDED = "approval_decided", _("Approval answered")
    EMERGENCY_ACCESS = "emergency_access", _("Case opened in an emergency")
    DUPLICATE = "duplicate", _("Probable duplicate to decide")
    # Alerts about a person, not a case (`item_id` is the audit row of the alert, `case` empty
    # or the case they tried to open): sent by e-mail at once, whatever the digest and the hour.
    EMERGENCY_LIMIT = "emergency_limit", _("Emergency access limit reached")
    REFUSALS = "refusals", _("Many refused requests")
    # The day's escalations in one region, for its coordinators or supervisors (`item_id` is the
    # region, `case` empty): one entry a day instead of one per overdue item.
    ESCALATIONS = "escalations", _("Overdue work escalated in a region")


_delivery: dict[str, Callable[..., None]] = {}


def deliver_with(function: Callable[..., None], many: Callable[..., None] | None = None) -> None:
    """Called by the app that delivers, when it is ready (a second call replaces the first).
    `many`: the same for many items at once (`notify_many`)."""
    _delivery["function"] = function
    if many is not None:
        _delivery["many"] = many
    else:
        _delivery.pop("many", None)


def notify(*, item_type: str, item_id: int, case_id: int | None, recipients: Iterable[int]) -> None:
    """Tell `recipients` (user ids) about an item, in the caller's transaction: a failed save tells
    nobody."""
    if "function" not in _delivery:
        raise ImproperlyConfigured("Nothing delivers notifications: is repat.reminders installed?")
    _delivery["function"](item_type=item_type, item_id=item_id, case_id=case_id, recipients=recipients)


def notify_many(*, item_type: str, items: Iterable[tuple[int, int | None, Iterable[int]]]) -> None:
    """`notify` for many items of one type, each (item id, case id, recipients), in one go: for a
    bulk write (a manifest import's probable duplicates)."""
    if "many" in _delivery:
        _delivery["many"](item_type=item_type, items=items)
        return
    for item_id, case_id, recipients in items:
        notify(item_type=item_type, item_id=item_id, case_id=case_id, recipients=recipients)
