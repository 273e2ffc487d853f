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


def deliver_with(function: Callable[..., None]) -> None:
    """Called by the app that delivers, when it is ready (a second call replaces the first)."""
    _delivery["function"] = function


def notify(*, item_type: str, item_id: int, case_id: int | None, recipients: Iterable[int]) -> None:
    """Tell `recipients` (user ids) about an item, in the caller's transaction: a failed save tells
    nobody."""
    if "function" not in _delivery:
        raise ImproperlyConfigured("Nothing delivers notifications: is repat.reminders installed?")
    _delivery["function"](item_type=item_type, item_id=item_id, case_id=case_id, recipients=recipients)
