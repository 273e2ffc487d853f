from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("referrals/", views.ReferralQueueView.as_view(), name="queue"),
    path("referrals/export/", views.ReferralQueueExportView.as_view(), name="queue_export"),
    path("referrals/assign/", views.BulkAssignView.as_view(), name="bulk_assign"),
    path("referrals/<int:pk>/", views.ReferralDetailView.as_view(), name="referral_detail"),
    path("referrals/<int:pk>/<slug:action>/", views.ReferralTransitionView.as_view(), name="referral_step"),
    path("cases/<int:pk>/referrals/new/", views.ReferralCreateView.as_view(), name="referral_create"),
    path("providers/", views.ProviderLoadView.as_view(), name="providers"),
    path("consent-overrides/", views.ConsentOverrideListView.as_view(), name="consent_overrides"),
]
