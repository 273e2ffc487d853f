"""HTTP glue for the social worker's pages, one module per part of a case. Objects come through
selectors (visibility first), writes go through actions; a case the user may not see is a 404,
whatever the reason. Everything is importable from `cases.views`, as urls.py and the services app do."""

from .base import CaseWriteView
from .civil_status import (
    AttachmentDownloadView,
    CareArrangementCreateView,
    ConsentCreateView,
    ConsentWithdrawView,
    DocumentCreateView,
    DocumentTransitionView,
    DocumentUpdateView,
    KinshipResultView,
    KinshipTestCreateView,
    ReturneeWriteView,
)
from .duplicates import DuplicateDecideView
from .families import FamilyRegisterView
from .follow_ups import TaskCreateView, TaskDoneView
from .manifest import (
    ManifestCommitView,
    ManifestDetailView,
    ManifestFileView,
    ManifestListView,
    ManifestMapView,
    ManifestTemplateView,
)
from .merges import MergeUndoView, ReturneeMergeView
from .photos import ReturneePhotoEditView, ReturneePhotoRemoveView, ReturneePhotoView
from .plans import (
    AssessmentCreateView,
    AssessmentUpdateView,
    GoalCreateView,
    GoalProgressView,
    GoalUpdateView,
    PlanDetailView,
    PlanStartView,
    PlanView,
)
from .registration import (
    SEARCH_KEY,
    CaseDetailView,
    CaseloadExportView,
    CaseloadView,
    CaseUpdateView,
    FamilyDetailView,
    FamilyExportView,
    ReturneeDetailView,
    ReturneeRegisterView,
    ReturneeUpdateView,
)
from .restricted import EmergencyAccessView, RestrictedSectionView
from .search import PeopleSearchExportView, PeopleSearchView
from .summary import CaseSummaryPdfView, CaseSummaryView
from .transfers import TransferCancelView, TransferCreateView, TransferDecideView, TransferListView

__all__ = [
    "SEARCH_KEY",
    "AssessmentCreateView",
    "AssessmentUpdateView",
    "AttachmentDownloadView",
    "CareArrangementCreateView",
    "CaseDetailView",
    "CaseSummaryPdfView",
    "CaseSummaryView",
    "CaseUpdateView",
    "CaseWriteView",
    "CaseloadExportView",
    "CaseloadView",
    "ConsentCreateView",
    "ConsentWithdrawView",
    "DocumentCreateView",
    "DocumentTransitionView",
    "DocumentUpdateView",
    "DuplicateDecideView",
    "EmergencyAccessView",
    "FamilyDetailView",
    "FamilyExportView",
    "FamilyRegisterView",
    "GoalCreateView",
    "GoalProgressView",
    "GoalUpdateView",
    "KinshipResultView",
    "KinshipTestCreateView",
    "ManifestCommitView",
    "ManifestDetailView",
    "ManifestFileView",
    "ManifestListView",
    "ManifestMapView",
    "ManifestTemplateView",
    "MergeUndoView",
    "PeopleSearchExportView",
    "PeopleSearchView",
    "PlanDetailView",
    "PlanStartView",
    "PlanView",
    "RestrictedSectionView",
    "ReturneeDetailView",
    "ReturneeMergeView",
    "ReturneePhotoEditView",
    "ReturneePhotoRemoveView",
    "ReturneePhotoView",
    "ReturneeRegisterView",
    "ReturneeUpdateView",
    "ReturneeWriteView",
    "TaskCreateView",
    "TaskDoneView",
    "TransferCancelView",
    "TransferCreateView",
    "TransferDecideView",
    "TransferListView",
]
