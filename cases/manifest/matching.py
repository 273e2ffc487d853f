"""The duplicate check for a whole manifest at once (issue 16, point 4).

`cases.search.probable_duplicates` looks one person up with a trigram query per spelling: half a
second to four at a million people, so ten thousand rows would take hours. Here every row is
looked up together, by the same index rows (NameKey) and the same final rules:

1. each spelling of a row (its blocking keys, as `required_words` takes them: a patronymic may
   be missing from the record) makes one probe: for each word, the word or a word of the
   vocabulary near it (a letter or two apart: the GiST trigram index on NameWord, one statement for
   all the file's distinct words);
2. the probes are answered PROBES_PER_STATEMENT at a time by the GIN index on the rows' words (an
   overlap per word), at most PER_PROBE index rows each, with what the comparison needs (one round
   trip per statement; the rows sharing the same words, a household's name and a common given
   name, make one probe), and kept for people of the row's sex born within DUPLICATE_BIRTH_BOUND;
3. each candidate is judged by the same function as `probable_duplicates` (`judge_duplicate`:
   the names, sex, date of birth, operation and mother's name).

What differs from the one-by-one check: a row's candidates are the first PER_PROBE people its
words pick, before their sex and age are compared (the one-by-one check picks the CANDIDATES nearest
by trigram distance), and the name is compared with the spellings that matched, not every spelling
of the person. At a million people with the seed's small vocabulary that misses namesakes of the
same sex and age: asking for them before the limit found matches for 95 % of a 2,000-row file
instead of 40 %, and took longer (docs/benchmarks.md has the figures)."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection

from .. import names
from ..permissions import returnees_visible_to
from ..search import (
    DUPLICATE_BIRTH_BOUND,
    NEAR_DISTANCE,
    UNINDEXED_SCAN,
    KnownWords,
    ProbableMatch,
    distinct_spellings,
    judge_duplicate,
    recorded_mothers,
    required_words,
    sort_matches,
)

PROBES_PER_STATEMENT = 2_000
PER_PROBE = 30
NEAR_PER_WORD = 6
CHUNK = 5_000


def row_names(row: dict) -> list[str]:
    full = " ".join(part for part in (row.get("family_name"), row.get("given_name"), row.get("patronymic")) if part)
    return [full, *row.get("aliases", [])]


def _groups(spelling: names.Name) -> list[str]:
    """The spelling's words a record must hold (a patronymic may be missing: `required_words`)."""
    return sorted({word for group in required_words(spelling) for word in group})


def _near_words(words: set[str]) -> dict[str, list[str]]:
    """For each word, the vocabulary's words a letter or two from it (PostgreSQL, one statement per
    PROBES_PER_STATEMENT words)."""
    if not words or connection.vendor != "postgresql":
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    ordered = sorted(words)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), PROBES_PER_STATEMENT):
            cursor.execute(
                "SELECT q.w, near.word FROM unnest(%s::text[]) AS q(w) CROSS JOIN LATERAL ("
                " SELECT v.word, v.word <-> q.w AS distance FROM cases_nameword v"
                " ORDER BY v.word <-> q.w LIMIT %s) near"
                " WHERE near.distance <= %s AND near.word <> q.w",
                [ordered[start : start + PROBES_PER_STATEMENT], NEAR_PER_WORD, NEAR_DISTANCE],
            )
            for word, near in cursor.fetchall():
                found[word].append(near)
    return found


# One statement answers PROBES_PER_STATEMENT probes of k words: the index rows (own names and other
# spellings) holding, for each of the k words, that word or one near it (the GIN index on the rows'
# words), of people of the row's sex born within DUPLICATE_BIRTH_BOUND of it, at most PER_PROBE each.
# The sex and the birth window are compared in Python (`_may_be`), after the limit as before: the
# rows of a file sharing the same words (a household's family name and a common given name) make
# one probe.
_PROBE_SQL = (
    "SELECT p.i, n.returnee_id, n.spelling, r.sex, r.date_of_birth, r.date_of_birth_precision, r.operation_id"
    " FROM unnest(%s::int[], {arrays}) AS p(i, {groups})"
    " CROSS JOIN LATERAL (SELECT k.returnee_id, k.spelling FROM cases_namekey k"
    " WHERE {overlaps} AND k.source IN ('name', 'alias'){among} LIMIT %s) n"
    " JOIN cases_returnee r ON r.id = n.returnee_id"
    " WHERE r.merged_into_id IS NULL"
)


def _may_be(sex: str, born: datetime.date | None, their_sex: str, their_birth: datetime.date | None) -> bool:
    """The same sex (when the row says) and born within DUPLICATE_BIRTH_BOUND (when both are known)."""
    if sex and their_sex != sex:
        return False
    return born is None or their_birth is None or abs((their_birth - born).days) <= DUPLICATE_BIRTH_BOUND


def _probe_sql(k: int, among: bool = False) -> str:
    return _PROBE_SQL.format(
        among=" AND k.returnee_id = ANY(%s)" if among else "",
        arrays=", ".join(["%s::text[]"] * k),
        groups=", ".join(f"g{n}" for n in range(k)),
        overlaps=" AND ".join(f"string_to_array(k.blocking, ' ') && string_to_array(p.g{n}, ' ')" for n in range(k)),
    )


# {row line: {returnee id: {"spellings": [...], "sex", "born", "precision", "operation"}}}
Found = dict[int, dict[int, dict]]


def _candidate(sex: str, born, precision: str, operation_id: int) -> dict:
    return {"spellings": [], "sex": sex, "born": born, "precision": precision, "operation": operation_id}


def _answer_pg(probes: list[tuple[int, str, datetime.date | None, list[str]]], progress, among=None) -> Found:
    found: Found = defaultdict(dict)
    asking: dict[tuple[str, ...], list] = defaultdict(list)  # the probes of the same words
    for probe in probes:
        asking[tuple(probe[3])].append(probe)
    by_size: dict[int, list] = defaultdict(list)
    for groups in asking:
        by_size[len(groups)].append(groups)
    total, done = len(asking), 0
    with connection.cursor() as cursor:
        for k, same_size in sorted(by_size.items()):
            for start in range(0, len(same_size), PROBES_PER_STATEMENT):
                chunk = same_size[start : start + PROBES_PER_STATEMENT]
                params = [
                    list(range(len(chunk))),
                    *([groups[n] for groups in chunk] for n in range(k)),
                    *([sorted(among)] if among is not None else []),
                    PER_PROBE,
                ]
                cursor.execute(_probe_sql(k, among is not None), params)
                for index, returnee_id, spelling, their_sex, their_birth, precision, operation_id in cursor.fetchall():
                    for line, sex, born, _groups in asking[chunk[index]]:
                        if not _may_be(sex, born, their_sex, their_birth):
                            continue
                        person = found[line].setdefault(
                            returnee_id, _candidate(their_sex, their_birth, precision, operation_id)
                        )
                        person["spellings"].append(spelling)
                done += len(chunk)
                if progress:
                    progress(done, total)
    return found


def _answer_scan(probes: list[tuple[int, str, datetime.date | None, list[str]]], among=None) -> Found:
    """Without PostgreSQL's indexes (SQLite): the first UNINDEXED_SCAN index rows, in memory, a
    word near another when they share most of their trigrams (what the vocabulary lookup does)."""
    from ..models import NameKey

    keys = NameKey.objects.filter(
        source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS], returnee__merged_into__isnull=True
    )
    if among is not None:
        keys = keys.filter(returnee_id__in=among)
    rows = list(
        keys.values_list(
            "returnee_id",
            "blocking",
            "spelling",
            "returnee__sex",
            "returnee__date_of_birth",
            "returnee__date_of_birth_precision",
            "returnee__operation_id",
        )[:UNINDEXED_SCAN]
    )
    found: Found = defaultdict(dict)
    for line, sex, born, groups in probes:
        wanted = [set(group.split()) for group in groups]
        for returnee_id, blocking, spelling, their_sex, their_birth, precision, operation_id in rows:
            words = set(blocking.split())
            if not all(words & group for group in wanted):
                continue
            if sex and their_sex and sex != their_sex:
                continue
            if born and their_birth and abs((born - their_birth).days) > DUPLICATE_BIRTH_BOUND:
                continue
            person = found[line].setdefault(returnee_id, _candidate(their_sex, their_birth, precision, operation_id))
            person["spellings"].append(spelling)
    return found


def candidates(
    rows: list[dict], spellings_of: dict[int, list], progress: Callable[[int, int], None] | None = None, among=None
) -> Found:
    """The recorded people worth comparing with each row, with what the comparison needs, in a few
    statements: one probe per spelling of a row (`spellings_of`: {row line: its distinct
    spellings}), each word of it or a word near it."""
    words = {word for spellings in spellings_of.values() for s in spellings for word in _groups(s)}
    if connection.vendor == "postgresql":
        near = _near_words(words)
    else:
        vocabulary = {w: names.trigrams(w) for w in words}
        near = {
            w: [o for o, theirs in vocabulary.items() if o != w and len(grams & theirs) / len(grams | theirs) > 0.5]
            for w, grams in vocabulary.items()
        }
    probes = []
    for row in rows:
        born = datetime.date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None
        for spelling in spellings_of[row["line"]]:
            groups = [" ".join([word, *near.get(word, ())]) for word in _groups(spelling)]
            if groups:
                probes.append((row["line"], row.get("sex") or "", born, groups))
    if connection.vendor == "postgresql":
        return _answer_pg(probes, progress, among)
    return _answer_scan(probes, among)


def _parsed(parsed: dict[str, names.Name], text: str) -> names.Name:
    """`names.parse(text)`, once per text of the file's candidates (many share their spellings)."""
    name = parsed.get(text)
    if name is None:
        name = parsed[text] = names.parse(text)
    return name


def _in_chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def manifest_matches(
    user, rows: list[dict], *, progress: Callable[[int, int], None] | None = None, among: list[int] | None = None
) -> dict[int, list[ProbableMatch]]:
    """{row line: its probable matches, best first} for the rows of a manifest, each match saying
    whether `user` may see the person (the rules of `probable_duplicates`). `rows`: as
    `cases.manifest.rows.read_rows` gives them; a child's mother is the household's mother row."""
    from ..models import FamilyMember

    spellings_of = {row["line"]: distinct_spellings(row_names(row)) for row in rows}
    found = candidates(rows, spellings_of, progress, among)
    every_id = {pk for people in found.values() for pk in people}
    if not every_id:
        return {}
    mothers: dict[int, str] = {}
    for chunk in _in_chunks(every_id):
        mothers.update(recorded_mothers(chunk))
    parsed: dict[str, names.Name] = {}

    household_mother = {
        row["household"]: " ".join(p for p in (row["family_name"], row["given_name"]) if p)
        for row in rows
        if row.get("household") and row.get("relation") == FamilyMember.Relationship.MOTHER
    }
    result: dict[int, list[ProbableMatch]] = {}
    for row in rows:
        people = found.get(row["line"]) or {}
        if not people:
            continue
        spellings = spellings_of[row["line"]]
        born_on = datetime.date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None
        mother_name = household_mother.get(row.get("household")) if row.get("relation") == "child" else ""
        mother = _parsed(parsed, mother_name) if mother_name else None
        known = KnownWords(spellings)
        matches = []
        for pk, person in people.items():
            match = judge_duplicate(
                spellings,
                [_parsed(parsed, text) for text in person["spellings"]],
                returnee_id=pk,
                sex=row.get("sex") or "",
                recorded_sex=person["sex"],
                date_of_birth=born_on,
                recorded_birth=person["born"],
                birth_precision=row.get("precision") or "",
                recorded_birth_precision=person["precision"],
                operation_id=row.get("operation_id"),
                recorded_operation_id=person["operation"],
                mother=mother,
                recorded_mother=mothers.get(pk, ""),
                known=known,
            )
            if match is not None:
                matches.append(match)
        if matches:
            sort_matches(matches)
            result[row["line"]] = matches
    matched = {m.returnee_id for matches in result.values() for m in matches}
    visible: set[int] = set()
    visible_people = returnees_visible_to(user)
    for chunk in _in_chunks(matched):
        visible.update(visible_people.filter(pk__in=chunk).values_list("pk", flat=True))
    for matches in result.values():
        for match in matches:
            match.visible = match.returnee_id in visible
    return result


def match_to_json(match: ProbableMatch) -> dict:
    return {
        "id": match.returnee_id,
        "score": round(match.score, 4),
        "same_birth": match.same_birth,
        "same_operation": match.same_operation,
        "same_mother": match.same_mother,
        "visible": match.visible,
        "kind": str(match.name_kind),
        "birth_days": match.birth_days,
    }


def match_from_json(data: dict) -> ProbableMatch:
    return ProbableMatch(
        data["id"],
        data["score"],
        same_birth=data["same_birth"],
        same_operation=data["same_operation"],
        same_mother=data["same_mother"],
        visible=data["visible"],
        name_kind=names.MatchKind(data["kind"]),
        birth_days=data["birth_days"],
    )
