"""The API's own rules, endpoint by endpoint: who sees what (the pages' visibility), provider staff's
minimal data, the restricted section never shown, writes through the actions (and scope), If-Match,
the error shape, the access log and the number of queries of every list."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, LegalRecord
from repat.api.models import ApiToken
from repat.audit.models import AuditEvent
from repat.reminders.models import Reminder
from repat.reports.models import DashboardSnapshot, ReportSettings
from services.models import Referral
from tests.factories import CaseFactory, IdentityDocumentFactory, NoteFactory, ReturneeFactory
from tests.reminders.factories import FollowUpTaskFactory, ReminderFactory
from tests.reports.factories import care, person
from tests.services.factories import ReferralFactory

from .conftest import ApiClient, issue

pytestmark = pytest.mark.django_db

RESTRICTED = set(LegalRecord.FIELDS)


def v1(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def keys(value) -> set[str]:
    """Every key of a JSON document, however deep."""
    if isinstance(value, dict):
        return set(value) | {key for inner in value.values() for key in keys(inner)}
    if isinstance(value, list):
        return {key for inner in value for key in keys(inner)}
    return set()


# --- Authentication -----------------------------------------------------------------------------


def test_a_request_without_a_token_or_session_answers_401_in_the_documented_shape(client):
    response = client.get(v1("case-list"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("spoil", ["expired", "revoked", "inactive", "wrong secret", "garbage"])
def test_a_token_that_is_not_usable_answers_401(spoil, worker, case):
    key = issue(worker)
    token = ApiToken.objects.get(user=worker)
    if spoil == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=2),
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )
    elif spoil == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif spoil == "inactive":
        worker.is_active = False
        worker.save()
    elif spoil == "wrong secret":
        key = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    else:
        key = "rpt_nonsense"

    response = ApiClient(key).get(v1("case-detail", case.pk))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_token_is_stored_hashed_and_its_use_is_recorded(worker, case):
    key = issue(worker)
    token = ApiToken.objects.get(user=worker)
    assert key not in token.key_hash and key.startswith(token.prefix + ".")

    ApiClient(key).get(v1("case-list"))
    ApiClient(key).get(v1("case-list"))

    token.refresh_from_db()
    assert token.last_used is not None
    used = AuditEvent.objects.filter(action="login", object_type="apitoken", object_id=token.pk)
    assert used.count() == 1  # once a minute at most


def test_a_session_that_has_not_passed_the_second_factor_gets_nothing(client, supervisor, case):
    client.force_login(supervisor)  # a supervisor must pass a second factor

    response = client.get(v1("case-list"))

    assert response.status_code in (302, 401)
    assert b"case_number" not in response.content


def test_a_session_write_needs_the_csrf_token(client_for, worker, case):
    client = client_for(worker)
    client.handler.enforce_csrf_checks = True

    response = client.post(
        v1("case-notes", case.pk),
        {"contact_date": timezone.localdate().isoformat(), "kind": "home_visit", "summary": "Visit."},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not case.notes.exists()


def test_each_token_has_its_own_rate_limit(api_for, worker, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REPAT_API_RATE = "2/minute"
    first, second = api_for(worker), api_for(worker)

    answers = [first.get(v1("case-list")).status_code for _n in range(3)]
    refused = first.get(v1("case-list"))

    assert answers == [200, 200, 429]
    assert refused.json()["error"]["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert second.get(v1("case-list")).status_code == 200  # another token counts apart


# --- Visibility: the pages' rules -----------------------------------------------------------------


def test_each_role_lists_the_cases_it_may_see(
    api_for, worker, other_worker, coordinator, osh_supervisor, administrator, provider_user, case, other_case
):
    assert ids(api_for(worker).get(v1("case-list"))) == [case.pk]
    assert ids(api_for(other_worker).get(v1("case-list"))) == [other_case.pk]
    assert ids(api_for(coordinator).get(v1("case-list"))) == [case.pk]
    assert ids(api_for(osh_supervisor).get(v1("case-list"))) == [other_case.pk]
    assert set(ids(api_for(administrator).get(v1("case-list")))) == {case.pk, other_case.pk}
    assert ids(api_for(provider_user).get(v1("case-list"))) == []


@pytest.mark.parametrize(
    "name",
    [
        "case-detail",
        "returnee-detail",
        "note-detail",
        "document-detail",
        "task-detail",
        "family-detail",
        "referral-detail",
    ],
)
def test_a_record_of_another_region_answers_404_and_the_refusal_is_audited(
    name, api_for, worker, other_case, other_worker
):
    note = NoteFactory(case=other_case, author=other_worker)
    document = IdentityDocumentFactory(returnee=other_case.returnee)
    task = FollowUpTaskFactory(case=other_case, assigned_to=other_worker)
    referral = ReferralFactory(case=other_case)
    from cases.actions import family_create, family_member_add

    family = family_create(actor=other_worker, name="Osh family", region=other_case.returnee.region)
    family_member_add(actor=other_worker, family=family, returnee=other_case.returnee, relationship="child")
    target = {
        "case-detail": other_case.pk,
        "returnee-detail": other_case.returnee.pk,
        "note-detail": note.pk,
        "document-detail": document.pk,
        "task-detail": task.pk,
        "family-detail": family.pk,
        "referral-detail": referral.pk,
    }[name]

    response = api_for(worker).get(v1(name, target))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert AuditEvent.objects.filter(action="refused", actor=worker, object_id=target).exists()


def test_reading_a_case_writes_the_access_log_entry_of_its_page(api_for, worker, case):
    response = api_for(worker).get(v1("case-detail", case.pk))

    assert response.status_code == 200
    assert response.json()["case_number"] == case.returnee.case_number
    view = AuditEvent.objects.get(action="view", actor=worker, case_id=case.pk)
    assert (view.object_type, view.object_id, view.detail) == ("case", case.pk, "api:case-detail")


def test_the_restricted_section_never_appears(api_for, worker, case):
    LegalRecord.objects.create(returnee=case.returnee, charges="Secret charges", updated_by=worker)
    client = api_for(worker)

    bodies = [
        client.get(v1("returnee-detail", case.returnee.pk)).json(),
        client.get(v1("returnee-list")).json(),
        client.get(v1("case-detail", case.pk)).json(),
    ]

    for body in bodies:
        assert not keys(body) & RESTRICTED
        assert "Secret charges" not in json.dumps(body)


def test_provider_staff_get_only_their_referrals_with_the_pages_minimal_data(
    api_for, provider, provider_user, other_provider, case
):
    anonymous = ReferralFactory(case=case, provider=provider, status=Referral.Status.ASSIGNED, shares_data=False)
    sharing = ReferralFactory(
        case=case,
        provider=provider,
        status=Referral.Status.ASSIGNED,
        shares_data=True,
        provider_contact="Mother: 0555 123 456",
    )
    ReferralFactory(case=case, provider=other_provider, status=Referral.Status.ASSIGNED)
    ReferralFactory(case=case, provider=provider, status=Referral.Status.SUBMITTED)  # not yet theirs to see
    client = api_for(provider_user)

    listed = client.get(v1("referral-list")).json()["results"]
    one = client.get(v1("referral-detail", anonymous.pk)).json()
    other = client.get(v1("referral-detail", sharing.pk)).json()

    assert {row["id"] for row in listed} == {anonymous.pk, sharing.pk}
    assert one["number"] == anonymous.number and one["provider_brief"]
    assert not {"returnee", "reason", "provider_contact", "region", "case", "case_number", "requested_by"} & set(one)
    assert case.returnee.case_number not in json.dumps(listed)
    assert case.returnee.family_name not in json.dumps(one)
    assert other["returnee"]["full_name"] == case.returnee.full_name
    assert other["provider_contact"] == "Mother: 0555 123 456"
    assert not {"case", "case_number", "requested_by"} & set(other)
    assert one["steps"] == ["accept", "decline"]


def test_the_case_side_sees_the_whole_referral(api_for, coordinator, case):
    referral = ReferralFactory(case=case)

    body = api_for(coordinator).get(v1("referral-detail", referral.pk)).json()

    assert body["case"] == case.pk and body["case_number"] == case.returnee.case_number
    assert body["reason"] == referral.reason
    assert "assign" in body["steps"]


def test_reminders_name_a_case_only_while_the_reader_may_see_it(api_for, worker, other_case, case):
    ReminderFactory(recipient=worker, case=case)
    ReminderFactory(recipient=worker, case=other_case)

    rows = api_for(worker).get(v1("reminder-list")).json()["results"]

    assert sorted((row["case"], row["case_number"]) for row in rows if row["case"]) == [
        (case.pk, case.returnee.case_number)
    ]
    assert other_case.returnee.case_number not in json.dumps(rows)


def test_providers_are_for_those_who_assign_or_oversee_referrals(api_for, worker, coordinator, provider):
    assert api_for(worker).get(v1("provider-list")).status_code == 403
    assert ids(api_for(coordinator).get(v1("provider-list"))) == [provider.pk]


# --- Writes through the actions --------------------------------------------------------------------


def test_a_read_token_may_not_write(api_for, worker, case):
    client = api_for(worker, ApiToken.Scope.READ)

    response = client.post_json(
        v1("case-notes", case.pk),
        {"contact_date": timezone.localdate().isoformat(), "kind": "home_visit", "summary": "Visit."},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not case.notes.exists()


def test_logging_a_visit_goes_through_the_action(api_for, worker, case):
    response = api_for(worker).post_json(
        v1("case-notes", case.pk),
        {"contact_date": timezone.localdate().isoformat(), "kind": "home_visit", "summary": "Visit."},
    )

    assert response.status_code == 201
    assert case.notes.get().summary == "Visit."
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE_LOGGED, actor=worker).exists()


def test_tasks_and_cases_go_only_to_whom_the_pages_offer(api_for, worker, other_worker, osh_coordinator, case):
    # The task form offers oneself and one's region's colleagues; the case form, the assignable workers.
    client = api_for(worker)
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    for stranger in (osh_coordinator, other_worker):
        task = client.post_json(
            v1("case-tasks", case.pk), {"description": "Call", "due_date": due, "assigned_to": stranger.pk}
        )
        assert task.status_code == 400
        assert list(task.json()["error"]["fields"]) == ["assigned_to"]
    assert not case.tasks.exists()
    mine = client.post_json(
        v1("case-tasks", case.pk), {"description": "Call", "due_date": due, "assigned_to": worker.pk}
    )
    assert mine.status_code == 201

    etag = client.get(v1("case-detail", case.pk))["ETag"]
    moved = client.patch_json(v1("case-detail", case.pk), {"worker": other_worker.pk}, HTTP_IF_MATCH=etag)
    assert moved.status_code == 400
    assert list(moved.json()["error"]["fields"]) == ["worker"]
    case.refresh_from_db()
    assert case.worker == worker


def test_an_action_refusal_comes_back_translated_next_to_its_field(api_for, worker, case):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = api_for(worker).post_json(
        v1("case-notes", case.pk),
        {"contact_date": tomorrow, "kind": "home_visit", "summary": "Visit."},
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["contact_date"]
    assert not case.notes.exists()


def test_a_supervisor_may_read_a_case_but_not_log_a_visit(api_for, supervisor, case):
    response = api_for(supervisor).post_json(
        v1("case-notes", case.pk),
        {"contact_date": timezone.localdate().isoformat(), "kind": "home_visit", "summary": "Visit."},
    )

    assert response.status_code == 403
    assert not case.notes.exists()


def test_a_referral_moves_only_through_its_workflow_steps(api_for, coordinator, provider, provider_user, case):
    referral = ReferralFactory(case=case, shares_data=False)
    coordinator_api, provider_api = api_for(coordinator), api_for(provider_user)

    assigned = coordinator_api.post_json(
        v1("referral-step", referral.pk, "assign"), {"expected_status": "submitted", "provider": provider.pk}
    )
    stale = coordinator_api.post_json(
        v1("referral-step", referral.pk, "assign"), {"expected_status": "submitted", "provider": provider.pk}
    )
    accepted = provider_api.post_json(v1("referral-step", referral.pk, "accept"), {"expected_status": "assigned"})
    patched = coordinator_api.patch_json(v1("referral-detail", referral.pk), {"status": "completed"})

    assert assigned.status_code == 200 and assigned.json()["status"] == "assigned"
    assert stale.status_code == 400
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert patched.status_code == 405
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REFERRAL_STATUS, subject_id=referral.pk).count() == 2


def test_an_unknown_step_answers_404(api_for, coordinator, case):
    referral = ReferralFactory(case=case)

    response = api_for(coordinator).post_json(
        v1("referral-step", referral.pk, "teleport"), {"expected_status": "submitted"}
    )

    assert response.status_code == 404


# --- If-Match --------------------------------------------------------------------------------------


def test_an_update_without_if_match_answers_428(api_for, worker, case):
    response = api_for(worker).patch_json(v1("case-detail", case.pk), {"risk_level": "high"})

    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    case.refresh_from_db()
    assert case.risk_level == "medium"


def test_an_update_with_a_stale_version_answers_412_and_changes_nothing(api_for, worker, case):
    client = api_for(worker)
    etag = client.get(v1("case-detail", case.pk))["ETag"]
    client.patch_json(v1("case-detail", case.pk), {"risk_reason": "First."}, HTTP_IF_MATCH=etag)

    response = client.patch_json(v1("case-detail", case.pk), {"risk_level": "high"}, HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "stale"
    case.refresh_from_db()
    assert (case.risk_level, case.risk_reason) == ("medium", "First.")


def test_an_update_with_the_current_version_goes_through_the_action(api_for, worker, case):
    client = api_for(worker)
    read = client.get(v1("case-detail", case.pk))

    response = client.patch_json(v1("case-detail", case.pk), {"risk_level": "high"}, HTTP_IF_MATCH=read["ETag"])

    assert response.status_code == 200
    assert response.json()["risk_level"] == "high"
    assert response["ETag"] != read["ETag"]
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.RISK_CHANGED).exists()


def test_a_returnee_and_a_document_update_need_if_match_too(api_for, worker, case):
    document = IdentityDocumentFactory(returnee=case.returnee)
    client = api_for(worker)

    assert client.patch_json(v1("returnee-detail", case.returnee.pk), {"locality": "Tokmok"}).status_code == 428
    assert client.patch_json(v1("document-detail", document.pk), {"number": "ID-1"}).status_code == 428
    etag = client.get(v1("document-detail", document.pk))["ETag"]
    assert (
        client.patch_json(v1("document-detail", document.pk), {"number": "ID-1"}, HTTP_IF_MATCH=etag).status_code == 200
    )
    document.refresh_from_db()
    assert document.number == "ID-1"


# --- Indicators ------------------------------------------------------------------------------------


@pytest.fixture
def computed(django_capture_on_commit_callbacks):
    """GET the indicators, and run the computation the request queued (as a worker would)."""

    def get(client, params=None):
        with django_capture_on_commit_callbacks(execute=True):
            first = client.get(v1("indicators"), params or {})
        assert first.status_code == 202, first.content
        return client.get(v1("indicators"), params or {})

    return get


def rows_of(response) -> dict[str, dict]:
    return {row["key"]: row for row in response.json()["indicators"]}


def test_the_first_request_of_a_scope_answers_202_and_queues_the_computation_once(
    api_for, coordinator, chuy, django_capture_on_commit_callbacks
):
    # given: people in the coordinator's region, no figures computed yet
    for _n in range(7):
        person(chuy)
    client = api_for(coordinator)

    # when: a partner's system asks three times before a worker ran
    with django_capture_on_commit_callbacks() as queued:
        answers = [client.get(v1("indicators")) for _n in range(3)]

    # then: each time the documented answer, and one computation queued
    for answer in answers:
        assert answer.status_code == 202
        assert answer["Retry-After"] == "30"
        assert answer.json() == {
            "error": {
                "code": "computing",
                "message": "The figures are being computed. Ask again in 30 seconds.",
                "fields": {},
            }
        }
    assert len(queued) == 1
    assert DashboardSnapshot.objects.filter(kind=DashboardSnapshot.Kind.INDICATORS).count() == 1

    # when: the worker computes them
    queued[0]()
    response = client.get(v1("indicators"))

    # then: the figures, with their day and when they were computed
    snapshot = DashboardSnapshot.objects.get(kind=DashboardSnapshot.Kind.INDICATORS)
    assert response.status_code == 200
    body = response.json()
    assert body["on"] == timezone.localdate().isoformat()
    assert datetime.datetime.fromisoformat(body["computed_at"]) == snapshot.computed_at
    assert rows_of(response)["school_age"]["value"] in (5, 10)


def test_a_computed_snapshot_is_served_without_counting_anything(
    api_for, coordinator, chuy, computed, django_assert_max_num_queries
):
    # given
    for _n in range(7):
        person(chuy)
    client = api_for(coordinator)
    first = computed(client)

    # when: more people arrive, and the figures are asked for again (fresh: not recomputed)
    for _n in range(20):
        person(chuy)
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(6):
        again = client.get(v1("indicators"))

    # then: the same figures, read from the snapshot: no query read the people (every figure does)
    assert again.status_code == 200
    assert again.json() == first.json()
    tables = {
        table for query in captured.captured_queries for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])
    }
    assert "reports_dashboardsnapshot" in tables
    assert not tables & {"cases_returnee", "cases_case", "cases_carearrangement"}


def test_stale_figures_are_served_with_their_time_while_fresh_ones_are_computed_once(
    api_for, coordinator, chuy, computed, django_capture_on_commit_callbacks
):
    # given: figures computed twenty minutes ago (older than the fifteen minutes they are kept)
    for _n in range(7):
        person(chuy)
    client = api_for(coordinator)
    computed(client)
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    DashboardSnapshot.objects.filter(kind=DashboardSnapshot.Kind.INDICATORS).update(computed_at=long_ago)

    # when
    with django_capture_on_commit_callbacks() as queued:
        stale = client.get(v1("indicators"))
        client.get(v1("indicators"))

    # then: the old figures, saying when they were computed; one recomputation queued
    assert stale.status_code == 200
    assert datetime.datetime.fromisoformat(stale.json()["computed_at"]) == long_ago
    assert len(queued) == 1


def test_small_counts_are_withheld_and_the_others_rounded(api_for, supervisor, chuy, osh, computed):
    # given: 3 school-age children in Chüy (below the threshold of 5), 2 of them placed with
    # relatives (a median of 2 children), and 12 in Osh
    placed = [person(chuy) for _n in range(3)][:2]
    for returnee in placed:
        care(returnee, placed=datetime.date(2023, 3, 1))
    for _n in range(12):
        person(osh)
    ReportSettings.objects.update_or_create(pk=1, defaults={"suppression_threshold": 5})
    client = api_for(supervisor)  # Chüy

    # when
    rows = rows_of(computed(client))

    # then: the count is "small" with no value, the median is hidden
    assert rows["school_age"] == {
        "key": "school_age",
        "label": "School-age children (6–17)",
        "value": None,
        "mark": "small",
    }
    assert rows["relatives"]["mark"] == "small"
    assert (rows["median_days_to_family"]["value"], rows["median_days_to_family"]["mark"]) == (None, "hidden")
    assert all(
        row["value"] in (0, None) or row["value"] % 5 == 0
        for key, row in rows.items()
        if key != "median_days_to_family"
    )


def test_figures_published_with_another_threshold_are_not_served(api_for, coordinator, chuy, computed):
    # given: figures computed with a threshold of 5
    for _n in range(7):
        person(chuy)
    client = api_for(coordinator)
    computed(client)

    # when: an administrator raises the threshold
    ReportSettings.objects.update_or_create(pk=1, defaults={"suppression_threshold": 10})
    response = client.get(v1("indicators"))

    # then: nothing published under the old rule; the new figures are computed
    assert response.status_code == 202
    assert rows_of(computed(api_for(coordinator), {"region": chuy.pk}))["school_age"]["mark"] == "small"


def test_each_role_reads_the_figures_of_its_own_regions_only(
    api_for, coordinator, osh_supervisor, administrator, worker, provider_user, chuy, osh, computed
):
    # given: 7 school-age children in Chüy, 12 in Osh
    for _n in range(7):
        person(chuy)
    for _n in range(12):
        person(osh)

    # when: the administrator's figures are computed (the whole country)
    country = rows_of(computed(api_for(administrator)))

    # then: a coordinator of Chüy is not served them, nor Osh's, but figures of Chüy alone
    coordinator_client = api_for(coordinator)
    assert coordinator_client.get(v1("indicators")).status_code == 202
    refused = coordinator_client.get(v1("indicators"), {"region": osh.pk})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"region": ["Choose one of your regions."]}
    chuy_only = rows_of(computed(api_for(coordinator), {"region": chuy.pk}))
    osh_only = rows_of(computed(api_for(osh_supervisor)))
    assert chuy_only["school_age"]["value"] in (5, 10)
    assert osh_only["school_age"]["value"] in (10, 15)
    assert country["school_age"]["value"] == chuy_only["school_age"]["value"] + osh_only["school_age"]["value"]
    # and roles without the dashboard get nothing
    assert api_for(worker).get(v1("indicators")).status_code == 403
    assert api_for(provider_user).get(v1("indicators")).status_code == 403


def test_the_first_request_and_a_served_one_take_few_queries(
    api_for, administrator, coordinator, chuy, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for _n in range(7):
        person(chuy)
    ReportSettings.current()
    for user in (coordinator, administrator):
        client = api_for(user)
        client.get(v1("service-type-list"))  # the token's use is recorded once a minute: not counted below
        # the token, the account, its regions, the settings, the snapshot: created once (a savepoint)
        with django_capture_on_commit_callbacks() as queued, django_assert_max_num_queries(8):
            assert client.get(v1("indicators")).status_code == 202
        queued[0]()
        with django_assert_max_num_queries(6):
            assert client.get(v1("indicators")).status_code == 200


# --- Query counts ----------------------------------------------------------------------------------

LISTS = [
    "returnee-list",
    "family-list",
    "case-list",
    "note-list",
    "document-list",
    "task-list",
    "referral-list",
    "service-type-list",
    "reminder-list",
]


@pytest.mark.parametrize("name", LISTS)
def test_list_queries_do_not_grow_with_rows(name, api_for, coordinator, worker, chuy, django_assert_max_num_queries):
    client = api_for(coordinator)
    client.get(v1(name))  # the token's use is recorded once a minute: not in the count below
    for _n in range(6):
        case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
        NoteFactory(case=case, author=worker)
        IdentityDocumentFactory(returnee=case.returnee)
        FollowUpTaskFactory(case=case, assigned_to=coordinator)
        ReferralFactory(case=case)
        ReminderFactory(recipient=coordinator, case=case)
        from cases.actions import family_create

        family_create(actor=worker, name=f"Family {_n}", region=chuy)

    with django_assert_max_num_queries(6):
        response = client.get(v1(name))

    assert response.status_code == 200
    assert len(response.json()["results"]) >= 1


def test_provider_list_queries_do_not_grow_with_rows(
    api_for, coordinator, chuy, counselling, django_assert_max_num_queries
):
    from tests.services.factories import ProviderFactory

    client = api_for(coordinator)
    client.get(v1("provider-list"))
    for n in range(5):
        ProviderFactory(name=f"Provider {n}", regions=[chuy], service_types=[counselling])

    with django_assert_max_num_queries(6):
        assert len(client.get(v1("provider-list")).json()["results"]) == 5


def test_lists_are_paged_by_a_cursor(api_for, administrator, worker, chuy):
    for _n in range(3):
        CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
    client = api_for(administrator)

    first = client.get(v1("case-list"), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert not set(ids_of(first)) & set(ids_of(second))
    assert client.get(v1("case-list"), {"cursor": "nonsense"}).status_code == 404


def ids_of(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_the_caseload_filters_apply(api_for, coordinator, worker, chuy):
    high = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy), risk_level="high")
    CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy), risk_level="low")
    client = api_for(coordinator)

    assert ids(client.get(v1("case-list"), {"risk_level": "high"})) == [high.pk]
    bad = client.get(v1("case-list"), {"risk_level": "extreme"})
    assert bad.status_code == 400 and "risk_level" in bad.json()["error"]["fields"]


def test_reminder_list_is_only_ones_own(api_for, worker, coordinator, case):
    ReminderFactory(recipient=coordinator, case=case)

    assert ids(api_for(worker).get(v1("reminder-list"))) == []
    assert Reminder.objects.count() == 1
