"""The civil-status pages (documents, consent, kinship, care): form errors next to the field, the
flows through the pages, the returnee page and its queries, and the consent form and list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.models import CareArrangement, CaseEvent, ConsentRecord, IdentityDocument, KinshipTest, Returnee
from services.models import ServiceCategory
from tests.factories import (
    CareArrangementFactory,
    CaseFactory,
    ConsentRecordFactory,
    FamilyMemberFactory,
    IdentityDocumentFactory,
    KinshipTestFactory,
    ReturneeFactory,
    pdf_upload,
)
from tests.services.factories import ProviderFactory

from .helpers import days, field_error_html, post_data, token, urls

pytestmark = pytest.mark.django_db


# --- Form errors: next to the field, nothing saved


def test_refusing_a_document_without_a_reason_shows_the_error_at_the_reason(worker, things, client_for):
    response = client_for(worker).post(
        urls(things)["document_transition"], {"status": "refused", "on": timezone.localdate().isoformat()}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give the reason for the refusal."]}
    assert field_error_html(response, "reason", "Give the reason for the refusal.")
    things.document.refresh_from_db()
    assert things.document.status == "requested"
    assert not CaseEvent.objects.filter(kind="document_status").exists()


def test_the_status_form_offers_only_the_legal_next_statuses(worker, things, client_for):
    response = client_for(worker).get(urls(things)["document_transition"])

    assert [value for value, _ in response.context["form"].fields["status"].choices] == [
        "in_progress",
        "issued",
        "refused",
    ]

    response = client_for(worker).post(
        urls(things)["document_transition"], {"status": "missing", "on": timezone.localdate().isoformat()}
    )
    assert response.context["form"].errors["status"] == [
        "Select a valid choice. missing is not one of the available choices."
    ]


def test_a_guardianship_order_without_guardian_shows_the_error_at_the_guardian(worker, things, client_for):
    data = post_data(things)["care_create"] | {"guardianship_order_number": "123/2023"}

    response = client_for(worker).post(urls(things)["care_create"], data)

    assert response.context["form"].errors == {"guardian_name": ["Name the legal guardian the order appoints."]}
    assert field_error_html(response, "guardian_name", "Name the legal guardian the order appoints.")
    assert not CareArrangement.objects.exists()


def test_a_care_arrangement_before_the_current_one_shows_the_error_at_the_date(worker, things, client_for):
    CareArrangementFactory(returnee=things.returnee, placement_date=datetime.date(2023, 3, 1))
    data = post_data(things)["care_create"] | {"placement_date": "2023-02-01"}

    response = client_for(worker).post(urls(things)["care_create"], data)

    assert response.context["form"].errors == {
        "placement_date": ["The new placement cannot start before the current one (2023-03-01)."]
    }
    assert CareArrangement.objects.count() == 1


def test_clearing_the_issue_date_of_an_issued_document_is_refused_at_the_field(worker, case, client_for):
    document = IdentityDocumentFactory(returnee=case.returnee, status="issued", issued_on=days(-3))

    response = client_for(worker).post(
        reverse("cases:document_update", args=[document.pk]),
        {"kind": "birth_certificate", "issued_on": "", "form_token": token()},
    )

    assert response.context["form"].errors == {"issued_on": ["Give the date the document was issued."]}
    document.refresh_from_db()
    assert document.issued_on == days(-3)


def test_confirming_a_no_match_shows_the_error_at_the_checkbox(worker, things, client_for):
    data = {"result": "no_match", "reported_on": timezone.localdate().isoformat(), "confirm_relationship": "on"}

    response = client_for(worker).post(urls(things)["kinship_result"], data)

    assert response.context["form"].errors == {"confirm_relationship": ["Only a match can confirm a relationship."]}
    things.test.refresh_from_db()
    assert things.test.result == "pending"


def test_a_withdrawn_consent_cannot_be_chosen_for_a_dna_test(worker, things, client_for):
    actions.consent_withdraw(actor=worker, consent=things.consent, on=timezone.localdate(), reason="")

    response = client_for(worker).post(urls(things)["kinship_create"], post_data(things)["kinship_create"])

    assert response.context["form"].errors == {
        "consent": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert KinshipTest.objects.count() == 1


def test_a_document_form_posted_twice_records_one_document(worker, things, client_for):
    client = client_for(worker)
    data = post_data(things)["document_create"]

    first = client.post(urls(things)["document_create"], data)
    second = client.post(urls(things)["document_create"], data)

    assert second["Location"] == first["Location"]
    assert IdentityDocument.objects.filter(kind="passport").count() == 1


# --- Successful flows through the pages


def test_recording_a_document_returns_to_the_documents_section(worker, things, client_for):
    response = client_for(worker).post(urls(things)["document_create"], post_data(things)["document_create"])

    assert response["Location"] == things.returnee.get_absolute_url() + "#documents"
    assert IdentityDocument.objects.filter(kind="passport", status="missing").exists()


def test_a_confirmed_match_shows_dna_as_the_kinship_basis_on_the_family_page(worker, things, client_for):
    client = client_for(worker)
    page = client.get(things.family.get_absolute_url()).content.decode()
    assert "DNA test" not in page

    response = client.post(
        urls(things)["kinship_result"],
        {"result": "match", "reported_on": days(-1).isoformat(), "confirm_relationship": "on"},
    )

    assert response["Location"] == things.returnee.get_absolute_url() + "#kinship"
    page = client.get(things.family.get_absolute_url()).content.decode()
    assert page.count("DNA test") == 2  # the returnee and her mother
    assert f"Match, Republican forensic laboratory, {days(-1):%d.%m.%Y}" in page


def test_a_dna_test_can_be_recorded_against_a_relative_of_the_household(worker, things, client_for):
    form = client_for(worker).get(urls(things)["kinship_create"]).context["form"]

    assert list(form.fields["relative"].queryset) == [things.mother]
    assert list(form.fields["consent"].queryset) == [things.consent]


# --- The returnee page


def test_returnee_page_shows_missing_core_documents_at_a_glance(worker, case, client_for):
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "0 of 3 issued" in page
    for label in ("Birth certificate", "Citizenship confirmation", "Residence registration"):
        assert f"missing: {label}" in page
    assert "No documents recorded yet." in page


def test_returnee_page_counts_issued_core_documents_and_overdue_ones(worker, case, client_for):
    IdentityDocumentFactory(returnee=case.returnee, kind="birth_certificate", status="issued", issued_on=days(-9))
    IdentityDocumentFactory(returnee=case.returnee, kind="passport", status="requested", due_date=days(-1))
    IdentityDocumentFactory(returnee=case.returnee, kind="national_id", status="requested", due_date=days(5))

    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "1 of 3 issued" in page
    assert "missing: Birth certificate" not in page
    assert "missing: Citizenship confirmation" in page
    assert '<span class="badge text-bg-danger ms-1">1 overdue</span>' in page
    assert page.count('<span class="badge text-bg-danger">Overdue</span>') == 1


def test_returnee_page_shows_consent_kinship_and_care(worker, case, client_for):
    r = case.returnee
    ConsentRecordFactory(returnee=r, purpose="services", given_on=days(-5))
    ConsentRecordFactory(returnee=r, purpose="photos", given_on=days(-50), expires_on=days(-1))
    ConsentRecordFactory(
        returnee=r, purpose="data_sharing", shared_with="UNICEF", given_on=days(-50), withdrawn_on=days(-2)
    )
    test = KinshipTestFactory(returnee=r, relative__full_name="Калыйпа Тестова", claimed_relationship="grandparent")
    CareArrangementFactory(
        returnee=r, kind="institution", caregiver_name="Children's home", ended_on=datetime.date(2023, 6, 1)
    )
    CareArrangementFactory(
        returnee=r,
        kind="grandparents",
        caregiver_name="Калыйпа Тестова",
        placement_date=datetime.date(2023, 6, 1),
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="77/2023",
    )

    page = client_for(worker).get(r.get_absolute_url()).content.decode()

    summary = page.split('<div class="row g-4">')[0]
    assert '<span class="badge text-bg-success ms-1">Receiving services</span>' in summary
    assert "Photographs</span>" not in summary
    assert "With grandparents" in summary
    assert "Under legal guardianship" in summary
    consent = page.split('id="consent"')[1]
    assert f"withdrawn {days(-2):%d.%m.%Y}" in consent
    assert "Expired" in consent
    assert "UNICEF" in consent
    kinship = page.split('id="kinship"')[1].split("</section>")[0]
    assert "Калыйпа Тестова" in kinship
    assert "Awaiting result" in kinship
    assert reverse("cases:kinship_result", args=[test.pk]) in kinship
    care = page.split('id="care"')[1].split("</section>")[0]
    assert "Institution" in care
    assert "order 77/2023" in care


def test_supervisor_sees_the_returnee_page_without_any_write_link(supervisor, things, client_for):
    page = client_for(supervisor).get(things.returnee.get_absolute_url()).content.decode()

    assert "Awaiting result" in page
    for name in ("document_create", "document_update", "document_transition", "consent_withdraw", "kinship_result"):
        assert urls(things)[name] not in page, name
    for name in ("consent_create", "kinship_create", "care_create"):
        assert urls(things)[name] not in page, name


def test_the_scan_of_a_document_is_linked_through_the_download_view(worker, things, client_for):
    things.document.scan = things.attachment
    things.document.save()

    page = client_for(worker).get(things.returnee.get_absolute_url()).content.decode()

    assert urls(things)["attachment_download"] in page
    assert things.attachment.file.name not in page


# --- Queries do not grow with rows


def fill_returnee(worker, case, n: int) -> None:
    r = case.returnee
    for i in range(n):
        scan = actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload())
        IdentityDocumentFactory(returnee=r, kind="other", status="requested", due_date=days(-1), scan=scan)
        ConsentRecordFactory(returnee=r, form=scan, given_on=days(-i))
        KinshipTestFactory(returnee=r, consent=ConsentRecordFactory(returnee=r, purpose="dna_testing"))
        CareArrangementFactory(
            returnee=r, placement_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=i), ended_on=days(-1)
        )


def test_returnee_page_query_count_does_not_grow_with_rows(worker, case, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    url = case.returnee.get_absolute_url()
    FamilyMemberFactory(returnee=case.returnee)
    CareArrangementFactory(returnee=case.returnee, placement_date=days(-1), guardian_name="Калыйпа")
    fill_returnee(worker, case, 1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)

    fill_returnee(worker, case, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["document_summary"].documents) == 11


def test_unrelated_case_rows_do_not_show_on_the_returnee_page(worker, case, client_for):
    other = CaseFactory(worker=worker, returnee=ReturneeFactory())
    IdentityDocumentFactory(returnee=other.returnee, kind="passport", number="OTHER-123")

    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "OTHER-123" not in page


# --- The consent form and list (issue 13, point 6) ---------------------------------------------------


@pytest.fixture
def ten_year_old(things):
    """The returnee, ten years old, with her mother and a grandmother on record, and a guardianship
    order naming the grandmother."""
    Returnee.objects.filter(pk=things.returnee.pk).update(date_of_birth=days(-10 * 365 - 3))
    things.returnee.refresh_from_db()
    things.grandmother = FamilyMemberFactory(
        family=things.family, full_name="Калыйпа Тестова", relationship="grandparent"
    )
    things.order = CareArrangementFactory(
        returnee=things.returnee,
        kind="grandparents",
        caregiver_name="Калыйпа Тестова",
        guardian_name="Калыйпа Тестова",
        guardianship_order_number="GO-17",
        guardianship_order_date=days(-40),
    )
    things.provider = ProviderFactory(name="Ak-Bata Family Centre", name_ru="Семейный центр «Ак-Бата»")
    return things


def consent_post(t, **overrides) -> dict:
    return {
        "purpose": "data_sharing",
        "giver": f"member:{t.mother.pk}",
        "provider": t.provider.pk,
        "given_on": days(-1).isoformat(),
        "expires_on": days(364).isoformat(),
        "form_token": token(),
        **overrides,
    }


def test_the_consent_form_offers_the_people_on_record_and_says_who_may_consent(ten_year_old, worker, client_for):
    response = client_for(worker).get(urls(ten_year_old)["consent_create"])

    form = response.context["form"]
    assert list(form.fields["giver"].choices) == [
        ("", "---------"),
        ("self", "The returnee themself"),
        (f"member:{ten_year_old.mother.pk}", "Гулнара Тестова — Mother"),
        (f"member:{ten_year_old.grandmother.pk}", "Калыйпа Тестова — Grandparent"),
        (f"guardian:{ten_year_old.order.pk}", "Калыйпа Тестова — legal guardian (order GO-17)"),
    ]
    assert (
        "Below 14, consent comes from a parent or legal guardian on record: a family member recorded as mother, "
        "father or guardian, or the guardian named by a guardianship order. From 14 the returnee may consent "
        "themself. Add a missing parent to the family first." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("giver", "error"),
    [
        (
            "self",
            "The returnee was under 14 when consent was given: a parent or legal guardian on record must consent.",
        ),
        (
            "grandmother",
            "Калыйпа Тестова (Grandparent) may not consent for the returnee: only a parent or legal guardian on "
            "record may, or the returnee themself from age 14.",
        ),
    ],
)
def test_a_giver_who_may_not_consent_is_refused_at_the_field(ten_year_old, worker, client_for, giver, error):
    t = ten_year_old
    value = "self" if giver == "self" else f"member:{t.grandmother.pk}"

    response = client_for(worker).post(urls(t)["consent_create"], consent_post(t, giver=value))

    assert response.status_code == 200
    assert response.context["form"].errors == {"giver": [error]}
    assert field_error_html(response, "giver", error)
    assert not ConsentRecord.objects.filter(purpose="data_sharing").exists()


@pytest.mark.parametrize("giver", ["mother", "order"])
def test_the_mother_or_the_guardian_consents_and_the_page_says_valid(ten_year_old, worker, client_for, giver):
    t = ten_year_old
    value = f"member:{t.mother.pk}" if giver == "mother" else f"guardian:{t.order.pk}"
    client = client_for(worker)

    response = client.post(urls(t)["consent_create"], consent_post(t, giver=value))

    assert response.status_code == 302
    consent = ConsentRecord.objects.get(purpose="data_sharing")
    assert consent.provider == t.provider
    page = client.get(t.returnee.get_absolute_url()).content.decode()
    section = page.split('id="consent"')[1]
    row = section.split("Sharing data with a service provider")[1].split("</tr>")[0]
    assert "Ak-Bata Family Centre" in row
    assert ("Гулнара Тестова" if giver == "mother" else "Калыйпа Тестова") in row
    assert '<span class="badge text-bg-success">Valid</span>' in row


def test_a_category_wide_consent_is_listed_as_such(ten_year_old, worker, client_for):
    t = ten_year_old
    health = ServiceCategory.objects.get(code="health")
    client = client_for(worker)
    client.post(urls(t)["consent_create"], consent_post(t, provider="", service_category=health.pk))
    page = client.get(t.returnee.get_absolute_url()).content.decode()
    assert "any provider of Health" in page


def test_the_consent_page_shows_valid_only_when_the_gate_would_accept(ten_year_old, worker, client_for):
    # given: her own consent (she is ten), recorded before the rule, and one without an end date
    t = ten_year_old
    ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider, given_by="self", giver=None)
    ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider, expires_on=None)

    # when
    page = client_for(worker).get(t.returnee.get_absolute_url()).content.decode()

    # then
    section = page.split('id="consent"')[1].split("</section>")[0]
    assert section.count('<span class="badge text-bg-success">Valid</span>') == 1  # only the DNA consent
    assert "The returnee was under 14 when consent was given" in section
    assert "It has no expiry date." in section


def test_consent_rows_of_every_kind_add_no_queries(ten_year_old, worker, client_for, django_assert_max_num_queries):
    # given: consents by the mother, the guardian and the returnee, about a provider and a category
    t = ten_year_old
    client = client_for(worker)
    health = ServiceCategory.objects.get(code="health")

    def add_consents():
        ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", provider=t.provider)
        ConsentRecordFactory(returnee=t.returnee, purpose="data_sharing", service_category=health)
        ConsentRecordFactory(returnee=t.returnee, given_by="guardian", giver=None, guardianship=t.order)
        ConsentRecordFactory(returnee=t.returnee, given_by="self", giver=None)

    add_consents()
    with django_assert_max_num_queries(25) as small:
        client.get(t.returnee.get_absolute_url())

    # when
    for _ in range(10):
        add_consents()

    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(t.returnee.get_absolute_url())
    assert len(response.context["consents"]) == 45


@pytest.mark.parametrize(("language", "title"), [("ru", "Зарегистрировать согласие"), ("ky", "Макулдукту каттоо")])
def test_form_pages_are_titled_in_the_users_language(things, worker, client_for, language, title):
    # The titles were translated once, in English, when the module was imported.
    client = client_for(worker)
    client.cookies["django_language"] = language
    page = client.get(urls(things)["consent_create"]).content.decode()
    assert f'<h1 class="h3 mb-1">{title}</h1>' in page
