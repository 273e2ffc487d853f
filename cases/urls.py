from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseloadView.as_view(), name="caseload"),
    path("export/", views.CaseloadExportView.as_view(), name="caseload_export"),
    path("search/", views.PeopleSearchView.as_view(), name="search"),
    path("search/export/", views.PeopleSearchExportView.as_view(), name="search_export"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case_update"),
    path("returnees/new/", views.ReturneeRegisterView.as_view(), name="returnee_register"),
    path("returnees/<int:pk>/", views.ReturneeDetailView.as_view(), name="returnee_detail"),
    path("returnees/<int:pk>/edit/", views.ReturneeUpdateView.as_view(), name="returnee_update"),
    path("families/<int:pk>/", views.FamilyDetailView.as_view(), name="family_detail"),
    path("families/<int:pk>/export/", views.FamilyExportView.as_view(), name="family_export"),
    path("returnees/<int:pk>/documents/new/", views.DocumentCreateView.as_view(), name="document_create"),
    path("documents/<int:pk>/edit/", views.DocumentUpdateView.as_view(), name="document_update"),
    path("documents/<int:pk>/status/", views.DocumentTransitionView.as_view(), name="document_transition"),
    path("returnees/<int:pk>/consents/new/", views.ConsentCreateView.as_view(), name="consent_create"),
    path("consents/<int:pk>/withdraw/", views.ConsentWithdrawView.as_view(), name="consent_withdraw"),
    path("returnees/<int:pk>/kinship/new/", views.KinshipTestCreateView.as_view(), name="kinship_create"),
    path("kinship/<int:pk>/result/", views.KinshipResultView.as_view(), name="kinship_result"),
    path("returnees/<int:pk>/care/new/", views.CareArrangementCreateView.as_view(), name="care_create"),
    path("cases/<int:pk>/assessments/new/", views.AssessmentCreateView.as_view(), name="assessment_create"),
    path("assessments/<int:pk>/edit/", views.AssessmentUpdateView.as_view(), name="assessment_update"),
    path("cases/<int:pk>/plan/", views.PlanView.as_view(), name="plan"),
    path("cases/<int:pk>/plan/start/", views.PlanStartView.as_view(), name="plan_start"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/goals/new/", views.GoalCreateView.as_view(), name="goal_create"),
    path("goals/<int:pk>/edit/", views.GoalUpdateView.as_view(), name="goal_update"),
    path("goals/<int:pk>/progress/", views.GoalProgressView.as_view(), name="goal_progress"),
    path("cases/<int:pk>/transfer/", views.TransferCreateView.as_view(), name="transfer_create"),
    path("transfers/", views.TransferListView.as_view(), name="transfers"),
    path("cases/<int:pk>/tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("tasks/<int:pk>/done/", views.TaskDoneView.as_view(), name="task_done"),
    path("transfers/<int:pk>/decide/", views.TransferDecideView.as_view(), name="transfer_decide"),
    path("transfers/<int:pk>/cancel/", views.TransferCancelView.as_view(), name="transfer_cancel"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("returnees/<int:pk>/restricted/", views.RestrictedSectionView.as_view(), name="restricted_section"),
    path("emergency/", views.EmergencyAccessView.as_view(), name="emergency_access"),
]
