from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import cases, docs, other, services, tokens

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("returnees", cases.ReturneeViewSet, basename="returnee")
router.register("families", cases.FamilyViewSet, basename="family")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("notes", cases.NoteViewSet, basename="note")
router.register("documents", cases.DocumentViewSet, basename="document")
router.register("tasks", cases.TaskViewSet, basename="task")
router.register("referrals", services.ReferralViewSet, basename="referral")
router.register("service-types", services.ServiceTypeViewSet, basename="service-type")
router.register("providers", services.ProviderViewSet, basename="provider")
router.register("reminders", other.ReminderViewSet, basename="reminder")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/indicators/", other.IndicatorsView.as_view(), name="indicators"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(), name="docs"),
    path("redoc/", docs.RedocView.as_view(), name="redoc"),
    path("tokens/", tokens.TokenListView.as_view(), name="tokens"),
    path("tokens/revoke/", tokens.TokenRevokeView.as_view(), name="token_revoke"),
]
