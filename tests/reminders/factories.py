"""factory_boy factories for reminders. Rows only: the sweep and the events are tested through the
actions, so these build the "given" part of a test (lists, e-mails, pages)."""

import factory
from django.utils import timezone

from cases.models import FollowUpTask
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, UserFactory


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    case = factory.SubFactory(CaseFactory)
    due_date = factory.LazyFunction(timezone.localdate)
    description = "Call the school about the placement test."
    assigned_to = factory.SubFactory(UserFactory)
    created_by = factory.LazyAttribute(lambda task: task.assigned_to)


class ReminderFactory(factory.django.DjangoModelFactory):
    """A reminder about a case's follow-up, due today, for the case's worker by default."""

    class Meta:
        model = Reminder

    case = factory.SubFactory(CaseFactory)
    item_type = Reminder.Item.FOLLOW_UP
    item_id = factory.LazyAttribute(lambda reminder: reminder.case.pk)
    due_date = factory.LazyFunction(timezone.localdate)
    stage = Reminder.Stage.DUE_TODAY
    recipient = factory.LazyAttribute(lambda reminder: reminder.case.worker)
