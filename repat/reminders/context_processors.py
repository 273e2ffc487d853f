from .selectors import unread_count


def bell(request):
    """The unread count for the bell on every page (one indexed count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_reminders": unread_count(user=user)}
