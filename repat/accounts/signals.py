"""Session bookkeeping at sign-in (audit rows for sign-ins are written by repat.audit)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import sessions


@receiver(user_logged_in)
def _session_started(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.session_started(request)
