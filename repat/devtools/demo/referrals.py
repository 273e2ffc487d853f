"""Providers named in the three languages with a provider user, and referrals to them in every
status, through the same actions people use."""

import datetime
import random

from django.core.exceptions import ValidationError

from cases import actions as case_actions
from cases.models import Case
from repat.accounts.models import User
from repat.devtools.demo.common import Backdate, moment, request_approval
from repat.devtools.demo.users import demo_user

# Demo providers: ((name, in Russian, in Kyrgyz), kind, category codes, region names, capacity, accepting).
ALL_REGIONS = ["Chüy Oblast", "Bishkek", "Osh Oblast", "Jalal-Abad Oblast"]
PROVIDERS = [
    (
        (
            "Republican Centre for Mental Health",
            "Республиканский центр психического здоровья",
            "Республикалык психикалык саламаттык борбору",
        ),
        "clinic",
        ["mhpss"],
        ALL_REGIONS,
        40,
        True,
    ),
    (
        ("Family Medicine Centre No. 5", "Центр семейной медицины № 5", "№ 5 үй-бүлөлүк медицина борбору"),
        "clinic",
        ["health"],
        ["Chüy Oblast", "Bishkek"],
        30,
        True,
    ),
    (
        ("Osh Oblast Children's Hospital", "Ошская областная детская больница", "Ош облустук балдар ооруканасы"),
        "clinic",
        ["health"],
        ["Osh Oblast", "Jalal-Abad Oblast"],
        25,
        True,
    ),
    (
        ("Sokuluk School No. 2", "Сокулукская школа № 2", "Сокулук № 2 мектеби"),
        "school",
        ["education"],
        ["Chüy Oblast", "Bishkek"],
        12,
        True,
    ),
    (
        ("Kara-Suu Secondary School", "Карасуйская средняя школа", "Кара-Суу орто мектеби"),
        "school",
        ["education"],
        ["Osh Oblast", "Jalal-Abad Oblast"],
        12,
        True,
    ),
    (
        (
            "Social Protection Department, Chüy",
            "Управление социальной защиты, Чуй",
            "Социалдык коргоо башкармалыгы, Чүй",
        ),
        "ministry",
        ["social-protection"],
        ["Chüy Oblast", "Bishkek"],
        None,
        True,
    ),
    (
        (
            "Social Protection Department, Osh",
            "Управление социальной защиты, Ош",
            "Социалдык коргоо башкармалыгы, Ош",
        ),
        "ministry",
        ["social-protection"],
        ["Osh Oblast", "Jalal-Abad Oblast"],
        None,
        True,
    ),
    (
        ("Legal Aid Centre", "Центр юридической помощи", "Юридикалык жардам борбору"),
        "ngo",
        ["legal"],
        ALL_REGIONS,
        20,
        True,
    ),
    (
        ("Umut Family Support", "Поддержка семьи «Умут»", "«Үмүт» үй-бүлөнү колдоо"),
        "unicef_partner",
        ["family-community", "livelihoods"],
        ALL_REGIONS,
        15,
        True,
    ),
    (
        ("Ak-Jol Vocational Centre", "Профессиональный центр «Ак-Жол»", "«Ак-Жол» кесиптик борбору"),
        "ngo",
        ["livelihoods"],
        ["Osh Oblast"],
        5,
        False,
    ),
]
# What a provider reads when no data are shared: nothing that says who the person is.
PROVIDER_BRIEFS = {
    "mhpss": "Individual sessions for a child of primary-school age; a Kyrgyz-speaking counsellor if possible.",
    "health": "Vaccination catch-up by the national schedule; the card will be brought to the first visit.",
    "education": "Enrolment in the grade the placement test gives; catch-up lessons in Kyrgyz.",
    "legal": "Help to obtain a birth certificate through the court.",
    "social-protection": "Check eligibility for the monthly child allowance and help with the application.",
    "family-community": "Home support for a grandparent caring for three children.",
    "livelihoods": "A place on a vocational course (sewing or cooking) for an adult woman.",
}
REFERRAL_REASONS = {
    "mhpss": "Nightmares and withdrawal reported by the caregiver.",
    "health": "Arrival screening found incomplete vaccinations.",
    "education": "School-age child not yet enrolled.",
    "legal": "Birth certificate cannot be issued without a court decision.",
    "social-protection": "The household has no income; eligible for the child allowance.",
    "family-community": "Grandparents need support to care for three children.",
    "livelihoods": "Mother wants vocational training to find work.",
}


def add_providers(regions: dict) -> None:
    """The demo's providers, named in the three languages, and a provider user."""
    from services.models import Provider, ProviderContact, ProviderStaff, ServiceType

    for (name, name_ru, name_ky), kind, categories, region_names, capacity, accepting in PROVIDERS:
        provider = Provider.objects.create(
            name=name, name_ru=name_ru, name_ky=name_ky, kind=kind, capacity=capacity, accepting_referrals=accepting
        )
        provider.regions.set([regions[r] for r in region_names])
        provider.service_types.set(ServiceType.objects.filter(category__code__in=categories))
        ProviderContact.objects.create(provider=provider, name=f"Contact person of {name}", phone="+996 312 000 000")
    provider_user = demo_user("provider1", User.Role.PROVIDER, "Gulnara", "Demo-Provider", None, [])
    ProviderStaff.objects.get_or_create(
        user=provider_user, defaults={"provider": Provider.objects.get(name="Republican Centre for Mental Health")}
    )


def add_services(rng: random.Random, today: datetime.date, regions: dict) -> None:
    """Referrals in every status (some overdue), through the same actions people use; those that
    share data go ahead with a consent, or a supervisor's override; plus one override asked of a
    supervisor and one pending transfer."""
    from services import actions as service_actions
    from services.models import Provider, Referral, ServiceType

    providers = {provider.name: provider for provider in Provider.objects.all()}
    mental_health = providers["Republican Centre for Mental Health"]

    admin = User.objects.get(username="admin")
    supervisor = User.objects.get(username="supervisor1")
    types = list(ServiceType.objects.select_related("category"))
    cases = list(Case.objects.exclude(status="closed").select_related("returnee", "worker").order_by("id"))
    targets = [
        "draft",
        "submitted",
        "submitted",
        "assigned",
        "assigned",
        "accepted",
        "in_progress",
        "in_progress",
        "completed",
        "completed",
        "completed",
        "declined",
        "cancelled",
        "revoked",
    ]
    for index, case in enumerate(cases):
        if index % 3 == 2:
            continue
        target = targets[index % len(targets)]
        category = rng.choice(list(REFERRAL_REASONS))
        if index % 7 == 0:
            category = "mhpss"  # the demo provider user's organisation gets a steady share
        service = rng.choice([t for t in types if t.category.code == category])
        candidates = [
            p
            for p in providers.values()
            if p.accepting_referrals
            and p.service_types.filter(pk=service.pk).exists()
            and p.regions.filter(pk=case.returnee.region_id).exists()
        ]
        provider = (mental_health if mental_health in candidates else candidates[0]) if candidates else None
        # Data are shared where a consent allows it (and now and then without, for an override).
        consented = provider is not None and service_actions.consent_for(
            Referral(case=case, service_type=service), provider, today
        )
        shares = bool(consented) or index % 11 == 0
        created = today - datetime.timedelta(days=rng.randint(5, 120))
        with Backdate(created):
            referral = service_actions.referral_create(
                actor=case.worker,
                case=case,
                service_type=service,
                reason=REFERRAL_REASONS[category],
                urgency=rng.choice(["routine", "routine", "urgent"]),
                shares_data=shares,
                provider_contact="Caregiver, +996 700 000 000" if shares else "",
                provider_brief=PROVIDER_BRIEFS[category],
                submit=target != "draft",
            )
        if target in ("draft", "submitted") or provider is None:
            continue
        if referral.shares_data and service_actions.consent_for(referral, provider, today) is None:
            referral = service_actions.referral_consent_override(
                actor=supervisor,
                referral=referral,
                reason="Urgent care needed; the guardian could not be reached for a signature.",
            )
        steps = {
            "assigned": [],
            "accepted": ["accept"],
            "in_progress": ["accept", "start"],
            "completed": ["accept", "start", "complete"],
            "declined": ["decline"],
            "cancelled": ["cancel"],
            "revoked": ["revoke"],
        }[target]
        day = created + datetime.timedelta(days=rng.randint(1, 5))
        try:
            with Backdate(day):
                referral = service_actions.referral_transition(
                    actor=admin,
                    referral=referral,
                    action="assign",
                    expected_status="submitted",
                    provider=provider,
                    comment="Assigned from the queue.",
                )
        except ValidationError:  # a provider without open slots: the referral waits in the queue
            continue
        for step in steps:
            day = min(day + datetime.timedelta(days=rng.randint(1, 10)), today)
            with Backdate(day):
                referral = service_actions.referral_transition(
                    actor=admin,
                    referral=referral,
                    action=step,
                    expected_status=referral.status,
                    reason="Family moved; service no longer needed." if step in ("decline", "cancel", "revoke") else "",
                    outcome="Sessions completed; the child sleeps better." if step == "complete" else "",
                    completed_on=day if step == "complete" else None,
                )
        # Deadlines counted from the backdated day, so some are overdue as they would be.
        shift = (today - day).days
        Referral.objects.filter(pk=referral.pk).update(created_at=moment(created), submitted_at=moment(created))
        Referral.objects.filter(pk=referral.pk, accepted_at__isnull=False).update(
            accepted_at=moment(created + (day - created) / 2)
        )
        Referral.objects.filter(pk=referral.pk, accept_due__isnull=False).update(
            accept_due=referral.accept_due - datetime.timedelta(days=shift) if referral.accept_due else None,
            complete_due=referral.complete_due - datetime.timedelta(days=shift) if referral.complete_due else None,
        )

    # One consent override a worker asks a supervisor for (supervisor1's approvals queue).
    waiting = (
        Referral.objects.filter(status__in=["submitted", "declined"], shares_data=True, consent__isnull=True)
        .filter(consent_overridden_by__isnull=True, case__worker__isnull=False)
        .order_by("id")
        .first()
    )
    if waiting is not None:
        request_approval(
            "consent_override",
            waiting.case,
            waiting,
            approve=None,
            comment="The mother is in custody; the grandmother cares for the child and cannot sign yet.",
        )

    # One transfer waiting for an answer: a case moving from worker1 to worker2's region.
    moving = Case.objects.filter(worker__username="worker1", status="active").order_by("id").first()
    if moving is not None:
        case_actions.transfer_request(
            actor=moving.worker,
            case=moving,
            to_region=regions["Osh Oblast"],
            to_worker=User.objects.get(username="worker2"),
            reason="The family moved to Kara-Suu to live with the grandparents.",
        )
