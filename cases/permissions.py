"""Who may see and do what in the cases app. Every view, list, count and search starts here.

Each `*_visible_to` function fails closed: an unknown role, an inactive or anonymous user sees nothing.
"""

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Now
from django.utils import timezone

from repat.accounts.models import User
from repat.accounts.permissions import is_active_administrator, is_active_user
from repat.accounts.selectors import region_ids

from .models import (
    Assessment,
    Attachment,
    Case,
    CaseTransfer,
    ConsentRecord,
    DuplicateDecision,
    EmergencyAccess,
    Family,
    FamilyMember,
    IdentityDocument,
    KinshipTest,
    ManifestImport,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneePhoto,
)

REGIONAL_ROLES = (User.Role.COORDINATOR, User.Role.SUPERVISOR)


def sees_every_region(user) -> bool:
    return is_active_administrator(user)


def _scope(user, prefix: str = "") -> Q | None:
    """The cases a user's role and regions give them (None: all, for administrators), as a
    condition on cases (prefix "") or on returnees (prefix "case__")."""
    if user.is_administrator:
        return None
    if user.role == User.Role.SOCIAL_WORKER:
        return Q(**{f"{prefix}worker": user})
    if user.role in REGIONAL_ROLES:
        region = "returnee__region__in" if not prefix else "region__in"
        return Q(**{region: region_ids(user)})
    return Q(pk__in=[])


def _emergency_case_ids(user) -> list[int]:
    """Cases opened by "breaking the glass", while the access lasts. Almost nobody holds one, and
    an OR with a subquery would stop PostgreSQL using the scope's index (every case would be read):
    so the few case ids are fetched first, and only when the user holds an access at all (known
    from loading the user, see accounts/backends.py)."""
    if getattr(user, "has_emergency_access", True) is False:
        return []
    return list(EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values_list("case", flat=True))


def holds_emergency_access() -> Exists:
    """Whether a user holds an emergency access now, as an annotation on users: loaded with the
    signed-in user (registered in cases/apps.py for accounts/backends.py) and read above."""
    return Exists(EmergencyAccess.objects.filter(user=OuterRef("pk"), expires_at__gt=Now()))


def _emergency(user, prefix: str = "") -> Q:
    active = _emergency_case_ids(user)
    return Q(**{f"{prefix}pk__in": active}) if not prefix else Q(case__in=active)


def visible_through(user, path: str, *, emergency: bool = True) -> Q | None:
    """The cases a user may see, as a condition on rows that reach their case by `path` ("case",
    "returnee__case"): written as joins, so that PostgreSQL can start from the user's own few
    hundred cases (with `IN (every visible case)` it walks the other table in its order instead,
    and a worker's referral queue reads a hundred thousand rows). None: every row. Without
    `emergency`, the cases in the user's own scope only."""
    if not is_active_user(user):
        return Q(pk__in=[])
    if user.is_administrator:
        return None
    if user.role == User.Role.SOCIAL_WORKER:
        scope = Q(**{f"{path}__worker": user})
    elif user.role in REGIONAL_ROLES:
        scope = Q(**{f"{path}__returnee__region__in": region_ids(user)})
    else:
        return Q(pk__in=[])
    opened = _emergency_case_ids(user) if emergency else []
    return scope | Q(**{f"{path}__in": opened}) if opened else scope


# A record merged into another one (cases/actions/merges.py) is seen by nobody: its pages lead to
# the record it became, and it is in no list, count or search of its own.


def cases_visible_to(user):
    if not is_active_user(user):
        return Case.objects.none()
    scope = _scope(user)
    if scope is None:
        return Case.objects.unmerged()
    if user.role == User.Role.PROVIDER:
        return Case.objects.none()
    return Case.objects.unmerged().filter(scope | _emergency(user))


def cases_in_scope(user):
    """Visible without emergency access: what a user may change."""
    if not is_active_user(user):
        return Case.objects.none()
    scope = _scope(user)
    return Case.objects.unmerged() if scope is None else Case.objects.unmerged().filter(scope)


def returnees_visible_to(user):
    if not is_active_user(user):
        return Returnee.objects.none()
    scope = _scope(user, "case__")
    if scope is None:
        return Returnee.objects.unmerged()
    if user.role == User.Role.PROVIDER:
        return Returnee.objects.none()
    return Returnee.objects.unmerged().filter(scope | _emergency(user, "case__"))


def _families_of(user, *, emergency: bool):
    """Families with a member whose case the user may see (correlated per family, so that opening
    one family checks its few members rather than listing every visible returnee of a region)."""
    if not is_active_user(user):
        return Family.objects.none()
    if user.is_administrator:
        return Family.objects.all()
    member_visible = visible_through(user, "returnee__case", emergency=emergency)
    members = FamilyMember.objects.filter(member_visible, family=OuterRef("pk"), returnee__merged_into__isnull=True)
    with_member = Q(Exists(members))
    if user.role in REGIONAL_ROLES:
        # The member as a LIMIT 1 subquery, not EXISTS: beside the OR, PostgreSQL turns the EXISTS
        # into one hash of every member of the region's cases (200,000 rows at a million people,
        # a second) before it reads the first family of a list; this one it asks family by family.
        first_member = Subquery(members.values("pk")[:1])
        in_region = Q(region__in=region_ids(user))
        return Family.objects.alias(visible_member=first_member).filter(in_region | Q(visible_member__isnull=False))
    if user.role == User.Role.SOCIAL_WORKER:
        return Family.objects.filter(with_member)
    return Family.objects.none()


def families_visible_to(user):
    """Families with a visible returnee; regional roles also see the families living in their regions."""
    return _families_of(user, emergency=True)


def families_in_scope(user):
    """Families a user may add people to or test against: as `families_visible_to`, but not through
    emergency access (which opens a case, and so its family, for reading only)."""
    return _families_of(user, emergency=False)


def can_register_returnee(user) -> bool:
    return is_active_user(user) and (
        user.role == User.Role.SOCIAL_WORKER or user.is_administrator or user.role == User.Role.COORDINATOR
    )


def can_import_manifests(user) -> bool:
    """Coordinators and administrators register a flight's people from its manifest (issue 16)."""
    return is_active_user(user) and (user.role == User.Role.COORDINATOR or user.is_administrator)


def manifests_visible_to(user):
    """Imports a user may open: their own (the file and the preview hold a whole flight's names);
    administrators all."""
    if not can_import_manifests(user):
        return ManifestImport.objects.none()
    if user.is_administrator:
        return ManifestImport.objects.all()
    return ManifestImport.objects.filter(created_by=user)


def import_regions(user) -> set[int] | None:
    """The regions a user may import people into: a coordinator's own; None (all) for administrators."""
    if user.is_administrator:
        return None
    return set(user.regions.values_list("pk", flat=True))


def with_viewer_scope(cases, user):
    """Cases annotated with whether each is in the user's own scope, so that a page asking "may
    they change it?" several times asks the database once (see `in_scope`)."""
    return cases.annotate(
        viewer_id=Value(user.pk),
        viewer_in_scope=Exists(cases_in_scope(user).filter(pk=OuterRef("pk"))),
        viewer_restricted_grant=Exists(_restricted_grants(user)),
    )


def remember_viewer(user, case: Case) -> None:
    """Keep what `with_viewer_scope` found about the user for the rest of the request."""
    if getattr(case, "viewer_id", None) == user.pk and not hasattr(user, "_restricted_grant"):
        user._restricted_grant = case.viewer_restricted_grant


def in_scope(user, case: Case) -> bool:
    """In the user's own scope, not only open through emergency access."""
    if getattr(case, "viewer_id", None) == user.pk:
        return case.viewer_in_scope
    return cases_in_scope(user).filter(pk=case.pk).exists()


def can_edit_case(user, case: Case) -> bool:
    """Visible is not enough to write: the case's own worker, a coordinator of its region or an
    administrator may change it; a supervisor reviews."""
    if not in_scope(user, case):
        return False  # emergency access opens a case for reading, not for changing it
    return user.role in (User.Role.SOCIAL_WORKER, User.Role.COORDINATOR) or user.is_administrator


def can_assign_worker(user) -> bool:
    return is_active_user(user) and (user.role == User.Role.COORDINATOR or user.is_administrator)


def task_assignees(user):
    """Who a user may give a follow-up task to: themselves, and the active social workers and
    coordinators of their regions."""
    colleagues = Q(
        is_active=True,
        role__in=[User.Role.SOCIAL_WORKER, User.Role.COORDINATOR],
        regions__in=user.regions.values("pk"),
    )
    return User.objects.filter(colleagues | Q(pk=user.pk)).distinct()


def assignable_workers(user):
    """Social workers a user may give a case to: themselves (workers), workers of their regions
    (coordinators), any (administrators)."""
    workers = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True)
    if not is_active_user(user):
        return workers.none()
    if user.is_administrator:
        return workers
    if user.role == User.Role.COORDINATOR:
        return workers.filter(regions__in=region_ids(user)).distinct()
    if user.role == User.Role.SOCIAL_WORKER:
        return workers.filter(pk=user.pk)
    return workers.none()


def workers_visible_to(user):
    """Social workers whose caseloads a user may look at: their own, or those of their regions."""
    workers = User.objects.filter(role=User.Role.SOCIAL_WORKER)
    if not is_active_user(user):
        return workers.none()
    if user.is_administrator:
        return workers
    if user.role in REGIONAL_ROLES:
        return workers.filter(regions__in=region_ids(user)).distinct()
    return workers.filter(pk=user.pk)


def _through_cases(model, user, path: str):
    """Rows of `model` whose case (reached by `path`) the user may see."""
    condition = visible_through(user, path)
    return model.objects.all() if condition is None else model.objects.filter(condition)


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


def photos_visible_to(user):
    """Photos of the returnees a user may see (provider staff: none); a merged record's photo, kept
    aside for an undo, is nobody's."""
    return _through_cases(ReturneePhoto, user, "returnee__case").filter(returnee__merged_into__isnull=True)


def transfers_answerable_by(user):
    """Pending transfers this user may answer: addressed to them (workers), or to a region they
    coordinate (coordinators), or any (administrators)."""
    pending = CaseTransfer.objects.filter(status="pending")
    if not is_active_user(user):
        return pending.none()
    if user.is_administrator:
        return pending
    if user.role == user.Role.SOCIAL_WORKER:
        return pending.filter(to_worker=user)
    if user.role == user.Role.COORDINATOR:
        return pending.filter(to_region__in=region_ids(user))
    return pending.none()


def has_own_caseload(user) -> bool:
    """Social workers see the cases they work ("My caseload"); the others their regions' cases, or all."""
    return user.role == User.Role.SOCIAL_WORKER


def can_use_caseload(user) -> bool:
    """Provider staff work from their referrals, never from case lists."""
    return is_active_user(user) and user.role != User.Role.PROVIDER


def can_search_people(user) -> bool:
    """The people search lists returnees: for those who work from case lists, not provider staff
    (who see only what a referral shares)."""
    return can_use_caseload(user)


def can_handle_transfers(user) -> bool:
    return is_active_user(user) and (
        user.role in (User.Role.SOCIAL_WORKER, User.Role.COORDINATOR) or user.is_administrator
    )


def chooses_transfer_worker(user) -> bool:
    """Accepting a transfer sent to a region, a coordinator (or an administrator) chooses the social
    worker who takes the case; a social worker who accepts one takes the case themself."""
    return can_handle_transfers(user) and not has_own_caseload(user)


def can_see_restricted(user, returnee: Returnee) -> bool:
    """The restricted section: granted per user (permission "see the restricted section"), and
    only for returnees whose case is in their own scope (never through emergency access)."""
    return (
        is_active_user(user)
        and user.role != User.Role.PROVIDER
        and has_restricted_grant(user)
        and _returnee_in_scope(user, returnee)
    )


def has_restricted_grant(user) -> bool:
    """The "see the restricted section" permission, directly or through a group: one query, kept
    on the user for the rest of the request (as Django keeps its permission cache)."""
    if user.is_superuser:
        return True
    if not hasattr(user, "_restricted_grant"):
        user._restricted_grant = _restricted_grants(user).exists()
    return user._restricted_grant


def _restricted_grants(user):
    return Permission.objects.filter(codename="see_restricted", content_type__app_label="cases").filter(
        Q(user=user) | Q(group__user=user)
    )


def _returnee_in_scope(user, returnee: Returnee) -> bool:
    case = returnee._state.fields_cache.get("case")  # the case page's own case, already annotated
    if case is not None:
        return in_scope(user, case)
    return cases_in_scope(user).filter(returnee=returnee).exists()


def can_merge_records(user, case: Case | None = None) -> bool:
    """Merging two records of one person: a supervisor whose regions hold the case (and, when they
    name the other record, that one too: asked again for it), or an administrator."""
    if not (is_active_administrator(user) or (is_active_user(user) and user.role == User.Role.SUPERVISOR)):
        return False
    return case is None or in_scope(user, case)


def can_undo_merge(user) -> bool:
    """Only an administrator undoes a merge (within REPAT_MERGE_UNDO_DAYS: see ReturneeMerge)."""
    return is_active_administrator(user)


def can_break_the_glass(user) -> bool:
    return is_active_user(user) and user.role in (User.Role.SOCIAL_WORKER, *REGIONAL_ROLES)


def receives_escalations(user) -> bool:
    return is_active_user(user) and (user.role in REGIONAL_ROLES or user.is_administrator)


# --- probable duplicates ------------------------------------------------------------------------------


def duplicate_decisions_visible_to(user):
    """The probable duplicates a user may compare and decide: both people in their own scope (not
    through an emergency opening) and a role that decides, a coordinator or supervisor of both
    regions, or an administrator. Anyone else sees none (their page is a 404)."""
    if not is_active_user(user):
        return DuplicateDecision.objects.none()
    if user.is_administrator:
        return DuplicateDecision.objects.all()
    if user.role not in REGIONAL_ROLES:
        return DuplicateDecision.objects.none()
    regions = region_ids(user)
    return DuplicateDecision.objects.filter(returnee__region__in=regions, candidate__region__in=regions)


def can_decide_duplicate(user, decision: DuplicateDecision) -> bool:
    return decision.is_pending and duplicate_decisions_visible_to(user).filter(pk=decision.pk).exists()


def duplicate_deciders(returnee: Returnee, candidate: Returnee):
    """Who is told to decide whether two records are one person: the active coordinators and
    supervisors whose regions hold both, or the active administrators when nobody does."""
    regional = User.objects.filter(role__in=REGIONAL_ROLES, is_active=True, regions=returnee.region_id).filter(
        regions=candidate.region_id
    )
    if regional.exists():
        return regional.distinct()
    return User.objects.filter(User.administrators(), is_active=True)


def duplicate_mergers(returnee: Returnee, candidate: Returnee):
    """Who is asked to merge two records a coordinator found to be one person: the active
    supervisors whose regions hold both (`can_merge_records`), or the active administrators."""
    supervisors = User.objects.filter(role=User.Role.SUPERVISOR, is_active=True, regions=returnee.region_id).filter(
        regions=candidate.region_id
    )
    if supervisors.exists():
        return supervisors.distinct()
    return User.objects.filter(User.administrators(), is_active=True)


def can_merge_both(user, decision: DuplicateDecision) -> bool:
    """May `user` merge the two records of a decision (both still unmerged)?"""
    records = (decision.returnee, decision.candidate)
    if any(r.merged_into_id for r in records):
        return False
    return all(can_merge_records(user, r.case) for r in records)
