"""Reads on record: pages of a case write a "view" row (GET only; a 404 writes a "refused" row
instead, naming the route and the id, see test_refusals.py), downloads and
exports write theirs; "who viewed this record" on the case page; the audit search and the chain check
for administrators."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import actions as case_actions
from repat.accounts.models import User
from repat.audit import actions as audit_actions
from repat.audit.models import AuditEvent
from tests.factories import (
    CaseFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    PlanGoalFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
    pdf_upload,
)
from tests.reports.factories import ProgressReportFactory
from tests.services.factories import ProviderStaffFactory
from tests.sorting import check_sorted_both_ways

from .helpers import ALTERED, audit_ids, new_rows, raw_empty, raw_set_changes

pytestmark = pytest.mark.django_db

VIEW_FIELDS = ("action", "detail", "case_id", "actor_name", "object_type", "object_id")


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def granted(user) -> User:
    user.user_permissions.add(Permission.objects.get(codename="see_restricted", content_type__app_label="cases"))
    return User.objects.get(pk=user.pk)


# --- Views of a case's pages


def page_of(name: str, case, worker):
    """(url, object type, object id, case id) of one page about `case`."""
    returnee = case.returnee
    if name == "case":
        return reverse("cases:case_detail", args=[case.pk]), "case", case.pk, case.pk
    if name == "returnee":
        return reverse("cases:returnee_detail", args=[returnee.pk]), "returnee", returnee.pk, case.pk
    if name == "family":
        family = FamilyMemberFactory(returnee=returnee).family
        return reverse("cases:family_detail", args=[family.pk]), "family", family.pk, None
    if name == "plan":
        plan = ReintegrationPlanFactory(case=case, version=1, status="draft", created_by=worker)
        PlanGoalFactory(plan=plan)
        return reverse("cases:plan_detail", args=[plan.pk]), "reintegrationplan", plan.pk, case.pk
    if name == "restricted_section":
        return reverse("cases:restricted_section", args=[returnee.pk]), "returnee", returnee.pk, case.pk
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["case", "returnee", "family", "plan", "restricted_section"])
def test_opening_a_page_about_a_case_records_one_view(name, worker, case, client_for):
    # given
    worker = granted(worker)
    url, object_type, object_id, case_id = page_of(name, case, worker)
    client = client_for(worker)
    before = audit_ids()

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200
    view_name = "cases:restricted_section" if name == "restricted_section" else f"cases:{name}_detail"
    assert new_rows(before, *VIEW_FIELDS) == [("view", view_name, case_id, "worker-a", object_type, object_id)]


def test_the_restricted_section_once_saved_is_viewed_as_its_own_record(worker, case, client_for):
    worker = granted(worker)
    record = case_actions.restricted_section_save(actor=worker, returnee=case.returnee, data={"court": "Bishkek"})
    client = client_for(worker)
    before = audit_ids()

    client.get(reverse("cases:restricted_section", args=[case.returnee.pk]))

    assert new_rows(before, "action", "object_type", "object_id", "case_id") == [
        ("view", "legalrecord", record.pk, case.pk)
    ]


def test_posting_a_form_on_the_case_page_records_the_change_not_a_view(worker, case, client_for):
    client = client_for(worker)
    before = audit_ids()

    response = client.post(
        reverse("cases:case_detail", args=[case.pk]),
        {"contact_date": timezone.localdate(), "kind": "home_visit", "summary": "Visited.", "form_token": uuid.uuid4()},
    )

    assert response.status_code == 302
    assert new_rows(before, "action", "detail") == [("change", "note_logged")]


@pytest.mark.parametrize("name", ["case", "returnee", "plan"])
def test_a_page_the_user_may_not_see_is_a_404_and_records_only_the_refusal(
    name, worker, other_worker, case, client_for
):
    url, _type, object_id, _case_id = page_of(name, case, worker)
    client = client_for(other_worker)
    before = audit_ids()

    assert client.get(url).status_code == 404
    assert new_rows(before, "action", "detail", "object_id", "case_id", "actor_name") == [
        ("refused", "404", object_id, None, "worker-b")
    ]


def test_a_case_that_does_not_exist_records_only_the_refusal(worker, client_for):
    client = client_for(worker)
    before = audit_ids()

    assert client.get(reverse("cases:case_detail", args=[999999])).status_code == 404
    assert new_rows(before, "action", "object_type", "object_id", "detail") == [
        ("refused", "cases:case_detail", 999999, "404")
    ]


def test_a_download_is_recorded(worker, case, client_for):
    attachment = case_actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload())
    client = client_for(worker)
    before = audit_ids()

    response = client.get(reverse("cases:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert new_rows(before, "action", "object_type", "object_id", "case_id", "actor_name") == [
        ("download", "attachment", attachment.pk, case.pk, "worker-a")
    ]


def test_a_download_of_another_workers_file_is_a_404_and_records_nothing(worker, other_worker, case, client_for):
    attachment = case_actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload())
    client = client_for(other_worker)
    before = audit_ids()

    assert client.get(reverse("cases:attachment_download", args=[attachment.pk])).status_code == 404
    assert new_rows(before, "action", "object_type", "object_id") == [
        ("refused", "cases:attachment_download", attachment.pk)
    ]


@pytest.fixture
def ready_report(supervisor, chuy):
    report = ProgressReportFactory(
        created_by=supervisor, region=chuy, status="ready", progress=100, generated_at=timezone.now()
    )
    report.pdf_file.save("ready.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    report.xlsx_file.save("ready.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    report.save()
    return report


@pytest.mark.parametrize("format", ["pdf", "xlsx"])
def test_a_progress_report_download_is_recorded_as_an_export(format, ready_report, supervisor, client_for):
    client = client_for(supervisor)
    before = audit_ids()

    response = client.get(reverse("reports:report_download", args=[ready_report.pk, format]))

    assert response.status_code == 200
    assert new_rows(before, "action", "object_type", "object_id", "actor_name", "detail") == [
        ("export", "progressreport", ready_report.pk, "supervisor-a", format)
    ]


def test_a_report_not_ready_records_no_export(supervisor, chuy, client_for):
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="running")
    client = client_for(supervisor)
    before = audit_ids()

    assert client.get(reverse("reports:report_download", args=[report.pk, "pdf"])).status_code == 302
    assert new_rows(before) == []


# --- Who viewed this record


@pytest.mark.parametrize(
    ("role", "shown"),
    [("worker", False), ("coordinator", False), ("supervisor", True), ("administrator", True)],
)
def test_who_viewed_the_case_is_shown_to_supervisors_and_administrators_only(role, shown, request, case, client_for):
    # given: the worker and the coordinator opened the case
    viewers = [request.getfixturevalue("worker"), request.getfixturevalue("coordinator")]
    for viewer in viewers:
        client_for(viewer).get(reverse("cases:case_detail", args=[case.pk]))

    # when
    page = client_for(request.getfixturevalue(role)).get(reverse("cases:case_detail", args=[case.pk]))

    # then
    content = page.content.decode()
    assert ('id="viewers"' in content) is shown
    assert ("Who viewed this record" in content) is shown
    if shown:
        names = [event.actor_name for event in page.context["viewers"]]
        assert names == [request.getfixturevalue(role).username, "coordinator-a", "worker-a"]
        assert '<li class="list-group-item">worker-a · ' in content


def test_who_viewed_lists_only_views_of_this_case(worker, supervisor, case, chuy, client_for):
    # given: the worker opened another case of theirs, and edited this one (a change, not a view)
    other = UserFactory(username="worker-c", role=User.Role.SOCIAL_WORKER, regions=[chuy])
    second = CaseFactory(worker=other, returnee=ReturneeFactory(region=chuy))
    client_for(other).get(reverse("cases:case_detail", args=[second.pk]))
    case_actions.case_update(actor=worker, case=case, data={"risk_level": "low"})

    # when
    page = client_for(supervisor).get(reverse("cases:case_detail", args=[case.pk]))

    # then
    assert [event.actor_name for event in page.context["viewers"]] == ["supervisor-a"]


# --- The audit search and the chain check


@pytest.fixture
def provider_user(db):
    return ProviderStaffFactory(user__username="provider-a").user


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("worker", 403),
        ("coordinator", 403),
        ("supervisor", 403),
        ("osh_supervisor", 403),
        ("provider_user", 403),
        ("administrator", 200),
    ],
)
def test_the_audit_search_is_for_administrators_only(role, status, request, client_for):
    client = client_for(request.getfixturevalue(role))

    assert client.get(reverse("audit:search")).status_code == status
    assert client.post(reverse("audit:verify")).status_code == (302 if status == 200 else 403)


def test_an_administrator_who_is_not_a_superuser_may_search_too(client_for):
    admin = UserFactory(username="admin-b", role=User.Role.ADMINISTRATOR)
    assert client_for(admin).get(reverse("audit:search")).status_code == 200


def test_anonymous_users_are_sent_to_login(client):
    for response in (client.get(reverse("audit:search")), client.post(reverse("audit:verify"))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.fixture
def views_and_changes(worker, coordinator, case, other_case, client_for):
    """The worker viewed `case` twice and changed it; the coordinator viewed it once; the other
    worker viewed `other_case`."""
    client = client_for(worker)
    client.get(reverse("cases:case_detail", args=[case.pk]))
    client.get(reverse("cases:returnee_detail", args=[case.returnee.pk]))
    case_actions.case_update(actor=worker, case=case, data={"risk_level": "high", "risk_reason": "Threats by Z."})
    client_for(coordinator).get(reverse("cases:case_detail", args=[case.pk]))
    client_for(other_case.worker).get(reverse("cases:case_detail", args=[other_case.pk]))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "view", "user": "worker-a"}, [("worker-a", "view", "returnee"), ("worker-a", "view", "case")]),
        ({"action": "change"}, [("worker-a", "change", "case")]),
        (
            {"action": "view", "case": "CASE"},
            [("coordinator-a", "view", "case"), ("worker-a", "view", "returnee"), ("worker-a", "view", "case")],
        ),
        ({"user": "WORKER-B", "action": "view"}, [("worker-b", "view", "case")]),
    ],
)
def test_the_audit_search_filters_by_action_user_and_case(
    params, expected, views_and_changes, administrator, case, client_for
):
    # given
    params = {name: case.returnee.case_number if value == "CASE" else value for name, value in params.items()}

    # when
    response = client_for(administrator).get(reverse("audit:search"), params)

    # then
    assert [(e.actor_name, e.action, e.object_type) for e in response.context["events"]] == expected


def test_the_audit_page_names_the_changed_fields_not_their_values(views_and_changes, administrator, client_for):
    page = client_for(administrator).get(reverse("audit:search"), {"action": "change"}).content.decode()

    assert '<td class="small">risk_level, risk_reason, next_follow_up</td>' in page
    assert "Threats by Z." not in page


def test_the_audit_page_query_count_does_not_grow_with_rows(
    administrator, worker, case, client_for, django_assert_max_num_queries
):
    client = client_for(administrator)
    client.get(reverse("audit:search"))
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("audit:search"))
    limit = len(small.captured_queries)  # now: the query log keeps only the latest queries
    for _n in range(20):
        client_for(worker).get(reverse("cases:case_detail", args=[case.pk]))
    client = client_for(administrator)
    with django_assert_max_num_queries(limit):
        client.get(reverse("audit:search"))


def test_checking_the_chain_says_it_is_intact(views_and_changes, administrator, client_for):
    response = client_for(administrator).post(reverse("audit:verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("audit:search")
    assert flashed(response) == [
        f"The audit trail is intact: {AuditEvent.objects.count()} rows checked; published heads it was held against: 0."
    ]


def test_checking_a_broken_chain_names_the_row(views_and_changes, administrator, client_for):
    client = client_for(administrator)
    row = AuditEvent.objects.filter(action="change").get()
    raw_set_changes(row.pk, '{"risk_level": ["medium", "low"]}')

    response = client.post(reverse("audit:verify"))

    assert flashed(response) == [f"The audit trail is broken at row {row.pk}: {ALTERED}."]


def test_checking_a_trail_emptied_by_its_owner_says_so(views_and_changes, administrator, client_for):
    client = client_for(administrator)
    rows, last = AuditEvent.objects.count(), AuditEvent.objects.latest("id").pk
    raw_empty()

    response = client.post(reverse("audit:verify"))

    assert flashed(response) == [
        f"The audit trail is broken: the chain ends after 0 rows, but its head in the database records {rows} rows "
        f"up to row {last}: rows were removed."
    ]


def test_the_audit_search_by_day(views_and_changes, administrator, case, client_for):
    # given rows recorded today (local time)
    from django.utils import timezone

    today = timezone.localdate()
    client = client_for(administrator)

    def found(since, until):
        number = case.returnee.case_number
        params = {"since": since.isoformat(), "until": until.isoformat(), "case": number, "action": "view"}
        return len(client.get(reverse("audit:search"), params).context["events"])

    # then a search of today finds them, of yesterday or tomorrow none
    one_day = datetime.timedelta(days=1)
    assert found(today, today) == 3
    assert found(today - one_day, today - one_day) == 0
    assert found(today + one_day, today + one_day) == 0


def test_the_audit_page_names_people_records_and_pages_as_people_do(
    views_and_changes, worker, administrator, case, client_for
):
    # given a consent record changed and a refused page
    consent = ConsentRecordFactory(returnee=case.returnee)
    audit_actions.record(actor=worker, action=AuditEvent.Action.CHANGE, obj=consent, case_id=case.pk)
    number = case.returnee.case_number

    # when
    page = client_for(administrator).get(reverse("audit:search")).content.decode()

    # then
    assert f"Consent record of case {number}" in page
    assert f"<td>{worker.get_full_name()} (worker-a)</td>" in page
    assert "<td>Case page</td>" in page and "<td>Returnee page</td>" in page
    assert f'">{number}</a>' in page
    for internal in ("consentrecord", "cases:case_detail", "cases:returnee_detail", f"user {worker.pk}"):
        assert internal not in page


def test_the_audit_case_filter_takes_the_case_number_as_people_type_it(
    views_and_changes, administrator, case, client_for
):
    client = client_for(administrator)
    number = case.returnee.case_number

    typed = client.get(reverse("audit:search"), {"case": f"  {number.lower()} "})
    unknown = client.get(reverse("audit:search"), {"case": "KG-1999-99999"})

    assert {e.case_id for e in typed.context["events"]} == {case.pk}
    assert len(typed.context["events"]) == 4
    assert list(unknown.context["events"]) == []
    assert 'name="case"' in typed.content.decode() and 'type="number"' not in typed.content.decode()


def test_naming_the_rows_costs_the_same_queries_for_many_kinds_of_record(
    administrator, worker, coordinator, case, other_case, client_for
):
    def queries() -> int:
        client = client_for(administrator)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit:search")).status_code == 200
        return len(captured.captured_queries)

    client_for(worker).get(reverse("cases:case_detail", args=[case.pk]))
    few = queries()
    for person, own in ((worker, case), (coordinator, case), (other_case.worker, other_case)):
        viewer = client_for(person)
        viewer.get(reverse("cases:case_detail", args=[own.pk]))
        viewer.get(reverse("cases:returnee_detail", args=[own.returnee.pk]))
        audit_actions.record(
            actor=person,
            action=AuditEvent.Action.CHANGE,
            obj=ConsentRecordFactory(returnee=own.returnee),
            case_id=own.pk,
        )

    assert queries() == few


def test_the_trail_sorts_by_time_both_ways_keeping_filters_and_pages(worker, administrator, client_for, settings):
    # given: a worker opens four cases, one after the other (one more than a page)
    settings.REPAT_PAGE_SIZE = 3
    cases = [CaseFactory(worker=worker) for _ in range(4)]
    for case in cases:
        client_for(worker).get(reverse("cases:case_detail", args=[case.pk]))

    # when / then: newest first unless asked otherwise, with the action filter
    check_sorted_both_ways(
        client_for(administrator),
        reverse("audit:search"),
        filters={"action": "view"},
        label="At",
        key="at",
        rows=[case.returnee.case_number for case in cases],
        default="-at",
        exports=False,  # the trail has none
    )
