"""What every part of the seeder shares: the plan it makes before writing rows (regions, staff,
families, people), and `SeederBase` with the seeded random generator, the clock and the ids.

The seeder is one class, `seeder.ScaleSeeder`, put together from a mixin per subject (staff,
families, cases, reintegration, referrals, follow-ups); each mixin builds on `SeederBase`."""

import datetime
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from repat.devtools.scale.randomness import FastRandom, Weighted

TZ = datetime.timezone(datetime.timedelta(hours=6))  # Asia/Bishkek: UTC+6 all year
OFFICE_HOURS = [datetime.timedelta(minutes=m, seconds=m * 7 % 60) for m in range(8 * 60, 18 * 60)]


class SeedError(Exception):
    """The seeder cannot run here; the message says why (the command shows it as is)."""


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


class SeederBase:
    """The state and helpers every part of the seeder uses."""

    # Set by `StaffSeeding.load_reference` and `StaffSeeding.seed_staff`, read by the other parts.
    regions: list[RegionInfo]
    pick_region: Weighted
    types: dict
    types_by_category: dict
    staff: list[Staff]
    operations: list
    pick_operation: Weighted

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

    def adult_on(self, p: Person) -> int:
        """The day the person turns 18, as an ordinal."""
        try:
            return p.dob.replace(year=p.dob.year + 18).toordinal()
        except ValueError:  # born on 29 February
            return p.dob.replace(year=p.dob.year + 18, day=28).toordinal()
