"""Who sees the dashboard and the progress reports, and over which regions. Figures are computed
only over the regions returned here, so a dashboard never counts a case its viewer may not see."""

from django.db.models import Q

from cases.permissions import REGIONAL_ROLES
from repat.accounts.models import Region, User
from repat.accounts.permissions import is_active_user
from repat.accounts.selectors import region_ids

from .models import ProgressReport


def can_view_dashboard(user) -> bool:
    return is_active_user(user) and (user.role in REGIONAL_ROLES or user.is_administrator)


def can_make_reports(user) -> bool:
    return is_active_user(user) and (user.role == User.Role.SUPERVISOR or user.is_administrator)


def dashboard_regions(user) -> tuple[int, ...] | None:
    """The regions whose figures the user may see: None means all (administrators)."""
    if not can_view_dashboard(user):
        return ()
    if user.is_administrator:
        return None
    return tuple(sorted(user.regions.filter(parent__isnull=True).values_list("pk", flat=True)))


def regions_for(user):
    regions = dashboard_regions(user)
    top = Region.objects.filter(parent__isnull=True)
    return top if regions is None else top.filter(pk__in=regions)


def reports_visible_to(user):
    """Administrators see every report; a supervisor sees their own and those of a region they
    supervise (a report over "all my regions" stays with its author)."""
    if not can_make_reports(user):
        return ProgressReport.objects.none()
    if user.is_administrator:
        return ProgressReport.objects.all()
    return ProgressReport.objects.filter(Q(created_by=user) | Q(region__in=region_ids(user)))
