from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.ApprovalQueueView.as_view(), name="queue"),
    path("approve/", views.ApprovalApproveSelectedView.as_view(), name="approve_selected"),
    path("export/", views.ApprovalQueueExportView.as_view(), name="queue_export"),
    path("<int:pk>/", views.ApprovalDetailView.as_view(), name="detail"),
    path("<int:pk>/withdraw/", views.ApprovalWithdrawView.as_view(), name="withdraw"),
    path("new/<slug:kind>/<int:pk>/", views.ApprovalRequestView.as_view(), name="request"),
]
