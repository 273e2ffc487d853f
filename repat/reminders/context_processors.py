from django.urls import reverse

from .selectors import bell_badge, unread_count


def bell(request):
    """The bell on every page: its link and what its badge reads (one indexed count, or none when
    it came with the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell": {"url": reverse("reminders:list"), "badge": bell_badge(unread_count(user=user))}}
