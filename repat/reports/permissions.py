"""Who sees the dashboard and the progress reports, and over which regions. Figures are computed
only over the regions returned here, so a dashboard never counts a case its viewer may not see."""

from django.db.models import Q

from repat.accounts.models import Region, User
from repat.accounts.selectors import region_ids

from .models import ProgressReport

REGIONAL_ROLES = (User.Role.SUPERVISOR, User.Role.COORDINATOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_admin(user) -> bool:
    return user.role == User.Role.ADMINISTRATOR or user.is_superuser


def can_view_dashboard(user) -> bool:
    return _active(user) and (user.role in REGIONAL_ROLES or _is_admin(user))


def can_make_reports(user) -> bool:
    return _active(user) and (user.role == User.Role.SUPERVISOR or _is_admin(user))


def dashboard_regions(user) -> tuple[int, ...] | None:
    """The regions whose figures the user may see: None means all (administrators)."""
    if not can_view_dashboard(user):
        return ()
    if _is_admin(user):
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
    if _is_admin(user):
        return ProgressReport.objects.all()
    return ProgressReport.objects.filter(Q(created_by=user) | Q(region__in=region_ids(user)))
