"""The returnees: two operations, about sixty returnees in twenty families across four regions,
registered through the same action as the form, and the restricted section of two mothers.
Every name is invented by combining common first and family names at random."""

import datetime
import random

from cases import actions as case_actions
from cases.models import Case, FamilyMember, Operation, Returnee
from repat.accounts.models import User

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


def add_families(rng: random.Random, regions: dict, workers: dict[str, User]) -> None:
    """The two operations, and the families they brought back: mostly a mother and her children,
    or children whose mother did not come back, headed by their grandmother."""
    chuy, bishkek, osh, jalal_abad = (regions[n] for n in ("Chüy Oblast", "Bishkek", "Osh Oblast", "Jalal-Abad Oblast"))
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

    def register(distinct=None) -> Returnee:
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
            distinct=distinct,
        )

    try:
        return register()
    except case_actions.ProbableDuplicates as found:
        # Drawn names repeat: the demo answers the duplicate check as a worker would.
        return register(found.confirm("Demo: another person of the same name (another mother, another village)."))


def add_restricted() -> None:
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
