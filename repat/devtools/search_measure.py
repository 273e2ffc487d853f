"""Measuring the people search on a real database (issue 15, docs/search.md): `manage.py measure_search`.

The labelled people of `name_variants` (150 fictional people, each with ten kinds of spelling variant)
are registered as returnees with a case (through `returnee_register`, so the index follows them as it
follows any registration), in their canonical spelling, among the database's other people: those of
`seed_scale` on PostgreSQL, or `add_distractors` (names from `name_variants.distractors`) on a small
test database. Then:

- every variant is searched for with `cases.search.ranked_returnee_ids` as an administrator (the
  order the search page lists), and as the coordinator of the people's region for a spot check,
  giving recall@1 and recall@10 per kind; and the coordinator of another region must find none of them;
- the duplicate check (`probable_duplicates`) is asked about a re-registration of every labelled
  person under each variant spelling (same sex, a date of birth up to a year off or missing): does it
  name the original? And about people who are not in the database: new fictional people, and the
  names of recorded people given with the other sex or a date of birth years apart: does it raise an
  alarm?

A namesake (another recorded person whose own name is the labelled person's given and family name in
any spelling, with or without a patronymic) cannot be told apart by the variants; recall is given
both counting namesakes listed first as misses ("strict") and leaving them aside. Everything runs
in one transaction that is rolled back (unless `keep`), so it can be run on the benchmark's database.
Search terms are not logged, here either."""

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from cases import actions as case_actions
from cases import names, search
from cases.actions.duplicates import ProbableDuplicates
from cases.models import Case, NameKey, Operation, Returnee
from cases.names import MatchKind
from repat.accounts.models import Region, User
from repat.devtools import name_variants
from repat.devtools.name_variants import KINDS

LABELLED_SEED, NEW_PEOPLE_SEED, DISTRACTOR_SEED, DRAW_SEED = 15, 1515, 16, 150
# Of a re-registration's date of birth: how often it is missing, and how far off it may be.
BIRTH_MISSING = 0.2
BIRTH_OFF_DAYS = 365
# Distinct new people registered without a date of birth, for every one with a date.
NEW_BIRTH_MISSING = 0.2
# How many times recorded people are drawn by id before the sample is taken as it is.
SAMPLE_DRAWS = 10


@dataclass
class Recall:
    queries: int = 0
    at_1: int = 0
    at_10: int = 0
    strict_at_1: int = 0
    strict_at_10: int = 0
    namesaked: int = 0  # searches where a namesake was listed before the person
    misses: list = field(default_factory=list)

    def add(self, rank: int | None, strict: int | None, miss) -> None:
        self.queries += 1
        self.at_1 += rank == 1
        self.at_10 += rank is not None and rank <= 10
        self.strict_at_1 += strict == 1
        self.strict_at_10 += strict is not None and strict <= 10
        if rank is None or rank > 10:
            self.misses.append(miss)

    def __iadd__(self, other: "Recall") -> "Recall":
        for name in ("queries", "at_1", "at_10", "strict_at_1", "strict_at_10", "namesaked"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        return self


@dataclass
class Alarms:
    """Duplicate-check outcomes for one group of registrations."""

    asked: int = 0
    flagged: int = 0  # re-registrations: the original named; distinct people: any alarm
    namesakes: int = 0  # distinct people: alarms naming a namesake (same keys) only
    seconds: float = 0.0
    examples: list = field(default_factory=list)


@dataclass
class Measurement:
    people: int
    labelled: int
    admin: dict[str, Recall]
    coordinator: dict[str, Recall]
    coordinator_people: int
    other_region_found: int
    duplicates: dict[str, Alarms]  # per variant kind
    distinct: dict[str, Alarms]  # per group of distinct people
    search_ms: list[float]

    def overall(self, results: dict[str, Recall]) -> Recall:
        total = Recall()
        for each in results.values():
            total += each
        return total


# --- the people ------------------------------------------------------------------------------------


def _birth(rng: random.Random, today: datetime.date, female: bool) -> datetime.date:
    """An age as the returnees have them: mostly children, their mothers 20 to 45."""
    age = rng.randint(20, 45) if rng.random() < 0.35 else rng.randint(0, 17)
    return today - datetime.timedelta(days=365 * age + rng.randint(0, 364))


def register_labelled(
    labelled: list[name_variants.Person], *, actor: User, region: Region, operation: Operation, rng
) -> dict[int, Returnee]:
    """Each labelled person registered with a case, in their canonical (Cyrillic) spelling (as
    another person than a namesake the duplicate check names)."""
    today = timezone.localdate()
    registered = {}
    for person in labelled:
        born = _birth(rng, today, person.female)
        data = {
            "given_name": person.given,
            "family_name": person.family,
            "patronymic": person.patronymic,
            "sex": "female" if person.female else "male",
            "date_of_birth": born,
            "date_of_birth_precision": "exact",
            "operation": operation,
            "arrival_date": max(born, today - datetime.timedelta(days=400)),
            "citizenship_status": Returnee.CitizenshipStatus.CONFIRMED,
            "languages": ["ky", "ru"],
            "region": region,
        }
        try:
            registered[person.ident] = case_actions.returnee_register(actor=actor, data=data)
        except ProbableDuplicates as error:
            # A namesake among the database's people: the labelled person is another person.
            distinct = error.confirm("A labelled person of the search measurement")
            registered[person.ident] = case_actions.returnee_register(actor=actor, data=data, distinct=distinct)
    return registered


def add_distractors(count: int, *, region: Region, operation: Operation, exclude=(), seed=DISTRACTOR_SEED) -> int:
    """For a database without `seed_scale`'s people (SQLite, tests): `count` other people with cases,
    their names from `name_variants.distractors`, loaded in bulk and then indexed."""
    rng = random.Random(seed)  # noqa: S311 - test data
    today = timezone.localdate()
    returnees = []
    for n, parts in enumerate(name_variants.distractors(count, seed=seed, exclude=exclude)):
        given, family, patronymic = (*parts, "")[:3]
        female = family.endswith(("а", "A", "a")) or rng.random() < 0.5
        born = _birth(rng, today, female)
        returnees.append(
            Returnee(
                case_number=f"D-{today.year}-{n + 1:06d}",
                given_name=given,
                family_name=family,
                patronymic=patronymic,
                sex="female" if female else "male",
                date_of_birth=born,
                operation=operation,
                arrival_date=today,
                region=region,
            )
        )
    Returnee.objects.bulk_create(returnees, batch_size=1000)
    Case.objects.bulk_create([Case(returnee=r, opened_on=today) for r in returnees], batch_size=1000)
    search.index_returnees([r.pk for r in returnees])
    return len(returnees)


# --- recall ----------------------------------------------------------------------------------------


def recall(user, labelled, registered: dict[int, Returnee], timings: list | None = None) -> dict[str, Recall]:
    """Recall per kind. A namesake listed before the person (another person whose own name is her
    given and family name in any spelling, with or without a patronymic: what the variants, most of
    which lack the patronymic, cannot tell apart) is left aside by `at_1` and `at_10`, counted by
    the strict figures."""
    results = {kind: Recall() for kind in KINDS}
    for person in labelled:
        target = registered[person.ident].pk
        short = f"{person.given} {person.family}"
        for kind in KINDS:
            text = person.variants[kind]
            started = time.perf_counter()
            ids = search.ranked_returnee_ids(user, text)
            if timings is not None:
                timings.append((time.perf_counter() - started) * 1000)
            strict = rank = None
            if target in ids:
                at = ids.index(target)
                strict = at + 1
                before = NameKey.objects.filter(returnee_id__in=ids[:at], source=NameKey.Source.NAME)
                namesakes = sum(_same_name(short, spelling) for spelling in before.values_list("spelling", flat=True))
                rank = strict - namesakes
                results[kind].namesaked += bool(namesakes)
            results[kind].add(rank, strict, (text, " ".join(person.parts), strict))
    return results


# --- the duplicate check ----------------------------------------------------------------------------


def _matches(user, name: str, sex: str, born: datetime.date | None) -> list:
    return search.probable_duplicates(user, names_given=[name], sex=sex, date_of_birth=born)


def reregistrations(user, labelled, registered: dict[int, Returnee], rng) -> dict[str, Alarms]:
    """Each labelled person registered again under each variant spelling, the same sex, a date of
    birth up to BIRTH_OFF_DAYS off or missing: is the original among the probable duplicates?"""
    results = {kind: Alarms() for kind in KINDS}
    for person in labelled:
        original = registered[person.ident]
        for kind in KINDS:
            born = None
            if rng.random() >= BIRTH_MISSING:
                born = original.date_of_birth + datetime.timedelta(days=rng.randint(-BIRTH_OFF_DAYS, BIRTH_OFF_DAYS))
            started = time.perf_counter()
            found = {m.returnee_id for m in _matches(user, person.variants[kind], original.sex, born)}
            result = results[kind]
            result.seconds += time.perf_counter() - started
            result.asked += 1
            result.flagged += original.pk in found
            if original.pk not in found and len(result.examples) < 5:
                result.examples.append(person.variants[kind])
    return results


def _same_name(a: str, b: str) -> bool:
    """Namesakes: the same name in any spelling, a patronymic one of them lacks aside."""
    return names.compare(a, b).kind in (MatchKind.EXACT, MatchKind.SAME_KEY)


def _alarm(user, alarms: Alarms, name: str, sex: str, born, keys: str, exclude: set[int] = frozenset()) -> None:
    started = time.perf_counter()
    found = [m.returnee_id for m in _matches(user, name, sex, born) if m.returnee_id not in exclude]
    alarms.seconds += time.perf_counter() - started
    alarms.asked += 1
    if found:
        alarms.flagged += 1
        flagged = NameKey.objects.filter(returnee_id__in=found, source=NameKey.Source.NAME)
        namesakes = all(_same_name(name, spelling) for spelling in flagged.values_list("spelling", flat=True))
        alarms.namesakes += namesakes
        if len(alarms.examples) < 5 and not namesakes:
            alarms.examples.append(name)


def distinct_people(
    user, labelled, registered, *, new_people: int, other_sex: int, years_apart: int, rng
) -> dict[str, Alarms]:
    """People who are not in the database, registered: does the check raise an alarm?

    - new fictional people (another seed of the generator; namesakes of recorded people occur as
      often as the name pools make them), with a date of birth, and a fifth as many without one;
    - recorded people's names (seed_scale's, not the labelled ones) given with the other sex;
    - recorded people's names given with a date of birth 3 to 20 years apart (a child named after a
      grandmother, cousins)."""
    today = timezone.localdate()
    dated, undated = "new people, with a date of birth", "new people, without a date of birth"
    groups = {dated: Alarms(), undated: Alarms(), "a recorded name, the other sex": Alarms()}
    groups["a recorded name, born years apart"] = Alarms()
    taken = {person.identity() for person in labelled}
    without = round(new_people * NEW_BIRTH_MISSING)
    drawn = name_variants.people(new_people + without + len(labelled), seed=NEW_PEOPLE_SEED)
    fresh = [person for person in drawn if person.identity() not in taken]
    for n, person in enumerate(fresh[: new_people + without]):
        born = _birth(rng, today, person.female) if n < new_people else None
        name = " ".join(person.parts)
        keys = " ".join(names.parse(name).keys)
        sex = "female" if person.female else "male"
        _alarm(user, groups[dated if born else undated], name, sex, born, keys)
    recorded = _recorded_sample(other_sex + years_apart, rng, exclude={r.pk for r in registered.values()})
    for n, (pk, name, sex, born, keys) in enumerate(recorded):
        if n < other_sex:
            other = "male" if sex == "female" else "female"
            _alarm(user, groups["a recorded name, the other sex"], name, other, born, keys, exclude={pk})
        else:
            years = rng.randint(3, 20) * rng.choice((-1, 1))
            moved = (born or today) + datetime.timedelta(days=365 * years + rng.randint(0, 364))
            _alarm(user, groups["a recorded name, born years apart"], name, sex, min(moved, today), keys, exclude={pk})
    return groups


def _recorded_sample(count: int, rng, exclude: set[int]) -> list[tuple]:
    """`count` recorded people (not those in `exclude`) picked at random by id, with their own
    name's spelling and keys. Ids are drawn between the lowest and the highest, and drawn again where
    they missed (a bounded number of times): ids need not start at 1 nor follow each other (a
    database whose sequences went on past rolled-back or deleted rows gave a short sample)."""
    bounds = Returnee.objects.aggregate(first=Min("pk"), last=Max("pk"))
    found: dict[int, tuple] = {}
    for _ in range(SAMPLE_DRAWS):
        if len(found) >= count or bounds["first"] is None:
            break
        wanted = {rng.randint(bounds["first"], bounds["last"]) for _ in range(count * 2)} - exclude - found.keys()
        rows = NameKey.objects.filter(returnee_id__in=sorted(wanted), source=NameKey.Source.NAME).values_list(
            "returnee_id", "spelling", "returnee__sex", "returnee__date_of_birth", "keys"
        )
        found.update((row[0], row) for row in rows)
    rows = sorted(found.values())
    rng.shuffle(rows)
    return rows[:count]


# --- the run -----------------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


def measure(
    *,
    labelled_count: int = 150,
    coordinator_people: int = 30,
    new_people: int = 1000,
    other_sex: int = 50,
    years_apart: int = 200,
    keep: bool = False,
    out: Callable[[str], None] = lambda line: None,
) -> Measurement:
    """The whole measurement on the current database (see the module docstring)."""
    result: list[Measurement] = []
    try:
        with transaction.atomic():
            result.append(_measure(labelled_count, coordinator_people, new_people, other_sex, years_apart, out=out))
            if not keep:
                raise _RolledBack
    except _RolledBack:
        pass
    return result[0]


def _users() -> tuple[User, User, User | None, Region]:
    """An administrator, the coordinator of the busiest region (where the labelled people are
    registered) and a coordinator of another region."""
    from django.db.models import Count

    admin = User.objects.filter(is_active=True, role=User.Role.ADMINISTRATOR).order_by("pk").first()
    coordinators = User.objects.filter(is_active=True, role=User.Role.COORDINATOR)
    busiest = coordinators.values("regions").annotate(n=Count("regions__returnees")).order_by("-n", "regions").first()
    if admin is None or busiest is None:
        raise ValueError("measure_search needs an administrator and a coordinator (run seed_scale first).")
    region = Region.objects.get(pk=busiest["regions"])
    coordinator = coordinators.filter(regions=region).order_by("pk").first()
    other = coordinators.exclude(regions=region).order_by("pk").first()
    return admin, coordinator, other, region


def _measure(labelled_count, coordinator_people, new_people, other_sex, years_apart, *, out) -> Measurement:
    rng = random.Random(DRAW_SEED)  # noqa: S311 - test data
    admin, coordinator, other_coordinator, region = _users()
    operation = Operation.objects.order_by("pk").first()
    labelled = name_variants.people(labelled_count, seed=LABELLED_SEED)
    out(f"Registering {len(labelled)} labelled people in {region}...")
    registered = register_labelled(labelled, actor=coordinator, region=region, operation=operation, rng=rng)
    people = Returnee.objects.count()
    out(f"Searching {len(labelled) * len(KINDS):,} variants among {people:,} people as {admin}...")
    timings: list[float] = []
    admin_recall = recall(admin, labelled, registered, timings)
    spot = labelled[:coordinator_people]
    out(f"Spot check as {coordinator}: {len(spot) * len(KINDS)} variants...")
    coordinator_recall = recall(coordinator, spot, registered)
    other_found = 0
    if other_coordinator is not None:
        ids = {r.pk for r in registered.values()}
        for person in spot:
            other_found += sum(
                bool(ids & set(search.ranked_returnee_ids(other_coordinator, person.variants[kind]))) for kind in KINDS
            )
    out(f"Duplicate check: {len(labelled) * len(KINDS):,} re-registrations...")
    duplicates = reregistrations(admin, labelled, registered, rng)
    distinct_count = round(new_people * (1 + NEW_BIRTH_MISSING)) + other_sex + years_apart
    out(f"Duplicate check: {distinct_count:,} distinct people...")
    distinct = distinct_people(
        admin, labelled, registered, new_people=new_people, other_sex=other_sex, years_apart=years_apart, rng=rng
    )
    return Measurement(
        people=people,
        labelled=len(labelled),
        admin=admin_recall,
        coordinator=coordinator_recall,
        coordinator_people=len(spot),
        other_region_found=other_found,
        duplicates=duplicates,
        distinct=distinct,
        search_ms=timings,
    )


# --- the report --------------------------------------------------------------------------------------

# Issue 15's targets.
TARGETS = {"at_10": 0.95, "at_1": 0.85, "kind_at_10": 0.90, "duplicates": 0.90, "false_alarms": 0.05}


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def report(m: Measurement) -> str:
    """The figures as Markdown: recall per kind and overall, the duplicate check, and the misses."""
    admin_all, coordinator_all = m.overall(m.admin), m.overall(m.coordinator)
    duplicates_all = Alarms()
    for each in m.duplicates.values():
        duplicates_all.asked += each.asked
        duplicates_all.flagged += each.flagged
        duplicates_all.seconds += each.seconds
    lines = [
        f"{m.labelled} labelled people × {len(KINDS)} kinds of spelling among {m.people:,} people; in "
        f"{admin_all.namesaked:,} searches a namesake (another person with her given and family name in "
        "any spelling) was listed before the person.",
        "",
        "| Kind | Queries | Recall@1 | Recall@10 | Strict @1 | Strict @10 | Coordinator @10 | Duplicate found |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for kind, r in [*m.admin.items(), ("**overall**", admin_all)]:
        c = m.coordinator.get(kind, coordinator_all)
        d = m.duplicates.get(kind, duplicates_all)
        lines.append(
            f"| {kind} | {r.queries:,} | {_pct(r.at_1, r.queries)} | {_pct(r.at_10, r.queries)} "
            f"| {_pct(r.strict_at_1, r.queries)} | {_pct(r.strict_at_10, r.queries)} "
            f"| {_pct(c.at_10, c.queries)} | {_pct(d.flagged, d.asked)} |"
        )
    lines += [
        "",
        f'Recall as an administrator; "strict" counts a namesake listed before the person as a miss. '
        f"Coordinator: the first {m.coordinator_people} people's variants searched for by the coordinator of "
        f"their region; the coordinator of another region found {m.other_region_found} of them "
        f"(of {m.coordinator_people * len(KINDS)} searches). The search itself (`ranked_returnee_ids`, no page): "
        f"median {sorted(m.search_ms)[len(m.search_ms) // 2]:.1f} ms, p95 {_p95(m.search_ms):.1f} ms per query. "
        f"Duplicate check: {duplicates_all.asked:,} re-registrations under a variant spelling "
        f"(same sex, date of birth up to {BIRTH_OFF_DAYS} days off, missing in {BIRTH_MISSING:.0%}), "
        f"{duplicates_all.seconds / max(1, duplicates_all.asked) * 1000:.0f} ms per check.",
        "",
        "| Distinct people registered | Checks | False alarms | Of which only namesakes | ms per check |",
        "|---|--:|--:|--:|--:|",
    ]
    total = Alarms()
    for group, a in m.distinct.items():
        total.asked += a.asked
        total.flagged += a.flagged
        total.namesakes += a.namesakes
        total.seconds += a.seconds
        lines.append(
            f"| {group} | {a.asked:,} | {a.flagged} ({_pct(a.flagged, a.asked)}) | {a.namesakes} "
            f"| {a.seconds / max(1, a.asked) * 1000:.0f} |"
        )
    lines.append(
        f"| **all** | {total.asked:,} | {total.flagged} ({_pct(total.flagged, total.asked)}) | {total.namesakes} "
        f"| {total.seconds / max(1, total.asked) * 1000:.0f} |"
    )
    misses = [miss for r in m.admin.values() for miss in r.misses]
    if misses:
        lines += ["", "Not in the first ten (query → registered name, position or not found):", ""]
        lines += [f"- {text} → {name}: {rank or 'not found'}" for text, name, rank in misses[:20]]
        if len(misses) > 20:
            lines.append(f"- … and {len(misses) - 20} more")
    return "\n".join(lines)


def misses_targets(m: Measurement) -> list[str]:
    """The targets of issue 15 this measurement misses."""
    missed = []
    overall = m.overall(m.admin)
    if overall.at_10 < TARGETS["at_10"] * overall.queries:
        missed.append(f"recall@10 {_pct(overall.at_10, overall.queries)} < 95%")
    if overall.at_1 < TARGETS["at_1"] * overall.queries:
        missed.append(f"recall@1 {_pct(overall.at_1, overall.queries)} < 85%")
    for kind, r in m.admin.items():
        if r.at_10 < TARGETS["kind_at_10"] * r.queries:
            missed.append(f"{kind} recall@10 {_pct(r.at_10, r.queries)} < 90%")
    asked = sum(a.asked for a in m.duplicates.values())
    found = sum(a.flagged for a in m.duplicates.values())
    if found < TARGETS["duplicates"] * asked:
        missed.append(f"duplicates found {_pct(found, asked)} < 90%")
    asked = sum(a.asked for a in m.distinct.values())
    alarms = sum(a.flagged for a in m.distinct.values())
    if alarms > TARGETS["false_alarms"] * asked:
        missed.append(f"false alarms {_pct(alarms, asked)} > 5%")
    return missed
