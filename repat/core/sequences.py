from django.db import transaction
from django.db.models import F

from .models import Sequence


def sequence_next(name: str) -> int:
    """The next value of a named counter. The row lock serialises concurrent callers; the caller's
    transaction decides whether the number is used (a rolled-back number is simply reused)."""
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(last_value=F("last_value") + 1)
        return Sequence.objects.select_for_update().get(name=name).last_value
