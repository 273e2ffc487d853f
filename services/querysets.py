from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def overdue(self, today=None):
        """Assigned and not accepted by the accept date, or accepted and not completed by the
        complete date. Each half uses its (status, due date) index."""
        today = today or timezone.localdate()
        return self.filter(
            Q(status="assigned", accept_due__lt=today)
            | Q(status__in=["accepted", "in_progress"], complete_due__lt=today)
        )

    def unassigned(self):
        return self.filter(status__in=["submitted", "declined"])
