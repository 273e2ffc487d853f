"""Every write in the services app. Each referral transition locks the row, checks the status it
expects (so two people acting at once cannot both succeed), and writes a case event."""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import consent as consent_rules
from cases.actions import case_event_write
from cases.models import Case, CaseEvent, ConsentRecord, FamilyMember, PlanGoal
from cases.permissions import can_edit_case
from repat.accounts.models import User
from repat.core.notifications import Item, notify

from . import permissions
from .models import Provider, ProviderStaff, Referral, ServiceType


@transaction.atomic
def referral_create(
    *,
    actor,
    case: Case,
    service_type: ServiceType,
    reason: str,
    urgency: str = Referral.Urgency.ROUTINE,
    plan_goal: PlanGoal | None = None,
    shares_data: bool = True,
    provider_contact: str = "",
    provider_brief: str = "",
    days_to_accept: int | None = None,
    days_to_complete: int | None = None,
    submit: bool = True,
) -> Referral:
    """Request a service for a case (as a draft, or submitted to the coordinators at once)."""
    if not can_edit_case(actor, case):
        raise PermissionDenied
    if case.is_closed:
        raise ValidationError(_("This case is closed: reopen it before requesting a service."))
    if plan_goal is not None and plan_goal.plan.case_id != case.pk:
        raise ValidationError({"plan_goal": _("Choose a goal of this case's plan.")})
    if not service_type.is_active:
        raise ValidationError({"service_type": _("This service is no longer offered.")})
    referral = Referral(
        case=case,
        service_type=service_type,
        reason=reason,
        urgency=urgency,
        plan_goal=plan_goal,
        shares_data=shares_data,
        provider_contact=provider_contact,
        provider_brief=provider_brief.strip(),
        days_to_accept=days_to_accept,
        days_to_complete=days_to_complete,
        requested_by=actor,
        region_id=case.returnee.region_id,
    )
    _check_what_the_provider_reads(referral)
    referral.full_clean()
    referral.save()
    case_event_write(
        case=case,
        kind=CaseEvent.Kind.REFERRAL_CREATED,
        actor=actor,
        changes={"urgency": [None, urgency]},
        subject=referral,
    )
    if submit:
        referral = referral_transition(actor=actor, referral=referral, action="submit", expected_status="draft")
    return referral


# A phone number: seven digits or more, however spaced.
PHONE = re.compile(r"(?:\+?\d[\s\-().]*){7,}")


def identifying_words(returnee) -> list[str]:
    """The words that would tell a provider who a referral is for: the returnee's names and other
    spellings, the names of their family, and their case number."""
    names = [returnee.given_name, returnee.family_name, returnee.patronymic]
    names += returnee.aliases.values_list("name", flat=True)
    membership = FamilyMember.objects.filter(returnee=returnee).select_related("family").first()
    if membership is not None:
        names.append(membership.family.name)
        for member in membership.family.members.exclude(pk=membership.pk).select_related("returnee"):
            names.append(member.display_name)
    words = {word.casefold() for name in names for word in re.split(r"[\W_]+", name) if len(word) >= 3}
    return [*sorted(words), returnee.case_number.casefold()]


def identifying_details(text: str, returnee) -> list[str]:
    """What in a text names the person: their or their family's names (also declined: "Айгули" for
    "Айгуль"), their case number, a phone number. A safety net under the help text, not a guarantee."""
    folded, spans = text.casefold(), []
    case_number = returnee.case_number.casefold()
    for word in identifying_words(returnee):
        # A long name may change its last letter and take an ending when declined.
        stem = re.escape(word[:-1] if len(word) >= 5 and word != case_number else word)
        spans += [m.span() for m in re.finditer(rf"(?<!\w){stem}\w{{0,3}}(?!\w)", folded)]
    for match in PHONE.finditer(text):
        start, end = match.span()
        while not text[end - 1].isdigit():
            end -= 1
        spans.append((start, end))
    found, taken = [], []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not any(start < last and first < end for first, last in taken):
            taken.append((start, end))
            found.append(text[start:end])
    return found


def _check_what_the_provider_reads(referral: Referral, *, contact: bool = True) -> None:
    """A referral that shares no data carries nothing that identifies the person (SECURITY.md,
    "Referrals and consent"): no contact, and a brief without names, case number or phone. (The
    pages never show such a referral's contact to the provider; `contact=False` lets an older
    referral that holds one be assigned.)"""
    if referral.shares_data:
        return
    errors = {}
    if contact and referral.provider_contact.strip():
        errors["provider_contact"] = _(
            "Without data sharing the provider receives no contact: leave this empty, or share data "
            "with the returnee's consent."
        )
    found = identifying_details(referral.provider_brief, referral.case.returnee)
    if found:
        errors["provider_brief"] = _(
            "Without data sharing the provider may read nothing that identifies the person: remove %(found)s."
        ) % {"found": ", ".join(f"“{word}”" for word in found)}
    if errors:
        raise ValidationError(errors)


CONSENT_RELATED = ("returnee__membership", "giver__returnee", "guardianship", "provider", "service_category")


def consent_match(referral: Referral, provider: Provider, on: datetime.date) -> tuple[ConsentRecord | None, str]:
    """The newest consent that lets this referral share the returnee's data with the provider, or
    why there is none (see cases/consent.py for when a consent holds): (consent, "") or (None, why)."""
    service_type, minimum = referral.service_type, consent_rules.min_age()
    consents = list(
        ConsentRecord.objects.filter(returnee_id=referral.case.returnee_id)
        .select_related(*CONSENT_RELATED)
        .order_by("-given_on", "-id")
    )
    refused = []
    for consent in consents:
        if not consent_rules.concerns(consent, provider, service_type):
            continue
        problems = consent_rules.cover_problems(consent, service_type) + consent_rules.consent_problems(
            consent, on=on, minimum=minimum
        )
        if not problems:
            return consent, ""
        refused.append(
            _("Consent of %(date)s: %(problems)s")
            % {"date": date_format(consent.given_on, "SHORT_DATE_FORMAT"), "problems": " ".join(problems)}
        )
    if refused:
        return None, _(
            "No valid consent allows sharing this returnee's data with %(provider)s. %(details)s Record a new "
            "consent, or ask a supervisor to override the requirement."
        ) % {"provider": provider, "details": " ".join(refused[:3])}
    message = _(
        "No consent allows sharing this returnee's data with %(provider)s or any provider of %(category)s. Record "
        "the consent, or ask a supervisor to override the requirement."
    ) % {"provider": provider, "category": service_type.category}
    as_text = sum(
        1
        for consent in consents
        if consent.purpose == ConsentRecord.Purpose.DATA_SHARING
        and not (consent.provider_id or consent.service_category_id)
    )
    if as_text:
        message += " " + ngettext(
            "%(count)s older consent names organisations only as text and must be recorded again.",
            "%(count)s older consents name organisations only as text and must be recorded again.",
            as_text,
        ) % {"count": as_text}
    return None, message


def consent_for(referral: Referral, provider: Provider, on: datetime.date) -> ConsentRecord | None:
    """The consent `consent_match` finds, if any."""
    return consent_match(referral, provider, on)[0]


def _check_provider(referral: Referral, provider: Provider, load: dict[int, int]) -> None:
    if not provider.accepting_referrals:
        raise ValidationError({"provider": _("%(provider)s does not accept new referrals.") % {"provider": provider}})
    if not provider.service_types.filter(pk=referral.service_type_id).exists():
        raise ValidationError(
            {
                "provider": _("%(provider)s does not offer %(service)s.")
                % {"provider": provider, "service": referral.service_type}
            }
        )
    if not provider.regions.filter(pk=referral.region_id).exists():
        raise ValidationError({"provider": _("%(provider)s does not serve this region.") % {"provider": provider}})
    if provider.capacity is not None and load.get(provider.pk, 0) >= provider.capacity:
        raise ValidationError({"provider": _("%(provider)s has no open slots.") % {"provider": provider}})


def provider_load(provider_ids: Iterable[int]) -> dict[int, int]:
    """Referrals in each provider's hands (`Referral.WITH_PROVIDER`), counted in SQL."""
    rows = (
        Referral.objects.with_provider()
        .filter(provider_id__in=list(provider_ids))
        .values("provider_id")
        .annotate(n=Count("id"))
    )
    return {row["provider_id"]: row["n"] for row in rows}


def _check_assignee(provider: Provider, assignee, region_id: int) -> None:
    """The responsible person is the provider's own staff, or a social worker of the region."""
    if assignee is None:
        return
    if assignee.role not in (assignee.Role.PROVIDER, assignee.Role.SOCIAL_WORKER):
        raise ValidationError({"assignee": _("Choose a member of the provider's staff or a social worker.")})
    if assignee.role == assignee.Role.SOCIAL_WORKER and not assignee.regions.filter(pk=region_id).exists():
        raise ValidationError({"assignee": _("This social worker does not work in the returnee's region.")})
    staff = getattr(assignee, "provider_staff", None)
    if assignee.role == assignee.Role.PROVIDER and (staff is None or staff.provider_id != provider.pk):
        raise ValidationError({"assignee": _("This person does not work for %(provider)s.") % {"provider": provider}})
    if not assignee.is_active:
        raise ValidationError({"assignee": _("This person's account is not active.")})


@transaction.atomic
def referral_transition(
    *,
    actor,
    referral: Referral,
    action: str,
    expected_status: str,
    comment: str = "",
    reason: str = "",
    provider: Provider | None = None,
    assignee=None,
    provider_brief: str | None = None,
    outcome: str = "",
    completed_on: datetime.date | None = None,
) -> Referral:
    """Move a referral one step of `Referral.TRANSITIONS`. `expected_status` is the status the
    actor saw: if someone else moved the referral meanwhile, the action is refused instead of
    silently applied twice. (The consent override changes no status: `referral_consent_override`.)"""
    step = Referral.TRANSITIONS.get(action)
    if step is None or step.target is None:
        raise ValidationError(_("Unknown action."))
    if action == "assign" and provider is not None:
        # Lock the provider (always before the referral) so that two assignments at once cannot both
        # take its last open slot; its capacity and settings are read fresh under the lock.
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
    referral = (
        permissions.referrals_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("case", "case__returnee", "service_type", "provider")
        .filter(pk=referral.pk)
        .first()
    )
    if referral is None:
        raise PermissionDenied
    target = step.target
    if referral.status != expected_status or referral.status not in step.sources:
        raise ValidationError(
            _("This referral is now “%(status)s”: someone changed it meanwhile, or this step is not possible.")
            % {"status": referral.get_status_display()}
        )
    if action not in permissions.allowed_transitions(actor, referral):
        raise PermissionDenied
    today, now = timezone.localdate(), timezone.now()
    old_status, old_provider = referral.status, referral.provider
    changes: dict[str, list] = {"status": [old_status, target]}
    update = ["status", "updated_at"]

    if step.closing:
        if not reason.strip():
            raise ValidationError({"reason": _("Give a reason.")})
        referral.closing_reason = reason.strip()
        update.append("closing_reason")
    if action == "submit":
        referral.submitted_at = now
        update.append("submitted_at")
    if action == "assign":
        if provider is None:
            raise ValidationError({"provider": _("Choose a provider.")})
        _check_provider(referral, provider, provider_load([provider.pk]))
        _check_assignee(provider, assignee, referral.region_id)
        if provider_brief is not None and provider_brief.strip() != referral.provider_brief:
            changes["provider_brief"] = [referral.provider_brief or None, provider_brief.strip()]
            referral.provider_brief = provider_brief.strip()
            update.append("provider_brief")
        if not referral.shares_data and not referral.provider_brief:
            raise ValidationError(
                {
                    "provider_brief": _(
                        "Write what the provider needs to act: without data sharing, it is all the provider reads."
                    )
                }
            )
        _check_what_the_provider_reads(referral, contact=False)
        _consent_gate(referral, provider, today)
        referral.provider, referral.assignee, referral.assigned_at = provider, assignee, now
        days = referral.days_to_accept if referral.days_to_accept is not None else referral.service_type.days_to_accept
        referral.accept_due = today + datetime.timedelta(days=days)
        referral.closing_reason = ""
        update += [
            "provider",
            "assignee",
            "assigned_at",
            "accept_due",
            "closing_reason",
            "consent",
            "consent_override_reason",
            "consent_overridden_by",
            "consent_overridden_at",
        ]
        changes["provider"] = [str(old_provider) if old_provider else None, str(provider)]
    if action == "accept":
        days = (
            referral.days_to_complete
            if referral.days_to_complete is not None
            else referral.service_type.days_to_complete
        )
        referral.accepted_at, referral.complete_due = now, today + datetime.timedelta(days=days)
        update += ["accepted_at", "complete_due"]
    if action == "complete":
        if not outcome.strip():
            raise ValidationError({"outcome": _("Describe the outcome.")})
        completed_on = completed_on or today
        if completed_on > today:
            raise ValidationError({"completed_on": _("The completion date cannot be in the future.")})
        referral.outcome, referral.completed_on = outcome.strip(), completed_on
        update += ["outcome", "completed_on"]
    referral.status = target
    referral.full_clean()
    referral.save(update_fields=update)
    if comment.strip() or reason.strip():
        changes["comment"] = [None, (comment or reason).strip()[:500]]
    case_event_write(
        case=referral.case, kind=CaseEvent.Kind.REFERRAL_STATUS, actor=actor, changes=changes, subject=referral
    )
    _notify_step(referral, action)
    return referral


def _notify_step(referral: Referral, action: str) -> None:
    """Tell whoever acts next: the region's coordinators of a submitted referral, the provider's
    responsible person (or its staff) of an assigned one."""
    if action == "submit":
        coordinators = User.objects.filter(role=User.Role.COORDINATOR, is_active=True, regions=referral.region_id)
        recipients = list(coordinators.values_list("pk", flat=True))
        item = Item.REFERRAL_SUBMITTED
    elif action == "assign":
        staff = ProviderStaff.objects.filter(provider=referral.provider_id, user__is_active=True)
        recipients = [referral.assignee_id] if referral.assignee_id else list(staff.values_list("user_id", flat=True))
        item = Item.REFERRAL_ASSIGNED
    else:
        return
    notify(item_type=item, item_id=referral.pk, case_id=referral.case_id, recipients=recipients)


def _consent_gate(referral: Referral, provider: Provider, today: datetime.date) -> None:
    """Data leaves for a provider only with a consent that holds for it, or after a supervisor
    recorded an override for this referral (`referral_consent_override`). A referral that shares no
    data needs none: the provider reads nothing that identifies the person."""
    referral.consent = None
    if not referral.shares_data or referral.consent_overridden_by_id:
        return
    consent, refusal = consent_match(referral, provider, today)
    if consent is None:
        raise ValidationError({"provider": refusal})
    referral.consent = consent


@transaction.atomic
def referral_consent_override(*, actor, referral: Referral, reason: str) -> Referral:
    """A supervisor lets a referral go ahead without consent, with a reason that stays on record
    (the supervisors' list of overrides reads these rows)."""
    if not permissions.can_override_consent(actor):
        raise PermissionDenied
    referral = (
        permissions.referrals_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("case", "provider")
        .filter(pk=referral.pk)
        .first()
    )
    if referral is None or not permissions.works_on(actor, referral):
        raise PermissionDenied
    if not referral.is_open or not referral.shares_data:
        raise ValidationError(_("This referral does not need a consent override."))
    if referral.consent_overridden_by_id:
        raise ValidationError(_("The consent requirement was already overridden."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the override.")})
    referral.consent_override_reason = reason.strip()
    referral.consent_overridden_by, referral.consent_overridden_at = actor, timezone.now()
    referral.save(
        update_fields=["consent_override_reason", "consent_overridden_by", "consent_overridden_at", "updated_at"]
    )
    case_event_write(
        case=referral.case,
        kind=CaseEvent.Kind.CONSENT_OVERRIDDEN,
        actor=actor,
        changes={"consent_override_reason": [None, referral.consent_override_reason]},
        subject=referral,
    )
    return referral


@transaction.atomic
def referrals_assign(*, actor, referrals: list[Referral], provider: Provider, assignee=None, comment: str = "") -> int:
    """Assign several referrals to one provider at once: all or none."""
    if not permissions.can_coordinate(actor):
        raise PermissionDenied
    for referral in referrals:
        try:
            referral_transition(
                actor=actor,
                referral=referral,
                action="assign",
                expected_status=referral.status,
                provider=provider,
                assignee=assignee,
                comment=comment,
            )
        except ValidationError as error:
            raise ValidationError(
                _("%(case)s: %(error)s — nothing was assigned.")
                % {"case": referral.case.returnee.case_number, "error": " ".join(error.messages)}
            ) from error
    return len(referrals)
