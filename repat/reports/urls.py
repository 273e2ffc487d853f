from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("progress/", views.ReportListView.as_view(), name="report_list"),
    path("progress/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("progress/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("progress/<int:pk>/<slug:format>/", views.ReportDownloadView.as_view(), name="report_download"),
]
