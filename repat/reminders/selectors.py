"""Reads for the bell, the notification list and the escalations page."""

from collections import defaultdict
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef
from django.db.models.expressions import RawSQL
from django.urls import reverse

from .models import Reminder

# The bell counts up to 99 and then says "99+": a coordinator may be told of thousands of overdue
# items, and counting them all on every page would cost more than the page.
BELL_LIMIT = 100


def unread_count(*, user) -> int:
    """Counted when the request's user was loaded (accounts/backends.py), else here."""
    known = getattr(user, "unread_reminders", None)
    if known is not None:
        return known
    return Reminder.objects.filter(recipient=user, read_at__isnull=True)[:BELL_LIMIT].count()


def bell_badge(count: int) -> str:
    """What the bell's badge reads: nothing when all is read, the count up to 99, then "99+"."""
    if not count:
        return ""
    return f"{BELL_LIMIT - 1}+" if count >= BELL_LIMIT else str(count)


def unread_count_sql(user_id_column: str) -> RawSQL:
    """The same bounded count for each row of a query on users (`user_id_column` is their id)."""
    name = connection.ops.quote_name
    table, recipient = name(Reminder._meta.db_table), name(Reminder._meta.get_field("recipient").column)
    read_at = name(Reminder._meta.get_field("read_at").column)
    return RawSQL(  # noqa: S611 - names from the model, the limit a parameter
        f"SELECT COUNT(*) FROM {table} WHERE id IN (SELECT id FROM {table} "  # noqa: S608 - names from the model
        f"WHERE {recipient} = {user_id_column} AND {read_at} IS NULL LIMIT %s)",
        [BELL_LIMIT],
        output_field=IntegerField(),
    )


def unread_count_of_each_user() -> RawSQL:
    """The bounded count as an annotation on users: loaded with the signed-in user (registered in
    repat/reminders/apps.py for accounts/backends.py), so the bell costs no query of its own."""
    from repat.accounts.models import User

    name = connection.ops.quote_name
    return unread_count_sql(f"{name(User._meta.db_table)}.{name('id')}")


def shows_case_numbers(user) -> bool:
    """Provider staff are told about the referrals sent to them but never see a case number (as on
    the referral pages): their reminders and e-mails leave it out."""
    from services.permissions import provider_of

    return provider_of(user) is None


def reminders_for(*, user):
    """A person's reminders, each marked with whether its case is still theirs to see
    (`case_visible`): a reminder outlives a transfer, the case number it shows does not."""
    return with_case_visibility(
        Reminder.objects.filter(recipient=user).select_related("case__returnee").order_by("-created_at", "-id"), user
    )


def with_case_visibility(reminders, user):
    from cases.permissions import cases_visible_to

    return reminders.annotate(case_visible=Exists(cases_visible_to(user).filter(pk=OuterRef("case_id"))))


def escalations_for(*, user):
    stages = (Reminder.Stage.ESCALATED_COORDINATOR, Reminder.Stage.ESCALATED_SUPERVISOR)
    return reminders_for(user=user).filter(stage__in=stages)


def chains(*, reminders) -> dict[tuple, list[Reminder]]:
    """For each item, everyone who was told about it and when: one query for the whole page."""
    keys = {(r.item_type, r.item_id, r.due_date) for r in reminders}
    if not keys:
        return {}
    rows = (
        Reminder.objects.filter(item_id__in={k[1] for k in keys}, item_type__in={k[0] for k in keys})
        .select_related("recipient")
        .order_by("created_at", "id")
    )
    grouped = defaultdict(list)
    for row in rows:
        key = (row.item_type, row.item_id, row.due_date)
        if key in keys:
            grouped[key].append(row)
    return grouped


def with_people(reminders) -> list[Reminder]:
    """Reminders with `person` set on the alerts about a person (the user name their alert's audit
    row keeps): one query for a page of them, none when it holds no alert."""
    from repat.audit.models import AuditEvent

    reminders = list(reminders)
    ids = {r.item_id for r in reminders if r.item_type in Reminder.ABOUT_A_PERSON}
    names = dict(AuditEvent.objects.filter(pk__in=ids).values_list("pk", "actor_name")) if ids else {}
    for reminder in reminders:
        reminder.person = names.get(reminder.item_id, "") if reminder.item_type in Reminder.ABOUT_A_PERSON else ""
    return reminders


def alert_url(reminder: Reminder, user) -> str:
    """Where an alert about a person leads: the audit trail of what they did (administrators), or
    the emergency openings waiting for approval (supervisors)."""
    from repat.audit.models import AuditEvent
    from repat.audit.permissions import can_search_audit

    if can_search_audit(user):
        name = AuditEvent.objects.filter(pk=reminder.item_id).values_list("actor_name", flat=True).first() or ""
        action = (
            AuditEvent.Action.REFUSED if reminder.item_type == Reminder.Item.REFUSALS else AuditEvent.Action.EMERGENCY
        )
        return f"{reverse('audit:search')}?{urlencode({'action': action, 'user': name})}"
    return f"{reverse('approvals:queue')}?{urlencode({'kind': 'emergency_access', 'status': 'pending'})}"


def target_url(reminder: Reminder) -> str:
    """Where a reminder leads: the referral, approval or probable duplicate it is about, the case
    page otherwise."""
    if reminder.item_type.startswith("referral"):
        return reverse("services:referral_detail", args=[reminder.item_id])
    if reminder.item_type.startswith("approval"):
        return reverse("approvals:detail", args=[reminder.item_id])
    if reminder.item_type == Reminder.Item.DUPLICATE:
        return reverse("cases:duplicate_decide", args=[reminder.item_id])
    return reverse("cases:case_detail", args=[reminder.case_id])
