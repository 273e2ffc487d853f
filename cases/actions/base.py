"""Checks several kinds of action share: who may edit a case, and whether a region has someone to
oversee its cases."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from repat.accounts.models import User

from .. import permissions
from ..models import Case


def _require_edit(actor: User, case: Case) -> None:
    if not permissions.can_edit_case(actor, case):
        raise PermissionDenied


def check_region_overseen(region, field: str = "region") -> None:
    """A case must have someone above its worker: refuse a region that no active coordinator or
    supervisor covers (the case would sit there with nobody to oversee it or be told about it)."""
    if region is None:
        return
    overseers = User.objects.filter(is_active=True, role__in=permissions.REGIONAL_ROLES, regions=region)
    if not overseers.exists():
        raise ValidationError(
            {
                field: _(
                    "No coordinator or supervisor works in this region yet, so nobody would oversee the case. "
                    "Ask an administrator to assign one, or choose another region."
                )
            }
        )
