"""Signing in with Django's model backend; loading the signed-in user for each request with what
every page asks about them (whether they have an authenticator app for the second-factor check, on
PostgreSQL their regions, and what the apps above add: unread reminders for the bell, whether they
hold an emergency access to a case) in the same query."""

from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Exists, Expression, OuterRef

# What the apps above the platform load with the user, by attribute name: each a function that
# builds an annotation on users. They register from their AppConfig.ready() (`load_with_user`),
# so the platform imports none of them.
USER_ANNOTATIONS: dict[str, Callable[[], Expression]] = {}


def load_with_user(name: str, annotation: Callable[[], Expression]) -> None:
    """Have each request's user carry `name`, computed in the query that loads them."""
    USER_ANNOTATIONS[name] = annotation


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .models import User

        annotations = {name: annotation() for name, annotation in USER_ANNOTATIONS.items()}
        if connection.vendor == "postgresql":
            from django.contrib.postgres.expressions import ArraySubquery

            regions = User.regions.through.objects.filter(user_id=OuterRef("pk")).values("region_id")
            annotations["region_ids"] = ArraySubquery(regions)
        user = (
            User._default_manager.annotate(
                **annotations,
                has_confirmed_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
