from django.contrib.auth.models import AnonymousUser

from . import navigation as menu


def navigation(request):
    """What the menu offers, from the entries the apps registered with their permission functions
    (repat/core/navigation.py): templates hold no role rules, and the platform imports no app."""
    user = getattr(request, "user", None)
    return menu.menu_for(user if user is not None else AnonymousUser())
