"""Realistic data at scale for load tests (`manage.py seed_scale`): returnees in families across every
region, their cases, notes, documents, assessments, plans, referrals, tasks, approvals and reminders,
with the staff who hold them. Rows are generated with one seeded `random.Random` (the same seed gives
the same data) and streamed into PostgreSQL with COPY, a chunk of families at a time.

COPY bypasses Django, so this module gives every NOT NULL column a value itself (auto_now fields,
defaults) and checks, from each model's `_meta`, that none is missing: a new required field makes
the seeder fail loudly instead of writing rows the app cannot read. Table and column names also
come from `_meta`. It never writes audit rows, and it leaves the encrypted restricted section out.

Bulk loading follows PostgreSQL's "Populating a Database" advice: one transaction, COPY, foreign
keys dropped during the load and added back (and so validated) at the end, ANALYZE afterwards."""

import bisect
import datetime
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from psycopg import sql

from cases import actions as case_actions
from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    ConsentRecord,
    Family,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    Note,
    Operation,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
)
from repat.accounts.models import Organisation, Region, User
from repat.approvals.models import ApprovalRequest
from repat.core.models import Sequence
from repat.devtools import scale_names as names
from repat.devtools.demo import DEMO_PASSWORD
from repat.devtools.scale_names import (
    ASSESSMENTS,
    CENTRES,
    CLOSINGS,
    DOCUMENT_BODIES,
    GOALS,
    HIGH_RISK,
    HOME_ABROAD,
    NATIONAL_PROVIDERS,
    NOTES,
    OUTCOMES,
    PLAN_SUMMARIES,
    PROVIDER_BRIEFS,
    REFERRAL_REASONS,
    REFUSALS,
    REGIONAL_PROVIDERS,
    RELATIVE_NOTES,
    SPECIAL_NEEDS,
    STREETS,
    SYRIA_NOTE,
    TASKS,
    TOWNS,
)
from repat.reminders.models import Reminder
from services.models import Provider, ProviderContact, ProviderStaff, Referral, ServiceType

MAX_PEOPLE = 1_000_000
CHUNK_PEOPLE = 20_000  # families are planned and copied this many returnees at a time
TZ = datetime.timezone(datetime.timedelta(hours=6))  # Asia/Bishkek: UTC+6 all year
OFFICE_HOURS = [datetime.timedelta(minutes=m, seconds=m * 7 % 60) for m in range(8 * 60, 18 * 60)]

# The tables the seeder fills, in load order; `--replace` truncates them.
SEEDED_MODELS = (
    Organisation,
    User,
    User.regions.through,
    Operation,
    Provider,
    Provider.regions.through,
    Provider.service_types.through,
    ProviderContact,
    ProviderStaff,
    Family,
    Returnee,
    ReturneeAlias,
    FamilyMember,
    Case,
    CaseEvent,
    Note,
    IdentityDocument,
    Assessment,
    ReintegrationPlan,
    PlanGoal,
    ConsentRecord,
    Referral,
    FollowUpTask,
    ApprovalRequest,
    Reminder,
)


class SeedError(Exception):
    """The seeder cannot run here; the message says why (the command shows it as is)."""


def default_workers(people: int) -> int:
    return min(2000, max(20, people // 500))


def spread(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, at least one each (largest remainders first)."""
    quotas = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(q)) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: int(quotas[i]) - quotas[i])
    i = 0
    while sum(counts) < total:
        counts[by_remainder[i % len(counts)]] += 1
        i += 1
    while sum(counts) > total:  # the minimum of one pushed it over: take from the largest
        counts[counts.index(max(counts))] -= 1
    return counts


# --- Choosing at random ------------------------------------------------------------------------------


class FastRandom(random.Random):
    """`random.Random` with a `randint` and `choice` about three times as fast: one random number
    each instead of rejection sampling. Their tiny bias does not matter for test data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class Weighted:
    """A weighted choice that costs one random number and a bisection."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: Iterable[tuple]):
        self.values, self.cum, total = [], [], 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cum, rng.random() * self.total)]


# --- Names ---------------------------------------------------------------------------------------------

CYRILLIC_TO_LATIN = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya"},
    **{"ъ": "", "ь": "", "ң": "ng", "ө": "o", "ү": "u", "ә": "a", "ғ": "gh", "қ": "q", "ұ": "u", "һ": "h"},
    **{"і": "i", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҷ": "j"},
}
UZBEK_TO_CYRILLIC = (
    ("yoʻ", "йў"),
    ("oʻ", "ў"),
    ("gʻ", "ғ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    *zip("abdefghijklmnopqrstuvxyz", "абдефгҳижклмнопқрстувхйз", strict=True),
)


def latin(text: str) -> str:
    """A passport-style Latin spelling of a Cyrillic name (Kyrgyz, Kazakh, Tajik or Russian)."""
    out = []
    for char in text:
        low = char.lower()
        mapped = CYRILLIC_TO_LATIN.get(low, char)
        out.append(mapped.capitalize() if char != low else mapped)
    return "".join(out)


def uzbek_cyrillic(text: str) -> str:
    """The Uzbek Cyrillic spelling of a Latin Uzbek name, as older documents still show it."""
    out, low, i = [], text.lower(), 0
    while i < len(low):
        for latin_part, cyrillic in UZBEK_TO_CYRILLIC:
            if low.startswith(latin_part, i):
                out.append(cyrillic.capitalize() if text[i].isupper() else cyrillic)
                i += len(latin_part)
                break
        else:
            out.append(text[i])
            i += 1
    # A word-initial e is written э: Elyor, Эльёр.
    return " ".join("Э" + word[1:] if word.startswith("Е") else word for word in "".join(out).split(" "))


def feminine(family_name: str) -> str:
    """The woman's form of a family name: -ов/-ева/-ин get -а, -ский becomes -ская, -ov gets -a;
    -зода and the like stay as they are."""
    if family_name.endswith("ский"):
        return family_name[:-2] + "ая"
    if family_name.endswith(("ов", "ев", "ёв", "ин", "ын", "ov", "ev", "yev")):
        return family_name + "а" if family_name[-1] in "вн" else family_name + "a"
    return family_name


def russian_patronymic(father: str, female: bool) -> str:
    """Father's name + -ович/-евич (-овна/-евна), the Russian form also used across Central Asia."""
    if father in names.RUSSIAN_PATRONYMICS:
        return names.RUSSIAN_PATRONYMICS[father][female]
    if father[-1] in "йь":
        stem, suffix = father[:-1], "ев"
    elif father[-1] in "аяиуоеыэөүӯӣжшчщц":  # a vowel or a hushing consonant
        stem, suffix = father, "ев"
    else:
        stem, suffix = father, "ов"
    return stem + suffix + ("на" if female else "ич")


@dataclass(frozen=True)
class Pool:
    """The names of one people and how they are put together."""

    key: str
    female: tuple
    male: tuple
    family: tuple
    languages: tuple
    latin_script: bool = False

    def given(self, rng: random.Random, female: bool) -> str:
        return rng.choice(self.female if female else self.male)

    def surname(self, rng: random.Random) -> str:
        if self.key == "tg" and rng.random() < 0.35:
            return rng.choice(names.TAJIK_ZODA)
        return rng.choice(self.family)

    def full(self, style: str, surname: str, father: str, female: bool) -> tuple[str, str]:
        """(family name, patronymic) of a person whose father is `father` and whose family
        carries `surname`, in the family's naming style."""
        if self.key == "ky" and style == "native":
            # As Kyrgyz passports write it: "Бакыт кызы" in the family name field.
            return f"{father} {'кызы' if female else 'уулу'}", ""
        if self.key == "kk" and style == "native":
            return feminine(surname) if female else surname, father + ("қызы" if female else "ұлы")
        if self.key == "uz":
            patronymic = f"{father} {'qizi' if female else 'oʻgʻli'}"
            return feminine(surname) if female else surname, patronymic
        return feminine(surname) if female else surname, russian_patronymic(father, female)

    def alias(self, text: str) -> tuple[str, str]:
        """Another spelling of a name and its script."""
        if self.latin_script:
            return uzbek_cyrillic(text), ReturneeAlias.Script.CYRILLIC
        return latin(text), ReturneeAlias.Script.LATIN


POOLS = {
    "ky": Pool(
        "ky", names.KYRGYZ_FEMALE, names.KYRGYZ_MALE, names.KYRGYZ_FAMILY, (("ky", "ru"), ("ky",), ("ky", "ru"))
    ),
    "uz": Pool("uz", names.UZBEK_FEMALE, names.UZBEK_MALE, names.UZBEK_FAMILY, (("uz", "ky"), ("uz", "ru")), True),
    "kk": Pool("kk", names.KAZAKH_FEMALE, names.KAZAKH_MALE, names.KAZAKH_FAMILY, (("kk", "ru"), ("ky", "kk"))),
    "tg": Pool("tg", names.TAJIK_FEMALE, names.TAJIK_MALE, names.TAJIK_FAMILY, (("tg", "ru"), ("tg", "uz"))),
    "ru": Pool("ru", names.RUSSIAN_FEMALE, names.RUSSIAN_MALE, names.RUSSIAN_FAMILY, (("ru",), ("ru", "ky"))),
}
LANGUAGES_JSON: dict = {}  # ("ky", "ru") -> '["ky", "ru"]', made once
STAFF_POOLS = Weighted([("ky", 80), ("ru", 12), ("uz", 5), ("kk", 3)])
# Ethnic Uzbeks live mostly in the south (Osh, Jalal-Abad, Batken); Russians mostly in the north.
SOUTH = {"Osh city", "Osh Oblast", "Jalal-Abad Oblast", "Batken Oblast"}
POOL_SOUTH = Weighted([("ky", 62), ("uz", 28), ("tg", 5), ("kk", 2), ("ru", 3)])
POOL_NORTH = Weighted([("ky", 78), ("ru", 9), ("kk", 7), ("uz", 4), ("tg", 2)])

# --- Places, operations, regions ------------------------------------------------------------------------

# Rough population (thousands) of each top-level region: returnees and workers are spread by it.
REGION_WEIGHTS = {
    "Bishkek": 1150,
    "Osh city": 360,
    "Batken Oblast": 560,
    "Chüy Oblast": 980,
    "Issyk-Kul Oblast": 500,
    "Jalal-Abad Oblast": 1300,
    "Naryn Oblast": 300,
    "Osh Oblast": 1400,
    "Talas Oblast": 270,
}


@dataclass(frozen=True)
class OperationSpec:
    name: str
    country: str
    arrival: datetime.date
    weight: float
    notes: str
    departure: Weighted
    birthplaces: Weighted
    children_only: float  # share of families whose mother did not come back with the children


SYRIA_CAMPS = Weighted([("лагерь аль-Холь", 62), ("лагерь Родж", 30), ("Хасака, реабилитационный центр «Хури»", 8)])
SYRIA_BIRTHPLACES = Weighted(
    [
        ("Ракка, Сирия", 30),
        ("Дейр-эз-Зор, Сирия", 12),
        ("Идлиб, Сирия", 8),
        ("Хасака, Сирия", 8),
        ("Мамбидж, Сирия", 6),
        ("Аль-Баб, Сирия", 5),
        ("лагерь аль-Холь, Сирия", 25),
        ("Мосул, Ирак", 6),
    ]
)
IRAQ_PLACES = Weighted(
    [("Багдад, тюрьма аль-Русафа", 55), ("Багдад, детский дом", 30), ("Багдад, центр для несовершеннолетних", 15)]
)
IRAQ_BIRTHPLACES = Weighted([("Мосул, Ирак", 45), ("Тель-Афар, Ирак", 20), ("Багдад, Ирак", 20), ("Ракка, Сирия", 15)])
OPERATIONS = (
    OperationSpec(
        "Aikol phase 1", "Syria", datetime.date(2019, 11, 12), 7, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.08
    ),
    OperationSpec(
        "Aikol phase 2", "Syria", datetime.date(2020, 10, 27), 9, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.08
    ),
    OperationSpec(
        "Meerim",
        "Iraq",
        datetime.date(2021, 3, 16),
        12,
        "Дети, вернувшиеся из Багдада.",
        IRAQ_PLACES,
        IRAQ_BIRTHPLACES,
        0.9,
    ),
    OperationSpec(
        "Aikol phase 3", "Syria", datetime.date(2023, 2, 10), 26, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 4", "Syria", datetime.date(2023, 6, 15), 16, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 5", "Syria", datetime.date(2024, 1, 24), 15, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
    OperationSpec(
        "Aikol phase 6", "Syria", datetime.date(2024, 4, 18), 15, SYRIA_NOTE, SYRIA_CAMPS, SYRIA_BIRTHPLACES, 0.1
    ),
)

# --- How often things happen ------------------------------------------------------------------------------

NOTE_KINDS_CHILD = Weighted(
    [("home_visit", 42), ("phone_call", 28), ("office_visit", 10), ("school_visit", 15), ("other", 5)]
)
NOTE_KINDS_ADULT = Weighted([("home_visit", 45), ("phone_call", 33), ("office_visit", 16), ("other", 6)])
CHILD_DOMAINS = ("health", "psychosocial", "education", "legal", "family")
ADULT_DOMAINS = ("health", "psychosocial", "legal", "social_protection", "livelihoods", "family")
REFERRAL_CATEGORIES_CHILD = Weighted(
    [("mhpss", 28), ("health", 25), ("education", 22), ("legal", 12), ("social-protection", 8), ("family-community", 5)]
)
REFERRAL_CATEGORIES_ADULT = Weighted(
    [
        ("mhpss", 25),
        ("health", 18),
        ("legal", 20),
        ("social-protection", 15),
        ("livelihoods", 15),
        ("family-community", 7),
    ]
)


# --- Loading rows -------------------------------------------------------------------------------------------


def copy_columns(model: type[models.Model], fields: tuple[str, ...]) -> list[str]:
    """The columns for `fields`, refusing a list that leaves a NOT NULL column without a value."""
    opts = model._meta
    given = set(fields)
    missing = [
        f.name
        for f in opts.concrete_fields
        if not f.null and f.name not in given and f.attname not in given and not f.has_db_default()
    ]
    if missing:
        raise ImproperlyConfigured(
            f"seed_scale gives no value for the NOT NULL column(s) {', '.join(missing)} of {opts.label}: "
            "add them to repat/devtools/scale.py."
        )
    return [opts.get_field(name).column for name in fields]


class Loader:
    """Streams rows into tables with COPY and keeps count and time per table."""

    def __init__(self, cursor):
        self.cursor = cursor.cursor  # the psycopg cursor under Django's wrapper
        self.counts: Counter = Counter()
        self.seconds: defaultdict = defaultdict(float)
        self._statements: dict = {}

    def copy(self, model: type[models.Model], fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
        """Copy rows (generated lazily, so that Python and PostgreSQL work at the same time)."""
        key = (model, fields)
        if key not in self._statements:
            self._statements[key] = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(model._meta.db_table),
                sql.SQL(", ").join(sql.Identifier(c) for c in copy_columns(model, fields)),
            )
        start, n = time.perf_counter(), 0
        with self.cursor.copy(self._statements[key]) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
        self.seconds[model._meta.db_table] += time.perf_counter() - start
        self.counts[model._meta.db_table] += n


# --- What the seeder plans before writing rows ----------------------------------------------------------------


@dataclass
class RegionInfo:
    id: int
    name: str
    name_ru: str
    code: str
    weight: float
    districts: list
    towns: tuple
    workers: list = field(default_factory=list)
    coordinators: list = field(default_factory=list)
    supervisors: list = field(default_factory=list)
    providers: dict = field(default_factory=dict)  # service type id -> [(provider id, staff user id, name)]


@dataclass
class Staff:
    id: int
    username: str
    first_name: str
    last_name: str
    role: str
    region: RegionInfo | None
    organisation: int | None
    gets_reminders: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Person:
    """A returnee and the facts of their case that later tables depend on."""

    __slots__ = (
        "adult",
        "aliases",
        "case_number",
        "citizenship",
        "closed",
        "closure_reason",
        "conflict",
        "dob",
        "end",
        "family",
        "family_name",
        "female",
        "follow_up",
        "given",
        "id",
        "is_head",
        "kinship",
        "languages",
        "member",
        "patronymic",
        "place",
        "precision",
        "relationship",
        "risk",
        "risk_reason",
        "special",
        "status",
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.given, self.patronymic) if part)


@dataclass
class FamilyPlan:
    id: int
    name: str
    region: RegionInfo
    district: int | None
    locality: str
    worker: Staff
    operation: int
    arrival: int  # ordinal of the arrival date
    departure: str
    birthplaces: Weighted  # of the children born abroad
    people: list
    relatives: list  # (full name, relationship, whereabouts, is head, notes)
    caregiver: str  # who signs consents for the children


# --- The seeder ------------------------------------------------------------------------------------------------


class ScaleSeeder:
    def __init__(self, *, people: int, workers: int, seed: int, out: Callable[[str], None]):
        self.people, self.workers, self.out = people, workers, out
        self.rng = FastRandom(seed)
        self.today = timezone.localdate()
        self.today_ord = self.today.toordinal()
        self.now = timezone.now()
        self.ids: Counter = Counter()
        self.case_numbers: Counter = Counter()
        self.prefix = settings.REPAT_CASE_NUMBER_PREFIX
        self._midnight: dict = {}
        self.planning = 0.0  # seconds spent planning families, outside any table's COPY
        self.started = time.perf_counter()

    # Helpers -------------------------------------------------------------------------------------------

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def day(self, ordinal: int) -> datetime.date:
        return datetime.date.fromordinal(ordinal)

    def moment(self, ordinal: int) -> datetime.datetime:
        """A time during office hours on that day (never later than now)."""
        midnight = self._midnight.get(ordinal)
        if midnight is None:
            midnight = self._midnight[ordinal] = datetime.datetime.fromordinal(ordinal).replace(tzinfo=TZ)
        at = midnight + OFFICE_HOURS[int(self.rng.random() * len(OFFICE_HOURS))]
        return at if at < self.now else self.now

    def between(self, start: int, end: int) -> int:
        return self.rng.randint(start, end) if end > start else start

    # Reference data and staff ------------------------------------------------------------------------

    def load_reference(self) -> None:
        regions = list(Region.objects.filter(parent__isnull=True).order_by("id"))
        if not regions:
            raise SeedError("No regions: run the migrations first (they seed the regions).")
        districts = defaultdict(list)
        for pk, parent in Region.objects.filter(parent__isnull=False).order_by("id").values_list("pk", "parent"):
            districts[parent].append(pk)
        self.regions = [
            RegionInfo(
                id=r.pk,
                name=r.name,
                name_ru=r.name_ru or r.name,
                code=slugify(r.name).removesuffix("-oblast"),
                weight=REGION_WEIGHTS.get(r.name, 300),
                districts=districts[r.pk],
                towns=TOWNS.get(r.name, (r.name_ru or r.name,)),
            )
            for r in regions
        ]
        self.pick_region = Weighted((r, r.weight) for r in self.regions)
        if self.workers < len(self.regions):
            raise SeedError(f"Give at least one social worker per region: --workers {len(self.regions)} or more.")
        types = list(ServiceType.objects.filter(is_active=True).select_related("category").order_by("id"))
        if not types:
            raise SeedError("No service types: run the migrations first (they seed the catalogue).")
        self.types = {t.pk: t for t in types}
        self.types_by_category = defaultdict(list)
        for t in types:
            self.types_by_category[t.category.code].append(t)

    def seed_staff(self, loader: Loader) -> None:
        rng = self.rng
        password = make_password(DEMO_PASSWORD)
        joined = datetime.datetime(2019, 9, 2, 9, 0, tzinfo=TZ)
        org_rows = [
            (self.next_id(Organisation), "Министерство труда, социального обеспечения и миграции", "government"),
            (self.next_id(Organisation), "ЮНИСЕФ Кыргызстан", "unicef"),
        ]
        ministry, unicef = org_rows[0][0], org_rows[1][0]
        loader.copy(Organisation, ("id", "name", "kind"), org_rows)

        self.staff: list[Staff] = []

        def add(username, role, region, organisation):
            pool = POOLS[STAFF_POOLS(rng)]
            female = rng.random() < 0.78  # most social workers are women
            surname = pool.surname(rng)
            person = Staff(
                id=self.next_id(User),
                username=username,
                first_name=pool.given(rng, female),
                last_name=feminine(surname) if female else surname,
                role=role,
                region=region,
                organisation=organisation,
                gets_reminders=rng.random() < 0.5,
            )
            self.staff.append(person)
            return person

        add("admin-scale", User.Role.ADMINISTRATOR, None, ministry)
        for region in self.regions:
            for i in range(1, 3):
                region.supervisors.append(add(f"supervisor-{region.code}-{i}", User.Role.SUPERVISOR, region, unicef).id)
            for i in range(1, 4):
                region.coordinators.append(
                    add(f"coordinator-{region.code}-{i}", User.Role.COORDINATOR, region, ministry).id
                )
        # Social workers by population, at least one per region.
        width = max(4, len(str(self.workers)))
        number = 0
        for n, region in zip(spread(self.workers, [r.weight for r in self.regions]), self.regions, strict=True):
            for _ in range(n):
                number += 1
                region.workers.append(add(f"worker{number:0{width}d}", User.Role.SOCIAL_WORKER, region, ministry))

        # Providers: seven per region plus the national ones, each with a member of staff who signs in.
        provider_rows, provider_regions, provider_types, contacts, staff_links = [], [], [], [], []
        providers = []  # (kind, name, service categories or None for all, regions, staff username)
        for region in self.regions:
            town = CENTRES.get(region.name, region.name_ru)
            for index, (kind, categories, pattern) in enumerate(REGIONAL_PROVIDERS, start=1):
                name = pattern.format(n=rng.randint(1, 40), town=town)
                providers.append((kind, name, categories, [region], f"provider-{region.code}-{index}"))
        for index, (kind, name) in enumerate(NATIONAL_PROVIDERS, start=1):
            providers.append((kind, name, None, self.regions, f"provider-national-{index}"))
        for kind, name, categories, regions, username in providers:
            pk = self.next_id(Provider)
            provider_rows.append((pk, name, name, "", kind, None, True, ""))  # the names are Russian
            user = add(username, User.Role.PROVIDER, None, None)
            staff_links.append((self.next_id(ProviderStaff), user.id, pk))
            contacts.append(
                (
                    self.next_id(ProviderContact),
                    pk,
                    user.full_name,
                    "Координатор направлений",
                    f"+996 {rng.choice(('312', '3222', '3722'))} {rng.randint(100000, 999999)}",
                    f"{user.username}@example.org",
                )
            )
            offered = [t for t in self.types.values() if categories is None or t.category.code in categories]
            for region in regions:
                provider_regions.append((self.next_id(Provider.regions.through), pk, region.id))
                for t in offered:
                    region.providers.setdefault(t.pk, []).append((pk, user.id, name))
            provider_types.extend((self.next_id(Provider.service_types.through), pk, t.pk) for t in offered)

        user_rows, user_regions = [], []
        for person in self.staff:
            user_rows.append(
                (
                    person.id,
                    password,
                    person.role == User.Role.ADMINISTRATOR,
                    person.username,
                    person.first_name,
                    person.last_name,
                    f"{person.username}@example.org",
                    person.role == User.Role.ADMINISTRATOR,
                    True,
                    joined,
                    person.role,
                    person.organisation,
                    rng.choice(("", "ru", "ky")),
                )
            )
            if person.role == User.Role.ADMINISTRATOR:
                regions = self.regions
            else:
                regions = [person.region] if person.region else []
            user_regions.extend((self.next_id(User.regions.through), person.id, r.id) for r in regions)
        user_fields = (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "organisation",
            "language",
        )
        loader.copy(User, user_fields, user_rows)
        loader.copy(User.regions.through, ("id", "user", "region"), user_regions)
        loader.copy(
            Provider,
            ("id", "name", "name_ru", "name_ky", "kind", "capacity", "accepting_referrals", "address"),
            provider_rows,
        )
        loader.copy(Provider.regions.through, ("id", "provider", "region"), provider_regions)
        loader.copy(Provider.service_types.through, ("id", "provider", "servicetype"), provider_types)
        loader.copy(ProviderContact, ("id", "provider", "name", "position", "phone", "email"), contacts)
        loader.copy(ProviderStaff, ("id", "user", "provider"), staff_links)

        operation_rows = []
        self.operations = []
        for spec in OPERATIONS:
            pk = self.next_id(Operation)
            operation_rows.append((pk, spec.name, spec.country, spec.arrival, spec.notes))
            self.operations.append((pk, spec))
        loader.copy(Operation, ("id", "name", "country_of_departure", "arrival_date", "notes"), operation_rows)
        self.pick_operation = Weighted(((pk, spec), spec.weight) for pk, spec in self.operations)

    # Families and people ---------------------------------------------------------------------------------

    FAMILY_SIZE = Weighted([(2, 8), (3, 16), (4, 23), (5, 21), (6, 14), (7, 10), (8, 8)])
    FATHER_WHEREABOUTS = Weighted([("deceased", 45), ("unknown", 28), ("prison", 17), ("abroad", 10)])
    MOTHER_WHEREABOUTS = Weighted([("prison", 50), ("deceased", 25), ("unknown", 15), ("abroad", 10)])
    CHILDREN_HEAD = Weighted([("grandparent", 85), ("aunt_uncle", 15)])
    CHILD_GAP = (1, 1, 2, 2, 2, 3, 4)  # years between siblings

    def plan_families(self, budget: int) -> list[FamilyPlan]:
        """Families holding `budget` returnees (the last one cut to fit)."""
        families = []
        while budget > 0:
            family = self.plan_family(budget)
            budget -= len(family.people)
            families.append(family)
        return families

    def plan_family(self, budget: int) -> FamilyPlan:
        """One household of 1 to 8 members, most often a mother and her children, sometimes with
        the father (dead, missing, detained) or a grandmother recorded by name; or children whose
        mother did not come back, headed by a grandmother or an aunt."""
        rng = self.rng
        op_id, spec = self.pick_operation(rng)
        region = self.pick_region(rng)
        pool = POOLS[(POOL_SOUTH if region.name in SOUTH else POOL_NORTH)(rng)]
        style = "native" if rng.random() < 0.35 else "russian"
        father, surname = pool.given(rng, female=False), pool.surname(rng)
        town = rng.choice(region.towns)
        address = (
            f"д. {rng.randint(1, 60)}, кв. {rng.randint(1, 90)}"
            if "мкр" in town or "ж/м" in town
            else (f"{rng.choice(STREETS)}, {rng.randint(1, 120)}")
        )
        family = FamilyPlan(
            id=self.next_id(Family),
            name="",
            region=region,
            district=rng.choice(region.districts) if region.districts else None,
            locality=f"{town}, {address}",
            worker=rng.choice(region.workers),
            operation=op_id,
            arrival=spec.arrival.toordinal(),
            departure=spec.departure(rng),
            birthplaces=spec.birthplaces,
            people=[],
            relatives=[],
            caregiver="",
        )

        def relative(female, family_name, relationship, where, is_head, given=None) -> str:
            last, patronymic = pool.full(style, family_name, pool.given(rng, False), female)
            name = " ".join(part for part in (last, given or pool.given(rng, female), patronymic) if part)
            family.relatives.append((name, relationship, where, is_head, rng.choice(RELATIVE_NOTES[female][where])))
            if is_head:
                family.name = last
            return name

        shape = rng.random()
        children_only = shape < spec.children_only
        size = 1 if not children_only and shape > 0.97 else self.FAMILY_SIZE(rng)
        if children_only:
            family.caregiver = relative(True, surname, self.CHILDREN_HEAD(rng), "household", True)
            members = 1
            if size > 2 and rng.random() < 0.7:
                relative(True, pool.surname(rng), "mother", self.MOTHER_WHEREABOUTS(rng), False)
                members += 1
            mother_age = rng.randint(24, 42)
        else:
            mother_age = rng.randint(20, 45)
            mother = self.person(family, pool, style, female=True, age=mother_age)
            mother.relationship, mother.is_head = "mother", True
            family.caregiver, family.name = mother.full_name, mother.family_name
            members = 1
            if size > 2 and rng.random() < 0.5:
                relative(False, surname, "father", self.FATHER_WHEREABOUTS(rng), False, given=father)
                members += 1
            if size > 4 and rng.random() < 0.15:
                relative(True, surname, "grandparent", "household", False)
                members += 1
        # Children, youngest first; their mother was at least 16 at each birth.
        kids = min(size - members, budget - len(family.people))
        age = rng.choice((0, 0, 1, 1, 2, 3))
        for _ in range(kids):
            age = min(age, 17, mother_age - 16)
            child = self.person(family, pool, style, female=rng.random() < 0.5, age=age, surname=surname, father=father)
            child.relationship, child.is_head = "child", False
            age += rng.choice(self.CHILD_GAP)
        return family

    PRECISION_ABROAD = Weighted([("exact", 45), ("month", 25), ("year", 20), ("estimated", 10)])
    PRECISION_HOME = Weighted([("exact", 92), ("month", 5), ("year", 3)])
    CITIZENSHIP_ADULT = Weighted([("confirmed", 80), ("pending", 15), ("undetermined", 5)])
    CITIZENSHIP_ABROAD = Weighted([("confirmed", 55), ("pending", 30), ("undetermined", 10), ("stateless", 5)])
    CITIZENSHIP_HOME = Weighted([("confirmed", 92), ("pending", 8)])
    RISK = Weighted([("low", 35), ("medium", 45), ("high", 20)])
    RISK_ADULT = Weighted([("low", 20), ("medium", 50), ("high", 30)])
    CLOSURE = Weighted(
        [("reintegrated", 62), ("moved", 12), ("transferred", 8), ("declined", 8), ("other", 8), ("deceased", 2)]
    )

    def person(self, family: FamilyPlan, pool: Pool, style: str, *, female, age, surname=None, father=None) -> Person:
        """A returnee `age` full years old on arrival. The mother (no `surname`, `father`) carries
        her own father's name; children born in Syria or Iraq mostly have Arabic names."""
        rng = self.rng
        p = Person()
        p.id = self.next_id(Returnee)
        p.family, p.female, p.adult = family, female, age >= 18
        # A birthday within the year before arrival, `age` years back.
        born = self.day(family.arrival - rng.randint(7 if age == 0 else 1, 364))
        born = born.replace(year=born.year - age, day=min(born.day, 28) if born.month == 2 else born.day)
        p.conflict = not p.adult and born.year >= 2014 and rng.random() < 0.92
        p.precision = (self.PRECISION_ABROAD if p.conflict else self.PRECISION_HOME)(rng)
        if p.precision == "month":
            born = born.replace(day=1)
        elif p.precision in ("year", "estimated"):
            born = born.replace(month=1, day=1)
        p.dob = born
        languages = rng.choice(pool.languages)
        if p.conflict:
            p.place, languages = family.birthplaces(rng), (*languages, "ar")
        elif rng.random() < 0.15:
            p.place = rng.choice(HOME_ABROAD[pool.key])
        else:
            p.place = f"{rng.choice(family.region.towns).split(',')[0]}, Кыргызстан"
        p.languages = LANGUAGES_JSON.setdefault(languages, json.dumps(list(languages)))
        if surname is None:
            surname, father = pool.surname(rng), pool.given(rng, female=False)
        p.aliases = []
        if p.conflict and rng.random() < 0.8:
            cyrillic, arabic, latin_name = rng.choice(names.ARABIC_GIRLS if female else names.ARABIC_BOYS)
            if rng.random() < 0.1:
                # Known only from a camp list: the Arabic spelling, the father's name as family name.
                p.given, p.family_name, p.patronymic = arabic, rng.choice(names.ARABIC_FATHERS), ""
                p.aliases.append((f"{latin_name} {latin(father)}", ReturneeAlias.Script.LATIN))
                p.aliases.append((cyrillic, ReturneeAlias.Script.CYRILLIC))
            else:
                p.given = latin_name if pool.latin_script else cyrillic
                p.family_name, p.patronymic = pool.full(style, surname, father, female)
                if rng.random() < 0.4:
                    p.aliases.append((arabic, ReturneeAlias.Script.ARABIC))
        else:
            p.given = pool.given(rng, female)
            p.family_name, p.patronymic = pool.full(style, surname, father, female)
        if not p.aliases and rng.random() < 0.15:
            p.aliases.append(pool.alias(f"{p.given} {p.family_name}"))
        citizenship = (
            self.CITIZENSHIP_ADULT if p.adult else self.CITIZENSHIP_ABROAD if p.conflict else self.CITIZENSHIP_HOME
        )
        p.citizenship = citizenship(rng)
        p.special = rng.choice(SPECIAL_NEEDS) if rng.random() < 0.04 else ""
        p.kinship = "documents" if rng.random() < 0.4 else "declared"
        p.case_number = self.case_number(family.arrival)
        self.plan_case(p, family.arrival)
        family.people.append(p)
        return p

    def case_number(self, arrival: int) -> str:
        year = self.day(arrival).year
        self.case_numbers[year] += 1
        return f"{self.prefix}-{year}-{self.case_numbers[year]:05d}"

    def plan_case(self, p: Person, opened: int) -> None:
        rng = self.rng
        years = (self.today_ord - opened) / 365.25
        p.risk = (self.RISK_ADULT if p.adult else self.RISK)(rng)
        p.risk_reason = rng.choice(HIGH_RISK) if p.risk == "high" else ""
        adult_on = self.adult_on(p)
        roll = rng.random()
        p.closed, p.closure_reason, p.follow_up = None, "", None
        if roll < min(0.55, max(0.03, 0.07 * years - 0.05)):
            p.status = "closed"
            if opened < adult_on <= self.today_ord and rng.random() < 0.7:  # a child who came of age
                p.closed, p.closure_reason = adult_on, "adult"
            else:
                p.closed = self.between(min(opened + 180, self.today_ord), self.today_ord)
                p.closure_reason = self.CLOSURE(rng)
        else:
            roll = rng.random()
            p.status = "open" if roll < 0.05 else "monitoring" if roll < 0.05 + min(0.5, 0.08 * years) else "active"
            roll = rng.random()
            if roll < 0.15:
                p.follow_up = self.today_ord - rng.randint(1, 60)
            elif roll < 0.2:
                p.follow_up = self.today_ord
            elif roll < 0.72:
                p.follow_up = self.today_ord + rng.randint(1, 30)
            else:
                p.follow_up = self.today_ord + rng.randint(31, 120)
        p.end = p.closed or self.today_ord

    def adult_on(self, p: Person) -> int:
        try:
            return p.dob.replace(year=p.dob.year + 18).toordinal()
        except ValueError:  # born on 29 February
            return p.dob.replace(year=p.dob.year + 18, day=28).toordinal()

    # Rows per table --------------------------------------------------------------------------------------

    FAMILY_FIELDS = ("id", "name", "region", "district", "locality", "created_at")

    def family_rows(self, families):
        for f in families:
            yield (f.id, f.name, f.region.id, f.district, f.locality, self.moment(f.arrival))

    # In the order of the rows below: the registration form's fields between the keys and the times.
    RETURNEE_FIELDS = ("id", "case_number", *case_actions.RETURNEE_FIELDS, "created_at", "updated_at")

    def returnee_rows(self, families):
        for f in families:
            arrival = self.day(f.arrival)
            for p in f.people:
                at = self.moment(f.arrival)
                yield (
                    p.id,
                    p.case_number,
                    p.given,
                    p.family_name,
                    p.patronymic,
                    "female" if p.female else "male",
                    p.dob,
                    p.precision,
                    p.place,
                    p.conflict,
                    f.operation,
                    f.departure,
                    arrival,
                    p.citizenship,
                    p.languages,
                    p.special,
                    f.region.id,
                    f.district,
                    f.locality,
                    at,
                    at,
                )

    def alias_rows(self, families):
        for f in families:
            for p in f.people:
                for name, script in p.aliases:
                    yield (self.next_id(ReturneeAlias), p.id, name, script)

    MEMBER_FIELDS = (
        "id",
        "family",
        "returnee",
        "full_name",
        "relationship",
        "whereabouts",
        "is_head",
        "notes",
        "kinship_basis",
    )

    def member_rows(self, families):
        for f in families:
            for name, relationship, whereabouts, is_head, notes in f.relatives:
                yield (
                    self.next_id(FamilyMember),
                    f.id,
                    None,
                    name,
                    relationship,
                    whereabouts,
                    is_head,
                    notes,
                    "declared",
                )
            for p in f.people:
                p.member = self.next_id(FamilyMember)  # who signs a consent for the children
                yield (
                    p.member,
                    f.id,
                    p.id,
                    "",
                    p.relationship,
                    "household",
                    p.is_head,
                    "",
                    p.kinship,
                )

    CASE_FIELDS = (
        "id",
        "returnee",
        "worker",
        "status",
        "closure_reason",
        "risk_level",
        "risk_reason",
        "opened_on",
        "closed_on",
        "next_follow_up",
        "updated_at",
    )

    def case_rows(self, families):
        day = self.day
        for f in families:
            opened = day(f.arrival)
            for p in f.people:
                yield (
                    p.id,
                    p.id,
                    f.worker.id,
                    p.status,
                    p.closure_reason,
                    p.risk,
                    p.risk_reason,
                    opened,
                    day(p.closed) if p.closed else None,
                    day(p.follow_up) if p.follow_up else None,
                    self.moment(p.end),
                )

    EVENT_FIELDS = ("id", "case", "kind", "actor", "created_at", "changes", "subject", "item")

    def event_rows(self, families):
        """What `returnee_register` writes: "registered", then "opened" with the worker and risk."""
        for f in families:
            worker = json.dumps(f.worker.full_name, ensure_ascii=False)
            for p in f.people:
                at = self.moment(f.arrival)
                changes = f'{{"worker": [null, {worker}], "risk_level": [null, "{p.risk}"]}}'
                yield (self.next_id(CaseEvent), p.id, "registered", f.worker.id, at, "{}", "", "")
                yield (self.next_id(CaseEvent), p.id, "opened", f.worker.id, at, changes, "", "")

    NOTE_COUNT = Weighted([(0, 15), (1, 40), (2, 30), (3, 10), (4, 5)])
    NOTE_FIELDS = ("id", "case", "author", "contact_date", "kind", "summary", "follow_up_needed", "created_at")

    def note_rows(self, families):
        rng = self.rng
        for f in families:
            for p in f.people:
                kinds = NOTE_KINDS_ADULT if p.adult else NOTE_KINDS_CHILD
                for day in sorted(self.between(f.arrival + 1, p.end) for _ in range(self.NOTE_COUNT(rng))):
                    kind = kinds(rng)
                    yield (
                        self.next_id(Note),
                        p.id,
                        f.worker.id,
                        self.day(day),
                        kind,
                        rng.choice(NOTES[kind]),
                        rng.random() < 0.2,
                        self.moment(day),
                    )

    DOCUMENT_COUNT = Weighted([(0, 25), (1, 55), (2, 20)])
    DOCUMENT_CHILD = Weighted(
        [
            ("birth_certificate", 50),
            ("citizenship_confirmation", 25),
            ("residence_registration", 15),
            ("guardianship_order", 6),
            ("court_decision", 4),
        ]
    )
    DOCUMENT_ADULT = Weighted(
        [("national_id", 40), ("passport", 20), ("citizenship_confirmation", 20), ("residence_registration", 20)]
    )
    DOCUMENT_STATUS = Weighted(
        [("issued", 55), ("in_progress", 15), ("requested", 15), ("missing", 10), ("refused", 5)]
    )
    DOCUMENT_FIELDS = (
        "id",
        "returnee",
        "kind",
        "status",
        "refusal_reason",
        "number",
        "issuing_body",
        "requested_on",
        "issued_on",
        "expires_on",
        "responsible_organisation",
        "due_date",
        "notes",
        "updated_at",
    )

    def document_rows(self, families):
        rng, day = self.rng, self.day
        for f in families:
            for p in f.people:
                kinds = set()
                for _ in range(self.DOCUMENT_COUNT(rng)):
                    kind = (self.DOCUMENT_ADULT if p.adult else self.DOCUMENT_CHILD)(rng)
                    if kind in kinds:
                        continue
                    kinds.add(kind)
                    status = self.DOCUMENT_STATUS(rng)
                    if p.status == "closed" and status != "refused":
                        status = "issued"
                    requested = issued = expires = due = None
                    number, body, reason = "", "", ""
                    if status != "missing":
                        requested = min(self.between(f.arrival + 3, f.arrival + 150), p.end)
                    if status == "issued":
                        issued = self.between(min(requested + 20, p.end), min(requested + 200, p.end))
                        number = self.document_number(kind)
                        body = DOCUMENT_BODIES.get(kind, "").format(n=rng.randint(1, 30))
                        if kind in ("national_id", "passport"):
                            expires = day(issued + 3652)
                    elif status == "refused":
                        reason = rng.choice(REFUSALS)
                    else:
                        due = self.today_ord + rng.randint(-40, 60)
                    yield (
                        self.next_id(IdentityDocument),
                        p.id,
                        kind,
                        status,
                        reason,
                        number,
                        body,
                        day(requested) if requested else None,
                        day(issued) if issued else None,
                        expires,
                        "Юридическая клиника «Адилет»"
                        if kind in ("court_decision", "citizenship_confirmation")
                        else "",
                        day(due) if due else None,
                        "",
                        self.moment(issued or requested or f.arrival),
                    )

    def document_number(self, kind: str) -> str:
        rng = self.rng
        if kind == "national_id":
            return f"ID{rng.randint(1000000, 9999999)}"
        if kind == "passport":
            return f"AC{rng.randint(1000000, 9999999)}"
        if kind == "birth_certificate":
            return f"I-КР №{rng.randint(100000, 999999)}"
        return f"№{rng.randint(100, 9999)}-{rng.randint(2019, 2026)}"

    ASSESSMENT_COUNT = Weighted([(0, 75), (1, 20), (2, 5)])
    ASSESSMENT_FIELDS = (
        "id",
        "case",
        *case_actions.ASSESSMENT_FIELDS,
        "recorded_by",
        "created_at",
        "approved_by",
        "approved_at",
        "updated_at",
    )

    def assessment_rows(self, families, approvable: dict):
        rng, day = self.rng, self.day
        child_kinds, adult_kinds = ("medical", "psychosocial", "educational"), ("medical", "psychosocial", "family")
        for f in families:
            for p in f.people:
                for kind in rng.sample(adult_kinds if p.adult else child_kinds, self.ASSESSMENT_COUNT(rng)):
                    assessor, tools, findings, recommendations, domains = ASSESSMENTS[kind]
                    pk = self.next_id(Assessment)
                    if p.status != "closed" and rng.random() < 0.15:
                        due = day(self.today_ord + rng.randint(-20, 45))
                        recorded = self.moment(self.today_ord - rng.randint(1, 30))
                        yield (
                            pk,
                            p.id,
                            kind,
                            "planned",
                            due,
                            None,
                            "",
                            "",
                            None,
                            "",
                            "",
                            "[]",
                            f.worker.id,
                            recorded,
                            None,
                            None,
                            recorded,
                        )
                        continue
                    on = self.between(f.arrival + 1, min(f.arrival + 365, p.end))
                    approved = rng.random() < 0.5
                    tool = tools[p.adult]
                    if not approved and p.status != "closed":
                        approvable[p.id] = ("assessment", pk)
                    yield (
                        pk,
                        p.id,
                        kind,
                        "completed",
                        None,
                        day(on),
                        assessor,
                        tool,
                        rng.randint(5, 25) if tool else None,
                        rng.choice(findings),
                        recommendations,
                        domains,
                        f.worker.id,
                        self.moment(on),
                        rng.choice(f.region.supervisors) if approved else None,
                        self.moment(min(on + rng.randint(1, 10), p.end)) if approved else None,
                        self.moment(on),  # updated_at: as recorded
                    )

    PLAN_FIELDS = (
        "id",
        "case",
        "version",
        "status",
        "summary",
        "created_by",
        "created_at",
        "activated_at",
        "approved_by",
    )
    GOAL_FIELDS = ("id", "plan", "domain", "goal", "actions", "responsible", "target_date", "status", "updated_at")
    GOAL_STATUS = {
        "current": Weighted([("achieved", 30), ("in_progress", 40), ("not_started", 25), ("dropped", 5)]),
        "superseded": Weighted([("achieved", 60), ("in_progress", 15), ("dropped", 25)]),
        "draft": Weighted([("not_started", 100)]),
    }

    def plan_rows(self, families, goals: list, approvable: dict):
        """Plans; their goals are planned into `goals` as (plan id, status, start, adult)."""
        rng = self.rng
        for f in families:
            for p in f.people:
                if rng.random() >= 0.27:
                    continue
                created = self.between(f.arrival + 20, min(f.arrival + 120, p.end))
                versions = [created]
                if rng.random() < 0.15 and created + 150 < p.end:
                    versions.append(self.between(created + 120, min(created + 400, p.end)))
                # The newest version is current, or a draft under review while the one before stays current.
                newest = "draft" if p.status != "closed" and rng.random() < 0.2 else "current"
                statuses = ["superseded"] * (len(versions) - 1) + [newest]
                if newest == "draft" and len(versions) > 1:
                    statuses[-2] = "current"
                for version, (start, status) in enumerate(zip(versions, statuses, strict=True), start=1):
                    pk = self.next_id(ReintegrationPlan)
                    activated = None if status == "draft" else self.moment(min(start + rng.randint(3, 20), p.end))
                    approver = None if status == "draft" else rng.choice(f.region.supervisors)
                    yield (
                        pk,
                        p.id,
                        version,
                        status,
                        rng.choice(PLAN_SUMMARIES),
                        f.worker.id,
                        self.moment(start),
                        activated,
                        approver,
                    )
                    goals.append((pk, status, start, p.adult))
                    if status == "draft":
                        approvable[p.id] = ("plan", pk)

    def goal_rows(self, goals: list):
        rng = self.rng
        for plan, status, start, adult in goals:
            for domain in rng.sample(ADULT_DOMAINS if adult else CHILD_DOMAINS, rng.randint(2, 4)):
                goal, actions, responsible = rng.choice(GOALS[domain])
                yield (
                    self.next_id(PlanGoal),
                    plan,
                    domain,
                    goal,
                    actions,
                    responsible,
                    self.day(start + rng.randint(60, 300)),
                    self.GOAL_STATUS[status](rng),
                    self.moment(start),
                )

    REFERRAL_OPEN = Weighted(
        [
            ("draft", 4),
            ("submitted", 8),
            ("assigned", 10),
            ("accepted", 8),
            ("in_progress", 20),
            ("completed", 38),
            ("declined", 4),
            ("cancelled", 5),
            ("revoked", 3),
        ]
    )
    REFERRAL_CLOSED = Weighted([("completed", 75), ("cancelled", 20), ("revoked", 5)])
    REFERRAL_COUNT = Weighted([(0, 45), (1, 40), (2, 12), (3, 3)])
    URGENCY = Weighted([("routine", 75), ("urgent", 20), ("emergency", 5)])
    REFERRAL_FIELDS = (
        "id",
        "case",
        "service_type",
        "reason",
        "urgency",
        "shares_data",
        "provider_contact",
        "provider_brief",
        "status",
        "provider",
        "assignee",
        "requested_by",
        "region",
        "created_at",
        "submitted_at",
        "assigned_at",
        "accepted_at",
        "completed_on",
        "accept_due",
        "complete_due",
        "outcome",
        "closing_reason",
        "consent",
        "consent_override_reason",
        "consent_overridden_by",
        "consent_overridden_at",
        "updated_at",
    )
    CONSENT_FIELDS = (
        "id",
        "returnee",
        "given_by",
        "giver",
        "giver_relationship",
        "given_by_name",
        "purpose",
        "provider",
        "shared_with",
        "given_on",
        "expires_on",
        "withdrawal_reason",
        "recorded_by",
        "created_at",
    )
    REACHED_PROVIDER = {"assigned", "accepted", "in_progress", "completed", "declined"}

    def referral_rows(self, families, consents: list) -> list:
        """Referrals whose dates follow the workflow: submitted, assigned (accept by the service's
        days to accept), accepted (complete by its days to complete), completed. Open ones are
        recent, so some are overdue as they would be. Those shared with a provider carry a consent
        (planned into `consents`) or, now and then, a supervisor's override."""
        rng, day, moment = self.rng, self.day, self.moment
        rows = []
        for f in families:
            for p in f.people:
                for _ in range(self.REFERRAL_COUNT(rng)):
                    status = (self.REFERRAL_CLOSED if p.status == "closed" else self.REFERRAL_OPEN)(rng)
                    category = (REFERRAL_CATEGORIES_ADULT if p.adult else REFERRAL_CATEGORIES_CHILD)(rng)
                    service = rng.choice(self.types_by_category.get(category) or list(self.types.values()))
                    candidates = f.region.providers.get(service.pk)
                    if not candidates:
                        continue
                    provider, staff, _name = rng.choice(candidates)
                    accept, complete = service.days_to_accept, service.days_to_complete
                    # Work back from the step the referral has reached, so open ones are current.
                    if status in ("assigned", "declined"):
                        assigned = self.today_ord - rng.randint(0, 2 * accept)
                        accepted = None
                    elif status in ("accepted", "in_progress"):
                        accepted = self.today_ord - rng.randint(0, complete + complete // 2)
                        assigned = accepted - rng.randint(1, accept + 3)
                    elif status == "completed":
                        done = self.between(f.arrival + 30, p.end)
                        accepted = done - rng.randint(complete // 3, complete + 10)
                        assigned = accepted - rng.randint(1, accept + 3)
                    else:  # draft, submitted, cancelled, revoked: before any provider
                        assigned = accepted = None
                    submitted = (assigned or self.between(f.arrival + 5, p.end)) - rng.randint(1, 10)
                    if submitted < f.arrival:
                        # An early case: the whole chain moves after the arrival.
                        shift = f.arrival + 1 - submitted
                        submitted += shift
                        assigned = assigned and min(assigned + shift, self.today_ord)
                        accepted = accepted and min(max(accepted + shift, assigned), self.today_ord)
                    created = submitted - rng.randint(0, 2)
                    created = max(created, f.arrival)
                    completed_on = outcome = closing = None
                    if status == "completed":
                        completed_on = day(min(accepted + rng.randint(complete // 3, complete), p.end))
                        completed_on = max(completed_on, day(accepted))
                        outcome = rng.choice(OUTCOMES)
                    if status in CLOSINGS:
                        closing = rng.choice(CLOSINGS[status])
                    reached = status in self.REACHED_PROVIDER
                    shares = rng.random() < 0.8
                    consent = override = overrider = overridden_at = None
                    # A woman consents herself, a child's mother on record for the child (a child
                    # who has come of age by then, herself); a child headed by a grandmother or an
                    # aunt (not a guardian on record) goes by override.
                    given = max(f.arrival, assigned - rng.randint(0, 20)) if reached and shares else None
                    adult = p.adult or (given is not None and given >= self.adult_on(p))
                    mother = f.people[0] if f.people[0].relationship == "mother" and not adult else None
                    if reached and shares:
                        if (adult or mother is not None) and rng.random() < 0.9:
                            consent = self.next_id(ConsentRecord)
                            giver = ("self", None, "") if adult else ("member", mother.member, "mother")
                            consents.append(
                                (
                                    consent,
                                    p.id,
                                    *giver,
                                    "" if adult else mother.full_name,
                                    "data_sharing",
                                    provider,
                                    "",
                                    day(given),
                                    day(given + 730),
                                    "",
                                    f.worker.id,
                                    moment(given),
                                )
                            )
                        else:
                            override = "Срочная помощь; опекуна не удалось найти для подписи."
                            overrider = rng.choice(f.region.supervisors)
                            overridden_at = moment(assigned)
                    last = completed_on.toordinal() if completed_on else accepted or assigned or submitted
                    rows.append(
                        (
                            self.next_id(Referral),
                            p.id,
                            service.pk,
                            rng.choice(REFERRAL_REASONS.get(category, ("",))) or "Нужна услуга по плану реинтеграции.",
                            self.URGENCY(rng),
                            shares,
                            # Contact only where data are shared; a brief for the provider always.
                            f"{f.caregiver or p.full_name}, +996 {rng.choice(('700', '555', '777', '550'))} "
                            f"{rng.randint(100000, 999999)}"
                            if shares
                            else "",
                            rng.choice(PROVIDER_BRIEFS),
                            status,
                            provider if reached else None,
                            staff if reached and rng.random() < 0.5 else None,
                            f.worker.id,
                            f.region.id,
                            moment(created),
                            moment(submitted) if status != "draft" else None,
                            moment(assigned) if assigned else None,
                            moment(accepted) if accepted else None,
                            completed_on,
                            day(assigned + accept) if assigned else None,
                            day(accepted + complete) if accepted else None,
                            outcome or "",
                            closing or "",
                            consent,
                            override or "",
                            overrider,
                            overridden_at,
                            moment(min(last, self.today_ord)),
                        )
                    )
        return rows

    TASK_COUNT_OPEN = Weighted([(0, 60), (1, 30), (2, 10)])
    TASK_FIELDS = (
        "id",
        "case",
        "due_date",
        "description",
        "assigned_to",
        "created_by",
        "created_at",
        "done_at",
        "done_by",
    )

    def task_rows(self, families):
        rng = self.rng
        for f in families:
            for p in f.people:
                for _ in range(self.TASK_COUNT_OPEN(rng)):
                    if p.status == "closed" or rng.random() < 0.45:
                        due = self.between(f.arrival + 7, p.end)
                        created = max(f.arrival, due - rng.randint(1, 30))
                        done = self.moment(min(max(due + rng.randint(-5, 5), created), p.end))
                        done_by = f.worker.id
                    else:
                        due, done, done_by = self.today_ord + rng.randint(-20, 30), None, None
                        created = max(f.arrival, min(due, self.today_ord) - rng.randint(1, 30))
                    yield (
                        self.next_id(FollowUpTask),
                        p.id,
                        self.day(due),
                        rng.choice(TASKS),
                        f.worker.id,
                        f.worker.id,
                        self.moment(created),
                        done,
                        done_by,
                    )

    APPROVAL_FIELDS = (
        "id",
        "kind",
        "status",
        "case",
        "region",
        "assessment",
        "plan",
        "referral",
        "closure_reason",
        "comment",
        "requested_by",
        "requested_at",
        "decision_comment",
    )

    def approval_rows(self, families, approvable: dict, pending: list):
        """About one open case in two hundred waits for a supervisor: an assessment or a plan that
        was sent for approval, or a closure. Noted in `pending` for the supervisors' reminders."""
        rng = self.rng
        for f in families:
            for p in f.people:
                if p.status == "closed" or rng.random() >= 0.005:
                    continue
                kind, subject = approvable.get(p.id, ("closure", None))
                if kind != "closure" and rng.random() < 0.25:
                    kind, subject = "closure", None
                pk = self.next_id(ApprovalRequest)
                requested = self.today_ord - rng.randint(0, 20)
                comment = {
                    "closure": "Цели плана достигнуты, семья устроена.",
                    "assessment": "Прошу утвердить оценку.",
                    "plan": "Первая версия плана, согласована с матерью.",
                }[kind]
                yield (
                    pk,
                    kind,
                    "pending",
                    p.id,
                    f.region.id,
                    subject if kind == "assessment" else None,
                    subject if kind == "plan" else None,
                    None,
                    "reintegrated" if kind == "closure" else "",
                    comment,
                    f.worker.id,
                    self.moment(requested),
                    "",
                )
                pending.append((pk, p.id, requested, f.region))

    REMINDER_FIELDS = (
        "id",
        "item_type",
        "item_id",
        "due_date",
        "stage",
        "recipient",
        "case",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_sent_at",
        "email_error",
    )

    def reminder_rows(self, families, pending: list):
        """What the daily sweep would have told: overdue follow-ups to half the workers (mostly
        unread), and each pending approval to the region's supervisors. Their e-mails count as sent,
        so the relay does not mail thousands of people after seeding."""
        rng = self.rng
        for f in families:
            if not f.worker.gets_reminders:
                continue
            for p in f.people:
                if p.follow_up is None or p.follow_up >= self.today_ord:
                    continue
                at = self.moment(p.follow_up)
                yield (
                    self.next_id(Reminder),
                    "follow_up",
                    p.id,
                    self.day(p.follow_up),
                    "overdue",
                    f.worker.id,
                    p.id,
                    at,
                    at if rng.random() < 0.3 else None,
                    "sent",
                    1,
                    at,
                    "",
                )
        for approval, case, requested, region in pending:
            at = self.moment(requested)
            for supervisor in region.supervisors:
                yield (
                    self.next_id(Reminder),
                    "approval_requested",
                    approval,
                    self.day(requested),
                    "event",
                    supervisor,
                    case,
                    at,
                    None,
                    "sent",
                    1,
                    at,
                    "",
                )

    # The whole run -------------------------------------------------------------------------------------------

    def seed_people(self, loader: Loader) -> None:
        """Plan a chunk of families, copy their rows table by table, and on to the next chunk."""
        done, reported = 0, 0
        while done < self.people:
            start = time.perf_counter()
            families = self.plan_families(min(CHUNK_PEOPLE, self.people - done))
            self.planning += time.perf_counter() - start
            done += sum(len(f.people) for f in families)
            approvable, goals, consents, pending = {}, [], [], []
            loader.copy(Family, self.FAMILY_FIELDS, self.family_rows(families))
            loader.copy(Returnee, self.RETURNEE_FIELDS, self.returnee_rows(families))
            loader.copy(ReturneeAlias, ("id", "returnee", "name", "script"), self.alias_rows(families))
            loader.copy(FamilyMember, self.MEMBER_FIELDS, self.member_rows(families))
            loader.copy(Case, self.CASE_FIELDS, self.case_rows(families))
            loader.copy(CaseEvent, self.EVENT_FIELDS, self.event_rows(families))
            loader.copy(Note, self.NOTE_FIELDS, self.note_rows(families))
            loader.copy(IdentityDocument, self.DOCUMENT_FIELDS, self.document_rows(families))
            loader.copy(Assessment, self.ASSESSMENT_FIELDS, self.assessment_rows(families, approvable))
            loader.copy(ReintegrationPlan, self.PLAN_FIELDS, self.plan_rows(families, goals, approvable))
            loader.copy(PlanGoal, self.GOAL_FIELDS, self.goal_rows(goals))
            referrals = self.referral_rows(families, consents)
            loader.copy(ConsentRecord, self.CONSENT_FIELDS, consents)
            loader.copy(Referral, self.REFERRAL_FIELDS, referrals)
            loader.copy(FollowUpTask, self.TASK_FIELDS, self.task_rows(families))
            loader.copy(ApprovalRequest, self.APPROVAL_FIELDS, self.approval_rows(families, approvable, pending))
            loader.copy(Reminder, self.REMINDER_FIELDS, self.reminder_rows(families, pending))
            if done - reported >= 100_000 or done == self.people:
                self.out(f"  {done:,} of {self.people:,} people ({time.perf_counter() - self.started:.0f} s)")
                reported = done


# --- Running it --------------------------------------------------------------------------------------------------


def seeded_tables() -> list[str]:
    return [model._meta.db_table for model in SEEDED_MODELS]


def check_database(*, replace: bool) -> None:
    """Refuse a database that is not PostgreSQL, or that already holds data, unless replacing."""
    if connection.vendor != "postgresql":
        raise SeedError(
            f"seed_scale loads data with PostgreSQL's COPY; this database is {connection.vendor}. "
            "Set DATABASE_URL to a PostgreSQL database."
        )
    if replace:
        return
    returnees = Returnee.objects.count()
    if returnees:
        raise SeedError(
            f"The database already holds {returnees:,} returnees. Run with --replace to delete them and the "
            "other seeded tables (users, providers, cases...) first."
        )
    filled = [model._meta.db_table for model in SEEDED_MODELS if model.objects.exists()]
    if filled:
        raise SeedError(
            f"These tables already hold rows: {', '.join(filled)}. Run with --replace to empty them first "
            "(this deletes every user too)."
        )


def _foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    cursor.execute(
        """
        SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid)
        FROM pg_constraint co
        JOIN pg_class cl ON cl.oid = co.conrelid
        JOIN pg_namespace ns ON ns.oid = cl.relnamespace
        WHERE co.contype = 'f' AND ns.nspname = current_schema() AND cl.relname = ANY(%s)
        ORDER BY cl.relname, co.conname
        """,
        [tables],
    )
    return cursor.fetchall()


def _plain_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """The indexes that back no primary key or unique constraint: (name, definition)."""
    cursor.execute(
        """
        SELECT ic.relname, pg_get_indexdef(ix.indexrelid)
        FROM pg_index ix
        JOIN pg_class ic ON ic.oid = ix.indexrelid
        JOIN pg_class tc ON tc.oid = ix.indrelid
        JOIN pg_namespace ns ON ns.oid = tc.relnamespace
        WHERE ns.nspname = current_schema() AND tc.relname = ANY(%s)
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid AND co.contype IN ('p', 'u', 'x')
          )
        ORDER BY tc.relname, ic.relname
        """,
        [tables],
    )
    return cursor.fetchall()


def _execute_each(cursor, statement: str, items: Iterable[tuple]) -> None:
    for item in items:
        cursor.execute(sql.SQL(statement).format(*(sql.Identifier(part) for part in item[:2]), *item[2:]))


def seed_scale(
    *, people: int, workers: int | None = None, seed: int = 1, replace: bool = False, out=print
) -> dict[str, tuple[int, float]]:
    """Fill the database in one transaction. Returns {table: (rows, seconds)}, and the steps
    outside any one table as {"<step>": (0, seconds)}."""
    if not settings.REPAT_ALLOW_DEMO_DATA:
        raise SeedError("Scale data cannot be created with these settings (production): every user shares a password.")
    if not 1 <= people <= MAX_PEOPLE:
        raise SeedError(f"--people must be between 1 and {MAX_PEOPLE:,}.")
    workers = default_workers(people) if workers is None else workers
    check_database(replace=replace)
    seeder = ScaleSeeder(people=people, workers=workers, seed=seed, out=out)
    tables = seeded_tables()
    listed = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    steps: dict[str, float] = {}

    def step(name: str, start: float) -> None:
        steps[name] = time.perf_counter() - start

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        if replace:
            start = time.perf_counter()
            cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(listed))
            step("<truncate>", start)
        seeder.load_reference()
        # Foreign keys are dropped for the load and added back at the end, which checks every row
        # in one join per key instead of one lookup per row (and keeps no queue of deferred checks).
        foreign_keys = _foreign_keys(cursor, tables)
        _execute_each(cursor, "ALTER TABLE {} DROP CONSTRAINT {}", ((t, n) for t, n, _ in foreign_keys))
        # Likewise the other indexes: built once from the loaded rows instead of updated row by row.
        # (Primary keys and unique constraints stay; a unique index rebuilt at the end still checks.)
        indexes = _plain_indexes(cursor, tables)
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        loader = Loader(cursor)
        seeder.seed_staff(loader)
        seeder.seed_people(loader)
        steps["<planning families>"] = seeder.planning
        start = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        step("<indexes built>", start)
        start = time.perf_counter()
        _execute_each(cursor, "ALTER TABLE {} ADD CONSTRAINT {} {}", ((t, n, sql.SQL(d)) for t, n, d in foreign_keys))
        step("<foreign keys added and checked>", start)
        start = time.perf_counter()
        for table in tables:
            cursor.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {}"
                ).format(sql.Literal(table), sql.Identifier(table))
            )
        # New case numbers continue after the seeded ones (`_next_case_number` reads these counters).
        for year, last in sorted(seeder.case_numbers.items()):
            Sequence.objects.update_or_create(name=f"case-{seeder.prefix}-{year}", defaults={"last_value": last})
        step("<sequences reset>", start)
        start = time.perf_counter()
        cursor.execute(sql.SQL("ANALYZE {}").format(listed))
        step("<analyze>", start)
    step("<total>", seeder.started)
    result = {table: (loader.counts[table], loader.seconds[table]) for table in tables}
    result.update({name: (0, seconds) for name, seconds in steps.items()})
    return result
