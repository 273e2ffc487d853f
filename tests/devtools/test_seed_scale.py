"""`manage.py seed_scale`: realistic data at scale, loaded with COPY (PostgreSQL only)."""

import re
import unicodedata
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from cases import actions as case_actions
from cases.consent import with_problems
from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    ConsentRecord,
    Family,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    NameKey,
    Note,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
)
from repat.accounts.models import Region, User
from repat.approvals.models import ApprovalRequest
from repat.devtools.scale import copy_columns
from services.models import Provider, ProviderStaff, Referral

pytestmark = pytest.mark.django_db

PEOPLE, WORKERS = 300, 10
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="seed_scale loads data with PostgreSQL's COPY"
)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", "--people", str(PEOPLE), "--workers", str(WORKERS), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def counts() -> dict[str, int]:
    models = (Returnee, ReturneeAlias, Family, FamilyMember, Case, CaseEvent, Note, IdentityDocument, Assessment)
    models += (ReintegrationPlan, PlanGoal, Referral, FollowUpTask, ApprovalRequest, User, Provider)
    return {model._meta.label: model.objects.count() for model in models}


def scripts(text: str) -> set[str]:
    return {unicodedata.name(char).split()[0] for char in text if char.isalpha()}


@postgresql_only
def test_seeding_fills_every_table_in_realistic_proportions(seeded):
    regions = Region.objects.filter(parent__isnull=True).count()
    n = counts()

    assert n["cases.Returnee"] == n["cases.Case"] == PEOPLE
    assert n["cases.CaseEvent"] == 2 * PEOPLE  # "registered" and "opened", as registering writes them
    assert PEOPLE // 8 <= n["cases.Family"] <= PEOPLE // 2
    assert PEOPLE <= n["cases.FamilyMember"] <= 1.5 * PEOPLE
    assert 0.1 * PEOPLE <= n["cases.ReturneeAlias"] <= 0.6 * PEOPLE
    assert 1.1 * PEOPLE <= n["cases.Note"] <= 2 * PEOPLE
    assert 0.6 * PEOPLE <= n["cases.IdentityDocument"] <= 1.3 * PEOPLE
    assert 0.15 * PEOPLE <= n["cases.Assessment"] <= 0.5 * PEOPLE
    assert 0.15 * PEOPLE <= n["cases.ReintegrationPlan"] <= 0.5 * PEOPLE
    assert 2 * n["cases.ReintegrationPlan"] <= n["cases.PlanGoal"] <= 4 * n["cases.ReintegrationPlan"]
    assert 0.4 * PEOPLE <= n["services.Referral"] <= PEOPLE
    assert 0.3 * PEOPLE <= n["cases.FollowUpTask"] <= 0.8 * PEOPLE
    assert n["approvals.ApprovalRequest"] <= 0.03 * PEOPLE
    assert User.objects.filter(role=User.Role.SOCIAL_WORKER).count() == WORKERS
    assert User.objects.filter(role=User.Role.COORDINATOR).count() == 3 * regions
    assert User.objects.filter(role=User.Role.SUPERVISOR).count() == 2 * regions
    assert User.objects.filter(role=User.Role.ADMINISTRATOR, username="admin-scale", is_superuser=True).exists()
    assert ProviderStaff.objects.count() == n["services.Provider"] >= regions
    assert "cases_returnee" in seeded and f"{PEOPLE:,} rows" in seeded


@postgresql_only
def test_families_cases_and_workers_hang_together(seeded):
    # Every family has one to eight members and one head, in one region
    sizes = FamilyMember.objects.values("family").annotate(n=Count("id"), heads=Count("id", filter=Q(is_head=True)))
    assert {row["heads"] for row in sizes} == {1}
    assert {row["n"] for row in sizes} <= set(range(1, 9))
    assert max(row["n"] for row in sizes) >= 5
    assert (
        not FamilyMember.objects.filter(returnee__isnull=False).exclude(family__region=F("returnee__region")).exists()
    )
    assert FamilyMember.objects.filter(returnee__isnull=False).count() == PEOPLE
    assert FamilyMember.objects.filter(
        returnee__isnull=True, whereabouts__in=["deceased", "unknown", "prison"]
    ).exists()

    # Every case is held by a social worker of the returnee's region, opened on arrival
    held = Case.objects.filter(worker__role=User.Role.SOCIAL_WORKER, worker__regions=F("returnee__region"))
    assert held.count() == PEOPLE
    assert not Returnee.objects.exclude(arrival_date=F("operation__arrival_date")).exists()
    assert not Case.objects.exclude(opened_on=F("returnee__arrival_date")).exists()
    assert Case.objects.values("returnee__region").distinct().count() >= 5

    # Closed cases have a closure and no follow-up; open ones have follow-ups, some overdue
    assert not Case.objects.filter(status="closed", next_follow_up__isnull=False).exists()
    assert Case.objects.filter(status="closed", closed_on__gte=F("opened_on")).exclude(closure_reason="").exists()
    assert Case.objects.follow_up_overdue().exists()
    assert Case.objects.open().filter(next_follow_up__gt=timezone.localdate()).exists()

    # Children are 0-17 on arrival and mothers 20-45
    for member in FamilyMember.objects.filter(returnee__isnull=False).select_related("returnee"):
        returnee = member.returnee
        age = returnee.age(on=returnee.arrival_date)
        assert (0 <= age <= 17) if member.relationship == "child" else (20 <= age <= 45), returnee
    assert Returnee.objects.filter(born_in_conflict_zone=True, date_of_birth__year__gte=2014).exists()
    assert set(Returnee.objects.values_list("date_of_birth_precision", flat=True)) >= {"exact", "month", "year"}


@postgresql_only
def test_names_are_real_names_in_the_scripts_people_use(seeded):
    names = [
        part for row in Returnee.objects.values_list("given_name", "family_name", "patronymic") for part in row if part
    ]
    names += list(ReturneeAlias.objects.values_list("name", flat=True))
    names += list(FamilyMember.objects.exclude(full_name="").values_list("full_name", flat=True))
    names += [u.get_full_name() for u in User.objects.all()]

    assert not [name for name in names if re.search(r"\d", name)]
    used = set().union(*(scripts(name) for name in names))
    assert {"CYRILLIC", "LATIN", "ARABIC"} <= used
    assert Returnee.objects.filter(family_name__endswith="ова", sex="female").exists()
    assert Returnee.objects.filter(family_name__endswith="ов", sex="male").exists()
    assert not Returnee.objects.filter(family_name__endswith="ова", sex="male").exists()
    assert Returnee.objects.filter(family_name__endswith=" кызы", sex="female").exists()
    assert ReturneeAlias.objects.filter(script="arabic").exists()
    # Each alias is labelled with the script it is written in
    for alias in ReturneeAlias.objects.all():
        assert case_actions.script_of(alias.name) == alias.script


@postgresql_only
def test_the_orm_and_the_app_work_on_the_seeded_rows(seeded):
    # Given a seeded database
    worker = User.objects.get(username="worker0001")
    assert worker.check_password("repat-demo")
    first = Case.objects.select_related("returnee").order_by("id").first()
    assert first.returnee.case_number.startswith("KG-")
    last_ids = {model: model.objects.aggregate(m=Max("id"))["m"] for model in (Returnee, Case, Note, Family)}

    # When a worker registers a new returnee through the app's action
    operation = first.returnee.operation
    returnee = case_actions.returnee_register(
        actor=worker,
        data={
            "given_name": "Айгүл",
            "family_name": "Асанова",
            "sex": "female",
            "operation": operation,
            "arrival_date": operation.arrival_date,
            "region": worker.regions.get(),
        },
        new_family_name="Асанова",
        relationship=FamilyMember.Relationship.MOTHER,
        is_head=True,
    )
    note = case_actions.note_log(
        actor=worker, case=returnee.case, contact_date=timezone.localdate(), kind="home_visit", summary="Визит."
    )

    # Then every new row gets a fresh id, and the case number follows the seeded ones
    assert returnee.pk == last_ids[Returnee] + 1
    assert returnee.case.pk == last_ids[Case] + 1
    assert note.pk == last_ids[Note] + 1
    assert returnee.membership.family.pk == last_ids[Family] + 1
    year = operation.arrival_date.year
    seeded_numbers = Returnee.objects.filter(case_number__startswith=f"KG-{year}-").exclude(pk=returnee.pk)
    assert returnee.case_number == f"KG-{year}-{seeded_numbers.count() + 1:05d}"


@postgresql_only
def test_the_name_index_is_filled_as_the_signals_would_fill_it(seeded):
    # COPY bypasses the signals: the seeder writes the rows itself; rebuilding them changes nothing.
    def rows():
        return sorted(NameKey.objects.values_list("returnee_id", "source", "spelling", "keys", "blocking"))

    seeded_rows = rows()
    assert {source for _, source, *_ in seeded_rows} == set(NameKey.Source.values)
    assert len({returnee for returnee, *_ in seeded_rows}) == PEOPLE

    call_command("reindex_names", stdout=StringIO())

    assert rows() == seeded_rows


@postgresql_only
def test_seeded_consents_point_at_records_and_referrals_carry_only_what_they_may(seeded):
    # consents to share data name the provider and a giver on record, and hold where they were used
    sharing = ConsentRecord.objects.filter(purpose="data_sharing")
    assert sharing.exists() and not sharing.filter(provider=None).exists()
    assert not sharing.filter(given_by="member", giver=None).exists()
    assert set(sharing.values_list("given_by", flat=True)) == {"self", "member"}
    used = ConsentRecord.objects.filter(pk__in=Referral.objects.filter(consent__isnull=False).values("consent"))
    checked = with_problems(list(used.select_related("giver", "returnee__membership")))
    # (a consent given two years before today may have expired since: nothing else may be wrong)
    assert checked and all(problem.startswith("It expired") for c in checked for problem in c.problems)
    # a referral that shares no data has no contact, and a brief
    silent = Referral.objects.filter(shares_data=False)
    assert silent.exists()
    assert not silent.exclude(provider_contact="").exists()
    assert not silent.filter(provider_brief="").exists()


@postgresql_only
def test_a_seeded_workers_caseload_shows_their_cases(seeded, client_for):
    worker = User.objects.get(username="worker0001")
    own = set(Case.objects.filter(worker=worker).values_list("returnee__case_number", flat=True))
    assert own

    page = client_for(worker).get(reverse("cases:caseload"))

    assert page.status_code == 200
    shown = set(re.findall(r"KG-\d{4}-\d{5}", page.content.decode()))
    assert shown and shown <= own


@postgresql_only
def test_a_second_run_refuses_and_replace_gives_the_same_data(seeded):
    before = counts()
    first = list(Returnee.objects.order_by("id").values_list("given_name", "family_name")[:20])

    with pytest.raises(CommandError, match=f"already holds {PEOPLE} returnees"):
        seed()
    seed("--replace")

    assert counts() == before
    assert list(Returnee.objects.order_by("id").values_list("given_name", "family_name")[:20]) == first
    assert Returnee.objects.order_by("id").first().pk == 1  # identities restarted


def test_only_postgresql_is_accepted(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL's COPY; this database is sqlite"):
        seed()
    assert not Returnee.objects.exists()


@pytest.mark.parametrize("people", ["0", "1000001"])
def test_the_number_of_people_is_bounded(people):
    with pytest.raises(CommandError, match="between 1 and 1,000,000"):
        call_command("seed_scale", "--people", people)


def test_production_settings_are_refused(settings):
    settings.REPAT_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="production"):
        seed()


def test_a_required_column_without_a_value_stops_the_seeder():
    with pytest.raises(ImproperlyConfigured, match=r"NOT NULL column.*author.*of cases\.Note"):
        copy_columns(Note, ("id", "case", "contact_date", "kind", "summary", "follow_up_needed", "created_at"))
