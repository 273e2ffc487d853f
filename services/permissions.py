"""Who may see and move referrals. Every referral view, list and count starts from
`referrals_visible_to`, which fails closed like the case querysets it builds on."""

from functools import cached_property

from django.db.models import Q

from cases.permissions import cases_visible_to, visible_through
from repat.accounts.models import User
from repat.accounts.permissions import is_active_user

from .models import Provider, Referral


def provider_of(user) -> Provider | None:
    """The provider organisation a provider user works for (None for everyone else)."""
    if not is_active_user(user) or user.role != User.Role.PROVIDER:
        return None
    staff = getattr(user, "provider_staff", None)
    return staff.provider if staff is not None else None


def referrals_visible_to(user):
    if not is_active_user(user):
        return Referral.objects.none()
    if user.is_administrator:
        return Referral.objects.all()
    if user.role == User.Role.PROVIDER:
        provider = provider_of(user)
        if provider is None:
            return Referral.objects.none()
        return Referral.objects.filter(provider=provider, status__in=Referral.SHOWN_TO_PROVIDER)
    condition = visible_through(user, "case")
    return Referral.objects.all() if condition is None else Referral.objects.filter(condition)


def sees_identity(user, referral: Referral) -> bool:
    """Whether a page may show whom the referral is for: name, age, sex, region, the contact, the
    reason and what the case side wrote in its steps. Everyone but provider staff reaches referrals
    only through cases they may see; provider staff see who it is for only when the referral shares
    data, which the consent gate allowed (SECURITY.md, "Referrals and consent")."""
    return provider_of(user) is None or referral.shares_data


def mark_identity(user, referrals):
    """Set `identity_visible` on each referral of a list (templates show nothing identifying without it)."""
    for referral in referrals:
        referral.identity_visible = sees_identity(user, referral)
    return referrals


def sees_case_file(user, referral: Referral) -> bool:
    """Provider staff see only the minimum a service needs, never the case file."""
    return cases_visible_to(user).filter(pk=referral.case_id).exists()


def can_request(user, case) -> bool:
    from cases.permissions import can_edit_case

    return can_edit_case(user, case)


def can_coordinate(user) -> bool:
    """Assign providers, and act for a provider that does not use Repat itself."""
    return is_active_user(user) and (user.role == User.Role.COORDINATOR or user.is_administrator)


def can_act_as_provider(user, referral: Referral) -> bool:
    provider = provider_of(user)
    return (provider is not None and referral.provider_id == provider.pk) or can_coordinate(user)


def can_override_consent(user) -> bool:
    return is_active_user(user) and (user.role == User.Role.SUPERVISOR or user.is_administrator)


def can_request_consent_override(user, referral: Referral) -> bool:
    """Who works the case may ask a supervisor to let a referral go ahead without consent
    (supervisors record an override themselves)."""
    from cases.permissions import can_edit_case

    return (
        referral.is_open
        and referral.shares_data
        and referral.consent_id is None
        and not referral.consent_overridden_by_id
        and not can_override_consent(user)
        and user.role != User.Role.PROVIDER
        and can_edit_case(user, referral.case)
        and not referral.approval_requests.filter(status="pending").exists()
    )


def can_revoke(user) -> bool:
    return can_coordinate(user) or can_override_consent(user)


def works_on(user, referral: Referral) -> bool:
    """Seeing a referral is not enough to move it: its provider's staff, or someone whose own scope
    holds the case (emergency access opens a case, and its referrals, for reading only)."""
    from cases.permissions import cases_in_scope

    provider = provider_of(user)
    if provider is not None:
        return referral.provider_id == provider.pk
    return cases_in_scope(user).filter(pk=referral.case_id).exists()


class Standing:
    """Who a user is to one referral, as the workflow asks it (`Step.who` names one of these
    properties). Each is worked out only when a step from the referral's status needs it, once."""

    def __init__(self, user, referral: Referral):
        self.user, self.referral = user, referral

    @cached_property
    def case_worker(self) -> bool:
        """May change the referral's case (provider staff never do)."""
        from cases.permissions import can_edit_case

        return self.user.role != User.Role.PROVIDER and can_edit_case(self.user, self.referral.case)

    @cached_property
    def coordinator(self) -> bool:
        return can_coordinate(self.user)

    @cached_property
    def provider(self) -> bool:
        return can_act_as_provider(self.user, self.referral)

    @cached_property
    def case_worker_or_coordinator(self) -> bool:
        return self.case_worker or self.coordinator

    @cached_property
    def revoker(self) -> bool:
        return can_revoke(self.user)

    @cached_property
    def consent_overrider(self) -> bool:
        """A supervisor, for a referral that shares data and was not overridden yet."""
        referral = self.referral
        return referral.shares_data and not referral.consent_overridden_by_id and can_override_consent(self.user)


def allowed_transitions(user, referral: Referral) -> list[str]:
    """The steps of `Referral.TRANSITIONS` this user may attempt now (what the page offers as
    buttons): those that leave from the referral's status, where the user is who the step needs."""
    if not works_on(user, referral):
        return []
    standing = Standing(user, referral)
    return [
        action
        for action, step in Referral.TRANSITIONS.items()
        if referral.status in step.sources and getattr(standing, step.who)
    ]


def assignable_people(user):
    """Whom a coordinator may name as responsible for a referral: the social workers of their
    regions and the staff of the providers serving them (administrators: anyone). The action checks
    the referral's own region and provider; this keeps the choice to a list a person can read."""
    from repat.accounts.selectors import region_ids

    people = User.objects.filter(is_active=True, role__in=[User.Role.PROVIDER, User.Role.SOCIAL_WORKER])
    if not can_coordinate(user):
        return people.none()
    if user.is_administrator:
        return people
    regions = region_ids(user)
    return people.filter(
        Q(role=User.Role.SOCIAL_WORKER, regions__in=regions) | Q(provider_staff__provider__regions__in=regions)
    ).distinct()
