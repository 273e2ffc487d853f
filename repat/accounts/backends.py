"""Signing in with Django's model backend; loading the signed-in user for each request with what
every page asks about them (whether they have an authenticator app for the second-factor check, on
PostgreSQL their regions, and what the apps above add: unread reminders for the bell, whether they
hold an emergency access to a case) in the same query."""

import datetime
import functools
from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Exists, Expression, OuterRef
from django.utils import timezone

# What the apps above the platform load with the user, by attribute name: each a function that
# builds an annotation on users. They register from their AppConfig.ready() (`load_with_user`),
# so the platform imports none of them.
USER_ANNOTATIONS: dict[str, Callable[[], Expression]] = {}


def load_with_user(name: str, annotation: Callable[[], Expression]) -> None:
    """Have each request's user carry `name`, computed in the query that loads them."""
    USER_ANNOTATIONS[name] = annotation


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = _users_as_pages_need_them(timezone.localdate(), connection.vendor).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


@functools.lru_cache(maxsize=4)
def _users_as_pages_need_them(day: datetime.date, vendor: str):
    """Users annotated with what every page asks about them, built once a day per process and
    filtered per request: resolving the annotations' subqueries took as long as the query itself
    (about 2 ms of every request). The day is in the key because the bell's count is of reminders
    shown on that day (`Reminder.shown_q`)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .models import User

    annotations = {name: annotation() for name, annotation in USER_ANNOTATIONS.items()}
    if vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        regions = User.regions.through.objects.filter(user_id=OuterRef("pk")).values("region_id")
        annotations["region_ids"] = ArraySubquery(regions)
    return User._default_manager.annotate(
        **annotations,
        has_confirmed_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    )
