"""The duplicate check: whether a person being registered (by hand, in a family, from a manifest) is
probably someone already recorded: by name in any spelling or script, by date of birth and mother."""

import dataclasses
import datetime
from collections.abc import Callable, Iterable

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from .. import names
from ..models.registration import DatePrecision, date_span
from ..permissions import returnees_visible_to
from .people import candidate_rows

# A person registered again is "probably the same" when their names score at least this (a letter or
# two apart, or the same name in another spelling or script) and nothing else tells them apart.
DUPLICATE_NAME = names.CLOSE_NAME
# Dates of birth whose periods (a day, a month, a year, an estimate: a year either side of its year;
# `date_span`) lie further apart than a year are two people: the second date a guess a year out is
# still the same person (issue 15: "date of birth within about a year").
DUPLICATE_BIRTH_DAYS = 366
# The furthest apart two stored dates of birth can be and still be judged within a year (each period
# lies within two years of its stored day): what a query may filter on before `judge_duplicate`.
DUPLICATE_BIRTH_BOUND = 2 * 731 + DUPLICATE_BIRTH_DAYS
# Spellings of the new person looked up (one query each): a form has the name and a few others;
# more would be a pasted list, and its first ones are the ones typed with care.
DUPLICATE_SPELLINGS = 8

_NAME_KIND_ORDER = (names.MatchKind.EXACT, names.MatchKind.SAME_KEY, names.MatchKind.CLOSE)


@dataclasses.dataclass
class ProbableMatch:
    """A recorded person who is probably the one being registered, and what speaks for it."""

    returnee_id: int
    score: float
    same_birth: bool  # born within a year of each other
    same_operation: bool
    same_mother: bool
    visible: bool = False
    returnee: object = None
    name_kind: str = names.MatchKind.CLOSE
    birth_days: int | None = None  # days between the two dates of birth, when both are known

    @property
    def reasons(self) -> list[str]:
        """What speaks for the match, in words (a worker reads them, not scores)."""
        said = [
            {
                names.MatchKind.EXACT: gettext("The same name"),
                names.MatchKind.SAME_KEY: gettext("The same name in another spelling or script"),
            }.get(self.name_kind, gettext("A similar name"))
        ]
        if self.birth_days == 0:
            said.append(gettext("The same date of birth"))
        elif self.same_birth:
            said.append(gettext("Born less than a year apart"))
        if self.same_operation:
            said.append(gettext("The same operation"))
        if self.same_mother:
            said.append(gettext("The same mother's name"))
        return said


def _near_people(spellings: list[names.Name]) -> set[int]:
    """Ids of the people whose own names or other spellings are nearest any of `spellings`."""
    from ..models import NameKey, Returnee

    rows = NameKey.objects.filter(source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS])
    found = set()
    for spelling in spellings:
        rows_found = candidate_rows(Returnee.objects.all(), spelling, rows=rows, everyone=True, one_query=True)
        found.update(row[0] for row in rows_found)
    return found


def distinct_spellings(names_given: Iterable[str]) -> list[names.Name]:
    spellings, seen = [], set()
    for parsed in map(names.parse, names_given):
        blocking = names.blocking_text(parsed) if parsed else ""
        if blocking and blocking not in seen:
            seen.add(blocking)
            spellings.append(parsed)
    return spellings[:DUPLICATE_SPELLINGS]


def _own_name(name: names.Name) -> names.Name:
    """A name without the father's name marked in it (Saidova Hajar Aziz qizi), which
    `_best_name_match` weighs apart, so that a record giving it is as likely a match for a
    registration that does not; kept when it stands for the family name (Бакыт уулу Тамим)."""
    words = tuple(word for word in name.words if not word.father)
    return names.Name(words) if len(words) >= 2 and len(words) < len(name.words) else name


@dataclasses.dataclass
class _NameMatch:
    score: float
    kind: str
    # The registration's words that only met a recorded word by being close to it (a letter or two
    # apart; not merely another ending), as blocking keys: when a recorded name holds one as it is
    # written, it is another name.
    close_words: frozenset[str] = frozenset()


def _best_name_match(spellings: list[names.Name], recorded: list[names.Name]) -> _NameMatch:
    """The best score between any two spellings and the best kind of match (exact first), with
    the close words of the best match. A registration and a record naming different fathers
    (Бакытовна, Akmal qizi, Бакыт кызы: `names.father`) are two people, whatever their names."""
    fathers = {names.father(name) for name in spellings} - {""}
    recorded_fathers = {names.father(name) for name in recorded} - {""}
    if fathers and recorded_fathers and not any(names.same_father(a, b) for a in fathers for b in recorded_fathers):
        return _NameMatch(0.0, names.MatchKind.DIFFERENT)
    best, rank, close = 0.0, len(_NAME_KIND_ORDER), frozenset()
    for a in map(_own_name, spellings):
        for b in map(_own_name, recorded):
            match = names.compare(a, b)
            # Two paired words that are not one name (Гүлнара, Гүлмира) score nothing: a long shared
            # family name would otherwise carry the score (docs/search.md).
            if not any(pair.kind == names.MatchKind.DIFFERENT for pair in match.pairs) and match.score > best:
                best = match.score
                keys_a = {word.fold: word.key for word in a.words}
                keys_b = {word.fold: word.key for word in b.words}
                close = frozenset(
                    names.loose(keys_a[pair.a])
                    for pair in match.pairs
                    if pair.kind == names.MatchKind.CLOSE and not _other_ending(keys_a[pair.a], keys_b[pair.b])
                )
            if match.kind in _NAME_KIND_ORDER:
                rank = min(rank, _NAME_KIND_ORDER.index(match.kind))
    kind = _NAME_KIND_ORDER[rank] if rank < len(_NAME_KIND_ORDER) else names.MatchKind.DIFFERENT
    return _NameMatch(best, kind, close if kind == names.MatchKind.CLOSE else frozenset())


def _other_ending(a: str, b: str) -> bool:
    """Two keys of one name with another ending (Тологонов for Тологонова, Валерий for Валерия):
    the other sex's form of the name is a slip, even though people bear it."""
    return a[:-1] == b[:-1] or a == b[:-1] or b == a[:-1]


def _known_words(spellings: list[names.Name]) -> set[str]:
    """The blocking keys of the registration's words that some recorded name holds (the vocabulary)."""
    from ..models import NameWord

    words = {names.loose(word.key) for name in spellings for word in name.words}
    return set(NameWord.objects.filter(word__in=words).values_list("word", flat=True))


class KnownWords:
    """The blocking keys of a registration's words that some recorded name holds, asked for once
    and only when a rule needs them (`judge_duplicate`)."""

    def __init__(self, spellings: list[names.Name]):
        self.spellings, self.words = spellings, None

    def __call__(self) -> set[str]:
        if self.words is None:
            self.words = _known_words(self.spellings)
        return self.words


def birth_gap(
    born: datetime.date | None, precision: str, other: datetime.date | None, other_precision: str
) -> int | None:
    """Days between the periods two dates of birth stand for (0 when they overlap: 2015 and
    2015-06-01), None when either is unknown."""
    if born is None or other is None:
        return None
    first, last = date_span(born, precision or DatePrecision.EXACT)
    other_first, other_last = date_span(other, other_precision or DatePrecision.EXACT)
    return max(0, (other_first - last).days, (first - other_last).days)


def other_mothers(mother: names.Name | None, recorded_mother: str) -> bool:
    """Two children whose mothers' names share no name (not one word the same name in any spelling
    or a letter or two apart) have two mothers, so are two children. A mother recorded under her
    maiden name in one household and her husband's in the other still shares her given name."""
    if not mother or not recorded_mother:
        return False
    match = names.compare(mother, recorded_mother)
    return not match.pairs or all(pair.kind == names.MatchKind.DIFFERENT for pair in match.pairs)


def recorded_mothers(ids: Iterable[int]) -> dict[int, str]:
    """{returnee id: the name of their household's mother} for those of `ids` who are a child in a
    household with a mother (recorded as a person or by name only)."""
    from ..models import FamilyMember

    mothers = {}
    for returnee_id, mother_id, *parts in FamilyMember.objects.filter(
        family__members__returnee_id__in=ids,
        family__members__relationship=FamilyMember.Relationship.CHILD,
        relationship=FamilyMember.Relationship.MOTHER,
    ).values_list(
        "family__members__returnee_id", "returnee_id", "full_name", "returnee__family_name", "returnee__given_name"
    ):
        if returnee_id != mother_id:
            mothers[returnee_id] = " ".join(part for part in parts if part)
    return mothers


def judge_duplicate(
    spellings: list[names.Name],
    recorded: list[names.Name],
    *,
    returnee_id: int,
    sex: str,
    recorded_sex: str,
    date_of_birth: datetime.date | None,
    recorded_birth: datetime.date | None,
    operation_id: int | None,
    recorded_operation_id: int | None,
    mother: names.Name | None,
    recorded_mother: str,
    known: Callable[[], set[str]],
    birth_precision: str = DatePrecision.EXACT,
    recorded_birth_precision: str = DatePrecision.EXACT,
) -> ProbableMatch | None:
    """Is one recorded person probably the person being registered? The rules of the duplicate
    check (docs/search.md), for a registration (`probable_duplicates`) and a manifest's row alike.
    `recorded_mother`: the mother of the recorded person's household when that person is a child
    in it; `mother`: the registered child's."""
    named = _best_name_match(spellings, recorded)
    score, kind = named.score, named.kind
    if score < DUPLICATE_NAME and kind not in (names.MatchKind.EXACT, names.MatchKind.SAME_KEY):
        return None
    if sex and recorded_sex and sex != recorded_sex:
        return None
    # Births whose periods lie more than a year apart: two people, whatever the names.
    gap = birth_gap(date_of_birth, birth_precision, recorded_birth, recorded_birth_precision)
    if gap is not None and gap > DUPLICATE_BIRTH_DAYS:
        return None
    # Two children of two mothers are two children.
    if other_mothers(mother, recorded_mother):
        return None
    # Without a birth date to tell, a close word that other people's names hold as it is written
    # (Фируза for Феруза, Нурманбетова for Урманбетова) is another name, not a slip.
    if kind == names.MatchKind.CLOSE and gap is None and named.close_words & known():
        return None
    apart = abs((date_of_birth - recorded_birth).days) if date_of_birth and recorded_birth else None
    return ProbableMatch(
        returnee_id,
        score,
        same_birth=gap is not None,
        same_operation=bool(operation_id and operation_id == recorded_operation_id),
        same_mother=bool(mother and recorded_mother and names.similarity(mother, recorded_mother) >= DUPLICATE_NAME),
        name_kind=kind,
        birth_days=apart,
    )


def sort_matches(matches: list[ProbableMatch]) -> None:
    """Best first: the name's score, a little more for each of the same birth, operation and mother."""
    matches.sort(
        key=lambda m: (m.score + 0.05 * (m.same_birth + m.same_operation + m.same_mother), -m.returnee_id),
        reverse=True,
    )


def probable_duplicates(
    user,
    *,
    names_given: Iterable[str],
    sex: str = "",
    date_of_birth: datetime.date | None = None,
    date_of_birth_precision: str = DatePrecision.EXACT,
    operation_id: int | None = None,
    mother_name: str = "",
    exclude: int | None = None,
) -> list[ProbableMatch]:
    """The recorded people who are probably the person about to be registered, best first, among
    everyone (not only those `user` may see: each match says whether `user` may, and a caller
    must not show the others in detail). `names_given`: the full name and other spellings.
    A fixed number of queries: one per spelling (at most DUPLICATE_SPELLINGS), six more."""
    from ..models import NameKey, Returnee

    spellings = distinct_spellings(names_given)
    if not spellings:
        return []
    ids = _near_people(spellings) - {exclude}
    if not ids:
        return []
    people = Returnee.objects.filter(pk__in=ids).values(
        "pk", "sex", "date_of_birth", "date_of_birth_precision", "operation_id"
    )
    recorded: dict[int, list[names.Name]] = {}
    for returnee_id, spelling in NameKey.objects.filter(
        returnee_id__in=ids, source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS]
    ).values_list("returnee_id", "spelling"):
        recorded.setdefault(returnee_id, []).append(names.parse(spelling))
    mothers = recorded_mothers(ids)
    mother = names.parse(mother_name) if mother_name else None
    known = KnownWords(spellings)
    matches = []
    for person in people:
        match = judge_duplicate(
            spellings,
            recorded.get(person["pk"], []),
            returnee_id=person["pk"],
            sex=sex,
            recorded_sex=person["sex"],
            date_of_birth=date_of_birth,
            recorded_birth=person["date_of_birth"],
            birth_precision=date_of_birth_precision,
            recorded_birth_precision=person["date_of_birth_precision"],
            operation_id=operation_id,
            recorded_operation_id=person["operation_id"],
            mother=mother,
            recorded_mother=mothers.get(person["pk"], ""),
            known=known,
        )
        if match is not None:
            matches.append(match)
    sort_matches(matches)
    visible = set(
        returnees_visible_to(user).filter(pk__in=[m.returnee_id for m in matches]).values_list("pk", flat=True)
    )
    people_shown = (
        Returnee.objects.select_related("region", "operation", "case").in_bulk(list(visible)) if visible else {}
    )
    for match in matches:
        match.visible = match.returnee_id in visible
        match.returnee = people_shown.get(match.returnee_id)
    return matches


def registration_duplicates(
    user,
    *,
    data: dict,
    aliases: Iterable[str] = (),
    family=None,
    relationship: str = "",
    mother_name: str | None = None,
) -> list[ProbableMatch]:
    """`probable_duplicates` for a registration's data (what `returnee_register` takes): the full
    name and other spellings, sex, date of birth, operation, and the mother's name when the person
    joins a household as a child and the household has a mother (or `mother_name`, when she is
    registered in the same go and not in the household yet: `family_register`)."""
    from ..models import FamilyMember

    full_name = " ".join(data.get(part) or "" for part in ("family_name", "given_name", "patronymic")).strip()
    operation = data.get("operation")
    if mother_name is None and family is not None and relationship == FamilyMember.Relationship.CHILD:
        mother = (
            family.members.filter(relationship=FamilyMember.Relationship.MOTHER)
            .select_related("returnee")
            .order_by("pk")
            .first()
        )
        if mother is not None:
            mother_name = mother.returnee.full_name if mother.returnee_id else mother.full_name
    return probable_duplicates(
        user,
        names_given=[full_name, *aliases],
        sex=data.get("sex") or "",
        date_of_birth=data.get("date_of_birth"),
        date_of_birth_precision=data.get("date_of_birth_precision") or DatePrecision.EXACT,
        operation_id=getattr(operation, "pk", operation),
        mother_name=mother_name or "",
    )


def duplicates_fingerprint(user, matches: Iterable[ProbableMatch]) -> str:
    """What ties a "different person" confirmation to the matches the worker was shown: a keyed
    digest of their ids (and the worker's), so the page carries no id of a person the worker may
    not see, and a confirmation given for one set of matches does not pass another."""
    ids = ",".join(str(pk) for pk in sorted(m.returnee_id for m in matches))
    return salted_hmac("cases.search.duplicates", f"{user.pk}:{ids}").hexdigest()
