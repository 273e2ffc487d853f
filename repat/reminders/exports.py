"""The signed-in user's reminders taken away as CSV or Excel (repat/core/exports.py), as their list
shows them: a case number only while the case is still theirs to see."""

from django.utils.translation import gettext_lazy as _

from repat.core.exports import Column, ListExport

from . import selectors


def case_number(reminder) -> str:
    return reminder.case.returnee.case_number


def columns(user) -> tuple[Column, ...]:
    numbers = selectors.shows_case_numbers(user)
    return (
        Column(_("ID"), lambda reminder: reminder.pk),
        Column(_("About"), lambda reminder: reminder.get_item_type_display()),
        Column(_("Person"), lambda reminder: reminder.person or None),
        Column(_("Case number"), lambda reminder: case_number(reminder) if numbers and reminder.case_visible else None),
        Column(_("Stage"), lambda reminder: reminder.get_stage_display()),
        Column(_("Due"), lambda reminder: reminder.due_date if reminder.stage != reminder.Stage.EVENT else None),
        Column(_("Created at"), lambda reminder: reminder.created_at),
        Column(_("Read at"), lambda reminder: reminder.read_at),
    )


def reminders_export(*, user) -> ListExport:
    return ListExport(
        name="reminders", columns=columns(user), rows=selectors.reminders_for(user=user), prepare=selectors.with_people
    )
