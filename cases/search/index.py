"""The name index kept beside the records: every way a returnee can be found by name (their own name,
each other spelling, their household's name, a name-only relative's) is a `NameKey` row holding the
keys of `cases.names`. The rows are derived data: `index_returnees` rebuilds a returnee's rows
whenever one of those records is saved (the receivers below, connected in `CasesConfig.ready`), and
`manage.py reindex_names` rebuilds them all after a bulk load or a change of the name rules."""

import contextlib
import contextvars
from collections.abc import Iterable

from django.apps import apps as global_apps
from django.db import connection, transaction

from .. import names

# How many rows `index_returnees` rebuilds per statement.
BATCH = 2_000


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
    from ..models import NameKey

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
    from ..models import NameKey, NameWord

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
    from ..models import FamilyMember

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
    from ..models import Returnee

    if raw or isinstance(origin, Returnee):  # the returnee is being deleted with its rows
        return
    if not _defer([instance.returnee_id]):
        index_returnees([instance.returnee_id])


def family_changed(sender, instance, raw=False, origin=None, **kwargs):
    from ..models import Family, FamilyMember, Returnee

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
