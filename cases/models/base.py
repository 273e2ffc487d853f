"""What several parts of the cases app share: the district check and the case-work settings."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def district_errors(instance) -> dict:
    """A district must lie in the chosen region."""
    if instance.district_id and instance.region_id and instance.district.parent_id != instance.region_id:
        return {"district": _("This district is not in the chosen region.")}
    return {}


class CaseSettings(models.Model):
    """Case-work rules administrators change in the admin without code. One row."""

    consent_min_age = models.PositiveSmallIntegerField(
        _("age from which a child may consent alone"),
        default=14,
        help_text=_("Below this age, consent comes from the parent or legal guardian on record."),
    )
    emergency_access_daily_limit = models.PositiveSmallIntegerField(
        _("emergency openings per person per day"),
        default=3,
        help_text=_("Beyond this number, a supervisor must approve each further emergency opening."),
    )

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="case_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Case settings"))

    @classmethod
    def current(cls) -> "CaseSettings":
        return cls.objects.get_or_create(pk=1)[0]
