"""Who may see and do what in the cases app. Every view, list, count and search starts here.

Each `*_visible_to` function fails closed: an unknown role, an inactive or anonymous user sees nothing.
"""

from django.db.models import Q

from repat.accounts.models import User

from .models import (
    Assessment,
    Attachment,
    Case,
    CaseTransfer,
    ConsentRecord,
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


def cases_visible_to(user):
    if not _is_active(user):
        return Case.objects.none()
    if _sees_everything(user):
        return Case.objects.all()
    if user.role == User.Role.SOCIAL_WORKER:
        return Case.objects.filter(worker=user)
    if user.role in REGIONAL_ROLES:
        return Case.objects.filter(returnee__region__in=user.regions.values("pk"))
    return Case.objects.none()


def returnees_visible_to(user):
    if not _is_active(user):
        return Returnee.objects.none()
    if _sees_everything(user):
        return Returnee.objects.all()
    if user.role == User.Role.SOCIAL_WORKER:
        return Returnee.objects.filter(case__worker=user)
    if user.role in REGIONAL_ROLES:
        return Returnee.objects.filter(region__in=user.regions.values("pk"))
    return Returnee.objects.none()


def families_visible_to(user):
    """Families with a visible returnee; regional roles also see the families living in their regions."""
    if not _is_active(user):
        return Family.objects.none()
    if _sees_everything(user):
        return Family.objects.all()
    with_visible_member = Q(
        pk__in=FamilyMember.objects.filter(returnee__in=returnees_visible_to(user).values("pk")).values("family_id")
    )
    if user.role in REGIONAL_ROLES:
        return Family.objects.filter(with_visible_member | Q(region__in=user.regions.values("pk")))
    if user.role == User.Role.SOCIAL_WORKER:
        return Family.objects.filter(with_visible_member)
    return Family.objects.none()


def can_register_returnee(user) -> bool:
    return _is_active(user) and (
        user.role == User.Role.SOCIAL_WORKER or _sees_everything(user) or user.role == User.Role.COORDINATOR
    )


def can_edit_case(user, case: Case) -> bool:
    """Visible is not enough to write: the case's own worker, a coordinator of its region or an
    administrator may change it; a supervisor reviews."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        return False
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


def receives_escalations(user) -> bool:
    return _is_active(user) and (user.role in REGIONAL_ROLES or _sees_everything(user))
