"""Sign-ins, sign-outs, failed sign-ins and changes of access rights on the trail, with who made
them: the person whose request changed a user's role, regions or permissions in the admin."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from repat.accounts.models import User
from repat.audit import actions as audit
from repat.audit.models import AuditEvent
from tests.factories import UserFactory

from .helpers import audit_ids, new_rows

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"
WRONG = "Wrong-Secret-9931"
PERMISSION_FIELDS = ("action", "actor_name", "object_type", "object_id", "detail", "changes")


def see_restricted() -> Permission:
    return Permission.objects.get(codename="see_restricted", content_type__app_label="cases")


# --- Signing in and out


def test_signing_in_and_out_is_recorded(worker, client):
    # when
    before = audit_ids()
    client.post(reverse("accounts:login"), {"username": "worker-a", "password": PASSWORD})
    client.post(reverse("accounts:logout"))

    # then
    assert new_rows(before, "action", "actor_id", "actor_name", "object_type", "object_id", "ip") == [
        ("login", worker.pk, "worker-a", "user", worker.pk, "127.0.0.1"),
        ("logout", worker.pk, "worker-a", "user", worker.pk, "127.0.0.1"),
    ]


def test_a_sign_in_saves_its_time_without_reading_the_users_access(worker, django_assert_num_queries):
    # A save of named fields that decide no access (the sign-in's last_login) is one UPDATE.
    worker.last_login = worker.date_joined
    with django_assert_num_queries(1):
        worker.save(update_fields=["last_login"])


def test_a_save_of_named_fields_that_decide_access_is_recorded(worker):
    before = audit_ids()
    worker.role, worker.last_name = User.Role.COORDINATOR, "Renamed"

    worker.save(update_fields=["last_name", "role"])

    assert new_rows(before, *PERMISSION_FIELDS) == [
        ("permission", "", "user", worker.pk, "", {"role": ["social_worker", "coordinator"]})
    ]


def test_a_failed_sign_in_keeps_the_name_typed_and_never_the_password(worker, client):
    before = audit_ids()

    response = client.post(reverse("accounts:login"), {"username": "worker-a", "password": WRONG})

    assert response.status_code == 200
    assert new_rows(before, "action", "actor_id", "actor_name", "changes", "ip") == [
        ("login_failed", None, "worker-a", {}, "127.0.0.1")
    ]


def test_a_failed_sign_in_with_an_unknown_name_records_the_name_typed(client):
    before = audit_ids()

    client.post(reverse("accounts:login"), {"username": "nobody-here", "password": WRONG})

    assert new_rows(before, "action", "actor_id", "actor_name", "object_type", "object_id") == [
        ("login_failed", None, "nobody-here", "", None)
    ]
    stored = [str(value) for row in AuditEvent.objects.values_list() for value in row]
    assert not [value for value in stored if WRONG in value]


def test_a_very_long_name_typed_is_cut_to_the_column(client):
    before = audit_ids()

    client.post(reverse("accounts:login"), {"username": "x" * 140 + "y" * 20, "password": WRONG})

    assert new_rows(before, "actor_name") == [("x" * 140 + "y" * 10,)]


# --- Access rights changed in the admin


def admin_form(user: User, **changes) -> dict:
    """What the admin's change form posts for `user`, with some fields changed."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": list(user.user_permissions.values_list("pk", flat=True)),
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "role": user.role,
        "organisation": user.organisation_id or "",
        "regions": list(user.regions.values_list("pk", flat=True)),
        "language": user.language,
        "_save": "Save",
    }
    data.update(changes)
    # Unticked boxes are not posted at all.
    return {name: value for name, value in data.items() if value is not False}


@pytest.fixture
def change_in_admin(administrator, client_for):
    def post(user, **changes):
        client = client_for(administrator)
        before = audit_ids()
        response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), admin_form(user, **changes))
        assert response.status_code == 302, response.context["adminform"].form.errors
        return new_rows(before, *PERMISSION_FIELDS)

    return post


def test_a_role_changed_in_the_admin_is_recorded_with_who_changed_it(worker, change_in_admin):
    rows = change_in_admin(worker, role="coordinator")

    assert rows == [("permission", "admin-a", "user", worker.pk, "", {"role": ["social_worker", "coordinator"]})]


def test_deactivating_an_account_is_recorded(worker, change_in_admin):
    rows = change_in_admin(worker, is_active=False)

    assert rows == [("permission", "admin-a", "user", worker.pk, "", {"is_active": [True, False]})]


def test_regions_changed_in_the_admin_are_recorded(worker, chuy, osh, change_in_admin):
    rows = change_in_admin(worker, regions=[osh.pk])

    assert rows == [
        ("permission", "admin-a", "user", worker.pk, "remove", {"regions": [None, []]}),
        ("permission", "admin-a", "user", worker.pk, "add", {"regions": [None, [osh.pk]]}),
    ]


def test_granting_the_restricted_section_in_the_admin_is_recorded(worker, change_in_admin):
    rows = change_in_admin(worker, user_permissions=[see_restricted().pk])

    assert rows == [
        ("permission", "admin-a", "user", worker.pk, "add", {"user_permissions": [None, ["cases.see_restricted"]]})
    ]


def test_withdrawing_the_restricted_section_in_the_admin_is_recorded(worker, change_in_admin):
    worker.user_permissions.add(see_restricted())

    rows = change_in_admin(worker, user_permissions=[])

    assert rows == [("permission", "admin-a", "user", worker.pk, "remove", {"user_permissions": [None, []]})]


def test_groups_changed_in_the_admin_are_recorded(worker, change_in_admin):
    group = Group.objects.create(name="Legal team")

    rows = change_in_admin(worker, groups=[group.pk])

    assert rows == [("permission", "admin-a", "user", worker.pk, "add", {"groups": [None, ["Legal team"]]})]


def test_saving_the_admin_form_unchanged_records_nothing(worker, change_in_admin):
    assert change_in_admin(worker) == []


def test_a_new_account_made_in_the_admin_is_recorded(chuy, administrator, client_for):
    client = client_for(administrator)
    before = audit_ids()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "worker-new",
            "password1": "A-long-enough-password-42",
            "password2": "A-long-enough-password-42",
            "usable_password": "true",
            "role": "coordinator",
            "regions": [chuy.pk],
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="worker-new")
    rows = new_rows(before, "action", "actor_name", "object_id", "detail", "changes")
    assert rows[0][:4] == ("permission", "admin-a", user.pk, "")
    assert rows[0][4]["role"] == [None, "coordinator"]
    assert rows[1:] == [("permission", "admin-a", user.pk, "add", {"regions": [None, [chuy.pk]]})]


def test_changes_from_either_side_of_the_relation_are_recorded(worker, osh, administrator):
    # given: no request (a shell, a data migration): the row says nobody
    before = audit_ids()

    # when: the user is added from the region's, the permission's and the group's side
    osh.users.add(worker)
    see_restricted().user_set.add(worker)
    Group.objects.create(name="Legal team").user_set.add(worker)

    # then
    assert new_rows(before, "actor_id", "actor_name", "object_id", "detail", "changes") == [
        (None, "", worker.pk, "add", {"regions": [None, sorted([*worker.regions.values_list("pk", flat=True)])]}),
        (None, "", worker.pk, "add", {"user_permissions": [None, ["cases.see_restricted"]]}),
        (None, "", worker.pk, "add", {"groups": [None, ["Legal team"]]}),
    ]


def test_a_relation_cleared_from_the_other_side_names_everyone_who_lost_it(worker, coordinator, chuy):
    before = audit_ids()

    chuy.users.clear()

    assert new_rows(before, "object_id", "detail", "changes") == [
        (worker.pk, "clear", {"regions": [None, []]}),
        (coordinator.pk, "clear", {"regions": [None, []]}),
    ]


def test_a_permission_given_to_a_group_is_recorded(worker):
    group = Group.objects.create(name="Legal team")
    group.user_set.add(worker)
    before = audit_ids()

    group.permissions.add(see_restricted())

    assert new_rows(before, "action", "object_type", "object_id", "detail", "changes") == [
        ("permission", "group", group.pk, "add", {"permissions": [None, ["cases.see_restricted"]]})
    ]


def test_access_rows_keep_the_chain_intact(worker, osh, change_in_admin):
    change_in_admin(worker, role="coordinator", regions=[osh.pk], user_permissions=[see_restricted().pk])

    assert audit.verify().intact


def test_a_user_saved_without_access_changes_records_nothing(worker):
    before = audit_ids()

    worker.first_name = "Aida"
    worker.save()
    UserFactory(username="someone")  # a new account is recorded, with its access

    assert [row[0] for row in new_rows(before, "object_id")] == [User.objects.get(username="someone").pk]
