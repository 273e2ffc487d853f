"""The cases app's models, one module per part of the work; every name is importable from here, so
`from cases.models import Case` is the one way in (migrations name `cases.models.upload_to`)."""

from .base import CaseSettings, district_errors
from .case import Case, CaseEvent, FollowUpTask, Note
from .civil_status import (
    Attachment,
    CareArrangement,
    ConsentRecord,
    IdentityDocument,
    KinshipTest,
    ReturneePhoto,
    upload_to,
)
from .duplicates import DuplicateDecision
from .imports import ManifestImport, ManifestMapping
from .merges import ReturneeMerge, merge_relations
from .plans import Assessment, GoalProgress, PlanDomain, PlanGoal, ReintegrationPlan
from .registration import (
    DatePrecision,
    Family,
    FamilyMember,
    KinshipBasis,
    Language,
    Operation,
    Returnee,
    ReturneeAlias,
    Sex,
)
from .restricted import EmergencyAccess, LegalRecord
from .search import NameKey, NameWord
from .transfers import CaseTransfer

__all__ = [
    "Assessment",
    "Attachment",
    "CareArrangement",
    "Case",
    "CaseEvent",
    "CaseSettings",
    "CaseTransfer",
    "ConsentRecord",
    "DatePrecision",
    "DuplicateDecision",
    "EmergencyAccess",
    "Family",
    "FamilyMember",
    "FollowUpTask",
    "GoalProgress",
    "IdentityDocument",
    "KinshipBasis",
    "KinshipTest",
    "Language",
    "LegalRecord",
    "ManifestImport",
    "ManifestMapping",
    "NameKey",
    "NameWord",
    "Note",
    "Operation",
    "PlanDomain",
    "PlanGoal",
    "ReintegrationPlan",
    "Returnee",
    "ReturneeAlias",
    "ReturneeMerge",
    "ReturneePhoto",
    "Sex",
    "district_errors",
    "merge_relations",
    "upload_to",
]
