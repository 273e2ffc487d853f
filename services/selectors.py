"""Read use-cases of the services app, each starting from `referrals_visible_to`."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from cases.models import CaseEvent

from . import permissions
from .filters import ReferralFilter
from .models import Provider, Referral

LIST_RELATED = ("case__returnee", "service_type__category", "provider", "assignee", "region")


def referral_queue(*, user, params) -> ReferralFilter:
    queryset = permissions.referrals_visible_to(user).select_related(*LIST_RELATED)  # ordered by its `sort`
    return ReferralFilter(params, queryset=queryset, for_provider=permissions.provider_of(user) is not None)


def referral_get(*, user, pk: int) -> Referral:
    return get_object_or_404(
        permissions.referrals_visible_to(user).select_related(
            *LIST_RELATED, "requested_by", "plan_goal", "consent", "consent_overridden_by", "case__worker"
        ),
        pk=pk,
    )


def referral_history(*, referral: Referral, full_view: bool = True, identity: bool = True) -> list[dict]:
    """The referral's steps, from its case events: who, when, the new status and the comment.
    Without `full_view` (provider staff) the consent override, a note on the case file, is left out.
    Without `identity` (provider staff, no data shared) only the provider's own staff's comments are
    shown: what the case side wrote may name the person."""
    labels = dict(Referral.Status.choices)
    events = CaseEvent.objects.filter(subject="referral", subject_id=referral.pk).select_related(
        "actor", "actor__provider_staff"
    )
    if not full_view:
        events = events.exclude(kind=CaseEvent.Kind.CONSENT_OVERRIDDEN)
    history = []
    for event in events.order_by("created_at", "id"):
        comment = (event.changes.get("comment") or event.changes.get("consent_override_reason") or [None, ""])[1]
        staff = getattr(event.actor, "provider_staff", None) if event.actor else None
        if not identity and (staff is None or staff.provider_id != referral.provider_id):
            comment = ""
        status = labels.get((event.changes.get("status") or [None, None])[1], "")
        history.append({"event": event, "status": status, "comment": comment})
    return history


def case_referrals(*, user, case) -> list[Referral]:
    referrals = list(permissions.referrals_visible_to(user).filter(case=case).select_related(*LIST_RELATED))
    return permissions.mark_identity(user, referrals)


def family_service_history(*, user, returnee) -> list[Referral]:
    """Referrals across every case of the returnee's family that the user may see (a constant
    family, so that PostgreSQL starts from its few members)."""
    membership = getattr(returnee, "membership", None)
    if membership is None:
        query = Q(case_id=returnee.case.pk)
    else:
        query = Q(case__returnee__membership__family_id=membership.family_id)
    referrals = list(permissions.referrals_visible_to(user).filter(query).select_related(*LIST_RELATED)[:100])
    return permissions.mark_identity(user, referrals)


def _referral_count(**conditions):
    """Counted per provider row shown (a page of them), through the (provider, status) index,
    rather than grouping every referral of the country."""
    counted = Referral.objects.filter(provider=OuterRef("pk"), **conditions).order_by().values("provider")
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


def provider_loads(*, user, details: bool = True):
    """Providers with the referrals in their hands (`Referral.WITH_PROVIDER`) and those waiting for
    their answer counted in SQL: the coordinator's load view, and the referral queue's sidebar
    (`details=False`: without their regions and services)."""
    providers = Provider.objects.annotate(
        open_referrals=_referral_count(status__in=Referral.WITH_PROVIDER),
        waiting=_referral_count(status=Referral.Status.ASSIGNED),
    ).order_by("name", "id")
    return providers.prefetch_related("regions", "service_types") if details else providers


def consent_overrides(*, user):
    return (
        permissions.referrals_visible_to(user)
        .filter(consent_overridden_by__isnull=False)
        .select_related(*LIST_RELATED, "consent_overridden_by")
        .order_by("-consent_overridden_at", "-id")
    )
