"""Fictional demo data for `make run`: two operations, about sixty returnees in twenty families across
four regions, notes over the past months, and one user per role. Every name is invented by
combining common first and family names at random; no real person is described."""

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import actions as case_actions
from cases.models import (
    Assessment,
    CareArrangement,
    Case,
    CaseEvent,
    ConsentRecord,
    FamilyMember,
    IdentityDocument,
    Note,
    Operation,
    PlanDomain,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
)
from repat.accounts.models import Organisation, Region, User

DEMO_PASSWORD = "repat-demo"

MOTHERS = [
    "Айгуль",
    "Жылдыз",
    "Нургуль",
    "Гулнара",
    "Айжан",
    "Бермет",
    "Чолпон",
    "Назгуль",
    "Асель",
    "Динара",
    "Калыйпа",
    "Зарина",
    "Гулзат",
    "Эльмира",
    "Салтанат",
    "Уулкан",
    "Мадина",
    "Венера",
    "Аида",
    "Толгонай",
]
GIRLS = ["Айша", "Фатима", "Марьям", "Хадиджа", "Зайнаб", "Асия", "Сафия", "Рукия", "Сумая", "Амина", "Халима"]
BOYS = ["Амир", "Абдулла", "Мухаммад", "Умар", "Юсуф", "Ибрахим", "Хамза", "Билал", "Али", "Усман", "Салих"]
FATHERS = ["Ахмед", "Абдурахман", "Муса", "Исмаил", "Карим", "Халид", "Рашид", "Санжар", "Бакыт", "Нурлан"]
FAMILY_NAMES = [
    "Асанов",
    "Токтогулов",
    "Мамытов",
    "Жумабаев",
    "Осмонов",
    "Садыков",
    "Беков",
    "Абдыкадыров",
    "Турдубаев",
    "Исаков",
    "Эргешов",
    "Кадыров",
    "Ташиев",
    "Рахманов",
    "Усенов",
    "Шамшиев",
    "Орозов",
    "Маматов",
    "Абдуллаев",
    "Сатыбалдиев",
    "Борубаев",
    "Калыков",
]
ARABIC = {
    "Айша": "عائشة",
    "Фатима": "فاطمة",
    "Марьям": "مريم",
    "Хадиджа": "خديجة",
    "Зайнаб": "زينب",
    "Амир": "أمير",
    "Абдулла": "عبد الله",
    "Мухаммад": "محمد",
    "Умар": "عمر",
    "Юсуф": "يوسف",
    "Ибрахим": "إبراهيم",
    "Хамза": "حمزة",
    "Билал": "بلال",
    "Али": "علي",
    "Усман": "عثمان",
    "Сафия": "صفية",
}
CAMPS = ["al-Hol camp", "Roj camp", "Baghdad, al-Rusafa prison", "Baghdad, juvenile centre"]
LOCALITIES = {
    "Chüy Oblast": ["Sokuluk, Frunze St 12", "Kant, Lenin St 40", "Belovodskoye, Toktogul St 7"],
    "Bishkek": ["Bishkek, Jal microdistrict 23-14", "Bishkek, Ak-Orgo 5", "Bishkek, Tunguch 31-2"],
    "Osh Oblast": ["Kara-Suu, Manas St 3", "Nookat, Ataturk St 18", "Aravan, Kurmanjan Datka St 9"],
    "Jalal-Abad Oblast": ["Suzak, Ayni St 11", "Bazar-Korgon, Sadovaya St 4", "Jalal-Abad, Toktogul St 60"],
}
VISIT_SUMMARIES = [
    "Home visit. The children are settling in; the grandmother reports better sleep.",
    "Phone call with the mother about the school enrolment documents.",
    "School visit: the teacher says the child follows the catch-up class well.",
    "Office visit to discuss the allowance application; copies of documents taken.",
    "Home visit. The younger child had a fever last week; referred to the polyclinic.",
    "Follow-up call: the family received the winter material aid.",
    "Home visit with the psychologist; the child drew and talked about the new school.",
]

LATIN = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    **{"ё": "yo", "ж": "zh", "ң": "ng", "ө": "ö", "ү": "ü", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh"},
    **{"щ": "shch", "ю": "yu", "я": "ya", "ь": "", "ъ": ""},
}


def latin(name: str) -> str:
    return "".join(
        LATIN.get(char.lower(), char).capitalize() if char.isupper() else LATIN.get(char, char) for char in name
    )


def _feminine(family_name: str) -> str:
    return family_name + "а"


def _user(username, role, first, last, organisation, regions, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "organisation": organisation, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.regions.set(regions)
    return user


@transaction.atomic
def seed_demo(*, seed: int = 20211) -> bool:
    """Create the demo data once. Returns False when it is already there."""
    if not settings.REPAT_ALLOW_DEMO_DATA:
        raise ImproperlyConfigured("Demo data cannot be created with these settings (production).")
    if User.objects.filter(username="worker1").exists():
        return False
    rng = random.Random(seed)
    today = timezone.localdate()
    regions = {r.name: r for r in Region.objects.filter(parent__isnull=True)}
    chuy, bishkek, osh, jalal_abad = (regions[n] for n in ("Chüy Oblast", "Bishkek", "Osh Oblast", "Jalal-Abad Oblast"))

    ministry = Organisation.objects.get_or_create(
        name="Ministry of Labour, Social Security and Migration (demo)", defaults={"kind": Organisation.Kind.GOVERNMENT}
    )[0]
    unicef = Organisation.objects.get_or_create(
        name="UNICEF Kyrgyzstan (demo)", defaults={"kind": Organisation.Kind.UNICEF}
    )[0]
    workers = {
        "worker1": _user("worker1", User.Role.SOCIAL_WORKER, "Aizada", "Demo-Worker", ministry, [chuy, bishkek]),
        "worker2": _user("worker2", User.Role.SOCIAL_WORKER, "Bakyt", "Demo-Worker", ministry, [osh, jalal_abad]),
    }
    _user("coordinator1", User.Role.COORDINATOR, "Cholpon", "Demo-Coordinator", ministry, [chuy, bishkek, osh])
    _user("supervisor1", User.Role.SUPERVISOR, "Dinara", "Demo-Supervisor", unicef, [chuy, bishkek, osh, jalal_abad])
    _user(
        "admin",
        User.Role.ADMINISTRATOR,
        "Emil",
        "Demo-Admin",
        ministry,
        list(regions.values()),
        is_staff=True,
        is_superuser=True,
    )

    meerim = Operation.objects.get_or_create(
        name="Meerim",
        defaults={
            "country_of_departure": "Iraq",
            "arrival_date": datetime.date(2021, 3, 16),
            "notes": "Children returned from Baghdad (demo record).",
        },
    )[0]
    aikol = Operation.objects.get_or_create(
        name="Aikol phase 3",
        defaults={
            "country_of_departure": "Syria",
            "arrival_date": datetime.date(2023, 2, 10),
            "notes": "Women and children from camps in north-east Syria (demo record).",
        },
    )[0]

    placements = (
        [(chuy, "worker1")] * 7 + [(bishkek, "worker1")] * 3 + [(osh, "worker2")] * 6 + [(jalal_abad, "worker2")] * 4
    )
    for index, (region, worker_name) in enumerate(placements):
        worker = workers[worker_name]
        operation = meerim if index % 3 == 0 else aikol
        family_name = FAMILY_NAMES[index % len(FAMILY_NAMES)]
        district = rng.choice(list(region.districts.all()) or [None])
        address = {"region": region, "district": district, "locality": rng.choice(LOCALITIES[region.name])}
        base = {"operation": operation, "arrival_date": operation.arrival_date, **address}
        mother_present = operation == aikol and index % 4 != 3
        family = None
        new_family = f"{_feminine(family_name)} / {family_name}"
        if mother_present:
            mother_name = MOTHERS[index % len(MOTHERS)]
            born = datetime.date(rng.randint(1988, 1999), rng.randint(1, 12), rng.randint(1, 28))
            mother = _register(
                worker,
                base,
                rng,
                family=None,
                new_family=new_family,
                relationship=FamilyMember.Relationship.MOTHER,
                is_head=True,
                given_name=mother_name,
                family_name=_feminine(family_name),
                patronymic=rng.choice(FATHERS) + "овна",
                sex="female",
                date_of_birth=born,
                precision="exact",
                born_abroad=False,
            )
            family = mother.membership.family
        children = rng.randint(2, 3) if mother_present else rng.randint(2, 4)
        father = rng.choice(FATHERS)
        for _ in range(children):
            girl = rng.random() < 0.5
            given = rng.choice(GIRLS if girl else BOYS)
            born_year = operation.arrival_date.year - rng.randint(1, 13)
            precision = rng.choice(["exact", "exact", "month", "year", "estimated"])
            returnee = _register(
                worker,
                base,
                rng,
                family=family,
                new_family=new_family,
                relationship=FamilyMember.Relationship.CHILD,
                is_head=False,
                given_name=given,
                family_name=_feminine(family_name) if girl else family_name,
                patronymic=father + ("овна" if girl else "ович"),
                sex="female" if girl else "male",
                date_of_birth=datetime.date(born_year, rng.randint(1, 12), rng.randint(1, 28)),
                precision=precision,
                born_abroad=born_year >= 2014,
            )
            family = returnee.membership.family
        if not mother_present:
            relative_name = f"{rng.choice(MOTHERS)} {_feminine(family_name)}"
            case_actions.family_member_add(
                actor=worker,
                family=family,
                full_name=relative_name,
                relationship=FamilyMember.Relationship.GRANDPARENT,
                is_head=True,
                notes="Grandmother, caregiver since arrival.",
            )
            case_actions.family_member_add(
                actor=worker,
                family=family,
                full_name=f"{rng.choice(MOTHERS)} {_feminine(family_name)}",
                relationship=FamilyMember.Relationship.MOTHER,
                whereabouts=rng.choice(
                    [
                        FamilyMember.Whereabouts.IN_PRISON,
                        FamilyMember.Whereabouts.ABROAD,
                        FamilyMember.Whereabouts.DECEASED,
                    ]
                ),
            )
    _add_history(rng, today)
    _add_providers(regions)
    _add_reintegration(rng, today)
    _add_services(rng, today, regions)
    _add_reminders(rng, today)
    _add_restricted()
    _add_report(today)
    return True


def _add_restricted() -> None:
    """supervisor1 and worker1 are granted the restricted section; two mothers have one (fictional)."""
    from django.contrib.auth.models import Permission

    grant = Permission.objects.get(codename="see_restricted", content_type__app_label="cases")
    for username in ("supervisor1", "worker1"):
        User.objects.get(username=username).user_permissions.add(grant)
    worker = User.objects.get(username="worker1")
    mothers = Returnee.objects.filter(case__worker=worker, membership__relationship="mother").order_by("id")[:2]
    for mother in mothers:
        case_actions.restricted_section_save(
            actor=worker,
            returnee=mother,
            data={
                "charges": "Demo: participation in a terrorist organisation (Criminal Code art. 256), investigation.",
                "court": "Demo: Pervomaisky District Court, case 1-0000/2024",
                "sentence": "",
                "release": "",
                "lawyer": "Demo: legal aid lawyer, Legal Aid Centre",
                "security_notes": "Demo: no contact with the former spouse's relatives without the supervisor.",
            },
        )


def _add_report(today: datetime.date) -> None:
    """One progress report of supervisor1 for the last full quarter, produced now, so the reports
    page has something to open and download after `make run`."""
    from repat.reports import actions as report_actions
    from repat.reports.forms import last_quarter

    start, end = last_quarter(today)
    report = report_actions.report_create(
        actor=User.objects.get(username="supervisor1"),
        data={
            "period_start": start,
            "period_end": end,
            "operation": None,
            "region": None,
            "language": "en",
            "summary": "Demo report: families settled in Chüy, Bishkek, Osh and Jalal-Abad.",
            "achievements": "Most children have a birth certificate; school enrolment continues.",
            "challenges": "Citizenship confirmation is slow where a parent's documents are missing.",
            "next_steps": "Follow up overdue referrals with providers.",
        },
    )
    report_actions.report_generate(report_id=report.pk)


def _register(
    worker,
    base,
    rng,
    *,
    family,
    new_family,
    relationship,
    is_head,
    given_name,
    family_name,
    patronymic,
    sex,
    date_of_birth,
    precision,
    born_abroad,
) -> Returnee:
    data = {
        **base,
        "given_name": given_name,
        "family_name": family_name,
        "patronymic": patronymic,
        "sex": sex,
        "date_of_birth": date_of_birth,
        "date_of_birth_precision": precision,
        "place_of_birth": rng.choice(["Raqqa, Syria", "Mosul, Iraq", "Idlib, Syria"])
        if born_abroad
        else "Osh, Kyrgyzstan",
        "born_in_conflict_zone": born_abroad,
        "departure_place": rng.choice(CAMPS),
        "citizenship_status": rng.choice([Returnee.CitizenshipStatus.CONFIRMED, Returnee.CitizenshipStatus.PENDING]),
        "languages": ["ky", "ar"] if born_abroad else ["ky", "ru"],
        "special_needs": "Hearing impairment; needs a hearing aid." if rng.random() < 0.08 else "",
    }
    aliases = [f"{latin(given_name)} {latin(family_name)}"]
    if given_name in ARABIC:
        aliases.append(ARABIC[given_name])
    risk = rng.choice([Case.Risk.LOW, Case.Risk.MEDIUM, Case.Risk.MEDIUM, Case.Risk.HIGH])
    return case_actions.returnee_register(
        actor=worker,
        data=data,
        aliases=aliases,
        worker=worker,
        risk_level=risk,
        risk_reason="Signs of trauma reported at arrival screening." if risk == Case.Risk.HIGH else "",
        family=family,
        new_family_name="" if family else new_family,
        relationship=relationship,
        is_head=is_head,
    )


def _add_history(rng: random.Random, today: datetime.date) -> None:
    """Visits over the past months, follow-ups (some overdue), a few cases moved to active,
    monitoring or closed; and backdated openings so the timeline reads like real work."""
    for case in Case.objects.select_related("returnee", "worker"):
        opened = case.returnee.arrival_date + datetime.timedelta(days=1)
        Case.objects.filter(pk=case.pk).update(opened_on=opened)
        CaseEvent.objects.filter(case=case).update(created_at=_moment(opened))
        case.refresh_from_db()
        for months_ago in sorted(rng.sample(range(1, 8), rng.randint(1, 4)), reverse=True):
            visit = today - datetime.timedelta(days=30 * months_ago + rng.randint(0, 20))
            note = case_actions.note_log(
                actor=case.worker,
                case=case,
                contact_date=visit,
                kind=rng.choice(Note.Kind.values),
                summary=rng.choice(VISIT_SUMMARIES),
                follow_up_needed=rng.random() < 0.3,
            )
            CaseEvent.objects.filter(note=note).update(created_at=_moment(visit))
        follow_up = today + datetime.timedelta(days=rng.randint(-20, 45))
        status = rng.choice([Case.Status.ACTIVE, Case.Status.ACTIVE, Case.Status.MONITORING, Case.Status.OPEN])
        case_actions.case_update(actor=case.worker, case=case, data={"next_follow_up": follow_up, "status": status})
        if rng.random() < 0.08:
            _approval(
                "closure",
                case,
                None,
                approve=rng.random() < 0.6,
                closure_reason=Case.ClosureReason.MOVED,
                comment="The family moved to Kazakhstan.",
            )


def _approval(kind, case, subject, *, approve: bool | None, on: datetime.date | None = None, **details):
    """A request by the case's worker, answered by supervisor1 a few days later (None: left
    waiting). Dated `on` (today by default) so that the period figures of reports move over time."""
    from repat.approvals import actions as approval_actions
    from repat.approvals.models import ApprovalRequest

    on = on or timezone.localdate()
    with _Backdate(on):
        approval = approval_actions.approval_request(
            actor=case.worker, kind=kind, case=case, subject=subject, **details
        )
    if approve is not None:
        answered = min(on + datetime.timedelta(days=3), timezone.localdate())
        with _Backdate(answered):
            approval_actions.approval_decide(
                actor=User.objects.get(username="supervisor1"),
                approval=approval,
                approve=approve,
                comment="" if approve else "Please add who is responsible for each goal and a target date.",
            )
        ApprovalRequest.objects.filter(pk=approval.pk).update(decided_at=_moment(answered))
        if approve and kind == "plan":
            ReintegrationPlan.objects.filter(pk=subject.pk).update(activated_at=_moment(answered))
        if approve and kind == "assessment":
            Assessment.objects.filter(pk=subject.pk).update(approved_at=_moment(answered))
    ApprovalRequest.objects.filter(pk=approval.pk).update(requested_at=_moment(on))
    return approval


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


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


class _Backdate:
    """Give the events written inside the block a past date, so the timeline reads like real work."""

    def __init__(self, day: datetime.date):
        self.day = day

    def __enter__(self):
        self.last = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def __exit__(self, *exc):
        if exc[0] is None:
            CaseEvent.objects.filter(id__gt=self.last).update(created_at=_moment(self.day))


def _past(rng: random.Random, start: datetime.date, today: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((today - start).days, 0)))


def _add_reintegration(rng: random.Random, today: datetime.date) -> None:
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
    with _Backdate(given):
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
        requested = _past(rng, arrived, arrived + datetime.timedelta(days=60))
        with _Backdate(requested):
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
            with _Backdate(day):
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
    with _Backdate(placed):
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
    with _Backdate(sampled):
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
        with _Backdate(reported):
            case_actions.kinship_result_record(
                actor=worker, test=test, result=result, reported_on=reported, confirm_relationship=result == "match"
            )


def _add_assessments_and_plan(rng, case, worker, arrived, today, child) -> None:
    screened = arrived + datetime.timedelta(days=rng.randint(1, 10))
    with _Backdate(screened):
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
        _approval("assessment", case, assessment, approve=None if verdict < 0.15 else True, on=screened)
    domains = ["psychosocial", "education", "legal"] if child else ["psychosocial", "livelihoods", "social_protection"]
    picked = rng.sample(domains, 2)
    assessed = screened + datetime.timedelta(days=rng.randint(10, 40))
    with _Backdate(assessed):
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
    with _Backdate(started):
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
            _approval("plan", case, plan, approve=None, on=today, comment="First version, agreed with the mother.")
            return  # waits in supervisor1's queue
        if verdict < 0.22:
            _approval("plan", case, plan, approve=False, on=started)
            return  # returned: the worker has to revise it
        _approval("plan", case, plan, approve=True, on=started)
    for goal in plan.goals.all()[:2]:
        noted = min(started + datetime.timedelta(days=rng.randint(10, 90)), today)
        with _Backdate(noted):
            case_actions.goal_progress_add(
                actor=worker, goal=goal, written_on=noted, text="Went to two sessions; calmer at night."
            )
    if rng.random() < 0.2:
        case_actions.plan_start(actor=worker, case=case)  # a review under way: a draft version 2


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


def _add_providers(regions: dict) -> None:
    """The demo's providers, named in the three languages, and a provider user."""
    from services.models import Provider, ProviderContact, ProviderStaff, ServiceType

    for (name, name_ru, name_ky), kind, categories, region_names, capacity, accepting in PROVIDERS:
        provider = Provider.objects.create(
            name=name, name_ru=name_ru, name_ky=name_ky, kind=kind, capacity=capacity, accepting_referrals=accepting
        )
        provider.regions.set([regions[r] for r in region_names])
        provider.service_types.set(ServiceType.objects.filter(category__code__in=categories))
        ProviderContact.objects.create(provider=provider, name=f"Contact person of {name}", phone="+996 312 000 000")
    provider_user = _user("provider1", User.Role.PROVIDER, "Gulnara", "Demo-Provider", None, [])
    ProviderStaff.objects.get_or_create(
        user=provider_user, defaults={"provider": Provider.objects.get(name="Republican Centre for Mental Health")}
    )


def _add_services(rng: random.Random, today: datetime.date, regions: dict) -> None:
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
        with _Backdate(created):
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
            with _Backdate(day):
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
            with _Backdate(day):
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
        Referral.objects.filter(pk=referral.pk).update(created_at=_moment(created), submitted_at=_moment(created))
        Referral.objects.filter(pk=referral.pk, accepted_at__isnull=False).update(
            accepted_at=_moment(created + (day - created) / 2)
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
        _approval(
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


def _add_reminders(rng: random.Random, today: datetime.date) -> None:
    """E-mail addresses for the demo users, a few follow-up tasks, and a first sweep, so the bell
    shows real reminders after `make run`: due today, overdue, and escalated."""
    from repat.reminders import actions as reminder_actions

    for user in User.objects.filter(email=""):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    for username, days in (("worker1", 0), ("worker1", -10), ("worker2", 0), ("worker2", 2)):
        case = Case.objects.filter(worker__username=username).exclude(status="closed").order_by("?").first()
        task = case_actions.task_schedule(
            actor=case.worker,
            case=case,
            due_date=today,
            description="Call the school about the catch-up class",
            assigned_to=case.worker,
        )
        if days:
            type(task).objects.filter(pk=task.pk).update(due_date=today + datetime.timedelta(days=days))
    # One long-overdue follow-up, so the coordinator and the supervisor see an escalation.
    late = Case.objects.filter(worker__username="worker1").exclude(status="closed").order_by("id").first()
    Case.objects.filter(pk=late.pk).update(next_follow_up=today - datetime.timedelta(days=20))
    reminder_actions.sweep(today=today)
