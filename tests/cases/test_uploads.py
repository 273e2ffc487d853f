"""Hostile and awkward files, sent through the real pages (document scans and signed consent forms),
and the download view that alone serves them back."""

import hashlib
import io
import re
import struct
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases import actions, uploads
from cases.models import Attachment, CaseEvent, ConsentRecord, IdentityDocument
from tests.factories import PDF_BYTES, IdentityDocumentFactory, image_bytes, mother_of, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

NOT_ALLOWED = "Only PDF, JPEG and PNG files can be uploaded."
DAMAGED = "This image is damaged or too large to open."


def post_document(client, returnee, upload):
    data = {"kind": "birth_certificate", "status": "missing", "form_token": str(uuid.uuid4()), "scan_file": upload}
    return client.post(reverse("cases:document_create", args=[returnee.pk]), data)


def post_consent(client, returnee, upload):
    data = {
        "purpose": "services",
        "giver": f"member:{mother_of(returnee).pk}",
        "given_on": timezone.localdate().isoformat(),
        "form_token": str(uuid.uuid4()),
        "form_file": upload,
    }
    return client.post(reverse("cases:consent_create", args=[returnee.pk]), data)


# Both pages that take a file, and the model each one creates.
FORMS = {
    "document": (post_document, IdentityDocument),
    "consent": (post_consent, ConsentRecord),
}


def stored_files(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, case, page, file):
    post, _ = FORMS[page]
    return post(client, case.returnee, file)


def assert_refused(response, page, message):
    """The page is shown again with the message, and nothing at all was saved."""
    _, model = FORMS[page]
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert not model.objects.exists()
    assert not Attachment.objects.exists()
    assert not CaseEvent.objects.exists()


def png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header claims a size, followed by a token of image data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # taken sideways: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (42.0, 52.0, 30.0), 3: "E", 4: (74.0, 35.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- Refused files


HOSTILE = {
    "html renamed pdf": ("scan.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    "svg": ("scan.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "svg renamed png": ("scan.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "pdf signature not at the start": ("scan.pdf", b"\n<html>" + PDF_BYTES),
    "windows executable": ("scan.pdf", b"MZ\x90\x00" + b"\x00" * 60),
    "zip (office document)": ("scan.docx", b"PK\x03\x04" + b"\x00" * 60),
    "gif": ("scan.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
}


@pytest.mark.parametrize("page", FORMS)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_files_that_are_not_pdf_jpeg_or_png_are_refused(worker, case, client_for, private_media, page, hostile):
    name, content = HOSTILE[hostile]
    file = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = upload(client_for(worker), case, page, file)

    assert_refused(response, page, NOT_ALLOWED)
    assert stored_files(private_media) == []


@pytest.mark.parametrize("page", FORMS)
def test_an_oversize_file_is_refused(worker, case, client_for, settings, private_media, page):
    settings.REPAT_UPLOAD_MAX_BYTES = 1024
    file = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 1024, content_type="application/pdf")

    response = upload(client_for(worker), case, page, file)

    assert_refused(response, page, "The file is too large: the limit is 1.0\xa0KB.")
    assert stored_files(private_media) == []


def test_a_file_exactly_at_the_limit_is_accepted(worker, case, client_for, settings):
    settings.REPAT_UPLOAD_MAX_BYTES = 1024
    file = SimpleUploadedFile("ok.pdf", PDF_BYTES.ljust(1024, b"0"), content_type="application/pdf")

    post_document(client_for(worker), case.returnee, file)

    assert Attachment.objects.get().size == 1024


def test_an_upload_claiming_a_small_size_is_still_measured(settings):
    settings.REPAT_UPLOAD_MAX_BYTES = 1024
    file = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048)
    file.size = 10  # what a client may claim; the content decides

    with pytest.raises(uploads.ValidationError) as error:
        uploads.prepare_upload(file)

    assert error.value.messages == ["The file is too large: the limit is 1.0\xa0KB."]


@pytest.mark.parametrize("page", FORMS)
def test_a_truncated_png_is_refused(worker, case, client_for, page):
    whole = image_bytes("PNG", (64, 64))
    file = SimpleUploadedFile("scan.png", whole[: len(whole) // 2], content_type="image/png")

    assert_refused(upload(client_for(worker), case, page, file), page, DAMAGED)


def test_a_truncated_jpeg_is_refused(worker, case, client_for):
    whole = image_bytes("JPEG", (64, 64))
    file = SimpleUploadedFile("scan.jpg", whole[: len(whole) // 2], content_type="image/jpeg")

    assert_refused(post_document(client_for(worker), case.returnee, file), "document", DAMAGED)


def test_a_png_signature_followed_by_garbage_is_refused(worker, case, client_for):
    file = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 10)

    assert_refused(post_document(client_for(worker), case.returnee, file), "document", DAMAGED)


def test_a_png_with_a_corrupt_chunk_is_refused(worker, case, client_for):
    data = bytearray(image_bytes("PNG", (16, 16)))
    data[40] ^= 0xFF  # inside the image data: the chunk checksum no longer matches
    file = SimpleUploadedFile("scan.png", bytes(data))

    assert_refused(post_document(client_for(worker), case.returnee, file), "document", DAMAGED)


@pytest.mark.parametrize("page", FORMS)
def test_a_png_claiming_a_huge_size_is_refused_without_decoding_it(worker, case, client_for, page):
    bomb = SimpleUploadedFile("bomb.png", png_with_size(100_000, 100_000), content_type="image/png")

    assert_refused(upload(client_for(worker), case, page, bomb), page, DAMAGED)


# Pillow warns (and only raises at twice its limit); the upload must be refused from the limit on.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "size",
    [
        pytest.param((40, 40), id="far over the limit"),
        pytest.param((15, 10), id="just over the limit"),
    ],
)
def test_an_image_with_more_pixels_than_the_limit_is_refused(worker, case, client_for, monkeypatch, size):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)

    response = post_document(client_for(worker), case.returnee, png_upload(size=size))

    assert_refused(response, "document", DAMAGED)


def test_an_image_at_the_pixel_limit_is_accepted(worker, case, client_for, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)

    post_document(client_for(worker), case.returnee, png_upload(size=(10, 10)))

    assert Attachment.objects.get().content_type == "image/png"


def test_an_empty_file_is_refused_next_to_the_field(worker, case, client_for):
    response = post_document(client_for(worker), case.returnee, SimpleUploadedFile("scan.pdf", b""))

    assert response.context["form"].errors["scan_file"] == ["The submitted file is empty."]
    assert not IdentityDocument.objects.exists()


# --- Accepted files are cleaned and stored privately


def test_a_photo_is_stored_without_its_exif_and_gps_position(worker, case, client_for):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo does carry a position

    response = post_document(client_for(worker), case.returnee, SimpleUploadedFile("photo.jpg", original))

    assert response.status_code == 302
    attachment = IdentityDocument.objects.get().scan
    stored = attachment.file.read()
    assert b"Exif" not in stored
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(0x8825) == {}
        assert image.size == (6, 8)  # turned upright before the orientation tag was dropped
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()


def test_data_hidden_after_a_png_is_dropped(worker, case, client_for):
    smuggled = image_bytes("PNG", (8, 8)) + b"<script>alert(1)</script>"

    post_document(client_for(worker), case.returnee, SimpleUploadedFile("scan.png", smuggled))

    stored = Attachment.objects.get().file.read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (8, 8))


def test_the_type_is_taken_from_the_content_not_the_name(worker, case, client_for):
    png_as_pdf = SimpleUploadedFile("scan.pdf", image_bytes("PNG"), content_type="application/pdf")

    post_document(client_for(worker), case.returnee, png_as_pdf)

    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "scan.pdf"


def test_a_pdf_is_stored_unchanged(worker, case, client_for):
    post_document(client_for(worker), case.returnee, pdf_upload("Свидетельство о рождении.pdf"))

    attachment = IdentityDocument.objects.get().scan
    assert attachment.file.read() == PDF_BYTES
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF_BYTES))
    assert attachment.original_name == "Свидетельство о рождении.pdf"
    assert attachment.uploaded_by == worker


def test_files_are_stored_privately_under_a_random_name(worker, case, client_for, settings, private_media, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    client = client_for(worker)

    post_document(client, case.returnee, pdf_upload("Айша birth certificate.pdf"))
    post_consent(client, case.returnee, pdf_upload("Айша birth certificate.pdf"))

    first, second = Attachment.objects.order_by("id")
    for attachment in (first, second):
        path = Path(attachment.file.path)
        assert path.is_relative_to(private_media)
        assert not path.is_relative_to(settings.STATIC_ROOT)
        assert not path.is_relative_to(Path(settings.BASE_DIR) / "static")
        assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}", attachment.file.name), attachment.file.name
        assert "birth" not in attachment.file.name
        assert not path.suffix  # no extension a web server could act on
        assert path.stat().st_mode & 0o777 == 0o600
    assert first.file.name != second.file.name
    assert sorted(stored_files(private_media)) == sorted(Path(a.file.path) for a in (first, second))


def test_a_crafted_clear_checkbox_is_not_a_server_error(worker, case, client_for):
    # The file inputs have nothing to clear; a hand-made "clear" must not reach the action as a file.
    document = IdentityDocumentFactory(returnee=case.returnee)
    response = client_for(worker).post(
        reverse("cases:document_update", args=[document.pk]),
        {"kind": "birth_certificate", "number": "123", "form_token": str(uuid.uuid4()), "scan_file-clear": "on"},
    )

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.number == "123"
    assert document.scan is None


# --- Downloads


@pytest.fixture
def scan(worker, case):
    return actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload("birth-certificate.pdf"))


def download(client, attachment):
    return client.get(reverse("cases:attachment_download", args=[attachment.pk]))


def test_the_owner_downloads_the_file_as_an_attachment(worker, scan, client_for):
    response = download(client_for(worker), scan)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="birth-certificate.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_download_keeps_a_cyrillic_file_name(worker, case, client_for):
    attachment = actions.attachment_upload(actor=worker, case=case, uploaded=pdf_upload("свидетельство.pdf"))

    response = download(client_for(worker), attachment)

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("свидетельство.pdf")


# Who gets a case's file: those who see the case; the others the same 404 as for no file at all.
PER_ROLE = [
    ("worker", 200),
    ("coordinator", 200),
    ("supervisor", 200),
    ("administrator", 200),
    ("other_worker", 404),
    ("osh_supervisor", 404),
]


@pytest.mark.parametrize(("role", "status"), PER_ROLE)
def test_download_per_role(request, scan, client_for, role, status):
    assert download(client_for(request.getfixturevalue(role)), scan).status_code == status


def test_anonymous_download_goes_to_login(client, scan):
    response = download(client, scan)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_attachment_that_does_not_exist_is_the_same_404(worker, client_for):
    assert client_for(worker).get(reverse("cases:attachment_download", args=[999999])).status_code == 404
