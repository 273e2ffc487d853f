"""Finding people (issue 15), in three parts:

- index.py: the name index kept beside the records (`NameKey` rows, rebuilt by `index_returnees`
  whenever a name, an alias or a household changes: the receivers connected in `CasesConfig.ready`);
- people.py: the ranked search over it (`find_people`, `ranked_returnee_ids`);
- duplicates.py: the duplicate check at registration (`probable_duplicates`, `judge_duplicate`).

Every public name is importable from here, so callers keep writing `from cases.search import
find_people` or `search.index_returnees(...)`. How the search works and how it is measured:
docs/search.md."""

from .duplicates import (
    DUPLICATE_BIRTH_BOUND,
    DUPLICATE_BIRTH_DAYS,
    DUPLICATE_NAME,
    DUPLICATE_SPELLINGS,
    KnownWords,
    ProbableMatch,
    birth_gap,
    distinct_spellings,
    duplicates_fingerprint,
    judge_duplicate,
    other_mothers,
    probable_duplicates,
    recorded_mothers,
    registration_duplicates,
    sort_matches,
)
from .index import (
    BATCH,
    alias_changed,
    family_changed,
    fill_vocabulary,
    index_returnees,
    index_values,
    indexing_deferred,
    reindex_all,
    returnee_saved,
    returnee_spellings,
    spelling_keys,
)
from .people import (
    CANDIDATES,
    LIMIT,
    NEAR_DISTANCE,
    NEAR_WORDS,
    SMALL_SCOPE,
    UNINDEXED_SCAN,
    WORD_ROWS,
    Hit,
    Query,
    Results,
    candidate_rows,
    find_people,
    ranked_returnee_ids,
    read_query,
    required_words,
)

__all__ = [
    "BATCH",
    "CANDIDATES",
    "DUPLICATE_BIRTH_BOUND",
    "DUPLICATE_BIRTH_DAYS",
    "DUPLICATE_NAME",
    "DUPLICATE_SPELLINGS",
    "LIMIT",
    "NEAR_DISTANCE",
    "NEAR_WORDS",
    "SMALL_SCOPE",
    "UNINDEXED_SCAN",
    "WORD_ROWS",
    "Hit",
    "KnownWords",
    "ProbableMatch",
    "Query",
    "Results",
    "alias_changed",
    "birth_gap",
    "candidate_rows",
    "distinct_spellings",
    "duplicates_fingerprint",
    "family_changed",
    "fill_vocabulary",
    "find_people",
    "index_returnees",
    "index_values",
    "indexing_deferred",
    "judge_duplicate",
    "other_mothers",
    "probable_duplicates",
    "ranked_returnee_ids",
    "read_query",
    "recorded_mothers",
    "registration_duplicates",
    "reindex_all",
    "required_words",
    "returnee_saved",
    "returnee_spellings",
    "sort_matches",
    "spelling_keys",
]
