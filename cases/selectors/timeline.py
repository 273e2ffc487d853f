"""The case timeline, read from its CaseEvent rows: each event's changes with their labels and
values in the reader's language, and the item each event is about."""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DateTimeField, Field, ForeignObjectRel
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from repat.audit.actions import RESTRICTED_MARK

from ..models import Case, CaseEvent, Language, PlanDomain, Returnee

# Fields holding lists of choice codes, and where their labels come from.
LIST_CHOICES = {"languages": Language, "recommended_domains": PlanDomain}


@dataclass
class Change:
    label: str
    old: str
    new: str
    # The restricted section's values never reach the timeline: only which fields changed.
    hidden: bool = False


@dataclass
class TimelineEntry:
    event: CaseEvent
    changes: list[Change] = field(default_factory=list)
    item: str = ""


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
    if isinstance(model_field, DateField) and isinstance(value, str):
        return _moment(model_field, value)
    return str(value)


def _moment(model_field, value: str) -> str:
    """A date, or a moment (a DateTimeField is a DateField too), as written by `actions._raw`."""
    try:
        if isinstance(model_field, DateTimeField):
            return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "SHORT_DATETIME_FORMAT")
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def _member(name: str, subject_model, kind):
    """The first `kind` of member (a field, a reverse relation) called `name` of the event's
    subject, else of the case, else of the returnee."""
    for model in (subject_model, Case, Returnee):
        if model is None:
            continue
        try:
            member = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(member, kind):
            return member
    return None


def _field(name: str, subject_model=None):
    """The field a change is about. Only a field the model declares counts: a reverse relation (the
    returnee's other spellings, documents...) holds no value of its own to display."""
    return _member(name, subject_model, Field)


# Changes that are not a field of their model, with their label: an event's comment, a goal's
# progress note, the family a returnee joined.
CHANGE_LABELS = {
    "aliases": gettext_lazy("Other spellings"),
    "family": gettext_lazy("Family"),
    "text": gettext_lazy("Progress"),
    "comment": gettext_lazy("Comment"),
    "distinct_reason": gettext_lazy("Why this is a different person"),
}


def change_label(name: str, subject_model=None) -> str:
    """The label of a change in the reader's language. Never the key itself: a field whose label
    is not marked for translation, or a key no model knows, is labelled as "Other"."""
    if name in CHANGE_LABELS:
        return str(CHANGE_LABELS[name])
    model_field = _field(name, subject_model)
    if model_field is not None and isinstance(model_field.verbose_name, Promise):
        return str(capfirst(model_field.verbose_name))
    relation = _member(name, subject_model, ForeignObjectRel)  # e.g. the returnee's "aliases"
    if relation is not None:
        meta = relation.related_model._meta
        return str(capfirst(meta.verbose_name if relation.one_to_one else meta.verbose_name_plural))
    return gettext("Other")


def _subject_model(name: str):
    for app_label in ("cases", "services", "approvals"):
        try:
            return apps.get_model(app_label, name) if name else None
        except LookupError:
            continue
    return None


def _item_label(subject_model, event: CaseEvent, service_names: dict[int, str]) -> str:
    """Name what an event is about: the label of its kind (document type, purpose) or its text."""
    name = CaseEvent.SUBJECT_ITEM_FIELD.get(event.subject)
    if subject_model is None or not event.item or name is None:
        return ""  # a subject with no naming field (the restricted section) is stored by its id only
    model_field = _field(name, subject_model)
    if name == "service_type_id":
        return service_names.get(int(event.item), "")
    if name == "version":
        return gettext("version %(version)s") % {"version": event.item}
    return _display(model_field, event.item)


def _service_names() -> dict[int, str]:
    """Service type names in the reader's language (a small reference table, read once per page)."""
    ServiceType = apps.get_model("services", "ServiceType")
    return {service.pk: service.localized_name for service in ServiceType.objects.all()}


def _names_every_service(events, known: dict[int, str]) -> bool:
    for event in events:
        if event.subject == "referral" and event.item.isdigit() and int(event.item) not in known:
            return False
    return True


def timeline(
    *, case: Case, limit: int = 50, restricted: bool = False, referrals: list | None = None
) -> list[TimelineEntry]:
    """The case's events, newest first, with changes labelled in the reader's language. Changes to
    the restricted section are shown only to readers who may see it (`restricted`). The case's
    referrals, when the page has them already, name their services without another query."""
    events = case.events.select_related("actor", "note")
    if not restricted:
        events = events.exclude(kind=CaseEvent.Kind.RESTRICTED_UPDATED)
    events = list(events[:limit])
    service_names = {}
    if any(e.subject == "referral" for e in events):
        known = {r.service_type_id: r.service_type.localized_name for r in referrals or ()}
        service_names = known if _names_every_service(events, known) else _service_names()
    entries = []
    for event in events:
        subject_model = _subject_model(event.subject)
        entry = TimelineEntry(event=event, item=_item_label(subject_model, event, service_names))
        for name, (old, new) in event.changes.items():
            model_field = _field(name, subject_model)
            if name in LIST_CHOICES:
                labels = dict(LIST_CHOICES[name].choices)
                old = [str(labels.get(v, v)) for v in old or []]
                new = [str(labels.get(v, v)) for v in new or []]
            label = change_label(name, subject_model)
            if RESTRICTED_MARK in (old, new):
                entry.changes.append(Change(label, "", "", hidden=True))
                continue
            entry.changes.append(Change(label, _display(model_field, old), _display(model_field, new)))
        entries.append(entry)
    return entries
