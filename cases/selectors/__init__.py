"""Read use-cases of the cases app, each starting from the visibility querysets in permissions.py
and fetching what its page shows in a fixed number of queries.

One module per part of the work, as in actions/ and views/; every public name is importable from
here, so callers keep writing `selectors.case_get(...)` or `from cases.selectors import timeline`."""

from .case import (
    case_get,
    case_overview,
    case_summary,
    caseload,
    recent_notes,
)
from .civil_status import (
    DocumentSummary,
    document_summary,
    returnee_overview,
)
from .duplicates import (
    duplicate_decision_get,
    duplicate_decisions_of,
    mothers_of,
)
from .follow_ups import tasks_visible_to
from .merges import (
    MergePreview,
    MergeSide,
    former_case_numbers,
    merge_candidate,
    merge_preview,
    merged_successor,
    returnee_merges,
)
from .plans import (
    PlanSummary,
    goals_by_domain,
    plan_get,
    plan_latest,
    plan_versions,
    recommended_but_uncovered,
)
from .registration import (
    FamilyTree,
    TreePerson,
    family_choices,
    family_get,
    family_tree,
    returnee_get,
    visible_case_ids,
)
from .timeline import (
    CHANGE_LABELS,
    LIST_CHOICES,
    Change,
    TimelineEntry,
    change_label,
    timeline,
)
from .transfers import (
    TRANSFER_RELATED,
    transfers_incoming,
    transfers_outgoing,
)

__all__ = [
    "CHANGE_LABELS",
    "LIST_CHOICES",
    "TRANSFER_RELATED",
    "Change",
    "DocumentSummary",
    "FamilyTree",
    "MergePreview",
    "MergeSide",
    "PlanSummary",
    "TimelineEntry",
    "TreePerson",
    "case_get",
    "case_overview",
    "case_summary",
    "caseload",
    "change_label",
    "document_summary",
    "duplicate_decision_get",
    "duplicate_decisions_of",
    "family_choices",
    "family_get",
    "family_tree",
    "former_case_numbers",
    "goals_by_domain",
    "merge_candidate",
    "merge_preview",
    "merged_successor",
    "mothers_of",
    "plan_get",
    "plan_latest",
    "plan_versions",
    "recent_notes",
    "recommended_but_uncovered",
    "returnee_get",
    "returnee_merges",
    "returnee_overview",
    "tasks_visible_to",
    "timeline",
    "transfers_incoming",
    "transfers_outgoing",
    "visible_case_ids",
]
