"""Read use-cases of the cases app, each starting from the visibility querysets in permissions.py
and fetching what its page shows in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext

from . import permissions
from .filters import CaseFilter
from .models import Case, CaseEvent, Family, FamilyMember, Language, Note, Returnee


def caseload(*, user, params) -> CaseFilter:
    queryset = permissions.cases_visible_to(user).select_related(
        "returnee", "returnee__operation", "returnee__region", "worker"
    )
    return CaseFilter(params, queryset=queryset)


def case_get(*, user, pk: int) -> Case:
    return get_object_or_404(
        permissions.cases_visible_to(user).select_related(
            "returnee",
            "returnee__operation",
            "returnee__region",
            "returnee__district",
            "worker",
            "returnee__membership__family",
        ),
        pk=pk,
    )


def returnee_get(*, user, pk: int) -> Returnee:
    return get_object_or_404(
        permissions.returnees_visible_to(user)
        .select_related("operation", "region", "district", "case", "case__worker", "membership__family")
        .prefetch_related("aliases"),
        pk=pk,
    )


def family_get(*, user, pk: int) -> Family:
    members = FamilyMember.objects.select_related("returnee", "returnee__case", "returnee__case__worker")
    return get_object_or_404(
        permissions.families_visible_to(user)
        .select_related("region", "district")
        .prefetch_related(Prefetch("members", queryset=members)),
        pk=pk,
    )


def visible_case_ids(*, user, cases) -> set[int]:
    """Which of these cases the user may open: a family page links only those."""
    ids = [case.pk for case in cases if case is not None]
    return set(permissions.cases_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def recent_notes(*, case: Case, limit: int = 20) -> list[Note]:
    return list(case.notes.select_related("author")[:limit])


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    event: CaseEvent
    changes: list[Change] = field(default_factory=list)


def _display(model_field, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if model_field is not None and model_field.choices:
        labels = dict(model_field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(model_field, DateField):
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)


def _field(name: str):
    for model in (Case, Returnee):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _label(name: str, model_field) -> str:
    if model_field is not None:
        return str(model_field.verbose_name).capitalize()
    return {"aliases": gettext("Other spellings"), "family": gettext("Family")}.get(name, name)


def timeline(*, case: Case, limit: int = 50) -> list[TimelineEntry]:
    """The case's events, newest first, with changes labelled in the reader's language."""
    events = case.events.select_related("actor", "note")[:limit]
    entries = []
    for event in events:
        entry = TimelineEntry(event=event)
        for name, (old, new) in event.changes.items():
            model_field = _field(name)
            if name == "languages":
                labels = dict(Language.choices)
                old = [str(labels.get(v, v)) for v in old or []]
                new = [str(labels.get(v, v)) for v in new or []]
            entry.changes.append(
                Change(_label(name, model_field), _display(model_field, old), _display(model_field, new))
            )
        entries.append(entry)
    return entries
