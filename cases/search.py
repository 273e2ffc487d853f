"""Finding people (issue 15): the name index kept beside the records, and the ranked search over it.

Every way a returnee can be found by name (their own name, each other spelling, their household's
name, a name-only relative's) is a `NameKey` row holding the keys of `cases.names`. The rows are
derived data: `index_returnees` rebuilds a returnee's rows whenever one of those records is saved
(the signal receivers below, connected in `CasesConfig.ready`), and `manage.py reindex_names` rebuilds
them all after a bulk load or a change of the name rules.

A search (`find_people`) reads the query's words as what they look like (a case number or its
numeric tail, a date or year of birth, a document number) and the rest as a name. Names are
looked up in two steps: PostgreSQL picks the CANDIDATES rows nearest the query's blocking text among
the rows the user may see that hold every word of the query, or else a word near each (a GIN index on
the rows' words, the vocabulary `NameWord` with a trigram index: `_candidate_rows`, docs/search.md),
and `cases.names.compare` ranks them: exact spelling, then the same name in another spelling or script,
then close (a letter or two apart), a matching date of birth first within each, the person's own
names before their household's. Search terms are never logged."""

import contextlib
import contextvars
import dataclasses
import datetime
import re
from collections.abc import Callable, Iterable

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from repat.core.db_router import reading_replica

from . import names
from .models.registration import DatePrecision, date_span
from .names import MatchKind
from .permissions import has_own_caseload, returnees_visible_to, sees_every_region

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
# How many rows `index_returnees` rebuilds per statement.
BATCH = 2_000
# PostgreSQL: a social worker's people (500 for the median caseload at a million, 1,500 index rows)
# are read as ids first when they are at most this many, and the index rows looked up among them.
# Joined in the lookup instead, each of the 1,100 rows holding a word near the query's was checked
# against her cases one by one (40 ms of PostgreSQL time; 3 to 6 ms from the ids: docs/search.md).
SMALL_SCOPE = 5_000


# --- the index ---------------------------------------------------------------------------------------


def spelling_keys(spelling: str) -> tuple[str, str, str] | None:
    """(the spelling as stored, its keys, its blocking text): one index row's derived columns, or
    None when the spelling cannot be a name."""
    spelling = " ".join(spelling.split())[:300]
    parsed = names.parse(spelling)
    if not parsed:
        return None
    # Latin can be longer than the script it came from (щ is shch): the columns hold 300.
    return spelling, " ".join(parsed.keys)[:300], names.blocking_text(parsed)[:300]


def index_values(spellings: Iterable[tuple[str, str]], *, keys=spelling_keys) -> list[tuple[str, str, str, str]]:
    """The index rows of one returnee as (source, spelling, keys, blocking), from their
    (source, spelling) pairs: what `index_returnees` saves, and what a bulk loader (seed_scale)
    copies itself. `keys`: `spelling_keys`, or a cached version of it."""
    rows, seen = [], set()
    for source, spelling in spellings:
        derived = keys(spelling)
        if derived is None or (source, derived[0]) in seen:
            continue
        seen.add((source, derived[0]))
        rows.append((source, *derived))
    return rows


def returnee_spellings(
    name: str, aliases: Iterable[str] = (), household: str = "", relatives: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """A returnee's (source, spelling) pairs: their own name (family name, given name, patronymic),
    other spellings, household's name and name-only relatives."""
    from .models import NameKey

    Source = NameKey.Source
    spellings = [(Source.NAME, name)]
    spellings += [(Source.ALIAS, alias) for alias in aliases]
    if household:
        spellings.append((Source.HOUSEHOLD, household))
    spellings += [(Source.RELATIVE, relative) for relative in relatives]
    return spellings


def _spelling_rows(NameKey, returnee_id: int, spellings: Iterable[tuple[str, str]]) -> Iterable:
    for source, spelling, keys, blocking in index_values(spellings):
        yield NameKey(returnee_id=returnee_id, source=source, spelling=spelling, keys=keys, blocking=blocking)


def _rows(ids: list[int], apps) -> list:
    Returnee = apps.get_model("cases", "Returnee")
    ReturneeAlias = apps.get_model("cases", "ReturneeAlias")
    FamilyMember = apps.get_model("cases", "FamilyMember")
    NameKey = apps.get_model("cases", "NameKey")
    Source = global_apps.get_model("cases", "NameKey").Source

    people = Returnee.objects.filter(pk__in=ids)
    if any(field.name == "merged_into" for field in Returnee._meta.fields):  # (not in migration 0014's models)
        # A record merged into another is found through the record it became, never by itself.
        people = people.filter(merged_into__isnull=True)
    spellings: dict[int, list[tuple[str, str]]] = {}
    for pk, *parts in people.values_list("pk", "family_name", "given_name", "patronymic"):
        spellings[pk] = [(Source.NAME, " ".join(part for part in parts if part))]
    ids = list(spellings)
    for returnee_id, name in ReturneeAlias.objects.filter(returnee_id__in=ids).values_list("returnee_id", "name"):
        spellings[returnee_id].append((Source.ALIAS, name))
    households = {}
    for returnee_id, family_id, household in FamilyMember.objects.filter(returnee_id__in=ids).values_list(
        "returnee_id", "family_id", "family__name"
    ):
        households[returnee_id] = family_id
        spellings[returnee_id].append((Source.HOUSEHOLD, household))
    relatives: dict[int, list[str]] = {}
    named_only = FamilyMember.objects.filter(family_id__in=set(households.values()), returnee__isnull=True)
    for family_id, full_name in named_only.values_list("family_id", "full_name"):
        relatives.setdefault(family_id, []).append(full_name)
    for returnee_id, family_id in households.items():
        spellings[returnee_id].extend((Source.RELATIVE, name) for name in relatives.get(family_id, ()))
    return [row for pk, found in spellings.items() for row in _spelling_rows(NameKey, pk, found)]


def index_returnees(returnee_ids: Iterable[int], *, apps=global_apps) -> int:
    """Rebuild the name index rows of these returnees from their records, and add their words to
    the vocabulary; the number of rows written. `apps`: a migration's historical models."""
    NameKey = apps.get_model("cases", "NameKey")
    NameWord = apps.get_model("cases", "NameWord")
    written = 0
    ids = sorted(set(returnee_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = _rows(chunk, apps)
        with transaction.atomic():
            NameKey.objects.filter(returnee_id__in=chunk).delete()
            _add_rows(NameKey, NameWord, rows)
        written += len(rows)
    return written


def _add_rows(NameKey, NameWord, rows: list) -> None:
    """Save index rows, and their words to the vocabulary."""
    words = {word for row in rows for word in row.blocking.split()}
    NameKey.objects.bulk_create(rows, batch_size=BATCH)
    NameWord.objects.bulk_create([NameWord(word=w) for w in words], batch_size=BATCH, ignore_conflicts=True)


def _index_new_returnee(returnee) -> None:
    """The rows of a returnee just registered: their own name only, from the record in hand. Nothing
    else names them yet (an other spelling or a household needs their row first), so there is nothing
    to read back or to delete: 2 statements where `index_returnees` takes 6."""
    from .models import NameKey, NameWord

    if returnee.merged_into_id:
        return
    _add_rows(NameKey, NameWord, list(_spelling_rows(NameKey, returnee.pk, returnee_spellings(returnee.full_name))))


def fill_vocabulary(*, apps=global_apps) -> None:
    """Add every word of the index rows to the vocabulary (after a bulk load: seed_scale)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_nameword (word) SELECT DISTINCT unnest(string_to_array(blocking, ' ')) "
                "FROM cases_namekey ON CONFLICT DO NOTHING"
            )
        return
    NameKey = apps.get_model("cases", "NameKey")
    NameWord = apps.get_model("cases", "NameWord")
    words = {word for text in NameKey.objects.values_list("blocking", flat=True).iterator() for word in text.split()}
    NameWord.objects.bulk_create([NameWord(word=w) for w in words], batch_size=BATCH, ignore_conflicts=True)


def reindex_all(*, apps=global_apps, progress=None) -> int:
    """Rebuild every returnee's rows, a batch at a time (for `manage.py reindex_names`)."""
    Returnee = apps.get_model("cases", "Returnee")
    written, last = 0, 0
    while True:
        ids = list(Returnee.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return written
        written += index_returnees(ids, apps=apps)
        last = ids[-1]
        if progress:
            progress(last, written)


# Receivers (connected in CasesConfig.ready): the index follows every save of what it is built from.

_NAME_FIELDS = {"given_name", "family_name", "patronymic"}
# Inside `indexing_deferred()`: the returnees and families whose rows are rebuilt when it ends.
_deferred: contextvars.ContextVar[tuple[set, set] | None] = contextvars.ContextVar("namekey_deferred", default=None)


@contextlib.contextmanager
def indexing_deferred():
    """Rebuild the index rows of the returnees saved inside this block once, when it ends, instead
    of at each save (a manifest import saves each person three times and each household's members
    once per member). For a caller that needs no lookup by name inside the block."""
    if _deferred.get() is not None:
        yield
        return
    pending: tuple[set, set] = (set(), set())
    token = _deferred.set(pending)
    try:
        yield
    finally:  # on an error the caller's transaction is rolled back: nothing to index
        _deferred.reset(token)
    from .models import FamilyMember

    returnees, families = pending
    for start in range(0, len(families), BATCH):
        chunk = sorted(families)[start : start + BATCH]
        members = FamilyMember.objects.filter(family_id__in=chunk, returnee__isnull=False)
        returnees.update(members.values_list("returnee_id", flat=True))
    index_returnees(returnees)


def _defer(returnee_ids=(), family_id=None) -> bool:
    pending = _deferred.get()
    if pending is None:
        return False
    pending[0].update(pk for pk in returnee_ids if pk)
    if family_id:
        pending[1].add(family_id)
    return True


def returnee_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not _NAME_FIELDS & set(update_fields)):
        return
    if _defer([instance.pk]):
        return
    if created:
        _index_new_returnee(instance)
    else:
        index_returnees([instance.pk])


def alias_changed(sender, instance, raw=False, origin=None, **kwargs):
    from .models import Returnee

    if raw or isinstance(origin, Returnee):  # the returnee is being deleted with its rows
        return
    if not _defer([instance.returnee_id]):
        index_returnees([instance.returnee_id])


def family_changed(sender, instance, raw=False, origin=None, **kwargs):
    from .models import Family, FamilyMember, Returnee

    if raw or isinstance(origin, Returnee):
        return
    family_id = instance.pk if isinstance(instance, Family) else instance.family_id
    if _defer([getattr(instance, "returnee_id", None)], family_id):
        return
    members = FamilyMember.objects.filter(family_id=family_id, returnee__isnull=False)
    ids = set(members.values_list("returnee_id", flat=True))
    if isinstance(instance, FamilyMember) and instance.returnee_id:
        ids.add(instance.returnee_id)  # a member leaving loses the household
    index_returnees(ids)


# --- the search --------------------------------------------------------------------------------------

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
    from .models import NameKey

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


def _required_words(name: names.Name) -> list[frozenset[str]]:
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

    from .models import NameKey

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


def _candidate_rows(
    visible, name: names.Name, *, rows=None, everyone: bool = False, one_query: bool = False
) -> list[tuple[int, str, str]]:
    """(returnee id, source, spelling) of the index rows (`rows`: all) nearest the query, among
    those of the `visible` returnees (a queryset, or their ids: `_scope`; `everyone`: every row, for
    whoever sees every record; the index holds no record merged into another): rows holding every
    word of the query (but a patronymic), or else a word near each, nearest first. `one_query`:
    both in one statement (the duplicate check's fixed number of queries), the near words always
    looked up."""
    from .models import NameKey

    rows = NameKey.objects.all() if rows is None else rows
    if not everyone:
        rows = (
            rows.filter(_any_of("returnee_id", visible))
            if isinstance(visible, list)
            else rows.filter(returnee__in=visible)
        )
    blocking = names.blocking_text(name)
    required = _required_words(name)
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
    from .models import NameKey

    query = names.parse(text)
    if not query:
        return {}
    hits: dict[int, Hit] = {}
    for returnee_id, source, spelling in _candidate_rows(visible, query, everyone=everyone):
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
    from .models import IdentityDocument, Returnee

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
    from .models import Returnee

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


# --- the duplicate check -----------------------------------------------------------------------------

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
    from .models import NameKey, Returnee

    rows = NameKey.objects.filter(source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS])
    found = set()
    for spelling in spellings:
        rows_found = _candidate_rows(Returnee.objects.all(), spelling, rows=rows, everyone=True, one_query=True)
        found.update(row[0] for row in rows_found)
    return found


def _distinct_spellings(names_given: Iterable[str]) -> list[names.Name]:
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
    from .models import NameWord

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
    from .models import FamilyMember

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
    from .models import NameKey, Returnee

    spellings = _distinct_spellings(names_given)
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
    from .models import FamilyMember

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
