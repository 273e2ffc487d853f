from django.urls import path

from . import views

app_name = "today"

urlpatterns = [
    path("", views.TodayView.as_view(), name="home"),
]
