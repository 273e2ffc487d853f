"""Reference lists offered by the list filters (regions, operations, service categories), cached in
each language: every list page shows them, they change a few times a year, and each would
otherwise cost a query per page. Saving or deleting one of them clears its list."""

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

# name: (model label, filter of the rows offered)
REFERENCE_LISTS = {
    "regions": ("accounts.Region", {"parent__isnull": True}),
    "operations": ("cases.Operation", {}),
    "service_categories": ("services.ServiceCategory", {}),
}
LANGUAGES = ("en", "ru", "ky")
TIMEOUT = 10 * 60  # a safety net: a change made outside Django shows within ten minutes


def _key(name: str, language: str) -> str:
    return f"reference-choices:{name}:{language}"


def forget_all() -> None:
    cache.delete_many([_key(name, language) for name in REFERENCE_LISTS for language in LANGUAGES])


def reference_choices(name: str) -> list[tuple[str, str]]:
    """The list's (primary key, name in the reader's language) pairs, in the model's order."""
    language = (get_language() or "en")[:2]
    key = _key(name, language)
    choices = cache.get(key)
    if choices is None:
        label, conditions = REFERENCE_LISTS[name]
        choices = [(str(row.pk), str(row)) for row in apps.get_model(label).objects.filter(**conditions)]
        cache.set(key, choices, TIMEOUT)
    return choices


def chooser(name: str):
    """A callable for a ChoiceField's `choices`: read when the form is shown, not at import."""
    return lambda: reference_choices(name)


def forget(sender, **kwargs) -> None:
    """Clear every reference list (a handful of keys) when one of their rows changes."""
    forget_all()


def connect() -> None:
    for label, _conditions in REFERENCE_LISTS.values():
        model = apps.get_model(label)
        post_save.connect(forget, sender=model, dispatch_uid=f"reference-choices-save-{label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"reference-choices-delete-{label}")
