"""Stale saves: the case and returnee forms carry the version they were opened at; a save over a
change someone made after that is refused with a message, and nothing of it is saved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import actions

pytestmark = pytest.mark.django_db

STALE = (
    "Someone else saved changes to this record after you opened the form. "
    "Nothing was saved: reload the page to see their changes, then make yours again."
)


def opened_form(client, url) -> dict:
    """What the form posts back as it was opened (its hidden version included)."""
    form = client.get(url).context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value not in (None, False, ""):
            data[field.name] = value
    return data


@pytest.fixture
def case_url(case):
    return reverse("cases:case_update", args=[case.pk])


@pytest.fixture
def returnee_url(case):
    return reverse("cases:returnee_update", args=[case.returnee.pk])


def test_the_forms_carry_the_version_they_were_opened_at(worker, case, case_url, returnee_url, client_for):
    client = client_for(worker)

    for url, instance in ((case_url, case), (returnee_url, case.returnee)):
        instance.refresh_from_db()
        page = client.get(url)
        assert page.context["form"]["version"].value() == instance.updated_at.isoformat()
        assert f'<input type="hidden" name="version" value="{instance.updated_at.isoformat()}"' in (
            page.content.decode()
        )


def test_a_case_saved_by_someone_else_meanwhile_is_not_overwritten(worker, coordinator, case, case_url, client_for):
    # given: both open the case form
    mine = opened_form(client_for(worker), case_url)
    theirs = opened_form(client_for(coordinator), case_url)

    # when: the coordinator saves first, then the worker
    first = client_for(coordinator).post(case_url, {**theirs, "risk_level": "high", "risk_reason": "Threats."})
    second = client_for(worker).post(case_url, {**mine, "status": "active", "risk_level": "low"})

    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].non_field_errors() == [STALE]
    assert STALE in second.content.decode()
    case.refresh_from_db()
    assert (case.status, case.risk_level, case.risk_reason) == ("open", "high", "Threats.")
    assert list(case.events.values_list("kind", "actor__username")) == [("risk_changed", "coordinator-a")]


def test_a_returnee_saved_by_someone_else_meanwhile_is_not_overwritten(
    worker, coordinator, case, returnee_url, client_for
):
    # given
    mine = opened_form(client_for(worker), returnee_url)
    theirs = opened_form(client_for(coordinator), returnee_url)

    # when
    first = client_for(coordinator).post(returnee_url, {**theirs, "given_name": "Амина"})
    second = client_for(worker).post(returnee_url, {**mine, "family_name": "Осмонова", "aliases": "Aisha"})

    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].non_field_errors() == [STALE]
    returnee = case.returnee
    returnee.refresh_from_db()
    assert (returnee.given_name, returnee.family_name) == ("Амина", case.returnee.family_name)
    assert not returnee.aliases.exists()
    assert list(case.events.values_list("kind", "actor__username")) == [("returnee_updated", "coordinator-a")]


def test_a_form_opened_after_the_other_save_saves(worker, coordinator, case, case_url, returnee_url, client_for):
    # given: the coordinator saved both forms
    client = client_for(coordinator)
    client.post(case_url, {**opened_form(client, case_url), "risk_level": "high", "risk_reason": "Threats."})
    client.post(returnee_url, {**opened_form(client, returnee_url), "given_name": "Амина"})

    # when: the worker opens them afterwards and saves
    client = client_for(worker)
    case_saved = client.post(case_url, {**opened_form(client, case_url), "status": "active"})
    returnee_saved = client.post(returnee_url, {**opened_form(client, returnee_url), "patronymic": "Бакытовна"})

    # then
    assert (case_saved.status_code, returnee_saved.status_code) == (302, 302)
    case.refresh_from_db()
    case.returnee.refresh_from_db()
    assert (case.status, case.risk_level) == ("active", "high")
    assert (case.returnee.given_name, case.returnee.patronymic) == ("Амина", "Бакытовна")


def test_the_same_person_in_two_tabs_is_refused_the_second_time(worker, case, case_url, client_for):
    client = client_for(worker)
    tab_one, tab_two = opened_form(client, case_url), opened_form(client, case_url)

    assert client.post(case_url, {**tab_one, "risk_level": "low"}).status_code == 302
    response = client.post(case_url, {**tab_two, "risk_level": "high", "risk_reason": "Threats."})

    assert response.context["form"].non_field_errors() == [STALE]
    case.refresh_from_db()
    assert case.risk_level == "low"


# --- Through the actions


def test_case_update_refuses_a_stale_version(worker, coordinator, case):
    version = actions.version_of(case)
    actions.case_update(actor=coordinator, case=case, data={"risk_level": "low"})

    with pytest.raises(ValidationError) as error:
        actions.case_update(actor=worker, case=case, data={"status": "active"}, version=version)

    assert error.value.messages == [STALE]
    case.refresh_from_db()
    assert case.status == "open"


def test_returnee_update_refuses_a_stale_version(worker, coordinator, case):
    returnee = case.returnee
    version = actions.version_of(returnee)
    actions.returnee_update(actor=coordinator, returnee=returnee, data={"given_name": "Амина"})

    with pytest.raises(ValidationError) as error:
        actions.returnee_update(actor=worker, returnee=returnee, data={"patronymic": "Бакытовна"}, version=version)

    assert error.value.messages == [STALE]
    returnee.refresh_from_db()
    assert returnee.patronymic == ""


def test_the_current_version_and_no_version_both_save(worker, case):
    actions.case_update(actor=worker, case=case, data={"risk_level": "low"}, version=actions.version_of(case))
    actions.case_update(actor=worker, case=case, data={"status": "active"})

    case.refresh_from_db()
    assert (case.risk_level, case.status) == ("low", "active")
