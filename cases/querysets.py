"""Reusable filters for the cases app, attached to the models through `QuerySet.as_manager()`."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReturneeQuerySet(models.QuerySet):
    def search(self, text: str):
        """Match any word against names, the case number and other spellings (any script)."""
        from .models import ReturneeAlias

        query = self
        for word in text.split()[:5]:
            query = query.filter(
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(patronymic__icontains=word)
                | Q(case_number__icontains=word)
                | Q(pk__in=ReturneeAlias.objects.filter(name__icontains=word).values("returnee_id"))
            )
        return query


class FamilyQuerySet(models.QuerySet):
    pass


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status="closed")

    def assigned_to(self, user):
        return self.filter(worker=user)

    def follow_up_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(next_follow_up__lt=today)

    def search(self, text: str):
        from .models import Returnee

        return self.filter(returnee__in=Returnee.objects.search(text).values("pk"))
