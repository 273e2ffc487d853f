"""Sign-ins, sign-outs, failed sign-ins and changes of access rights, audited in the transaction
that makes them (the admin's save, the login view's session write)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver

from .actions import record
from .models import AuditEvent

User = get_user_model()
# Fields of a user that decide what they may see.
ACCESS_FIELDS = ("role", "is_active", "is_staff", "is_superuser", "organisation_id", "restricted_access")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The name typed is kept (it may not be an account); the password never is.
    record(
        actor=None,
        actor_name=str(credentials.get("username", ""))[:150],
        action=AuditEvent.Action.LOGIN_FAILED,
        request=request,
    )


def _may_change_access(update_fields) -> bool:
    """A save of named fields none of which decides access (a sign-in's `last_login`) changes none."""
    return update_fields is None or not {f.removesuffix("_id") for f in update_fields}.isdisjoint(
        f.removesuffix("_id") for f in ACCESS_FIELDS
    )


@receiver(pre_save, sender=User)
def _remember_access(sender, instance, update_fields=None, **kwargs):
    if instance.pk and _may_change_access(update_fields):
        instance._access_before = (
            User.objects.filter(pk=instance.pk).values(*[f for f in ACCESS_FIELDS if _has(f)]).first()
        )


@receiver(post_save, sender=User)
def _access_changed(sender, instance, created, update_fields=None, **kwargs):
    if not _may_change_access(update_fields):
        return
    before = getattr(instance, "_access_before", None) or {}
    after = {field: getattr(instance, field) for field in ACCESS_FIELDS if _has(field)}
    changes = {
        field: [None if created else before.get(field), value]
        for field, value in after.items()
        if created or before.get(field) != value
    }
    if changes:
        record(actor=None, actor_name="", action=AuditEvent.Action.PERMISSION, obj=instance, changes=changes)


def _permission_names(permissions) -> list[str]:
    return sorted(f"{app}.{code}" for app, code in permissions.values_list("content_type__app_label", "codename"))


# Relations that decide what a holder may see: (through model) -> (name in the row, holder's field on
# the through model, the holder's current value). Regions by id, groups by name, permissions as
# "app.codename" (the restricted section is "cases.see_restricted").
ACCESS_RELATIONS = {
    User.regions.through: ("regions", "user", lambda user: sorted(user.regions.values_list("pk", flat=True))),
    User.groups.through: ("groups", "user", lambda user: sorted(user.groups.values_list("name", flat=True))),
    User.user_permissions.through: (
        "user_permissions",
        "user",
        lambda user: _permission_names(user.user_permissions),
    ),
    Group.permissions.through: ("permissions", "group", lambda group: _permission_names(group.permissions)),
}


def _access_relation_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A change made from either side: user.regions.add(region) or region.users.add(user) (then
    the holders are in pk_set, or, for a clear, were noted just before it)."""
    name, holder_name, current = ACCESS_RELATIONS[sender]
    holder_model = sender._meta.get_field(holder_name).related_model
    if action == "pre_clear" and reverse:
        other = next(f for f in sender._meta.get_fields() if f.many_to_one and f.name != holder_name)
        linked = sender.objects.filter(**{other.name: instance}).values(f"{holder_name}_id")
        instance._access_cleared = list(holder_model.objects.filter(pk__in=linked).order_by("pk"))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        holders = [instance]
    elif pk_set is None:
        holders = getattr(instance, "_access_cleared", [])
    else:
        holders = list(holder_model.objects.filter(pk__in=pk_set).order_by("pk"))
    for holder in holders:
        record(
            actor=None,
            action=AuditEvent.Action.PERMISSION,
            obj=holder,
            detail=action.removeprefix("post_"),
            changes={name: [None, current(holder)]},
        )


for _through in ACCESS_RELATIONS:
    m2m_changed.connect(_access_relation_changed, sender=_through, dispatch_uid=f"audit-access-{_through.__name__}")


def _has(field: str) -> bool:
    try:
        User._meta.get_field(field.removesuffix("_id"))
    except Exception:  # noqa: BLE001 - a field a later migration adds
        return False
    return True
