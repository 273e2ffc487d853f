"""The private storage: a local folder by default, an S3-compatible bucket when configured (here
moto's server, in a process of the test's own). Files go in through the upload pages and the report
producer, come out only through the permission-checked views, and have no public address."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.urls import reverse

from cases.models import Attachment
from cases.storage import PrivateStorage, private_storage
from repat.reports.models import ReportExport
from tests.factories import PDF_BYTES, pdf_upload
from tests.reports.factories import ProgressReportFactory

pytestmark = pytest.mark.django_db


def post_document(client, returnee, upload):
    data = {"kind": "birth_certificate", "status": "missing", "form_token": str(uuid.uuid4()), "scan_file": upload}
    return client.post(reverse("cases:document_create", args=[returnee.pk]), data)


def test_by_default_files_are_in_the_local_private_folder(private_media):
    storage = private_storage()
    name = storage.save("probe", ContentFile(b"x"))
    assert isinstance(storage, PrivateStorage)
    assert (private_media / name).read_bytes() == b"x"


def test_private_files_have_no_url():
    with pytest.raises(ImproperlyConfigured):
        private_storage().url("anything")


def test_private_files_in_the_bucket_have_no_url(on_object_store):
    with pytest.raises(ImproperlyConfigured):
        private_storage().url("anything")


def test_an_upload_goes_to_the_bucket_privately_and_comes_back_through_the_view(
    on_object_store, worker, other_worker, case, client_for, private_media
):
    # when: a scan is uploaded through the page, with the storage on the bucket
    response = post_document(client_for(worker), case.returnee, pdf_upload("birth.pdf"))

    # then: it is an object of the bucket, under its random name, and nothing was written locally
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert on_object_store.keys() == [attachment.file.name]
    assert not private_media.exists() or not any(private_media.rglob("*"))
    head = on_object_store.head(attachment.file.name)
    assert head["ContentLength"] == len(PDF_BYTES)
    # private: no grant to anyone but the owner, and a GET without credentials is refused
    acl = on_object_store.client().get_object_acl(Bucket=on_object_store.bucket, Key=attachment.file.name)
    assert [grant["Grantee"].get("URI") for grant in acl["Grants"]] == [None]
    assert on_object_store.anonymous_get(attachment.file.name) == 403

    # the case's worker downloads it through the view; someone who may not see the case cannot
    download = client_for(worker).get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"] == 'attachment; filename="birth.pdf"'
    assert client_for(other_worker).get(attachment.get_absolute_url()).status_code == 404


def test_a_report_s_files_are_in_the_bucket_and_downloaded_through_the_view(
    on_object_store, supervisor, chuy, client_for
):
    # given: a report produced while the storage is on the bucket
    report = ProgressReportFactory(created_by=supervisor, region=chuy, status="ready", progress=100)
    report.pdf_file.save("report.pdf", ContentFile(PDF_BYTES), save=False)
    report.save()
    assert on_object_store.keys() == [report.pdf_file.name]
    assert on_object_store.anonymous_get(report.pdf_file.name) == 403

    # when
    response = client_for(supervisor).get(reverse("reports:report_download", args=[report.pk, "pdf"]))

    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert ReportExport.objects.filter(report=report, user=supervisor).exists()


def test_objects_are_encrypted_at_rest_when_asked(object_store, settings):
    settings.STORAGES = object_store.storages(settings, REPAT_S3_ENCRYPTION="AES256")
    name = private_storage().save("scan", ContentFile(b"x"))
    head = object_store.head(name)
    assert head["ServerSideEncryption"] == "AES256"


def test_a_second_file_of_the_same_name_does_not_replace_the_first(on_object_store):
    storage = private_storage()
    first = storage.save("reports/2026/12/report.pdf", ContentFile(b"first"))
    second = storage.save("reports/2026/12/report.pdf", ContentFile(b"second"))
    assert first != second
    assert storage.open(first).read() == b"first"
