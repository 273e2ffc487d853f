"""The merge pages: who reaches them, naming the other record, the side-by-side preview, merging,
where the merged record's old addresses lead, and an administrator's undo."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CaseEvent, DuplicateDecision, IdentityDocument, ReturneeMerge
from repat.core.versions import version_of
from tests.factories import CaseFactory, IdentityDocumentFactory, NoteFactory, ReturneeFactory

pytestmark = pytest.mark.django_db

REASON = "Registered twice by two offices."


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def twin(worker, chuy):
    """A second record of the person of `case`, in Chüy."""
    return CaseFactory(returnee=ReturneeFactory(region=chuy, given_name="Aisha"), worker=worker).returnee


def merge_url(returnee) -> str:
    return reverse("cases:returnee_merge", args=[returnee.pk])


def confirm(this, other, **overrides) -> dict:
    data = {
        "other": other.pk,
        "keep": "this",
        "reason": REASON,
        "version_this": version_of(this),
        "version_other": version_of(other),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisor", 200),
        ("administrator", 200),
        ("worker", 403),
        ("coordinator", 403),
        ("osh_supervisor", 404),
        ("other_worker", 404),
        ("provider_user", 404),
    ],
)
def test_the_merge_page_per_role(role, status, request, case, twin, client_for):
    # given
    client = client_for(request.getfixturevalue(role))

    # when
    page = client.get(merge_url(case.returnee))
    posted = client.post(merge_url(case.returnee), confirm(case.returnee, twin))

    # then
    assert page.status_code == status
    assert posted.status_code == (302 if status == 200 else status)
    assert ReturneeMerge.objects.exists() is (status == 200)


@pytest.mark.parametrize(
    ("role", "shown"), [("supervisor", True), ("administrator", True), ("worker", False), ("coordinator", False)]
)
def test_the_link_is_on_the_returnee_and_case_pages_only_for_those_allowed(role, shown, request, case, client_for):
    client = client_for(request.getfixturevalue(role))
    for url in (case.returnee.get_absolute_url(), case.get_absolute_url()):
        assert ('id="merge-link"' in client.get(url).content.decode()) is shown


def test_a_supervisor_cannot_merge_a_record_of_another_region_by_posting_its_id(
    supervisor, case, other_case, client_for
):
    response = client_for(supervisor).post(merge_url(case.returnee), confirm(case.returnee, other_case.returnee))
    assert response.status_code == 404
    assert not ReturneeMerge.objects.exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("KG-2099-99999", "No record you may merge has this case number."),
        ("other_region", "No record you may merge has this case number."),
        ("same", "This is the record you started from: name the other one."),
        ("merged", "Record {number} has already been merged into {kept}."),
    ],
)
def test_naming_the_other_record_shows_why_it_cannot_be_used(
    number, message, supervisor, case, twin, other_case, chuy, worker, client_for
):
    # given
    kept = None
    if number == "other_region":
        number = other_case.returnee.case_number
    elif number == "same":
        number = case.returnee.case_number
    elif number == "merged":
        third = CaseFactory(returnee=ReturneeFactory(region=chuy), worker=worker).returnee
        actions.returnee_merge(actor=supervisor, survivor=twin, merged=third, reason=REASON)
        number, kept = third.case_number, twin.case_number

    # when
    response = client_for(supervisor).get(merge_url(case.returnee), {"case_number": number})

    # then
    assert response.status_code == 200
    assert response.context["find"].errors == {"case_number": [message.format(number=number, kept=kept)]}
    assert response.context["form"] is None


def test_the_preview_shows_both_records_side_by_side(supervisor, case, twin, worker, client_for):
    # given
    IdentityDocumentFactory(returnee=twin)
    NoteFactory(case=case, author=worker)
    DuplicateDecision.objects.create(
        returnee=twin,
        candidate=case.returnee,
        score=0.9,
        registered_by=worker,
        reason="Another person.",
        status=DuplicateDecision.Status.PENDING,
    )

    # when
    response = client_for(supervisor).get(merge_url(case.returnee), {"case_number": twin.case_number.lower()})

    # then
    assert response.status_code == 200
    assert [side.returnee for side in response.context["preview"].sides] == [case.returnee, twin]
    labels = [label for label, _numbers in response.context["preview"].counts]
    assert len(labels) == len(set(labels))  # each kind of row once (history like duplicate checks is not counted)
    counts = dict(response.context["preview"].counts)
    assert counts["Identity documents"] == [0, 1]
    assert counts["Notes"] == [1, 0]
    page = response.content.decode()
    assert twin.full_name in page and case.returnee.full_name in page
    assert f"Keep {twin.case_number} (the other record)" in page


def test_the_preview_query_count_does_not_grow_with_rows(
    supervisor, case, twin, worker, client_for, django_assert_max_num_queries
):
    # given
    client = client_for(supervisor)
    url = merge_url(case.returnee)
    params = {"case_number": twin.case_number}
    client.get(url, params)
    with django_assert_max_num_queries(30) as few:
        client.get(url, params)

    # when
    for _ in range(10):
        IdentityDocumentFactory(returnee=twin)
        NoteFactory(case=twin.case, author=worker)
        NoteFactory(case=case, author=worker)

    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, params)


def test_merging_keeping_the_other_record(supervisor, case, twin, client_for):
    # given
    document = IdentityDocumentFactory(returnee=case.returnee)

    # when
    response = client_for(supervisor).post(merge_url(case.returnee), confirm(case.returnee, twin, keep="other"))

    # then
    assert response.status_code == 302
    assert response.url == twin.get_absolute_url()
    assert flashed(response) == [f"Record {case.returnee.case_number} was merged into {twin.case_number}."]
    document.refresh_from_db()
    assert document.returnee == twin
    merge = ReturneeMerge.objects.get()
    assert (merge.survivor, merge.merged, merge.reason) == (twin, case.returnee, REASON)


def test_a_merge_without_reason_or_over_a_newer_change_is_refused_on_the_form(supervisor, case, twin, client_for):
    # given
    client = client_for(supervisor)

    # when
    no_reason = client.post(merge_url(case.returnee), confirm(case.returnee, twin, reason=""))
    stale = client.post(
        merge_url(case.returnee), confirm(case.returnee, twin, version_other="2020-01-01T00:00:00+00:00")
    )

    # then
    assert no_reason.context["form"].errors == {"reason": ["This field is required."]}
    assert stale.context["form"].non_field_errors() == [
        "Someone else saved changes to this record after you opened the form. "
        "Nothing was saved: reload the page to see their changes, then make yours again."
    ]
    assert not ReturneeMerge.objects.exists()


def test_the_old_addresses_lead_to_the_survivor(supervisor, case, twin, worker, other_worker, client_for):
    # given
    actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)

    # when / then
    client = client_for(worker)
    response = client.get(twin.get_absolute_url())
    assert (response.status_code, response.url) == (302, case.returnee.get_absolute_url())
    response = client.get(twin.case.get_absolute_url())
    assert (response.status_code, response.url) == (302, case.get_absolute_url())
    # someone who may not see the survivor learns nothing
    assert client_for(other_worker).get(twin.get_absolute_url()).status_code == 404
    # writing to the merged record's pages is refused
    assert client.post(twin.case.get_absolute_url(), {}).status_code == 404
    assert client.get(reverse("cases:case_update", args=[twin.case.pk])).status_code == 404


def test_the_caseload_lists_the_survivor_only_and_finds_it_by_the_old_number(
    supervisor, case, twin, worker, administrator, client_for
):
    # given
    actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)

    for user in (worker, supervisor, administrator):
        client = client_for(user)
        # when
        listed = client.get(reverse("cases:caseload"))
        client.post(reverse("cases:caseload"), {"q": twin.case_number})
        found = client.get(reverse("cases:caseload"))

        # then
        assert list(listed.context["cases"]) == [case]
        assert list(found.context["cases"]) == [case]


def test_the_survivor_page_names_the_merged_record_and_offers_undo_to_administrators(
    supervisor, administrator, case, twin, client_for
):
    # given
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)
    undo = reverse("cases:merge_undo", args=[merge.pk])

    # when
    for_supervisor = client_for(supervisor).get(case.returnee.get_absolute_url()).content.decode()
    for_administrator = client_for(administrator).get(case.returnee.get_absolute_url()).content.decode()

    # then
    assert twin.case_number in for_supervisor and REASON in for_supervisor
    assert undo not in for_supervisor
    assert undo in for_administrator


@pytest.mark.parametrize("role", ["supervisor", "coordinator", "worker", "provider_user"])
def test_only_administrators_reach_the_undo_page(role, request, supervisor, case, twin, client_for):
    # given
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)
    client = client_for(request.getfixturevalue(role))
    url = reverse("cases:merge_undo", args=[merge.pk])

    # when / then
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    merge.refresh_from_db()
    assert not merge.is_undone


def test_an_administrator_undoes_a_merge(supervisor, administrator, case, twin, client_for):
    # given
    document = IdentityDocumentFactory(returnee=twin)
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)
    client = client_for(administrator)
    url = reverse("cases:merge_undo", args=[merge.pk])
    assert client.get(url).status_code == 200

    # when
    response = client.post(url, {"reason": "Twins."})

    # then
    assert (response.status_code, response.url) == (302, twin.get_absolute_url())
    assert flashed(response) == [f"The merge was undone: {twin.case_number} is a record of its own again."]
    document.refresh_from_db()
    assert document.returnee == twin
    assert client.get(twin.get_absolute_url()).status_code == 200
    assert twin.case.events.filter(kind=CaseEvent.Kind.MERGE_UNDONE).exists()


def test_undo_after_the_period_is_refused_with_the_reason(supervisor, administrator, case, twin, client_for, settings):
    # given
    settings.REPAT_MERGE_UNDO_DAYS = 30
    IdentityDocumentFactory(returnee=twin)
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)
    ReturneeMerge.objects.filter(pk=merge.pk).update(merged_at=timezone.now() - datetime.timedelta(days=30, hours=1))
    client = client_for(administrator)
    url = reverse("cases:merge_undo", args=[merge.pk])

    # when
    page = client.get(url)
    posted = client.post(url, {"reason": "Too late?"})

    # then
    assert page.context["refusal"].startswith("This merge can no longer be undone: a merge can be undone for 30 days")
    assert 'id="undo-confirm"' not in page.content.decode()
    assert posted.context["form"].non_field_errors() == [page.context["refusal"]]
    assert IdentityDocument.objects.get().returnee == case.returnee
    assert (
        reverse("cases:merge_undo", args=[merge.pk])
        not in client.get(case.returnee.get_absolute_url()).content.decode()
    )


def test_the_family_page_keeps_the_merged_records_place_out_of_sight(supervisor, case, twin, client_for):
    # given: both records in families; the survivor keeps its own
    from tests.factories import FamilyFactory, FamilyMemberFactory

    FamilyMemberFactory(family=FamilyFactory(name="Kept"), returnee=case.returnee)
    other_family = FamilyFactory(name="Aside")
    FamilyMemberFactory(family=other_family, returnee=twin)
    FamilyMemberFactory(family=other_family, full_name="Гулнара Тестова", relationship="mother")
    actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)

    # when
    response = client_for(supervisor).get(other_family.get_absolute_url())

    # then
    assert [m.display_name for m in response.context["members"]] == ["Гулнара Тестова"]


def test_the_admin_lists_merges_and_not_merged_records(supervisor, administrator, case, twin, client_for):
    # given
    merge = actions.returnee_merge(actor=supervisor, survivor=case.returnee, merged=twin, reason=REASON)
    client = client_for(administrator)

    # when
    returnees = client.get(reverse("admin:cases_returnee_changelist"))
    merges = client.get(reverse("admin:cases_returneemerge_changelist")).content.decode()

    # then
    assert list(returnees.context["cl"].result_list) == [case.returnee]
    assert twin.case_number in merges
    assert reverse("cases:merge_undo", args=[merge.pk]) in merges
