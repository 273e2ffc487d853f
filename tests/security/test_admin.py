"""The Django admin reads case data and never changes it (issue 13, point 8): a case closed and
reassigned there had no supervisor's approval, no timeline event and no audit row. An administrator
posting to the add, change or delete page of any case-data model is refused and nothing changes;
opening a list or a record there writes an audit row, as opening it in the app does. Configuration
(settings, operations, the service catalogue, providers, users) stays editable."""

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent, Family, Note, Returnee
from repat.approvals.models import ApprovalRequest
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from services.models import Referral

from .helpers import changed_tables, domain_state

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# model, the world's record of it, its case, and what a change would post.
CASE_DATA = {
    "case": (
        Case,
        lambda w: w.chuy.case,
        lambda w: w.chuy.case.pk,
        lambda w: {"status": "closed", "closure_reason": "other", "worker": w.osh.worker.pk, "risk_level": "low"},
    ),
    "returnee": (
        Returnee,
        lambda w: w.chuy.returnee,
        lambda w: w.chuy.case.pk,
        lambda w: {"given_name": "Renamed", "region": w.osh.region.pk},
    ),
    "family": (
        Family,
        lambda w: w.chuy.family,
        lambda w: None,
        lambda w: {"name": "Renamed", "region": w.osh.region.pk},
    ),
    "note": (
        Note,
        lambda w: Note.objects.filter(case=w.chuy.case).first(),
        lambda w: w.chuy.case.pk,
        lambda w: {"summary": "Rewritten.", "kind": "other"},
    ),
    "caseevent": (
        CaseEvent,
        lambda w: CaseEvent.objects.filter(case=w.chuy.case).first(),
        lambda w: w.chuy.case.pk,
        lambda w: {"kind": "closed"},
    ),
    "approvalrequest": (
        ApprovalRequest,
        lambda w: w.chuy.approval,
        lambda w: w.chuy.moving.pk,
        lambda w: {"status": "approved", "decided_by": w.administrator.pk},
    ),
    "referral": (
        Referral,
        lambda w: w.chuy.referral,
        lambda w: w.chuy.case.pk,
        lambda w: {"status": "completed", "provider": w.osh.provider.pk},
    ),
    "reminder": (Reminder, lambda w: w.chuy.reminder, lambda w: w.chuy.case.pk, lambda w: {"read_at": "2024-01-01"}),
}


@pytest.mark.parametrize("name", CASE_DATA)
def test_an_administrator_cannot_add_change_or_delete_case_data_in_the_admin(name, world, client_for):
    # given
    model, obj_of, _case_of, change = CASE_DATA[name]
    obj = obj_of(world)
    client = client_for(world.administrator)
    before = domain_state()

    # when
    answers = {
        "add (GET)": client.get(admin_url(model, "add")).status_code,
        "add": client.post(admin_url(model, "add"), change(world)).status_code,
        "change": client.post(admin_url(model, "change", obj.pk), change(world)).status_code,
        "delete (GET)": client.get(admin_url(model, "delete", obj.pk)).status_code,
        "delete": client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code,
    }
    client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )

    # then
    assert answers == {"add (GET)": 403, "add": 403, "change": 403, "delete (GET)": 403, "delete": 403}
    assert changed_tables(before, domain_state()) == []


@pytest.mark.parametrize("name", CASE_DATA)
def test_reading_case_data_in_the_admin_is_audited(name, world, client_for):
    # given
    model, obj_of, case_of, _change = CASE_DATA[name]
    obj = obj_of(world)
    client = client_for(world.administrator)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    # when
    listed = client.get(admin_url(model, "changelist"))
    shown = client.get(admin_url(model, "change", obj.pk))

    # then: one row per page, as a read in the app is
    assert (listed.status_code, shown.status_code) == (200, 200)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    rows = list(
        AuditEvent.objects.filter(id__gt=last)
        .order_by("id")
        .values_list("action", "actor_name", "object_type", "object_id", "case_id", "detail")
    )
    assert rows == [
        ("view", "admin-a", model._meta.model_name, None, None, f"{prefix}_changelist"),
        ("view", "admin-a", model._meta.model_name, obj.pk, case_of(world), f"{prefix}_change"),
    ]


def test_a_search_in_the_admin_never_enters_the_trail(world, client_for):
    client = client_for(world.administrator)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    client.get(admin_url(Case, "changelist"), {"q": world.chuy.returnee.case_number})

    (row,) = AuditEvent.objects.filter(id__gt=last)
    assert world.chuy.returnee.case_number not in str(row.changes) + row.detail


def test_a_case_cannot_be_found_in_the_admin_by_a_name(world, client_for):
    """The admin's search travels in the URL: it finds case numbers, never names."""
    response = client_for(world.administrator).get(admin_url(Returnee, "changelist"), {"q": "Chuyova"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(
    "view",
    [
        "cases_casesettings_changelist",
        "cases_operation_add",
        "services_servicetype_add",
        "services_provider_add",
        "reminders_remindersettings_changelist",
        "reports_reportsettings_changelist",
        "accounts_user_add",
    ],
)
def test_configuration_stays_editable_in_the_admin(view, world, client_for):
    assert client_for(world.administrator).get(reverse(f"admin:{view}")).status_code == 200


def test_a_records_history_in_the_admin_is_a_read_too(world, client_for):
    client = client_for(world.administrator)
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = client.get(admin_url(Returnee, "history", world.chuy.returnee.pk))

    assert response.status_code == 200
    assert list(
        AuditEvent.objects.filter(id__gt=last).values_list("action", "object_type", "object_id", "case_id", "detail")
    ) == [("view", "returnee", world.chuy.returnee.pk, world.chuy.case.pk, "admin:cases_returnee_history")]
