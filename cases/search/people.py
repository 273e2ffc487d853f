"""The people search (`find_people`): the query's words read as what they look like (a case number or
its numeric tail, a date or year of birth, a document number) and the rest as a name. Names are
looked up in two steps: PostgreSQL picks the CANDIDATES rows nearest the query's blocking text among
the rows the user may see that hold every word of the query, or else a word near each (a GIN index on
the rows' words, the vocabulary `NameWord` with a trigram index: `candidate_rows`, docs/search.md),
and `cases.names.compare` ranks them: exact spelling, then the same name in another spelling or script,
then close (a letter or two apart), a matching date of birth first within each, the person's own
names before their household's. Search terms are never logged."""

import dataclasses
import datetime
import re

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from repat.core.db_router import reading_replica

from .. import names
from ..names import MatchKind
from ..permissions import has_own_caseload, returnees_visible_to, sees_every_region

# Rows of the index the trigram step hands to the ranking: a person with several spellings fills
# several, so this is twice the page. On the labelled variants (repat/devtools/name_variants.py)
# the right person is among the first fifty for 99.9% of queries.
CANDIDATES = 100
# The most people a search lists: a longer list is not read, the query is refined instead.
LIMIT = 25
# Rows read per query on a database without trigram indexes (SQLite, the embedded default).
UNINDEXED_SCAN = 20_000
# PostgreSQL: rows holding the query's words (or words near them) read before the CANDIDATES nearest
# are picked, which bounds a search for one common word ("Fatima": tens of thousands at a million).
WORD_ROWS = 2_000
# The vocabulary's words taken as near one of the query (a letter or two apart, another spelling
# the keys do not fold): at most this many, within this trigram distance.
NEAR_WORDS = 12
NEAR_DISTANCE = 0.75
# PostgreSQL: a social worker's people (500 for the median caseload at a million, 1,500 index rows)
# are read as ids first when they are at most this many, and the index rows looked up among them.
# Joined in the lookup instead, each of the 1,100 rows holding a word near the query's was checked
# against her cases one by one (40 ms of PostgreSQL time; 3 to 6 ms from the ids: docs/search.md).
SMALL_SCOPE = 5_000


# A full case number (KG-2024-00017), with or without its dashes, or its year and number.
_CASE_NUMBER = re.compile(r"^(?:([^\W\d_]{1,5})-?)?(\d{4})-?(\d{1,6})$")
_NUMERIC_TAIL = re.compile(r"^\d{1,6}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


@dataclasses.dataclass
class Query:
    """What the words of a search are."""

    name: str = ""
    case_numbers: list[str] = dataclasses.field(default_factory=list)
    tails: list[str] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)  # document numbers, parts of case numbers
    born_on: datetime.date | None = None
    born_in: int | None = None

    @property
    def looks_up_numbers(self) -> bool:
        return bool(self.case_numbers or self.tails or self.codes)


def _date(word: str) -> datetime.date | None:
    match = _ISO_DATE.match(word)
    if match:
        year, month, day = match.groups()
    else:
        match = _LOCAL_DATE.match(word)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_query(text: str) -> Query:
    """The words of a search sorted by what they look like."""
    query, name_words = Query(), []
    for word in text.split():
        day = _date(word)
        if day:
            query.born_on = day
            continue
        if _YEAR.match(word) and int(word) <= timezone.localdate().year:
            query.born_in = int(word)
            query.tails.append(word)  # or the end of a case number
            continue
        if _NUMERIC_TAIL.match(word):
            query.tails.append(word)
            continue
        case_number = _CASE_NUMBER.match(word)
        if case_number:
            prefix, year, number = case_number.groups()
            if prefix:
                query.case_numbers.append(f"{prefix.upper()}-{year}-{int(number):05d}")
                query.codes.append(word)  # or a document's number (AC1234567)
            else:
                query.tails.append(f"{year}-{int(number):05d}")
            continue
        if any(char.isdigit() for char in word):
            query.codes.append(word)
            continue
        name_words.append(word)
    query.name = " ".join(name_words)
    return query


@dataclasses.dataclass
class Hit:
    """One person found, and why."""

    returnee_id: int
    tier: int  # 3 exact, 2 the same name another way, 1 close, 0 found by a number or a date
    score: float
    direct: bool  # by their own name or spelling (not their household's or a relative's)
    reason: str
    born_as_asked: bool = False
    returnee: object = None

    @property
    def rank(self) -> tuple:
        return (self.tier, self.born_as_asked, self.direct, self.score)


@dataclasses.dataclass
class Results:
    hits: list[Hit]
    more: bool  # more people matched than are listed
    query: Query


_TIERS = {MatchKind.EXACT: 3, MatchKind.SAME_KEY: 2, MatchKind.CLOSE: 1}


def _reason(source: str, kind: MatchKind, spelling: str) -> str:
    from ..models import NameKey

    if source == NameKey.Source.NAME:
        return {
            MatchKind.EXACT: gettext("The name as recorded"),
            MatchKind.SAME_KEY: gettext("The same name in another spelling or script"),
        }.get(kind, gettext("A similar name"))
    template = {
        NameKey.Source.ALIAS: gettext("Other spelling: %(name)s"),
        NameKey.Source.HOUSEHOLD: gettext("Household: %(name)s"),
        NameKey.Source.RELATIVE: gettext("Relative: %(name)s"),
    }[source]
    return template % {"name": spelling}


def _query_match(query: names.Name, spelling: str) -> tuple[MatchKind, float] | None:
    """How a row's spelling answers the query: every word of the query must find a word of the
    name (the name may have more: a surname alone finds the whole name), exactly, by key, a letter
    or two apart or as the start of a longer word; but a patronymic the name does not give."""
    target = names.parse(spelling)
    match = names.compare(query, target)
    kinds = []
    paired = {pair.a: pair for pair in match.pairs}
    target_patronymic = any(target.patronymic)
    for word, patronymic in zip(query.words, query.patronymic, strict=True):
        pair = paired.get(word.fold)
        if pair is not None and pair.kind != MatchKind.DIFFERENT:
            kinds.append(pair.kind)
        elif len(word.fold) >= 3 and any(
            other.fold.startswith(word.fold) or other.key.startswith(word.key) for other in target.words
        ):
            kinds.append(MatchKind.CLOSE)
        elif patronymic and not target_patronymic and len(query.words) > 1:
            continue  # a patronymic the record does not give (lists often leave it out)
        else:
            return None
    if all(kind == MatchKind.EXACT for kind in kinds):
        kind = MatchKind.EXACT
    elif all(kind in (MatchKind.EXACT, MatchKind.SAME_KEY) for kind in kinds):
        kind = MatchKind.SAME_KEY
    else:
        kind = MatchKind.CLOSE
    return kind, match.score


def required_words(name: names.Name) -> list[frozenset[str]]:
    """For each word of the query a row must answer, its blocking key (as `blocking_text` writes
    it): a patronymic may be missing from the row (lists often leave it out), so it is not required
    unless it is all the query holds."""
    words = [
        (names.loose(word.key), patronymic)
        for word, patronymic in zip(name.words, name.patronymic, strict=True)
        if len(word.key) >= 2
    ]
    required = [key for key, patronymic in words if not patronymic] or [key for key, _ in words]
    return [frozenset({key}) for key in dict.fromkeys(required)]


def _words_of(rows):
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import F, Func, TextField, Value

    # The expression of the GIN index namekey_words_idx (migration 0017).
    words = Func(F("blocking"), Value(" "), function="string_to_array", output_field=ArrayField(TextField()))
    return rows.alias(words=words)


# The vocabulary's words near one word of a query: the nearest NEAR_WORDS within NEAR_DISTANCE (the
# GiST trigram index on cases_nameword), and as many it begins (a name typed in part: "Toktos").
_NEAR_WORDS_SQL = (
    "ARRAY(SELECT near.word FROM (SELECT v.word, v.word <-> %s AS distance FROM cases_nameword v "
    "ORDER BY v.word <-> %s LIMIT %s) near WHERE near.distance <= %s "
    "UNION (SELECT v.word FROM cases_nameword v WHERE v.word LIKE %s LIMIT %s))"
)


def _near_words(word: str):
    """The vocabulary's words near `word`, as an SQL array the row lookup reads in the same statement."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import TextField
    from django.db.models.expressions import RawSQL

    prefix = f"{word}%" if len(word) >= 3 else word
    params = [word, word, NEAR_WORDS, NEAR_DISTANCE, prefix, NEAR_WORDS]
    # The SQL is a constant; the query's word is a parameter.
    return RawSQL(_NEAR_WORDS_SQL, params, output_field=ArrayField(TextField()))  # noqa: S611


def _nearest(rows, blocking: str, *conditions: Q) -> list[tuple[int, str, str]]:
    """The CANDIDATES rows nearest `blocking` (trigram distance) among the first WORD_ROWS rows
    meeting each of `conditions` (the word lookups, by the GIN index on the rows' words)."""
    from django.contrib.postgres.search import TrigramDistance

    from ..models import NameKey

    picked = Q()
    for each in conditions:
        picked |= Q(pk__in=_words_of(rows).filter(each).order_by().values("pk")[:WORD_ROWS])
    nearest = NameKey.objects.filter(picked).annotate(distance=TrigramDistance("blocking", blocking))
    return list(nearest.order_by("distance", "pk").values_list("returnee_id", "source", "spelling")[:CANDIDATES])


def _any_of(field: str, ids: list[int]):
    """`field = ANY(ids)`: the ids as one array parameter (PostgreSQL). `field__in=ids` writes one
    parameter per id, which Django and the driver take 5 ms to compose for a caseload of 500."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import BigIntegerField, BooleanField, F, Func, Value

    array = Value(ids, output_field=ArrayField(BigIntegerField()))
    return Func(F(field), array, arg_joiner=" = ANY(", template="%(expressions)s)", output_field=BooleanField())


def candidate_rows(
    visible, name: names.Name, *, rows=None, everyone: bool = False, one_query: bool = False
) -> list[tuple[int, str, str]]:
    """(returnee id, source, spelling) of the index rows (`rows`: all) nearest the query, among
    those of the `visible` returnees (a queryset, or their ids: `_scope`; `everyone`: every row, for
    whoever sees every record; the index holds no record merged into another): rows holding every
    word of the query (but a patronymic), or else a word near each, nearest first. `one_query`:
    both in one statement (the duplicate check's fixed number of queries), the near words always
    looked up."""
    from ..models import NameKey

    rows = NameKey.objects.all() if rows is None else rows
    if not everyone:
        rows = (
            rows.filter(_any_of("returnee_id", visible))
            if isinstance(visible, list)
            else rows.filter(returnee__in=visible)
        )
    blocking = names.blocking_text(name)
    required = required_words(name)
    if not required:
        return []
    if connection.vendor == "postgresql":
        every_word = [word for words in required for word in words]
        near = Q()
        for word in every_word:
            near &= Q(words__overlap=_near_words(word))
        if one_query:
            return _nearest(rows, blocking, Q(words__contains=every_word), near)
        found = _nearest(rows, blocking, Q(words__contains=every_word))
        if len({row[0] for row in found}) >= LIMIT and not any(name.guessed):
            # A page of people holding every word: nearer words would only rank below them (a word
            # guessed from Arabic script can meet its name by key, so it is always looked further).
            return found
        seen = set(found)
        return found + [row for row in _nearest(rows, blocking, near) if row not in seen][: CANDIDATES - len(found)]
    # SQLite (no trigram index): the first UNINDEXED_SCAN rows, scored as pg_trgm would, those
    # sharing nothing with a word of the query left out.
    wanted = names.trigrams(blocking)
    each_word = [names.trigrams(" ".join(words)) for words in required]
    scored = []
    for returnee_id, source, spelling, text in rows.values_list("returnee_id", "source", "spelling", "blocking")[
        :UNINDEXED_SCAN
    ]:
        grams = names.trigrams(text)
        if not all(len(grams & word) >= 2 for word in each_word):
            continue
        scored.append((len(grams & wanted) / len(grams | wanted), returnee_id, source, spelling))
    scored.sort(key=lambda row: row[0], reverse=True)
    return [row[1:] for row in scored[:CANDIDATES]]


def _name_hits(visible, text: str, *, everyone: bool = False) -> dict[int, Hit]:
    from ..models import NameKey

    query = names.parse(text)
    if not query:
        return {}
    hits: dict[int, Hit] = {}
    for returnee_id, source, spelling in candidate_rows(visible, query, everyone=everyone):
        found = _query_match(query, spelling)
        if found is None:
            continue
        kind, score = found
        direct = source in (NameKey.Source.NAME, NameKey.Source.ALIAS)
        hit = Hit(returnee_id, _TIERS[kind], score, direct, _reason(source, kind, spelling))
        if returnee_id not in hits or hit.rank > hits[returnee_id].rank:
            hits[returnee_id] = hit
    return hits


def _number_hits(visible, query: Query) -> dict[int, Hit]:
    from ..models import IdentityDocument, Returnee

    hits = {}
    if query.case_numbers:
        # A whole case number: its row by the unique index. Looking for it inside other numbers as
        # well (below) costs a trigram scan over every case number (35 to 140 ms at a million).
        for pk in visible.filter(case_number__in=query.case_numbers).values_list("pk", flat=True)[: LIMIT + 1]:
            hits[pk] = Hit(pk, 0, 1.0, True, gettext("Case number"))
    by_case = Q(case_number__in=query.case_numbers) if query.case_numbers else Q()
    for tail in query.tails:
        padded = f"{int(tail):05d}" if tail.isdigit() else tail
        by_case |= Q(case_number__iendswith=f"-{padded}") | Q(case_number__iendswith=f"-{tail}")
    for code in query.codes:
        by_case |= Q(case_number__icontains=code)
    if by_case and not hits:
        for pk in visible.filter(by_case).values_list("pk", flat=True)[: LIMIT + 1]:
            hits[pk] = Hit(pk, 0, 1.0, True, gettext("Case number"))
        # The case number of a record merged into another finds the record it became.
        became = Returnee.objects.filter(by_case, merged_into__isnull=False).values("merged_into")
        for pk in visible.filter(pk__in=became).values_list("pk", flat=True)[: LIMIT + 1]:
            hits.setdefault(pk, Hit(pk, 0, 1.0, True, gettext("Former case number")))
    if query.codes:
        documents = IdentityDocument.objects.filter(returnee__in=visible, number__iexact=query.codes[0])
        for pk in documents.values_list("returnee_id", flat=True)[: LIMIT + 1]:
            hits.setdefault(pk, Hit(pk, 0, 1.0, True, gettext("Document number")))
    return hits


def _birth_condition(query: Query) -> Q | None:
    if query.born_on:
        return Q(date_of_birth=query.born_on)
    if query.born_in:
        return Q(
            date_of_birth__gte=datetime.date(query.born_in, 1, 1),
            date_of_birth__lte=datetime.date(query.born_in, 12, 31),
        )
    return None


def _scope(user, visible):
    """Whom the name lookup reads rows of: for a social worker on PostgreSQL, the ids of the people
    she may see when they are at most SMALL_SCOPE (one query on her cases' index), so that the
    lookup starts from her rows rather than checking rows found by word against her cases; else
    `visible` itself (a region's people are too many to list, and checked in the lookup)."""
    if connection.vendor != "postgresql" or not has_own_caseload(user):
        return visible
    ids = list(visible.order_by().values_list("pk", flat=True)[: SMALL_SCOPE + 1])
    return ids if len(ids) <= SMALL_SCOPE else visible


def _ranked(user, query: Query) -> list[Hit]:
    visible = returnees_visible_to(user)
    born = _birth_condition(query)
    everyone = sees_every_region(user)
    scope = None  # read once, when a name is looked up

    def by_name(text: str) -> dict[int, Hit]:
        nonlocal scope
        if scope is None:
            scope = _scope(user, visible)
        return _name_hits(scope, text, everyone=everyone)

    hits = by_name(query.name) if query.name else {}
    if not hits and query.looks_up_numbers:
        hits = _number_hits(visible, query)
    if not hits and query.codes:
        # Not a number after all: a name written with digits (a list's "Aisha2"), or a typo.
        hits = by_name(" ".join([query.name, *query.codes]))
    if not query.name and born is not None:
        # A year is also the end of some case number: both are listed, the case numbers first.
        for pk in _born(visible, born):
            hits.setdefault(pk, Hit(pk, 0, 0.5, True, gettext("Date of birth")))
    elif born is not None and hits:
        for pk in visible.filter(born, pk__in=list(hits)).values_list("pk", flat=True):
            hits[pk].born_as_asked = True
    return sorted(hits.values(), key=lambda hit: hit.rank, reverse=True)


@reading_replica()
def find_people(user, text: str, *, limit: int = LIMIT) -> Results:
    """The people `user` may see that a search matches, best first (see the module's docstring).
    `text` is a search box's cleaned value (`repat.core.search.search_text`). May read from the
    replica: someone registered a second ago on another node may be missing for that second, never
    after the searcher's own save (repat/core/db_router.py)."""
    from ..models import Returnee

    query = read_query(text)
    ranked = _ranked(user, query)
    shown = ranked[:limit]
    people = Returnee.objects.select_related("region", "operation", "membership__family").in_bulk(
        [hit.returnee_id for hit in shown]
    )
    for hit in shown:
        hit.returnee = people[hit.returnee_id]
    return Results([hit for hit in shown if hit.returnee], more=len(ranked) > limit, query=query)


def _born(visible, condition: Q) -> list[int]:
    return list(
        visible.filter(condition).order_by("family_name", "given_name", "pk").values_list("pk", flat=True)[: LIMIT + 1]
    )


@reading_replica()
def ranked_returnee_ids(user, text: str) -> list[int]:
    """The ids of the people a search finds, best first (the caseload's search box)."""
    return [hit.returnee_id for hit in _ranked(user, read_query(text))]
