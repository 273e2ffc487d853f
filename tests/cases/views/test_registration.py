import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Family, FamilyMember, Note, Returnee
from repat.accounts.models import User
from tests.factories import (
    CaseFactory,
    FamilyMemberFactory,
    OperationFactory,
    ReturneeFactory,
    UserFactory,
    close_case,
)

pytestmark = pytest.mark.django_db


def object_urls(case):
    family = FamilyMemberFactory(returnee=case.returnee).family
    return {
        "case": reverse("cases:case_detail", args=[case.pk]),
        "case_edit": reverse("cases:case_update", args=[case.pk]),
        "returnee": reverse("cases:returnee_detail", args=[case.returnee.pk]),
        "returnee_edit": reverse("cases:returnee_update", args=[case.returnee.pk]),
        "family": reverse("cases:family_detail", args=[family.pk]),
    }


# Who may open each page of a case in Chüy held by `worker`: 200 allowed, 403 visible but read-only,
# 404 not visible at all (the same answer as a case that does not exist).
EXPECTED = {
    "worker": {"case": 200, "case_edit": 200, "returnee": 200, "returnee_edit": 200, "family": 200},
    "other_worker": {"case": 404, "case_edit": 404, "returnee": 404, "returnee_edit": 404, "family": 404},
    "coordinator": {"case": 200, "case_edit": 200, "returnee": 200, "returnee_edit": 200, "family": 200},
    "supervisor": {"case": 200, "case_edit": 403, "returnee": 200, "returnee_edit": 403, "family": 200},
    "osh_supervisor": {"case": 404, "case_edit": 404, "returnee": 404, "returnee_edit": 404, "family": 404},
    "administrator": {"case": 200, "case_edit": 200, "returnee": 200, "returnee_edit": 200, "family": 200},
}


@pytest.mark.parametrize("role", EXPECTED)
def test_object_pages_per_role(role, request, case, client_for):
    user = request.getfixturevalue(role)
    urls = object_urls(case)
    client = client_for(user)
    for name, url in urls.items():
        assert client.get(url).status_code == EXPECTED[role][name], (role, name)


def test_a_case_that_does_not_exist_is_the_same_404(worker, client_for):
    response = client_for(worker).get(reverse("cases:case_detail", args=[999999]))
    assert response.status_code == 404


def test_posting_to_another_workers_case_is_refused_and_changes_nothing(worker, other_case, client_for):
    client = client_for(worker)
    url = reverse("cases:case_detail", args=[other_case.pk])
    response = client.post(
        url, {"contact_date": timezone.localdate(), "kind": "home_visit", "summary": "x", "form_token": uuid.uuid4()}
    )
    assert response.status_code == 404
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("worker", 200), ("coordinator", 200), ("administrator", 200), ("supervisor", 403)],
)
def test_register_page_per_role(role, status, request, client_for):
    assert client_for(request.getfixturevalue(role)).get(reverse("cases:returnee_register")).status_code == status


def test_anonymous_users_are_sent_to_login(client, case):
    for url in object_urls(case).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def registration_data(chuy, **overrides):
    operation = OperationFactory()
    data = {
        "family_name": "Жумабаева",
        "given_name": "Асель",
        "patronymic": "Бакытовна",
        "aliases": "Asel Zhumabaeva\nأسيل",
        "sex": "female",
        "date_of_birth": "2016-04-02",
        "date_of_birth_precision": "month",
        "place_of_birth": "Raqqa",
        "born_in_conflict_zone": "on",
        "operation": operation.pk,
        "departure_place": "al-Hol camp",
        "arrival_date": "2023-02-10",
        "citizenship_status": "pending",
        "languages": ["ky", "ar"],
        "special_needs": "",
        "region": chuy.pk,
        "district": chuy.districts.get(name="Sokuluk District").pk,
        "locality": "Sokuluk",
        "new_family_name": "Жумабаевы",
        "relationship": "child",
        "risk_level": "medium",
        "risk_reason": "",
        "form_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_worker_registers_a_returnee_with_a_new_family(worker, chuy, client_for, coordinator):
    response = client_for(worker).post(reverse("cases:returnee_register"), registration_data(chuy))

    returnee = Returnee.objects.get()
    assert response.status_code == 302
    assert response["Location"] == returnee.case.get_absolute_url()
    assert returnee.case.worker == worker
    assert returnee.case_number.startswith("KG-2023-")
    assert returnee.languages == ["ky", "ar"]
    assert sorted(returnee.aliases.values_list("name", "script")) == [("Asel Zhumabaeva", "latin"), ("أسيل", "arabic")]
    assert returnee.membership.family.name == "Жумабаевы"
    assert returnee.membership.family.region == chuy
    assert list(returnee.case.events.order_by("id").values_list("kind", flat=True)) == [
        "registered",
        "opened",
        "family_joined",
    ]


def test_registration_errors_are_shown_next_to_the_field_and_nothing_is_saved(worker, chuy, client_for):
    data = registration_data(chuy, date_of_birth="2024-01-01", new_family_name="")
    response = client_for(worker).post(reverse("cases:returnee_register"), data)

    assert response.status_code == 200
    form, registration_form = response.context["form"], response.context["registration_form"]
    assert form.errors["arrival_date"] == ["The date of arrival cannot be before the date of birth."]
    assert registration_form.errors["family"] == ["Choose a family or give the name of a new one."]
    # What was typed is kept.
    assert 'value="Жумабаева"' in response.content.decode()
    assert not Returnee.objects.exists()
    assert not Family.objects.exists()


def test_a_future_date_of_birth_is_refused(worker, chuy, client_for):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(worker).post(
        reverse("cases:returnee_register"), registration_data(chuy, date_of_birth=tomorrow, arrival_date=tomorrow)
    )
    assert response.context["form"].errors["date_of_birth"] == ["The date of birth cannot be in the future."]
    assert not Returnee.objects.exists()


def test_a_failure_late_in_registration_leaves_nothing_half_saved(worker, chuy, client_for, monkeypatch, coordinator):
    from django.core.exceptions import ValidationError

    from cases.actions import registration

    def broken(**kwargs):
        raise ValidationError({"relationship": "Broken on purpose."})

    # returnee_register calls family_member_add from its own module
    monkeypatch.setattr(registration, "family_member_add", broken)
    response = client_for(worker).post(reverse("cases:returnee_register"), registration_data(chuy))

    assert response.context["registration_form"].errors["relationship"] == ["Broken on purpose."]
    assert not Returnee.objects.exists()
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Family.objects.exists()


def test_double_submission_creates_one_returnee(worker, chuy, client_for, coordinator):
    client = client_for(worker)
    data = registration_data(chuy)
    first = client.post(reverse("cases:returnee_register"), data)
    second = client.post(reverse("cases:returnee_register"), data)

    assert Returnee.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


def test_worker_cannot_register_into_a_family_they_cannot_see(worker, other_case, chuy, client_for):
    hidden_family = FamilyMemberFactory(returnee=other_case.returnee).family
    data = registration_data(chuy, family=hidden_family.pk, new_family_name="")
    response = client_for(worker).post(reverse("cases:returnee_register"), data)
    assert "family" in response.context["registration_form"].errors
    assert Returnee.objects.count() == 1  # only other_case's returnee


def test_coordinator_registers_for_a_worker_of_their_region(coordinator, worker, other_worker, chuy, client_for):
    client = client_for(coordinator)
    refused = client.post(reverse("cases:returnee_register"), registration_data(chuy, worker=other_worker.pk))
    assert "worker" in refused.context["registration_form"].errors

    client.post(reverse("cases:returnee_register"), registration_data(chuy, worker=worker.pk))
    assert Returnee.objects.get().case.worker == worker


def test_log_a_visit_from_the_case_page(worker, case, client_for):
    client = client_for(worker)
    url = reverse("cases:case_detail", args=[case.pk])
    follow_up = timezone.localdate() + datetime.timedelta(days=14)
    response = client.post(
        url,
        {
            "contact_date": timezone.localdate().isoformat(),
            "kind": "home_visit",
            "summary": "Visited the family; the child started school.",
            "follow_up_needed": "on",
            "next_follow_up": follow_up.isoformat(),
            "form_token": str(uuid.uuid4()),
        },
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The contact was logged." in page
    assert "Visited the family; the child started school." in page
    case.refresh_from_db()
    assert case.next_follow_up == follow_up
    assert case.events.filter(kind="note_logged").count() == 1


def test_a_visit_in_the_future_is_refused_next_to_the_date(worker, case, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(worker).post(
        reverse("cases:case_detail", args=[case.pk]),
        {"contact_date": tomorrow.isoformat(), "kind": "phone_call", "summary": "x", "form_token": str(uuid.uuid4())},
    )
    assert response.context["form"].errors["contact_date"] == ["A contact cannot be logged in the future."]
    assert not Note.objects.exists()


def test_supervisor_cannot_log_a_visit(supervisor, case, client_for):
    response = client_for(supervisor).post(
        reverse("cases:case_detail", args=[case.pk]),
        {"contact_date": timezone.localdate().isoformat(), "kind": "phone_call", "summary": "x"},
    )
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_the_case_form_does_not_offer_closing_an_open_case(worker, case, client_for):
    client = client_for(worker)
    url = reverse("cases:case_update", args=[case.pk])

    form = client.get(url).context["form"]
    assert [value for value, _ in form.fields["status"].choices] == ["open", "active", "monitoring"]
    assert "closure_reason" not in form.fields

    response = client.post(url, {"status": "closed", "closure_reason": "reintegrated", "risk_level": "low"})
    assert response.context["form"].errors["status"] == [
        "Select a valid choice. closed is not one of the available choices."
    ]
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == (Case.Status.OPEN, "")
    assert not case.events.exists()


def test_a_closed_case_is_reopened_from_the_case_form(worker, supervisor, case, client_for):
    close_case(case, supervisor, reason="reintegrated")
    client = client_for(worker)
    url = reverse("cases:case_update", args=[case.pk])
    assert "closed" in [value for value, _ in client.get(url).context["form"].fields["status"].choices]

    response = client.post(url, {"status": "active", "risk_level": "low"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == ("active", None, "")
    assert case.events.order_by("id").last().kind == "reopened"


def test_worker_cannot_reassign_by_posting_a_worker_field(worker, other_worker, case, client_for):
    client_for(worker).post(
        reverse("cases:case_update", args=[case.pk]),
        {"status": "active", "risk_level": "low", "worker": other_worker.pk},
    )
    case.refresh_from_db()
    assert case.worker == worker
    assert case.status == Case.Status.ACTIVE


def test_case_page_shows_the_timeline(worker, case, client_for):
    from cases import actions

    actions.case_update(actor=worker, case=case, data={"risk_level": "high", "risk_reason": "Threats from a relative."})
    page = client_for(worker).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Risk level changed" in page
    assert "Risk level: Medium → High" in page


def test_edit_returnee_records_the_changes(worker, case, client_for):
    returnee = case.returnee
    client = client_for(worker)
    url = reverse("cases:returnee_update", args=[returnee.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        given_name="Амина",
        operation=returnee.operation_id,
        region=returnee.region_id,
        date_of_birth="2015-05-01",
        arrival_date="2023-02-10",
    )
    data.pop("district", None)
    response = client.post(url, data)
    assert response.status_code == 302
    returnee.refresh_from_db()
    assert returnee.given_name == "Амина"
    event = case.events.get(kind="returnee_updated")
    assert event.changes["given_name"] == ["Айша", "Амина"]


def test_family_page_lists_members_and_hides_cases_of_other_workers(worker, case, other_worker, client_for):
    family = FamilyMemberFactory(returnee=case.returnee, is_head=True).family
    sibling = CaseFactory(worker=other_worker, returnee=ReturneeFactory(given_name="Юсуф"))
    FamilyMemberFactory(family=family, returnee=sibling.returnee)
    FamilyMemberFactory(family=family, full_name="Гулнара Тестова", relationship="mother", whereabouts="prison")

    page = client_for(worker).get(family.get_absolute_url()).content.decode()
    assert case.get_absolute_url() in page
    assert sibling.get_absolute_url() not in page
    assert "Гулнара Тестова" in page
    assert "In prison or detention" in page


def test_family_page_names_link_to_each_persons_case_where_the_reader_may_open_it(
    worker, case, other_worker, client_for
):
    family = FamilyMemberFactory(returnee=case.returnee, is_head=True).family
    sibling = CaseFactory(worker=other_worker, returnee=ReturneeFactory(given_name="Юсуф"))
    FamilyMemberFactory(family=family, returnee=sibling.returnee)
    mine = family.members.get(returnee=case.returnee)

    page = client_for(worker).get(family.get_absolute_url()).content.decode()

    assert f'<a href="{case.get_absolute_url()}" class="member-case">{mine.display_name}</a>' in page
    assert sibling.get_absolute_url() not in page


def test_add_a_relative_to_the_family(worker, case, client_for):
    family = FamilyMemberFactory(returnee=case.returnee).family
    client_for(worker).post(
        family.get_absolute_url(),
        {
            "full_name": "Калыйпа Тестова",
            "relationship": "grandparent",
            "whereabouts": "household",
            "is_head": "on",
            "form_token": str(uuid.uuid4()),
        },
    )
    head = family.members.get(is_head=True)
    assert head.full_name == "Калыйпа Тестова"
    assert family.members.count() == 2


# The caseload


def test_caseload_lists_only_the_workers_cases(worker, case, other_case, client_for):
    response = client_for(worker).get(reverse("cases:caseload"))
    assert list(response.context["cases"]) == [case]
    assert other_case.returnee.case_number not in response.content.decode()


def test_caseload_filters(worker, client_for):
    today = timezone.localdate()
    overdue = CaseFactory(
        worker=worker,
        next_follow_up=today - datetime.timedelta(days=3),
        risk_level="high",
        returnee=ReturneeFactory(given_name="Зарина", family_name="Каримова"),
    )
    # The search forgives a letter or two, so the other case has a name of its own.
    CaseFactory(worker=worker, next_follow_up=today + datetime.timedelta(days=3), risk_level="low")
    client = client_for(worker)
    assert list(client.get(reverse("cases:caseload"), {"overdue": "on"}).context["cases"]) == [overdue]
    assert list(client.get(reverse("cases:caseload"), {"risk_level": "high"}).context["cases"]) == [overdue]
    searched = client.get(reverse("cases:caseload"), {"q": overdue.returnee.family_name}, follow=True)
    assert list(searched.context["cases"]) == [overdue]


def test_caseload_finds_a_returnee_by_another_spelling(worker, client_for):
    case = CaseFactory(worker=worker)
    case.returnee.aliases.create(name="عائشة", script="arabic")
    response = client_for(worker).get(reverse("cases:caseload"), {"q": "عائشة"}, follow=True)
    assert list(response.context["cases"]) == [case]


def test_caseload_sorting_puts_cases_without_follow_up_last(worker, client_for):
    today = timezone.localdate()
    none = CaseFactory(worker=worker, next_follow_up=None)
    later = CaseFactory(worker=worker, next_follow_up=today + datetime.timedelta(days=9))
    sooner = CaseFactory(worker=worker, next_follow_up=today + datetime.timedelta(days=1))
    response = client_for(worker).get(reverse("cases:caseload"), {"sort": "next_follow_up"})
    assert list(response.context["cases"]) == [sooner, later, none]


def test_caseload_column_headers_sort_the_list_and_say_how(worker, client_for, settings):
    settings.REPAT_PAGE_SIZE = 2
    today = timezone.localdate()
    for n, name in enumerate(["Bekova", "Asanova", "Dzhumaeva"]):
        CaseFactory(
            worker=worker, returnee=ReturneeFactory(family_name=name), next_follow_up=today + datetime.timedelta(days=n)
        )
    client = client_for(worker)

    plain = client.get(reverse("cases:caseload"), {"page": 2}).content.decode()
    by_name = client.get(reverse("cases:caseload"), {"sort": "name"})
    second_page = client.get(reverse("cases:caseload"), {"sort": "name", "page": 2})
    reversed_ = client.get(reverse("cases:caseload"), {"sort": "-name"})
    unknown = client.get(reverse("cases:caseload"), {"sort": "returnee__date_of_birth"})

    assert '<th scope="col" aria-sort="none"><a class="sort-link" href="?sort=name"' in plain  # page dropped
    assert [c.returnee.family_name for c in by_name.context["cases"]] == ["Asanova", "Bekova"]
    assert [c.returnee.family_name for c in second_page.context["cases"]] == ["Dzhumaeva"]
    assert [c.returnee.family_name for c in reversed_.context["cases"]] == ["Dzhumaeva", "Bekova"]
    page = by_name.content.decode()
    assert '<th scope="col" aria-sort="ascending"><a class="sort-link" href="?sort=-name"' in page
    assert 'aria-sort="descending"><a class="sort-link" href="?sort=name"' in reversed_.content.decode()
    # Only whitelisted orders: another value is the default order (soonest follow-up first), said so.
    assert [c.returnee.family_name for c in unknown.context["cases"]] == ["Bekova", "Asanova"]
    assert 'aria-sort="ascending"><a class="sort-link" href="?sort=-next_follow_up"' in unknown.content.decode()


def test_coordinator_caseload_covers_the_region(coordinator, case, other_case, client_for):
    response = client_for(coordinator).get(reverse("cases:caseload"))
    assert list(response.context["cases"]) == [case]


def test_caseload_query_count_does_not_grow_with_rows(worker, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    CaseFactory.create_batch(3, worker=worker)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("cases:caseload"))
    CaseFactory.create_batch(20, worker=worker)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("cases:caseload"))


def test_case_page_query_count_does_not_grow_with_events(worker, case, client_for, django_assert_max_num_queries):
    from cases import actions

    client = client_for(worker)
    url = reverse("cases:case_detail", args=[case.pk])
    actions.note_log(actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary="One")
    with django_assert_max_num_queries(26) as small:
        client.get(url)
    for n in range(10):
        actions.note_log(actor=worker, case=case, contact_date=timezone.localdate(), kind="home_visit", summary=str(n))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_family_page_query_count_does_not_grow_with_members(worker, case, client_for, django_assert_max_num_queries):
    family = FamilyMemberFactory(returnee=case.returnee).family
    client = client_for(worker)
    with django_assert_max_num_queries(20) as small:
        client.get(family.get_absolute_url())
    for _ in range(5):
        FamilyMemberFactory(family=family, returnee=CaseFactory(worker=worker).returnee)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(family.get_absolute_url())


def test_pages_render_in_russian_and_kyrgyz(worker, case, client_for):
    client = client_for(worker)
    client.cookies["django_language"] = "ru"
    assert "Мои дела" in client.get(reverse("cases:caseload")).content.decode()
    client.cookies["django_language"] = "ky"
    assert "Менин иштерим" in client.get(reverse("cases:caseload")).content.decode()


def test_every_status_of_the_case_page_renders_for_closed_cases(worker, supervisor, case, client_for):
    close_case(case, supervisor, reason="moved")
    page = client_for(worker).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Moved out of the programme&#x27;s area" in page
    assert "Log a visit or contact" not in page


def test_unassigned_case_is_visible_to_region_but_not_to_workers(coordinator, worker, chuy, client_for):
    unassigned = CaseFactory(worker=None, returnee=ReturneeFactory(region=chuy))
    assert client_for(coordinator).get(unassigned.get_absolute_url()).status_code == 200
    assert client_for(worker).get(unassigned.get_absolute_url()).status_code == 404


def test_role_field_cannot_be_changed_by_the_user_through_any_page(worker, client_for):
    # There is no self-service page for roles; the admin is closed to non-staff.
    assert client_for(worker).get(reverse("admin:index")).status_code == 302
    worker.refresh_from_db()
    assert worker.role == User.Role.SOCIAL_WORKER


def test_admin_works_for_administrators(administrator, case, client_for):
    client = client_for(administrator)
    for name in ("cases_returnee", "cases_case", "cases_family", "accounts_user", "accounts_region"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200


def test_family_member_for_existing_membership_is_refused(worker, case):
    from django.core.exceptions import ValidationError

    from cases import actions

    family = FamilyMemberFactory(returnee=case.returnee).family
    with pytest.raises(ValidationError):
        actions.family_member_add(actor=worker, family=family, returnee=case.returnee, relationship="child")
    assert FamilyMember.objects.count() == 1


def test_user_factory_roles_are_real_choices():
    assert {u.role for u in [UserFactory()]} <= set(User.Role.values)


def test_a_search_is_posted_and_never_shown_in_the_url(worker, case, client_for):
    # given
    client = client_for(worker)
    name = case.returnee.given_name

    # when the worker searches from the filter form, with another filter
    response = client.post(reverse("cases:caseload"), {"q": name, "status": case.status})

    # then the page is shown without the name in its address, and the search applies
    assert response.status_code == 302
    assert name not in response["Location"] and "status=" in response["Location"]
    page = client.get(response["Location"])
    assert list(page.context["cases"]) == [case]
    assert page.context["filter"].form["q"].value() == name
    # a new empty search clears it
    client.post(reverse("cases:caseload"), {"q": ""})
    assert client.get(reverse("cases:caseload")).context["filter"].form["q"].value() == ""
