"""Stale saves. An edit form carries the version of the record as it was when the form was opened;
the action that saves it, holding the row's lock, refuses when someone saved the record since, so
that the second of two people saving at once overwrites nothing (their input stays in the form)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The version of a record that does not exist yet (a restricted section nobody has written).
NEW = "new"
STALE = _(
    "Someone else saved changes to this record after you opened the form. "
    "Nothing was saved: reload the page to see their changes, then make yours again."
)


def version_of(instance: models.Model | None) -> str:
    """The record's last-saved time (its `updated_at`), or NEW when there is no record yet."""
    if instance is None:
        return NEW
    return instance.updated_at.isoformat() if instance.updated_at else ""


def check_version(instance: models.Model | None, version: str | None) -> None:
    """Refuse to save over a change made after the form was opened. The caller has locked the row
    (or found none), so two saves cannot both pass. No version given: nothing to compare."""
    if version is not None and version != version_of(instance):
        raise ValidationError(STALE, code="stale")
