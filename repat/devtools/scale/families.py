"""Families and the people in them: households planned a chunk at a time (a mother and her
children, children headed by a grandmother, the relatives recorded by name), each returnee's
names, birth and citizenship, and the course their case will take; then their rows."""

import functools
import json

from cases import actions as case_actions
from cases import search
from cases.models import Family, FamilyMember, NameKey, Returnee, ReturneeAlias
from repat.devtools.scale import names
from repat.devtools.scale.base import FamilyPlan, Person, SeederBase
from repat.devtools.scale.names import HIGH_RISK, HOME_ABROAD, RELATIVE_NOTES, SPECIAL_NEEDS, STREETS
from repat.devtools.scale.naming import POOL_NORTH, POOL_SOUTH, POOLS, SOUTH, Pool, latin
from repat.devtools.scale.randomness import Weighted

LANGUAGES_JSON: dict = {}  # ("ky", "ru") -> '["ky", "ru"]', made once


class FamilySeeding(SeederBase):
    """Plans families and their people (with the course of each case), then writes their rows."""

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

    NAME_KEY_FIELDS = ("id", "returnee", "source", "spelling", "keys", "blocking")

    @functools.cached_property
    def _spelling_keys(self):
        # Names come from pools and households are shared: most spellings recur, so their keys are
        # computed once (a bounded cache: a million people have about as many distinct names).
        return functools.lru_cache(maxsize=200_000)(search.spelling_keys)

    def name_key_rows(self, families):
        """The name index rows (cases.search) of the chunk's people, which COPY bypasses the signals
        that keep them: built here with the search's own row builder."""
        keys = self._spelling_keys
        for f in families:
            relatives = [name for name, *_ in f.relatives]
            for p in f.people:
                spellings = search.returnee_spellings(p.full_name, [name for name, _ in p.aliases], f.name, relatives)
                for source, spelling, key_text, blocking in search.index_values(spellings, keys=keys):
                    yield (self.next_id(NameKey), p.id, source, spelling, key_text, blocking)
