"""Signing in with Django's model backend; loading the signed-in user for each request with what
every page asks about them (unread reminders for the bell, whether they have an authenticator app
for the second-factor check, whether they hold an emergency access to a case, and on PostgreSQL
their regions) in the same query."""

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.functions import Now


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from cases.models import EmergencyAccess
        from repat.reminders.selectors import unread_count_sql

        from .models import User

        name = connection.ops.quote_name
        unread = unread_count_sql(f"{name(User._meta.db_table)}.{name('id')}")
        annotations = {}
        if connection.vendor == "postgresql":
            from django.contrib.postgres.expressions import ArraySubquery

            regions = User.regions.through.objects.filter(user_id=OuterRef("pk")).values("region_id")
            annotations["region_ids"] = ArraySubquery(regions)
        user = (
            User._default_manager.annotate(
                **annotations,
                unread_reminders=unread,
                has_confirmed_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                has_emergency_access=Exists(EmergencyAccess.objects.filter(user=OuterRef("pk"), expires_at__gt=Now())),
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
