"""Exports of the caseload, the people search and a family's members: the rows their pages show, with
the same filters and order, only what the user may see, safely written, in the user's language, and
each export in the audit trail without the search text."""

import pytest
from django.urls import reverse

from cases.views import SEARCH_KEY
from cases.views.search import PEOPLE_SEARCH_KEY
from repat.accounts.models import User
from repat.audit.models import AuditEvent
from tests.exports import csv_rows, ids, last_export, xlsx_rows
from tests.factories import CaseFactory, FamilyFactory, FamilyMemberFactory, ReturneeFactory

pytestmark = pytest.mark.django_db

CASELOAD = reverse("cases:caseload")
EXPORT = reverse("cases:caseload_export")
SEARCH_EXPORT = reverse("cases:search_export")


@pytest.fixture
def caseload(worker, chuy):
    """Six cases of `worker`: three high risk, three low, with names out of alphabetical order."""
    names = ["Юсупова", "Абдиева", "Маматова", "Ибраимова", "Бекова", "Жумабаева"]
    return [
        CaseFactory(
            worker=worker,
            risk_level="high" if n % 2 else "low",
            returnee=ReturneeFactory(region=chuy, family_name=name),
        )
        for n, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    "query", ["", "?risk_level=high", "?sort=name", "?risk_level=low&sort=-name", "?sort=returnee__id", "?status=zz"]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_caseload_exports_the_rows_its_page_shows_in_its_order(
    query, fmt, caseload, other_case, worker, client_for
):
    # given
    client = client_for(worker)
    shown = [case.pk for case in client.get(CASELOAD + query).context["cases"]]

    # when
    response = client.get(EXPORT + (query + "&" if query else "?") + f"format={fmt}")

    # then
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert ids(rows) == shown
    assert other_case.pk not in ids(rows)
    assert len(rows) == 1 + len(shown)


def test_the_caseload_export_carries_the_page_columns(case, worker, client_for):
    rows = csv_rows(client_for(worker).get(EXPORT))
    returnee = case.returnee
    assert rows == [
        [
            "ID",
            "Case number",
            "Name",
            "Age",
            "Approximate age",
            "Sex",
            "Operation",
            "Region",
            "Social worker",
            "Status",
            "Risk",
            "Next follow-up",
            "Follow-up overdue",
        ],
        [
            str(case.pk),
            returnee.case_number,
            returnee.full_name,
            str(returnee.age()),
            "No",
            "Female",
            "Test operation",
            "Chüy Oblast",
            str(worker),
            "Open",
            "Medium",
            "",
            "No",
        ],
    ]


def test_the_caseload_search_comes_from_the_session_and_stays_out_of_the_url_and_the_trail(
    caseload, worker, client_for
):
    # given: a search posted from the filter form, with a filter
    client = client_for(worker)
    name = "Маматова"
    redirect = client.post(CASELOAD, {"q": name, "risk_level": "low"})["Location"]
    page = client.get(redirect)
    shown = [case.pk for case in page.context["cases"]]
    links = page.context["exports"]

    # when
    response = client.get(links["csv"])

    # then: the same rows, and the name is neither in the links nor in the audit trail
    assert shown == [caseload[2].pk]
    assert ids(csv_rows(response)) == shown
    assert all(name not in link for link in links.values())
    assert "risk_level=low" in links["csv"]
    event = last_export()
    assert event.changes == {
        "list": "caseload",
        "format": "csv",
        "filters": {"risk_level": "low"},
        "search": True,
        "rows": 1,
    }
    assert name not in str(event.changes) and name not in event.detail


def test_a_search_in_the_export_url_is_ignored(caseload, worker, client_for):
    client = client_for(worker)
    session = client.session
    session[SEARCH_KEY] = ""
    session.save()
    rows = csv_rows(client.get(EXPORT + "?q=Маматова"))
    assert len(ids(rows)) == len(caseload)
    assert last_export().changes["search"] is False


def test_each_export_is_in_the_audit_trail(caseload, worker, client_for):
    # when
    client_for(worker).get(EXPORT + "?risk_level=high&page=2&format=xlsx")

    # then
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.actor, event.actor_name, event.object_type, event.detail) == (
        worker,
        "worker-a",
        "caseload",
        "cases:caseload_export",
    )
    assert event.changes == {
        "list": "caseload",
        "format": "xlsx",
        "filters": {"risk_level": "high"},
        "search": False,
        "rows": 3,
    }


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "administrator"])
def test_other_roles_export_what_their_caseload_shows(role, request, case, other_case, client_for):
    user = request.getfixturevalue(role)
    client = client_for(user)
    shown = [c.pk for c in client.get(CASELOAD).context["cases"]]
    assert ids(csv_rows(client.get(EXPORT))) == shown
    assert (other_case.pk in shown) is (role == "administrator")


def test_a_colleague_exports_none_of_the_workers_cases(case, chuy, client_for):
    colleague = User.objects.create_user("colleague", role=User.Role.SOCIAL_WORKER)
    colleague.regions.set([chuy])
    assert ids(csv_rows(client_for(colleague).get(EXPORT))) == []


EXPORTS = ["cases:caseload_export", "cases:search_export"]


@pytest.mark.parametrize("name", EXPORTS)
def test_provider_staff_get_403(name, provider_user, case, client_for):
    response = client_for(provider_user).get(reverse(name))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_provider_staff_get_403_on_a_family_too(provider_user, case, client_for):
    family = FamilyFactory()
    FamilyMemberFactory(family=family, returnee=case.returnee)
    assert client_for(provider_user).get(reverse("cases:family_export", args=[family.pk])).status_code == 403


def test_the_caseload_page_offers_the_export_with_its_filters(case, worker, client_for):
    html = client_for(worker).get(CASELOAD + "?risk_level=medium&page=1").content.decode()
    assert f'href="{EXPORT}?risk_level=medium&amp;format=csv"' in html
    assert f'href="{EXPORT}?risk_level=medium&amp;format=xlsx"' in html


def test_a_name_that_is_a_formula_comes_out_quoted(worker, chuy, client_for):
    # given
    case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, family_name="=cmd|' /C calc'!A0"))
    client = client_for(worker)

    # when
    csv_name = csv_rows(client.get(EXPORT))[1][2]
    xlsx_name = xlsx_rows(client.get(EXPORT + "?format=xlsx"))[1][2]

    # then
    assert csv_name == xlsx_name == "'" + case.returnee.full_name
    assert csv_name.startswith("'=cmd")


def test_headers_and_labels_are_in_the_users_language(case, worker, client_for):
    User.objects.filter(pk=worker.pk).update(language="ru")
    worker.refresh_from_db()
    header, row = csv_rows(client_for(worker).get(EXPORT))
    assert header[1:4] == ["Номер дела", "ФИО", "Возраст"]
    assert header[9] == "Статус"
    assert row[12] == "Нет"
    header = xlsx_rows(client_for(worker).get(EXPORT + "?format=xlsx"))[0]
    assert header[1] == "Номер дела"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_number_of_queries_does_not_grow_with_the_rows(fmt, worker, chuy, client_for, django_assert_num_queries):
    # given: one case, counted; then thirty more
    client = client_for(worker)
    CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))

    def export():
        response = client.get(f"{EXPORT}?format={fmt}")
        return csv_rows(response) if fmt == "csv" else xlsx_rows(response)

    export()  # the session, the user and the reference lists are loaded once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        export()
    for _ in range(30):
        CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))

    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(export()) == 32


def test_the_caseload_export_is_streamed_in_chunks(case, worker, client_for, monkeypatch):
    from django.db.models.query import QuerySet
    from django.http import StreamingHttpResponse

    calls = []
    iterator = QuerySet.iterator

    def spy(queryset, chunk_size=None):
        calls.append(chunk_size)
        return iterator(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    response = client_for(worker).get(EXPORT)
    assert isinstance(response, StreamingHttpResponse)
    assert calls == []  # nothing is read before the body is
    assert ids(csv_rows(response)) == [case.pk]
    assert calls == [2000]


# --- The people search


def test_the_people_search_exports_its_results_from_the_session(caseload, other_case, worker, client_for):
    # given: a search typed in the top bar
    client = client_for(worker)
    client.post(reverse("cases:search"), {"q": "Маматова"})
    page = client.get(reverse("cases:search"))
    shown = [hit.returnee.pk for hit in page.context["results"].hits]

    # when
    rows = csv_rows(client.get(page.context["exports"]["csv"]))

    # then
    assert ids(rows) == shown == [caseload[2].returnee.pk]
    assert rows[0][:3] == ["ID", "Name", "Case number"]
    assert "Маматова" not in page.context["exports"]["csv"]
    event = last_export()
    assert event.changes == {"list": "people-search", "format": "csv", "filters": {}, "search": True, "rows": 1}
    assert "Маматова" not in str(event.changes)


def test_the_people_search_export_never_reads_a_search_from_the_url(caseload, worker, client_for):
    client = client_for(worker)
    assert ids(csv_rows(client.get(SEARCH_EXPORT + "?q=Маматова"))) == []
    page = client.get(reverse("cases:search") + "?q=Маматова")
    assert page.context["results"].hits and page.context["exports"] is None


def test_the_people_search_exports_only_whom_the_user_may_see(other_case, worker, client_for):
    client = client_for(worker)
    session = client.session
    session[PEOPLE_SEARCH_KEY] = other_case.returnee.family_name
    session.save()
    assert ids(csv_rows(client.get(SEARCH_EXPORT))) == []


# --- A family's members


@pytest.fixture
def family(case, other_case):
    """The worker's returnee's family: her mother, herself, and a returnee whose case another worker holds."""
    family = FamilyFactory(name="Тестовы")
    FamilyMemberFactory(family=family, full_name="=Гулнара", relationship="mother", is_head=True)
    FamilyMemberFactory(family=family, returnee=case.returnee, relationship="child")
    FamilyMemberFactory(family=family, returnee=other_case.returnee, relationship="sibling")
    return family


def test_a_family_exports_the_members_its_page_lists(family, case, worker, client_for):
    # given
    client = client_for(worker)
    page = client.get(family.get_absolute_url())
    url = reverse("cases:family_export", args=[family.pk])

    # when
    rows = xlsx_rows(client.get(url + "?format=xlsx"))

    # then
    assert ids(rows) == [member.pk for member in page.context["members"]]
    assert f'href="{url}?format=csv"' in page.content.decode()
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["'=Гулнара"][2] == "Yes"
    assert by_name["'=Гулнара"][8] == "Not a returnee"
    assert by_name[case.returnee.full_name][8] == case.returnee.case_number
    other = next(row for row in rows[1:] if row[1] not in ("'=Гулнара", case.returnee.full_name))
    assert other[8] == "Returnee, case held by another worker" and other[10] == "Returnee, case held by another worker"
    event = last_export()
    assert (event.object_type, event.object_id, event.changes["list"], event.changes["rows"]) == (
        "family",
        family.pk,
        "family-members",
        3,
    )


def test_a_family_nobody_may_show_the_user_is_not_found(family, osh, client_for):
    stranger = User.objects.create_user("stranger", role=User.Role.SOCIAL_WORKER)
    stranger.regions.set([osh])
    FamilyFactory(name="Other")
    url = reverse("cases:family_export", args=[FamilyFactory().pk])
    assert client_for(stranger).get(url).status_code == 404
