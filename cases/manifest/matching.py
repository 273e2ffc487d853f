"""The duplicate check for a whole manifest at once (issue 16, point 4).

`cases.search.probable_duplicates` looks one person up with a trigram query per spelling: half a
second to four at a million people, so ten thousand rows would take hours. Here every row is
looked up together, by the same index rows (NameKey) and the same final rules:

1. each spelling's words (its blocking keys, as `_required_words` takes them: a patronymic may be
   missing from the record) make a probe; a second set of probes has one word replaced by a word
   of the vocabulary near it (a letter or two apart: the GiST trigram index on NameWord, one
   statement for all the file's distinct words);
2. the probes are answered in a few statements, PROBES_PER_STATEMENT at a time, by the GIN index on
   the rows' words (`@>`: rows holding every word of the probe), at most PER_PROBE rows each;
3. the candidates are compared with `names.compare` and filtered by sex, date of birth, operation
   and mother's name exactly as `probable_duplicates` does (`_best_name_match`, DUPLICATE_NAME,
   DUPLICATE_BIRTH_DAYS).

What this misses that the one-by-one check finds: a name with two words both misspelt (the
one-by-one check looks for near words of every word at once). Same-key spellings (another
script, another transliteration) meet by their keys and are found. docs/benchmarks.md measures it."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection

from .. import names
from ..permissions import returnees_visible_to
from ..search import (
    DUPLICATE_BIRTH_DAYS,
    DUPLICATE_NAME,
    NEAR_DISTANCE,
    UNINDEXED_SCAN,
    ProbableMatch,
    _best_name_match,
    _distinct_spellings,
    _required_words,
)

PROBES_PER_STATEMENT = 2_000
PER_PROBE = 30
NEAR_PER_WORD = 6
CHUNK = 5_000


def row_names(row: dict) -> list[str]:
    full = " ".join(part for part in (row.get("family_name"), row.get("given_name"), row.get("patronymic")) if part)
    return [full, *row.get("aliases", [])]


def _probes(spellings: list[names.Name]) -> list[tuple[str, ...]]:
    probes = []
    for spelling in spellings:
        words = tuple(sorted({word for group in _required_words(spelling) for word in group}))
        if words:
            probes.append(words)
    return probes


def _near_words(words: set[str]) -> dict[str, list[str]]:
    """For each word, the vocabulary's words a letter or two from it (PostgreSQL, one statement)."""
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


def _answer_probes_pg(probes: list[tuple[str, ...]], progress) -> dict[tuple[str, ...], set[int]]:
    answers: dict[tuple[str, ...], set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        for start in range(0, len(probes), PROBES_PER_STATEMENT):
            chunk = probes[start : start + PROBES_PER_STATEMENT]
            cursor.execute(
                "SELECT p.i, k.returnee_id FROM unnest(%s::int[], %s::text[]) AS p(i, words) CROSS JOIN LATERAL ("
                " SELECT n.returnee_id FROM cases_namekey n"
                " WHERE string_to_array(n.blocking, ' ') @> string_to_array(p.words, ' ')"
                " AND n.source IN ('name', 'alias') LIMIT %s) k",
                [list(range(len(chunk))), [" ".join(words) for words in chunk], PER_PROBE],
            )
            for index, returnee_id in cursor.fetchall():
                answers[chunk[index]].add(returnee_id)
            if progress:
                progress(min(start + PROBES_PER_STATEMENT, len(probes)), len(probes))
    return answers


def _answer_probes_scan(probes: list[tuple[str, ...]]) -> dict[tuple[str, ...], set[int]]:
    """Without PostgreSQL's indexes (SQLite): the first UNINDEXED_SCAN index rows, in memory, with
    near words as words sharing most of their trigrams (what the vocabulary lookup does)."""
    from ..models import NameKey

    rows = NameKey.objects.filter(source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS]).values_list(
        "returnee_id", "blocking"
    )[:UNINDEXED_SCAN]
    by_word: dict[str, set[int]] = defaultdict(set)
    for returnee_id, blocking in rows:
        for word in blocking.split():
            by_word[word].add(returnee_id)
    grams = {word: names.trigrams(word) for word in by_word}

    def near(word: str) -> set[int]:
        mine = names.trigrams(word)
        found = set(by_word.get(word, ()))
        for other, theirs in grams.items():
            if other != word and len(mine & theirs) / max(len(mine | theirs), 1) >= 1 - NEAR_DISTANCE:
                found |= by_word[other]
        return found

    answers: dict[tuple[str, ...], set[int]] = {}
    for probe in probes:
        ids = None
        for word in probe:
            ids = near(word) if ids is None else ids & near(word)
        answers[probe] = ids or set()
    return answers


def candidates(rows: list[dict], progress: Callable[[int, int], None] | None = None) -> dict[int, set[int]]:
    """{row line: ids of the recorded people worth comparing with it}, in a few statements."""
    probes_of: dict[int, list[tuple[str, ...]]] = {}
    for row in rows:
        probes_of[row["line"]] = _probes(_distinct_spellings(row_names(row)))
    exact = {probe for probes in probes_of.values() for probe in probes}
    if connection.vendor != "postgresql":
        answers = _answer_probes_scan(sorted(exact))
        return {line: set().union(*(answers[p] for p in probes)) for line, probes in probes_of.items()}
    near = _near_words({word for probe in exact for word in probe})
    expanded: dict[int, list[tuple[str, ...]]] = {}
    every = set(exact)
    for line, probes in probes_of.items():
        mine = list(probes)
        for probe in probes:
            for n, word in enumerate(probe):
                for other in near.get(word, ()):
                    mine.append(tuple(sorted({*probe[:n], other, *probe[n + 1 :]})))
        expanded[line] = mine
        every.update(mine)
    answers = _answer_probes_pg(sorted(every), progress)
    return {line: set().union(*(answers.get(p, set()) for p in probes)) for line, probes in expanded.items()}


def _in_chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def manifest_matches(
    user, rows: list[dict], *, progress: Callable[[int, int], None] | None = None
) -> dict[int, list[ProbableMatch]]:
    """{row line: its probable matches, best first} for the rows of a manifest, each match saying
    whether `user` may see the person (the rules of `probable_duplicates`). `rows`: as
    `cases.manifest.rows.read_rows` gives them; a child's mother is the household's mother row."""
    from ..models import FamilyMember, NameKey, Returnee

    found = candidates(rows, progress)
    every_id = set().union(*found.values()) if found else set()
    if not every_id:
        return {}
    people: dict[int, dict] = {}
    recorded: dict[int, list[names.Name]] = defaultdict(list)
    mothers: dict[int, str] = {}
    for chunk in _in_chunks(every_id):
        for person in Returnee.objects.filter(pk__in=chunk, merged_into__isnull=True).values(
            "pk", "sex", "date_of_birth", "operation_id"
        ):
            people[person["pk"]] = person
        for returnee_id, spelling in NameKey.objects.filter(
            returnee_id__in=chunk, source__in=[NameKey.Source.NAME, NameKey.Source.ALIAS]
        ).values_list("returnee_id", "spelling"):
            recorded[returnee_id].append(names.parse(spelling))
        for returnee_id, mother_id, *parts in FamilyMember.objects.filter(
            family__members__returnee_id__in=chunk, relationship=FamilyMember.Relationship.MOTHER
        ).values_list(
            "family__members__returnee_id", "returnee_id", "full_name", "returnee__family_name", "returnee__given_name"
        ):
            if returnee_id != mother_id:
                mothers[returnee_id] = " ".join(part for part in parts if part)

    household_mother = {
        row["household"]: " ".join(p for p in (row["family_name"], row["given_name"]) if p)
        for row in rows
        if row.get("household") and row.get("relation") == FamilyMember.Relationship.MOTHER
    }
    result: dict[int, list[ProbableMatch]] = {}
    for row in rows:
        ids = found.get(row["line"]) or set()
        if not ids:
            continue
        spellings = _distinct_spellings(row_names(row))
        born_on = datetime.date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None
        mother_name = household_mother.get(row.get("household")) if row.get("relation") == "child" else ""
        mother = names.parse(mother_name) if mother_name else None
        matches = []
        for pk in ids:
            person = people.get(pk)
            if person is None:
                continue
            score, kind = _best_name_match(spellings, recorded.get(pk, []))
            if score < DUPLICATE_NAME and kind not in (names.MatchKind.EXACT, names.MatchKind.SAME_KEY):
                continue
            if row.get("sex") and person["sex"] and row["sex"] != person["sex"]:
                continue
            born = person["date_of_birth"]
            apart = abs((born_on - born).days) if born_on and born else None
            if apart is not None and apart > DUPLICATE_BIRTH_DAYS:
                continue
            matches.append(
                ProbableMatch(
                    pk,
                    score,
                    same_birth=apart is not None and apart <= 366,
                    same_operation=bool(row.get("operation_id") and row["operation_id"] == person["operation_id"]),
                    same_mother=bool(
                        mother and pk in mothers and names.similarity(mother, mothers[pk]) >= DUPLICATE_NAME
                    ),
                    name_kind=kind,
                    birth_days=apart,
                )
            )
        if matches:
            matches.sort(
                key=lambda m: (m.score + 0.05 * (m.same_birth + m.same_operation + m.same_mother), -m.returnee_id),
                reverse=True,
            )
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
