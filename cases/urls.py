from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseloadView.as_view(), name="caseload"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case_update"),
    path("returnees/new/", views.ReturneeRegisterView.as_view(), name="returnee_register"),
    path("returnees/<int:pk>/", views.ReturneeDetailView.as_view(), name="returnee_detail"),
    path("returnees/<int:pk>/edit/", views.ReturneeUpdateView.as_view(), name="returnee_update"),
    path("families/<int:pk>/", views.FamilyDetailView.as_view(), name="family_detail"),
]
