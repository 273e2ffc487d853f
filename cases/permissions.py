"""Who may see and do what in the cases app. Every view, list, count and search starts here.

Each `*_visible_to` function fails closed: an unknown role, an inactive or anonymous user sees nothing.
"""

from django.db.models import Q
from django.utils import timezone

from repat.accounts.models import User

from .models import (
    Assessment,
    Attachment,
    Case,
    CaseTransfer,
    ConsentRecord,
    EmergencyAccess,
    Family,
    FamilyMember,
    IdentityDocument,
    KinshipTest,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
)

REGIONAL_ROLES = (User.Role.COORDINATOR, User.Role.SUPERVISOR)


def _sees_everything(user) -> bool:
    return user.role == User.Role.ADMINISTRATOR or user.is_superuser


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _scope(user, prefix: str = "") -> Q | None:
    """The cases a user's role and regions give them (None: all, for administrators), as a
    condition on cases (prefix "") or on returnees (prefix "case__")."""
    if _sees_everything(user):
        return None
    if user.role == User.Role.SOCIAL_WORKER:
        return Q(**{f"{prefix}worker": user})
    if user.role in REGIONAL_ROLES:
        region = "returnee__region__in" if not prefix else "region__in"
        return Q(**{region: user.regions.values("pk")})
    return Q(pk__in=[])


def _emergency(user, prefix: str = "") -> Q:
    """Cases opened by "breaking the glass", while the access lasts."""
    active = EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values("case")
    return Q(**{f"{prefix}pk__in": active}) if not prefix else Q(case__in=active)


def cases_visible_to(user):
    if not _is_active(user):
        return Case.objects.none()
    scope = _scope(user)
    if scope is None:
        return Case.objects.all()
    if user.role == User.Role.PROVIDER:
        return Case.objects.none()
    return Case.objects.filter(scope | _emergency(user))


def cases_in_scope(user):
    """Visible without emergency access: what a user may change."""
    if not _is_active(user):
        return Case.objects.none()
    scope = _scope(user)
    return Case.objects.all() if scope is None else Case.objects.filter(scope)


def returnees_visible_to(user):
    if not _is_active(user):
        return Returnee.objects.none()
    scope = _scope(user, "case__")
    if scope is None:
        return Returnee.objects.all()
    if user.role == User.Role.PROVIDER:
        return Returnee.objects.none()
    return Returnee.objects.filter(scope | _emergency(user, "case__"))


def _families_of(user, returnees):
    if not _is_active(user):
        return Family.objects.none()
    if _sees_everything(user):
        return Family.objects.all()
    with_member = Q(pk__in=FamilyMember.objects.filter(returnee__in=returnees.values("pk")).values("family_id"))
    if user.role in REGIONAL_ROLES:
        return Family.objects.filter(with_member | Q(region__in=user.regions.values("pk")))
    if user.role == User.Role.SOCIAL_WORKER:
        return Family.objects.filter(with_member)
    return Family.objects.none()


def families_visible_to(user):
    """Families with a visible returnee; regional roles also see the families living in their regions."""
    return _families_of(user, returnees_visible_to(user))


def families_in_scope(user):
    """Families a user may add people to or test against: as `families_visible_to`, but not through
    emergency access (which opens a case, and so its family, for reading only)."""
    return _families_of(user, Returnee.objects.filter(case__in=cases_in_scope(user).values("pk")))


def can_register_returnee(user) -> bool:
    return _is_active(user) and (
        user.role == User.Role.SOCIAL_WORKER or _sees_everything(user) or user.role == User.Role.COORDINATOR
    )


def can_edit_case(user, case: Case) -> bool:
    """Visible is not enough to write: the case's own worker, a coordinator of its region or an
    administrator may change it; a supervisor reviews."""
    if not cases_in_scope(user).filter(pk=case.pk).exists():
        return False  # emergency access opens a case for reading, not for changing it
    return user.role in (User.Role.SOCIAL_WORKER, User.Role.COORDINATOR) or _sees_everything(user)


def can_assign_worker(user) -> bool:
    return _is_active(user) and (user.role == User.Role.COORDINATOR or _sees_everything(user))


def assignable_workers(user):
    """Social workers a user may give a case to: themselves (workers), workers of their regions
    (coordinators), any (administrators)."""
    workers = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True)
    if not _is_active(user):
        return workers.none()
    if _sees_everything(user):
        return workers
    if user.role == User.Role.COORDINATOR:
        return workers.filter(regions__in=user.regions.values("pk")).distinct()
    if user.role == User.Role.SOCIAL_WORKER:
        return workers.filter(pk=user.pk)
    return workers.none()


def workers_visible_to(user):
    """Social workers whose caseloads a user may look at: their own, or those of their regions."""
    workers = User.objects.filter(role=User.Role.SOCIAL_WORKER)
    if not _is_active(user):
        return workers.none()
    if _sees_everything(user):
        return workers
    if user.role in REGIONAL_ROLES:
        return workers.filter(regions__in=user.regions.values("pk")).distinct()
    return workers.filter(pk=user.pk)


def _through_cases(model, user, path: str):
    """Rows of `model` whose case (reached by `path`) the user may see."""
    return model.objects.filter(**{f"{path}__in": cases_visible_to(user).values("pk")})


def documents_visible_to(user):
    return _through_cases(IdentityDocument, user, "returnee__case")


def consents_visible_to(user):
    return _through_cases(ConsentRecord, user, "returnee__case")


def kinship_tests_visible_to(user):
    return _through_cases(KinshipTest, user, "returnee__case")


def assessments_visible_to(user):
    return _through_cases(Assessment, user, "case")


def plans_visible_to(user):
    return _through_cases(ReintegrationPlan, user, "case")


def goals_visible_to(user):
    return _through_cases(PlanGoal, user, "plan__case")


def attachments_visible_to(user):
    return _through_cases(Attachment, user, "case")


def transfers_answerable_by(user):
    """Pending transfers this user may answer: addressed to them (workers), or to a region they
    coordinate (coordinators), or any (administrators)."""
    pending = CaseTransfer.objects.filter(status="pending")
    if not (user.is_authenticated and user.is_active):
        return pending.none()
    if user.role == user.Role.ADMINISTRATOR or user.is_superuser:
        return pending
    if user.role == user.Role.SOCIAL_WORKER:
        return pending.filter(to_worker=user)
    if user.role == user.Role.COORDINATOR:
        return pending.filter(to_region__in=user.regions.values("pk"))
    return pending.none()


def can_use_caseload(user) -> bool:
    """Provider staff work from their referrals, never from case lists."""
    return _is_active(user) and user.role != User.Role.PROVIDER


def can_handle_transfers(user) -> bool:
    return _is_active(user) and (
        user.role in (User.Role.SOCIAL_WORKER, User.Role.COORDINATOR) or _sees_everything(user)
    )


def can_see_restricted(user, returnee: Returnee) -> bool:
    """The restricted section: granted per user (permission "see the restricted section"), and
    only for returnees whose case is in their own scope (never through emergency access)."""
    return (
        _is_active(user)
        and user.role != User.Role.PROVIDER
        and user.has_perm("cases.see_restricted")
        and cases_in_scope(user).filter(returnee=returnee).exists()
    )


def can_break_the_glass(user) -> bool:
    return _is_active(user) and user.role in (User.Role.SOCIAL_WORKER, *REGIONAL_ROLES)


def receives_escalations(user) -> bool:
    return _is_active(user) and (user.role in REGIONAL_ROLES or _sees_everything(user))
