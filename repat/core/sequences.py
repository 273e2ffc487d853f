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


def sequence_reserve(name: str, count: int) -> range:
    """`count` consecutive values of a named counter at once (a bulk import's case numbers), in one
    locked UPDATE: the same numbers `count` calls of `sequence_next` would have given."""
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name).update(last_value=F("last_value") + count)
        last = Sequence.objects.select_for_update().get(name=name).last_value
    return range(last - count + 1, last + 1)
