"""The manifest pages: who may open them, the preview as a coordinator sees it, the answers, the
progress fragment, the result, the template and the original file."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import actions
from cases.models import ManifestImport, Returnee
from repat.audit.models import AuditEvent

from .files import HEADER, csv_bytes, family


@pytest.fixture
def posted(client_for, coordinator, django_capture_on_commit_callbacks, operation):
    def post(data: bytes, user=None, name="manifest.csv", **fields):
        client = client_for(user or coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("cases:manifest_list"), {"file": SimpleUploadedFile(name, data), **fields})
        return client, response

    return post


@pytest.mark.parametrize("role", ["worker", "supervisor", "provider_user"])
def test_other_roles_get_403_and_see_no_import(client_for, request, role, upload):
    manifest = upload(csv_bytes(family()))
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("cases:manifest_list")).status_code == 403
    assert client.post(reverse("cases:manifest_list")).status_code == 403
    assert client.get(reverse("cases:manifest_template") + "?format=xlsx").status_code == 403
    for url in (manifest.get_absolute_url(), reverse("cases:manifest_file", args=[manifest.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cases:manifest_commit", args=[manifest.pk])).status_code == 404
    assert ManifestImport.objects.get().status == "previewed"


def test_another_coordinators_import_is_not_there(client_for, osh_coordinator, upload):
    manifest = upload(csv_bytes(family()))
    client = client_for(osh_coordinator)
    assert client.get(manifest.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:manifest_file", args=[manifest.pk])).status_code == 404


def test_the_template_downloads_with_the_published_columns(client_for, coordinator):
    client = client_for(coordinator)
    response = client.get(reverse("cases:manifest_template") + "?format=csv")
    assert response.content.decode("utf-8-sig").strip() == ",".join(HEADER)
    response = client.get(reverse("cases:manifest_template") + "?format=xlsx")
    from cases.manifest.reading import XLSX, sniff

    assert sniff(response.content) == XLSX


def test_upload_shows_the_preview_then_commits_with_the_answers(
    posted, coordinator, chuy, django_capture_on_commit_callbacks
):
    registered = actions.returnee_register(
        actor=coordinator,
        data={
            "given_name": "Aisha",
            "family_name": "Abdyrakhmanova",
            "sex": "female",
            "date_of_birth": datetime.date(2016, 1, 1),
            "date_of_birth_precision": "year",
            "operation": ManifestImport._meta.get_field("operation").related_model.objects.get(),
            "arrival_date": datetime.date(2023, 2, 10),
            "region": chuy,
        },
    )
    client, response = posted(csv_bytes(family()))
    manifest = ManifestImport.objects.get()
    assert response.status_code == 302 and response["Location"] == manifest.get_absolute_url()
    page = client.get(manifest.get_absolute_url()).content.decode()
    assert "3 people in the file." in page
    assert 'id="match-row-3"' in page and registered.case_number in page
    assert "The same name" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:manifest_commit", args=[manifest.pk]), {})
    assert "Row 3: say whether this is a person already registered." in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:manifest_commit", args=[manifest.pk]), {"choice-3": f"link-{registered.pk}"}
        )
    assert response.status_code == 302
    page = client.get(manifest.get_absolute_url()).content.decode()
    manifest.refresh_from_db()
    assert manifest.status == "committed"
    for case_pk in manifest.result["cases"]:
        assert reverse("cases:case_detail", args=[case_pk]) in page
    for family_pk in manifest.result["families"]:
        assert reverse("cases:family_detail", args=[family_pk]) in page
    assert Returnee.objects.filter(given_name="Aisha").count() == 1


def test_a_hidden_match_is_shown_without_the_person(posted, osh_coordinator, osh, operation):
    other = actions.returnee_register(
        actor=osh_coordinator,
        data={
            "given_name": "Aisha",
            "family_name": "Abdyrakhmanova",
            "sex": "female",
            "date_of_birth": datetime.date(2016, 1, 1),
            "operation": operation,
            "arrival_date": datetime.date(2023, 2, 10),
            "region": osh,
        },
    )
    client, _response = posted(csv_bytes(family()))
    page = client.get(ManifestImport.objects.get().get_absolute_url()).content.decode()
    assert "A probable match exists in another caseload." in page
    assert other.case_number not in page
    assert f"link-{other.pk}" not in page


def test_a_refused_file_says_why_on_the_page(posted):
    client, _response = posted(b"%PDF-1.4 not a list", name="list.xlsx")
    page = client.get(ManifestImport.objects.get().get_absolute_url()).content.decode()
    assert "Only Excel (.xlsx) and CSV files can be imported." in page


def test_the_progress_fragment_polls_while_working_and_refreshes_when_done(client_for, coordinator, upload):
    manifest = upload(csv_bytes(family()))
    ManifestImport.objects.filter(pk=manifest.pk).update(status="reading", progress=40)
    client = client_for(coordinator)
    response = client.get(manifest.get_absolute_url(), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body and 'value="40"' in body and "<script" not in body
    assert "HX-Refresh" not in response
    ManifestImport.objects.filter(pk=manifest.pk).update(status="previewed", progress=100)
    response = client.get(manifest.get_absolute_url(), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_the_original_file_downloads_with_an_audit_row(client_for, coordinator, upload):
    manifest = upload(csv_bytes(family()))
    response = client_for(coordinator).get(reverse("cases:manifest_file", args=[manifest.pk]))
    assert response.content == csv_bytes(family())
    assert AuditEvent.objects.filter(action="download", object_id=manifest.pk, detail="manifest_file").count() == 1


def test_the_mapping_form_reads_another_shape(client_for, coordinator, upload, django_capture_on_commit_callbacks):
    manifest = upload(csv_bytes([["Aisha", "F", "Test operation", "Chüy Oblast"]], header=["A", "B", "C", "D"]))
    client = client_for(coordinator)
    assert "Which column holds what?" in client.get(manifest.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:manifest_map", args=[manifest.pk]),
            {"given_name": "A", "sex": "B", "operation": "C", "region": "D", "save_for": ""},
        )
    assert response.status_code == 302
    manifest.refresh_from_db()
    assert manifest.rows[0]["given_name"] == "Aisha" and manifest.rows[0]["errors"] == []


def test_an_administrator_imports_into_any_region(posted, administrator, osh):
    rows = [[c.replace("Chüy Oblast", "Osh Oblast") for c in row] for row in family()]
    _client, _response = posted(csv_bytes(rows), user=administrator)
    manifest = ManifestImport.objects.get()
    assert all(not row["errors"] for row in manifest.rows)
