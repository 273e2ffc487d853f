"""The duplicate check on the registration page, and the page where a coordinator or supervisor
who sees both records decides about a match the registering worker could not see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseEvent, DuplicateDecision, Returnee
from cases.search import duplicates_fingerprint
from repat.accounts.models import User
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, FamilyFactory, FamilyMemberFactory, ReturneeFactory, UserFactory

from .helpers import field_error_html
from .test_registration import registration_data

pytestmark = pytest.mark.django_db

REGISTER = reverse("cases:returnee_register")
HIDDEN = "A probable match exists in another caseload."


@pytest.fixture(autouse=True)
def overseen(coordinator):
    """Chüy has a coordinator (a region nobody oversees takes no registration)."""


def recorded(worker, region, given="Асель", family="Жумабаева", **fields):
    """Someone already registered, held by `worker`."""
    returnee = ReturneeFactory(
        given_name=given,
        family_name=family,
        patronymic="Бакытовна",
        region=region,
        date_of_birth="2016-04-02",
        **fields,
    )
    CaseFactory(returnee=returnee, worker=worker)
    return returnee


def again(chuy, **overrides):
    """The same girl registered again, her name written in Latin letters."""
    return registration_data(
        chuy, **{"family_name": "Zhumabaeva", "given_name": "Asel", "patronymic": "", "aliases": "", **overrides}
    )


def confirm(response, reason="Another mother: she is from Talas, this girl's mother is from Naryn."):
    """The POST that confirms "a different person" for the matches the response showed."""
    data = {**response.context["registration_form"].data.dict(), "languages": ["ky", "ar"]}
    data.update(distinct_person="on", distinct_reason=reason, shown=response.context["distinct_form"]["shown"].value())
    return data


@pytest.fixture
def both_regions(chuy, osh):
    """A coordinator and a supervisor of Chüy and Osh: they see the cases of both."""
    return [
        UserFactory(username="coordinator-both", role=User.Role.COORDINATOR, regions=[chuy, osh]),
        UserFactory(username="supervisor-both", role=User.Role.SUPERVISOR, regions=[chuy, osh]),
    ]


# --- the worker sees the match and chooses ---


def test_registering_someone_again_in_another_spelling_shows_them_and_saves_nothing(worker, chuy, client_for):
    asel = recorded(worker, chuy)

    response = client_for(worker).post(REGISTER, again(chuy))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This person may be registered already" in html
    assert "Жумабаева Асель Бакытовна" in html
    assert asel.case_number in html
    assert f'href="{asel.get_absolute_url()}"' in html
    assert "Open this record" in html
    [match] = response.context["visible_matches"]
    assert match.reasons == [
        "The same name in another spelling or script",
        "The same date of birth",
        "The same operation",
    ]
    assert HIDDEN not in html
    assert Returnee.objects.count() == 1


def test_what_was_typed_is_kept_when_the_matches_are_shown(worker, chuy, client_for):
    recorded(worker, chuy)
    data = again(chuy, place_of_birth="Raqqa", locality="Sokuluk")

    response = client_for(worker).post(REGISTER, data)

    html = response.content.decode()
    for value in ("Zhumabaeva", "Asel", "Raqqa", "Sokuluk", "Жумабаевы", data["form_token"]):
        assert f'value="{value}"' in html, value
    assert re.search(r'value="ar"[^>]*checked', html)


def test_a_different_person_without_a_reason_is_refused_next_to_the_reason(worker, chuy, client_for):
    recorded(worker, chuy)
    client = client_for(worker)
    shown = client.post(REGISTER, again(chuy))

    response = client.post(REGISTER, confirm(shown, reason="  "))

    assert response.status_code == 200
    assert response.context["distinct_form"].errors["distinct_reason"] == ["Say why this is a different person."]
    assert field_error_html(response, "distinct_reason", "Say why this is a different person.")
    assert "Open this record" in response.content.decode()  # the matches are still there
    assert Returnee.objects.count() == 1


def test_a_different_person_with_a_reason_is_registered_and_the_reason_kept(worker, chuy, client_for):
    asel = recorded(worker, chuy)
    client = client_for(worker)
    shown = client.post(REGISTER, again(chuy))

    response = client.post(REGISTER, confirm(shown))

    new = Returnee.objects.exclude(pk=asel.pk).get()
    assert response.status_code == 302
    assert response["Location"] == new.case.get_absolute_url()
    decision = DuplicateDecision.objects.get()
    assert (decision.returnee, decision.candidate, decision.status, decision.decided_by) == (
        new,
        asel,
        "confirmed",
        worker,
    )
    assert decision.reason == "Another mother: she is from Talas, this girl's mother is from Naryn."
    event = new.case.events.get(kind=CaseEvent.Kind.DUPLICATE_CONFIRMED)
    assert event.changes == {"distinct_reason": [None, decision.reason]}
    case_page = client.get(new.case.get_absolute_url()).content.decode()
    assert "Confirmed as a different person from a probable match" in case_page
    assert "Another mother: she is from Talas" in case_page
    returnee_page = client.get(new.get_absolute_url()).content.decode()
    assert "Probable duplicates at registration" in returnee_page
    assert asel.case_number in returnee_page and "Another mother: she is from Talas" in returnee_page
    assert not Reminder.objects.exists()  # the worker saw the match: nobody else need decide


def test_posting_the_page_again_without_confirming_asks_again(worker, chuy, client_for):
    recorded(worker, chuy)
    client = client_for(worker)
    shown = client.post(REGISTER, again(chuy))
    data = confirm(shown)
    del data["distinct_person"]

    response = client.post(REGISTER, data)

    assert response.context["distinct_form"].errors["distinct_person"] == [
        "Open the record of this person, or confirm that this is a different person and say why."
    ]
    assert Returnee.objects.count() == 1


def test_a_confirmation_is_for_the_matches_shown_new_ones_are_asked_about(worker, chuy, client_for):
    recorded(worker, chuy)
    aigerim = recorded(worker, chuy, given="Айгерим", family="Токтосунова")
    client = client_for(worker)
    shown = client.post(REGISTER, again(chuy))
    data = confirm(shown)
    data["aliases"] = "Aigerim Toktosunova"  # changed before confirming: another match appears

    response = client.post(REGISTER, data)

    assert response.status_code == 200
    assert response.context["distinct_form"].errors["distinct_person"] == [
        "The probable matches changed since you confirmed: check them and confirm again."
    ]
    assert aigerim.case_number in response.content.decode()
    assert not response.context["distinct_form"]["distinct_person"].value()
    assert Returnee.objects.count() == 2

    response = client.post(REGISTER, confirm(response))

    assert response.status_code == 302
    assert DuplicateDecision.objects.count() == 2


def test_another_person_is_registered_without_a_question(worker, chuy, client_for):
    recorded(worker, chuy)

    response = client_for(worker).post(REGISTER, again(chuy, family_name="Karimova", given_name="Zarina"))

    assert response.status_code == 302
    assert not DuplicateDecision.objects.exists()


def test_the_page_carries_no_id_of_the_matches(worker, chuy, client_for):
    recorded(worker, chuy)

    response = client_for(worker).post(REGISTER, again(chuy))

    shown = response.context["distinct_form"]["shown"].value()
    assert shown == duplicates_fingerprint(worker, response.context["matches"])
    assert re.fullmatch(r"[0-9a-f]{40,64}", shown)  # a keyed digest: no id to read back


# --- a match the worker may not see ---


def test_a_worker_never_sees_who_a_hidden_match_is(worker, other_worker, osh, chuy, client_for):
    hidden = recorded(other_worker, osh)

    response = client_for(worker).post(REGISTER, again(chuy))

    html = response.content.decode()
    assert response.status_code == 200
    assert HIDDEN in html
    assert html.count(HIDDEN) == 1
    for secret in ("Жумабаева", "Бакытовна", hidden.case_number, hidden.get_absolute_url()):
        assert secret not in html, secret
    assert response.context["visible_matches"] == []
    assert "Open this record" not in html


def test_two_hidden_matches_are_one_sentence(worker, other_worker, osh, chuy, client_for):
    recorded(other_worker, osh)
    recorded(other_worker, osh, given="Асел")

    html = client_for(worker).post(REGISTER, again(chuy)).content.decode()

    assert html.count(HIDDEN) == 1


def test_going_ahead_tells_those_who_see_both_records_and_nobody_else(
    worker,
    other_worker,
    osh,
    chuy,
    client_for,
    both_regions,
    coordinator,
    osh_supervisor,
    osh_coordinator,
    administrator,
):
    hidden = recorded(other_worker, osh)
    UserFactory(username="retired", role=User.Role.COORDINATOR, regions=[chuy, osh], is_active=False)
    client = client_for(worker)
    shown = client.post(REGISTER, again(chuy))

    response = client.post(REGISTER, confirm(shown))

    assert response.status_code == 302
    decision = DuplicateDecision.objects.get()
    assert (decision.candidate, decision.status, decision.decided_by) == (hidden, "pending", None)
    told = Reminder.objects.filter(item_type=Reminder.Item.DUPLICATE, item_id=decision.pk)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["coordinator-both", "supervisor-both"]
    assert set(told.values_list("case_id", flat=True)) == {decision.returnee.case.pk}
    page = client.get(decision.returnee.get_absolute_url()).content.decode()
    assert "A record in another caseload" in page
    assert hidden.case_number not in page and "Compare and decide" not in page


def test_administrators_are_told_when_nobody_sees_both_records(
    worker, other_worker, osh, chuy, client_for, coordinator
):
    recorded(other_worker, osh)
    admin = UserFactory(username="admin-b", role=User.Role.ADMINISTRATOR)
    client = client_for(worker)

    client.post(REGISTER, confirm(client.post(REGISTER, again(chuy))))

    assert list(Reminder.objects.values_list("recipient", flat=True)) == [admin.pk]


def test_the_check_costs_the_same_whatever_the_number_of_matches(
    worker, other_worker, osh, chuy, client_for, django_assert_max_num_queries
):
    client = client_for(worker)
    recorded(worker, chuy)
    with CaptureQueriesContext(connection) as one:
        client.post(REGISTER, again(chuy))
    for n in range(6):
        recorded(worker if n % 2 else other_worker, chuy if n % 2 else osh, given=["Асель", "Асел", "Assel"][n % 3])
    with CaptureQueriesContext(connection) as seven:
        response = client.post(REGISTER, again(chuy))
    assert len(response.context["matches"]) == 7
    assert len(seven) == len(one)
    with django_assert_max_num_queries(len(one)):
        client.post(REGISTER, again(chuy, aliases="Асель Жумабаева"))


# --- the decision about a hidden match ---


@pytest.fixture
def pending(worker, other_worker, osh, chuy, client_for, both_regions):
    """Worker registered Asel again in Chüy; the other Asel is held by `other_worker` in Osh."""
    recorded(other_worker, osh)
    client = client_for(worker)
    client.post(REGISTER, confirm(client.post(REGISTER, again(chuy))))
    client.logout()
    return DuplicateDecision.objects.get()


DECIDE_EXPECTED = {
    "worker": 404,  # registered the new record, does not see the match
    "other_worker": 404,  # holds the match, does not see the new record
    "coordinator": 404,  # Chüy only
    "supervisor": 404,
    "osh_supervisor": 404,
    "osh_coordinator": 404,
    "provider_user": 404,
    "administrator": 200,
}


@pytest.mark.parametrize("role", DECIDE_EXPECTED)
def test_the_decision_page_per_role(role, request, pending, client_for):
    client = client_for(request.getfixturevalue(role))
    url = reverse("cases:duplicate_decide", args=[pending.pk])

    expected = DECIDE_EXPECTED[role]

    assert client.get(url).status_code == expected
    assert client.post(url, {"decision": "same"}).status_code == (302 if expected == 200 else 404)
    pending.refresh_from_db()
    assert pending.status == ("same" if role == "administrator" else "pending")


@pytest.mark.parametrize("username", ["coordinator-both", "supervisor-both"])
def test_those_who_see_both_compare_the_records(username, pending, client_for):
    response = client_for(User.objects.get(username=username)).get(reverse("cases:duplicate_decide", args=[pending.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert pending.returnee.case_number in html and pending.candidate.case_number in html
    assert "Another mother: she is from Talas" in html


def test_an_unknown_decision_is_the_same_404(administrator, client_for):
    assert client_for(administrator).get(reverse("cases:duplicate_decide", args=[999999])).status_code == 404


def test_different_people_needs_a_reason(pending, client_for):
    client = client_for(User.objects.get(username="coordinator-both"))
    url = reverse("cases:duplicate_decide", args=[pending.pk])

    response = client.post(url, {"decision": "different", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why these are different people."]
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_different_people_is_recorded_with_the_reason(pending, client_for):
    coordinator = User.objects.get(username="coordinator-both")
    client = client_for(coordinator)
    url = reverse("cases:duplicate_decide", args=[pending.pk])

    response = client.post(url, {"decision": "different", "reason": "Different mothers, checked by phone."})

    pending.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == pending.returnee.get_absolute_url()
    assert (pending.status, pending.decided_by, pending.decision_reason) == (
        "different",
        coordinator,
        "Different mothers, checked by phone.",
    )
    event = pending.returnee.case.events.get(kind=CaseEvent.Kind.DUPLICATE_DECIDED)
    assert event.changes == {
        "status": ["pending", "different"],
        "decision_reason": [None, "Different mothers, checked by phone."],
    }
    # Decided: the page shows the answer, and a second answer is refused.
    assert "Different mothers, checked by phone." in client.get(url).content.decode()
    assert client.post(url, {"decision": "same"}).status_code == 403


def test_the_same_person_leads_to_the_merge(pending, client_for):
    client = client_for(User.objects.get(username="supervisor-both"))

    response = client.post(reverse("cases:duplicate_decide", args=[pending.pk]), {"decision": "same"})

    pending.refresh_from_db()
    assert pending.status == "same"
    assert response["Location"] == reverse("cases:returnee_merge", args=[pending.returnee_id])


def test_a_coordinator_who_finds_the_same_person_asks_a_supervisor_to_merge(pending, client_for):
    coordinator = User.objects.get(username="coordinator-both")
    supervisor = User.objects.get(username="supervisor-both")
    Reminder.objects.all().delete()  # what the registration told them
    url = reverse("cases:duplicate_decide", args=[pending.pk])

    response = client_for(coordinator).post(url, {"decision": "same"}, follow=True)

    # She may not merge: she stays on the decision, told who will; no merge button for her.
    assert response.redirect_chain == [(url, 302)]
    html = response.content.decode()
    assert "A supervisor has been asked to merge the two records." in html
    assert reverse("cases:returnee_merge", args=[pending.returnee_id]) not in html
    assert list(Reminder.objects.values_list("recipient", flat=True)) == [supervisor.pk]
    # The supervisor's bell opens the decision, which leads to the merge.
    page = client_for(supervisor).get(url).content.decode()
    assert f'href="{reverse("cases:returnee_merge", args=[pending.returnee_id])}"' in page
    # Both people's timelines say so.
    for person in (pending.returnee, pending.candidate):
        event = person.case.events.get(kind=CaseEvent.Kind.DUPLICATE_DECIDED)
        assert event.changes == {"status": ["pending", "same"]}


def test_the_notification_opens_the_decision_page(pending, client_for):
    coordinator = User.objects.get(username="coordinator-both")
    reminder = Reminder.objects.get(recipient=coordinator)

    response = client_for(coordinator).get(reverse("reminders:open", args=[reminder.pk]))

    assert response["Location"] == reverse("cases:duplicate_decide", args=[pending.pk])


def test_the_mother_recorded_in_the_household_counts(worker, chuy, client_for):
    mother_household = FamilyFactory(name="Жумабаевы")
    FamilyMemberFactory(family=mother_household, full_name="Гулнара Жумабаева", relationship="mother")
    asel = recorded(worker, chuy)
    FamilyMemberFactory(family=mother_household, returnee=asel, relationship="child")
    household = FamilyFactory(name="Жумабаевы", region=chuy)
    FamilyMemberFactory(family=household, full_name="Gulnara Zhumabaeva", relationship="mother")
    brother = recorded(worker, chuy, given="Бекзат", family="Жумабаев", sex="male")
    FamilyMemberFactory(family=household, returnee=brother, relationship="child")

    response = client_for(worker).post(REGISTER, again(chuy, family=household.pk, new_family_name=""))

    assert "The same mother's name" in response.context["visible_matches"][0].reasons
