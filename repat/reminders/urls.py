from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.ReminderListView.as_view(), name="list"),
    path("export/", views.ReminderListExportView.as_view(), name="list_export"),
    path("escalations/", views.EscalationListView.as_view(), name="escalations"),
    path("<int:pk>/open/", views.ReminderOpenView.as_view(), name="open"),
    path("<int:pk>/snooze/", views.ReminderSnoozeView.as_view(), name="snooze"),
    path("<int:pk>/done/", views.ReminderDoneView.as_view(), name="done"),
    path("read/", views.MarkAllReadView.as_view(), name="mark_all_read"),
]
