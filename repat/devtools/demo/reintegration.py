"""Reintegration work on every open case: documents in every status, consents, kinship tests,
care arrangements, assessments and plans (some waiting for approval)."""

import datetime
import random
from decimal import Decimal

from cases import actions as case_actions
from cases.models import CareArrangement, ConsentRecord, FamilyMember, IdentityDocument, PlanDomain, PlanGoal, Returnee
from repat.devtools.demo.common import Backdate, past, request_approval

GOALS = {
    PlanDomain.HEALTH: ("Complete vaccination catch-up", "Polyclinic visits as scheduled", "Family medicine centre"),
    PlanDomain.PSYCHOSOCIAL: (
        "Weekly play therapy for three months",
        "Sessions with the psychologist",
        "Psychologist (NGO)",
    ),
    PlanDomain.EDUCATION: (
        "Enrol in school and follow catch-up classes",
        "Grade placement, enrolment",
        "District education department",
    ),
    PlanDomain.LEGAL: (
        "Restore the birth certificate and register residence",
        "Court decision, civil registry",
        "Social worker",
    ),
    PlanDomain.SOCIAL_PROTECTION: (
        "Apply for the child allowance",
        "Collect documents, file the application",
        "Social protection office",
    ),
    PlanDomain.FAMILY: (
        "Prepare the grandparents for the child's return",
        "Two home visits, counselling",
        "Social worker",
    ),
    PlanDomain.LIVELIHOODS: ("Mother completes a sewing course", "Enrol in the vocational course", "Employment centre"),
}
REFUSALS = [
    "Parent's identity not established; a court decision is needed.",
    "Application incomplete: no proof of address.",
]


def add_reintegration(rng: random.Random, today: datetime.date) -> None:
    """Documents in every status, consent, kinship tests, care arrangements, assessments and plans."""
    from services.models import Provider, ServiceCategory

    mental_health = Provider.objects.get(name="Republican Centre for Mental Health")
    health = ServiceCategory.objects.get(code="health")
    returnees = Returnee.objects.select_related("case__worker", "membership__family").order_by("id")
    for returnee in returnees:
        case, worker = returnee.case, returnee.case.worker
        if case.is_closed:
            continue
        arrived = returnee.arrival_date
        child = (returnee.age(today) or 0) < 18
        _add_documents(rng, returnee, worker, arrived, today, child)
        if child:
            _add_care(rng, returnee, worker, arrived, today)
            _add_kinship(rng, returnee, worker, arrived, today)
        _add_consents(rng, returnee, worker, arrived, today, mental_health, health)
        _add_assessments_and_plan(rng, case, worker, arrived, today, child)


def _consent_giver(returnee: Returnee, on: datetime.date) -> dict | None:
    """Who may consent for the returnee on that day, as the consent form would record it: the
    returnee from the age set in the admin, else the mother on record, else a legal guardian
    appointed by then; None when nobody may (the demo's referrals then need an override)."""
    from cases import consent as rules

    minimum = rules.min_age()
    if rules.may_consent_alone(returnee, on, minimum) is None:
        return {"given_by": ConsentRecord.GivenBy.SELF}
    membership = getattr(returnee, "membership", None)
    members = membership.family.members.exclude(pk=membership.pk) if membership else FamilyMember.objects.none()
    for member in members.select_related("returnee"):
        if rules.member_may_consent(member, returnee, on, minimum) is None:
            return {"given_by": ConsentRecord.GivenBy.MEMBER, "giver": member}
    for arrangement in returnee.care_arrangements.exclude(guardianship_order_number=""):
        if rules.guardian_may_consent(arrangement, returnee, on) is None:
            return {"given_by": ConsentRecord.GivenBy.GUARDIAN, "guardianship": arrangement}
    return None


def _add_consents(rng, returnee, worker, arrived, today, mental_health, health) -> None:
    """Consent to services and (mostly) to sharing data with the mental-health centre or with any
    health provider, given on arrival, or once a guardian is appointed."""
    given = arrived + datetime.timedelta(days=3)
    giver = _consent_giver(returnee, given)
    if giver is None:
        order = returnee.care_arrangements.exclude(guardianship_order_date=None).order_by("-id").first()
        given = order.guardianship_order_date if order else None
        giver = _consent_giver(returnee, given) if given else None
    if giver is None:
        return
    with Backdate(given):
        case_actions.consent_record(
            actor=worker, returnee=returnee, data={"purpose": "services", "given_on": given, **giver}
        )
        if rng.random() < 0.6:
            recipient = {"provider": mental_health} if rng.random() < 0.7 else {"service_category": health}
            case_actions.consent_record(
                actor=worker,
                returnee=returnee,
                data={
                    "purpose": "data_sharing",
                    "given_on": given,
                    "expires_on": max(today + datetime.timedelta(days=rng.randint(-30, 300)), given),
                    **recipient,
                    **giver,
                },
            )


def _add_documents(rng, returnee, worker, arrived, today, child) -> None:
    kinds = [
        IdentityDocument.Kind.BIRTH_CERTIFICATE,
        IdentityDocument.Kind.CITIZENSHIP_CONFIRMATION,
        IdentityDocument.Kind.RESIDENCE_REGISTRATION,
    ]
    kinds.append(IdentityDocument.Kind.NATIONAL_ID if not child else IdentityDocument.Kind.OTHER)
    for kind in kinds[:3] if child else kinds:
        requested = past(rng, arrived, arrived + datetime.timedelta(days=60))
        with Backdate(requested):
            document = case_actions.document_add(
                actor=worker,
                returnee=returnee,
                data={
                    "kind": kind,
                    "status": "missing",
                    "responsible_organisation": "Civil registry (demo)",
                    "due_date": today + datetime.timedelta(days=rng.randint(-40, 90)),
                },
            )
        target = rng.choice(["missing", "requested", "in_progress", "issued", "issued", "issued", "refused"])
        path = {
            "missing": [],
            "requested": ["requested"],
            "in_progress": ["requested", "in_progress"],
            "issued": ["requested", "in_progress", "issued"],
            "refused": ["requested", "refused"],
        }[target]
        day = requested
        for status in path:
            day = min(day + datetime.timedelta(days=rng.randint(5, 60)), today)
            with Backdate(day):
                case_actions.document_transition(
                    actor=worker,
                    document=document,
                    status=status,
                    on=day,
                    reason=rng.choice(REFUSALS) if status == "refused" else "",
                )
        if target == "issued":
            IdentityDocument.objects.filter(pk=document.pk).update(
                number=f"{rng.randint(100000, 999999)}", issuing_body="Civil registry office (demo)", due_date=None
            )


def _add_care(rng, returnee, worker, arrived, today) -> None:
    membership = getattr(returnee, "membership", None)
    family = membership.family if membership else None
    mother_home = (
        family is not None
        and family.members.filter(relationship=FamilyMember.Relationship.MOTHER, returnee__isnull=False).exists()
    )
    placed = arrived + datetime.timedelta(days=rng.randint(10, 40))
    if mother_home:
        data = {
            "kind": CareArrangement.Kind.MOTHER,
            "caregiver_name": "Mother",
            "caregiver_relationship": "mother",
            "placement_date": placed,
            "prior_agreement": True,
        }
    else:
        head = family.members.filter(is_head=True).first() if family else None
        kind = rng.choice(
            [CareArrangement.Kind.GRANDPARENTS] * 6 + [CareArrangement.Kind.INSTITUTION, CareArrangement.Kind.FOSTER]
        )
        caregiver = (
            head.display_name if head and kind == CareArrangement.Kind.GRANDPARENTS else "Children's home No. 2 (demo)"
        )
        data = {
            "kind": kind,
            "caregiver_name": caregiver,
            "caregiver_relationship": "grandmother" if kind == CareArrangement.Kind.GRANDPARENTS else "",
            "placement_date": placed,
            "prior_agreement": kind == CareArrangement.Kind.GRANDPARENTS,
        }
        if kind == CareArrangement.Kind.GRANDPARENTS and rng.random() < 0.7:
            data.update(
                guardian_name=caregiver,
                guardianship_order_number=f"GO-{rng.randint(100, 999)}",
                guardianship_order_date=placed + datetime.timedelta(days=rng.randint(20, 90)),
            )
            data["guardianship_order_date"] = min(data["guardianship_order_date"], today)
    with Backdate(placed):
        case_actions.care_arrangement_set(actor=worker, returnee=returnee, data=data)


def _add_kinship(rng, returnee, worker, arrived, today) -> None:
    membership = getattr(returnee, "membership", None)
    if membership is None or rng.random() < 0.6:
        return
    relative = membership.family.members.exclude(pk=membership.pk).filter(is_head=True).first()
    if relative is None or (relative.returnee_id is not None and rng.random() < 0.5):
        return
    sampled = arrived + datetime.timedelta(days=rng.randint(5, 30))
    giver = _consent_giver(returnee, sampled)
    with Backdate(sampled):
        # Nobody who may consent yet (a grandmother who is not the guardian): a test without consent,
        # which the returnee page shows in red.
        consent = (
            case_actions.consent_record(
                actor=worker, returnee=returnee, data={"purpose": "dna_testing", "given_on": sampled, **giver}
            )
            if giver
            else None
        )
        test = case_actions.kinship_test_record(
            actor=worker,
            returnee=returnee,
            relative=relative,
            claimed_relationship=relative.relationship,
            laboratory="Republican forensic laboratory (demo)",
            sample_date=sampled,
            consent=consent,
        )
    result = rng.choice(["match", "match", "match", "inconclusive", "pending"])
    if result != "pending":
        reported = min(sampled + datetime.timedelta(days=rng.randint(20, 60)), today)
        with Backdate(reported):
            case_actions.kinship_result_record(
                actor=worker, test=test, result=result, reported_on=reported, confirm_relationship=result == "match"
            )


def _add_assessments_and_plan(rng, case, worker, arrived, today, child) -> None:
    screened = arrived + datetime.timedelta(days=rng.randint(1, 10))
    with Backdate(screened):
        case_actions.assessment_record(
            actor=worker,
            case=case,
            data={
                "kind": "medical",
                "status": "completed",
                "assessed_on": screened,
                "assessor": "Dr. A. (demo clinic)",
                "findings": "Underweight; vaccinations incomplete.",
                "recommendations": "Vaccination catch-up.",
                "recommended_domains": ["health"],
            },
        )
    verdict = rng.random()
    if verdict < 0.6:
        assessment = case.assessments.order_by("id").first()
        request_approval("assessment", case, assessment, approve=None if verdict < 0.15 else True, on=screened)
    domains = ["psychosocial", "education", "legal"] if child else ["psychosocial", "livelihoods", "social_protection"]
    picked = rng.sample(domains, 2)
    assessed = screened + datetime.timedelta(days=rng.randint(10, 40))
    with Backdate(assessed):
        case_actions.assessment_record(
            actor=worker,
            case=case,
            data={
                "kind": "psychosocial",
                "status": "completed",
                "assessed_on": assessed,
                "assessor": "Psychologist (demo NGO)",
                "tool": "SDQ" if child else "PHQ-9",
                "score": Decimal(rng.randint(8, 24)),
                "findings": "Sleep problems and fear of loud noises.",
                "recommendations": "Regular sessions; support the caregiver.",
                "recommended_domains": picked,
            },
        )
    if child and rng.random() < 0.5:
        case_actions.assessment_record(
            actor=worker,
            case=case,
            data={
                "kind": "educational",
                "status": "planned",
                "due_date": today + datetime.timedelta(days=rng.randint(-15, 40)),
            },
        )
    if rng.random() < 0.35:
        return
    started = assessed + datetime.timedelta(days=rng.randint(5, 30))
    with Backdate(started):
        plan = case_actions.plan_start(actor=worker, case=case)
        for domain in ["health", *picked]:
            goal, action, responsible = GOALS[domain]
            case_actions.goal_add(
                actor=worker,
                plan=plan,
                data={
                    "domain": domain,
                    "goal": goal,
                    "actions": action,
                    "responsible": responsible,
                    "target_date": today + datetime.timedelta(days=rng.randint(-30, 120)),
                    "status": rng.choice(PlanGoal.Status.values[:3]),
                },
            )
        verdict = rng.random()
        if verdict < 0.15:
            request_approval(
                "plan", case, plan, approve=None, on=today, comment="First version, agreed with the mother."
            )
            return  # waits in supervisor1's queue
        if verdict < 0.22:
            request_approval("plan", case, plan, approve=False, on=started)
            return  # returned: the worker has to revise it
        request_approval("plan", case, plan, approve=True, on=started)
    for goal in plan.goals.all()[:2]:
        noted = min(started + datetime.timedelta(days=rng.randint(10, 90)), today)
        with Backdate(noted):
            case_actions.goal_progress_add(
                actor=worker, goal=goal, written_on=noted, text="Went to two sessions; calmer at night."
            )
    if rng.random() < 0.2:
        case_actions.plan_start(actor=worker, case=case)  # a review under way: a draft version 2
