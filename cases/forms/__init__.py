"""Input shape and layout, one module per part of a case. Rules live in models (clean) and actions;
forms only collect input. Everything is importable from `cases.forms`."""

from .base import HelperMixin
from .civil_status import (
    CareArrangementForm,
    ConsentForm,
    ConsentWithdrawForm,
    DocumentForm,
    DocumentTransitionForm,
    KinshipResultForm,
    KinshipTestForm,
    PhotoForm,
)
from .duplicates import DistinctPersonForm, DuplicateDecisionForm
from .families import (
    CaregiverForm,
    ChildFormSet,
    FamilyCaseForm,
    FamilyChoiceField,
    FamilySharedForm,
    family_choice_label,
)
from .follow_ups import FollowUpTaskForm
from .manifest import ManifestMappingForm, ManifestUploadForm
from .merges import MergeFindForm, MergeForm, MergeUndoForm
from .plans import AssessmentForm, GoalForm, GoalProgressForm
from .registration import CaseForm, FamilyMemberForm, NoteForm, RegistrationForm, ReturneeForm
from .restricted import EmergencyAccessForm, RestrictedSectionForm
from .transfers import TransferDecisionForm, TransferForm

__all__ = [
    "AssessmentForm",
    "CareArrangementForm",
    "CaregiverForm",
    "CaseForm",
    "ChildFormSet",
    "ConsentForm",
    "ConsentWithdrawForm",
    "DistinctPersonForm",
    "DocumentForm",
    "DocumentTransitionForm",
    "DuplicateDecisionForm",
    "EmergencyAccessForm",
    "FamilyCaseForm",
    "FamilyChoiceField",
    "FamilyMemberForm",
    "FamilySharedForm",
    "FollowUpTaskForm",
    "GoalForm",
    "GoalProgressForm",
    "HelperMixin",
    "KinshipResultForm",
    "KinshipTestForm",
    "ManifestMappingForm",
    "ManifestUploadForm",
    "MergeFindForm",
    "MergeForm",
    "MergeUndoForm",
    "NoteForm",
    "PhotoForm",
    "RegistrationForm",
    "RestrictedSectionForm",
    "ReturneeForm",
    "TransferDecisionForm",
    "TransferForm",
    "family_choice_label",
]
