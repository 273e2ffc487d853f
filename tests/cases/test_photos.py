"""A returnee's photo: uploaded through its page by those who may edit the case, checked and
cleaned as every upload is (and re-encoded small, without EXIF), refused with a message next to the
field when hostile, served only to those who may see the returnee, and recorded on the timeline and
in the audit trail."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cases import actions, uploads
from cases.models import CaseEvent, ReturneePhoto
from repat.audit.models import AuditEvent
from tests.factories import PDF_BYTES, image_bytes, png_upload

from .test_uploads import DAMAGED, PER_ROLE, jpeg_with_gps, png_with_size, stored_files

pytestmark = pytest.mark.django_db

NOT_A_PHOTO = "Only JPEG, PNG and WebP photos can be uploaded."


def edit_url(returnee) -> str:
    return reverse("cases:returnee_photo_edit", args=[returnee.pk])


def photo_url(returnee) -> str:
    return reverse("cases:returnee_photo", args=[returnee.pk])


def post_photo(client, returnee, upload):
    return client.post(edit_url(returnee), {"photo": upload})


def stored(photo) -> bytes:
    with photo.file.open("rb") as file:
        return file.read()


@pytest.fixture
def photo(worker, case):
    return actions.returnee_photo_set(actor=worker, returnee=case.returnee, uploaded=png_upload(size=(40, 30)))


# --- Accepted, cleaned, recorded


def test_a_photo_is_re_encoded_without_exif_or_gps(worker, case, client_for):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo carries a position

    response = post_photo(client_for(worker), case.returnee, SimpleUploadedFile("me.jpg", original))

    assert response.status_code == 302
    assert response["Location"] == case.returnee.get_absolute_url() + "#photo"
    photo = ReturneePhoto.objects.get(returnee=case.returnee)
    data = stored(photo)
    assert b"Exif" not in data and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.size == (6, 8) == (photo.width, photo.height)  # upright, then the tag dropped
    assert photo.uploaded_by == worker


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_a_large_photo_is_kept_at_800_pixels_at_most(worker, case, client_for, fmt):
    upload = SimpleUploadedFile("big", image_bytes(fmt, (1600, 1200)))

    post_photo(client_for(worker), case.returnee, upload)

    photo = ReturneePhoto.objects.get()
    with Image.open(io.BytesIO(stored(photo))) as image:
        assert (image.format, image.size) == ("JPEG", (800, 600))


def test_a_transparent_png_is_put_on_white(worker, case, client_for):
    out = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 0, 0, 0)).save(out, format="PNG")

    post_photo(client_for(worker), case.returnee, SimpleUploadedFile("clear.png", out.getvalue()))

    with Image.open(io.BytesIO(stored(ReturneePhoto.objects.get()))) as image:
        assert image.getpixel((1, 1)) >= (250, 250, 250)


def test_adding_replacing_and_removing_are_on_the_timeline_and_in_the_audit_trail(worker, case, client_for):
    client = client_for(worker)
    returnee = case.returnee

    post_photo(client, returnee, png_upload())
    first = ReturneePhoto.objects.get()
    first_file = first.file.name
    post_photo(client, returnee, png_upload(size=(20, 10)))
    replaced = ReturneePhoto.objects.get()
    client.post(reverse("cases:returnee_photo_remove", args=[returnee.pk]))

    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["photo_added", "photo_replaced", "photo_removed"]
    assert (replaced.pk, replaced.width) == (first.pk, 20)
    assert replaced.file.name != first_file
    assert not ReturneePhoto.objects.exists()
    changes = AuditEvent.objects.filter(action="change", case_id=case.pk, detail__startswith="photo_")
    assert list(changes.order_by("id").values_list("detail", flat=True)) == [
        "photo_added",
        "photo_replaced",
        "photo_removed",
    ]
    timeline = client.get(case.get_absolute_url()).content.decode()
    assert "Photo added" in timeline and "Photo replaced" in timeline and "Photo removed" in timeline


def test_the_replaced_and_removed_files_are_deleted_once_committed(
    worker, case, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.returnee_photo_set(actor=worker, returnee=case.returnee, uploaded=png_upload())
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.returnee_photo_set(actor=worker, returnee=case.returnee, uploaded=png_upload())
    assert [p.name for p in stored_files(private_media)] == [second.file.name.rsplit("/", 1)[-1]]

    with django_capture_on_commit_callbacks(execute=True):
        actions.returnee_photo_remove(actor=worker, returnee=case.returnee)
    assert stored_files(private_media) == []


# --- Refused, with the message next to the field


HOSTILE = {
    "text renamed jpg": ("me.jpg", b"Just some text, not a photo at all.\n" * 4),
    "svg": ("me.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "svg renamed png": ("me.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "pdf": ("me.jpg", PDF_BYTES),
    "gif": ("me.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    "riff that is not webp": ("me.webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32),
}


def assert_refused_next_to_the_field(response, message, private_media):
    assert response.status_code == 200
    assert response.context["form"].errors == {"photo": [message]}
    page = response.content.decode()
    assert f'<span id="error_1_id_photo"><strong>{message}</strong></span>' in page  # under the field
    assert not ReturneePhoto.objects.exists()
    assert not CaseEvent.objects.filter(kind__startswith="photo_").exists()
    assert stored_files(private_media) == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_files_that_are_not_photos_are_refused(worker, case, client_for, private_media, hostile):
    name, content = HOSTILE[hostile]

    response = post_photo(client_for(worker), case.returnee, SimpleUploadedFile(name, content, "image/jpeg"))

    assert_refused_next_to_the_field(response, NOT_A_PHOTO, private_media)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(png_with_size(100_000, 100_000), id="png claiming huge dimensions"),
        pytest.param(image_bytes("JPEG", (64, 64))[:300], id="truncated jpeg"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, id="broken webp"),
    ],
)
def test_damaged_images_and_decompression_bombs_are_refused(worker, case, client_for, private_media, content):
    response = post_photo(client_for(worker), case.returnee, SimpleUploadedFile("me.png", content))

    assert_refused_next_to_the_field(response, DAMAGED, private_media)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_just_over_the_pixel_limit_is_refused(worker, case, client_for, private_media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PIXELS", 100)

    response = post_photo(client_for(worker), case.returnee, png_upload(size=(15, 10)))

    assert_refused_next_to_the_field(response, DAMAGED, private_media)


def test_an_oversize_photo_is_refused(worker, case, client_for, settings, private_media):
    settings.REPAT_UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("me.png", image_bytes("PNG", (8, 8)) + b"0" * 1024)

    response = post_photo(client_for(worker), case.returnee, upload)

    assert_refused_next_to_the_field(response, "The file is too large: the limit is 1.0\xa0KB.", private_media)


def test_a_failed_replacement_keeps_the_photo_there_was(worker, case, client_for, photo):
    before = stored(photo)

    post_photo(client_for(worker), case.returnee, SimpleUploadedFile("x.jpg", b"not a photo"))

    photo.refresh_from_db()
    assert stored(photo) == before


# --- Who sees it, who changes it


@pytest.mark.parametrize(("role", "status"), [*PER_ROLE, ("osh_coordinator", 404), ("provider_user", 404)])
def test_the_photo_per_role(request, case, photo, client_for, role, status):
    response = client_for(request.getfixturevalue(role)).get(photo_url(case.returnee))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == stored(photo)
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert not response["Content-Disposition"].startswith("attachment")


def test_a_returnee_without_a_photo_is_the_same_404(worker, case, client_for):
    assert client_for(worker).get(photo_url(case.returnee)).status_code == 404
    assert client_for(worker).get(reverse("cases:returnee_photo", args=[999999])).status_code == 404


def test_reading_the_photo_is_audited_as_a_view_of_the_case(worker, case, photo, client_for):
    client_for(worker).get(photo_url(case.returnee))

    row = AuditEvent.objects.filter(action="view", object_type="returneephoto").get()
    assert (row.actor, row.object_id, row.case_id, row.detail) == (worker, photo.pk, case.pk, "cases:returnee_photo")


@pytest.mark.parametrize(("role", "status"), [("supervisor", 403), ("other_worker", 404), ("provider_user", 404)])
def test_only_those_who_may_edit_the_case_change_the_photo(request, case, photo, client_for, role, status):
    client = client_for(request.getfixturevalue(role))

    assert client.get(edit_url(case.returnee)).status_code == status
    assert post_photo(client, case.returnee, png_upload()).status_code == status
    assert client.post(reverse("cases:returnee_photo_remove", args=[case.returnee.pk])).status_code == status
    assert ReturneePhoto.objects.get() == photo
    assert not CaseEvent.objects.filter(kind__in=["photo_replaced", "photo_removed"]).exists()


def test_the_photo_of_a_merged_record_is_nobodys(supervisor, administrator, worker, case, client_for, chuy):
    from tests.factories import CaseFactory, ReturneeFactory

    kept = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy, given_name="Айгерим")).returnee
    actions.returnee_photo_set(actor=worker, returnee=kept, uploaded=png_upload())
    actions.returnee_photo_set(actor=worker, returnee=case.returnee, uploaded=png_upload())

    actions.returnee_merge(actor=supervisor, survivor=kept, merged=case.returnee, reason="Registered twice.")

    for user in (worker, administrator):
        assert client_for(user).get(photo_url(case.returnee)).status_code == 404
        assert client_for(user).get(photo_url(kept)).status_code == 200


# --- Where it is shown


def test_the_returnee_page_shows_the_photo_small_with_a_translated_alt_text(worker, case, photo, client_for):
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert f'src="{photo.get_absolute_url()}"' in page
    assert f'alt="Photo of {case.returnee.full_name}"' in page
    assert 'class="returnee-photo"' in page
    assert edit_url(case.returnee) in page


def test_a_reader_sees_the_photo_but_no_link_to_change_it(supervisor, case, photo, client_for):
    page = client_for(supervisor).get(case.returnee.get_absolute_url()).content.decode()

    assert photo.get_absolute_url() in page
    assert edit_url(case.returnee) not in page


def test_a_writer_is_offered_to_add_a_photo(worker, case, client_for):
    page = client_for(worker).get(case.returnee.get_absolute_url()).content.decode()

    assert "Add a photo" in page
    assert photo_url(case.returnee) + "?" not in page


def test_the_returnee_page_asks_no_more_queries_with_a_photo(worker, case, client_for, django_assert_num_queries):
    client = client_for(worker)
    client.get(case.returnee.get_absolute_url())  # the session and caches warmed
    with CaptureQueriesContext(connection) as without:
        client.get(case.returnee.get_absolute_url())
    actions.returnee_photo_set(actor=worker, returnee=case.returnee, uploaded=png_upload())

    with django_assert_num_queries(len(without.captured_queries)):
        client.get(case.returnee.get_absolute_url())


def test_the_case_summary_shows_the_photo(worker, case, photo, client_for):
    page = client_for(worker).get(reverse("cases:case_summary", args=[case.pk])).content.decode()

    assert f'src="{photo.get_absolute_url()}"' in page
    assert f'alt="Photo of {case.returnee.full_name}"' in page


def test_the_summary_pdf_carries_the_photo_inside_it(worker, case, photo, client_for):
    response = client_for(worker).get(reverse("cases:case_summary_pdf", args=[case.pk]))

    assert response.status_code == 200
    assert b"/Subtype /Image" in response.content


def test_the_photo_goes_on_anonymisation(worker, case, photo, supervisor, private_media):
    from tests.factories import close_case

    close_case(case, supervisor)

    actions.case_anonymise(case_id=case.pk, today=case.closed_on)

    assert not ReturneePhoto.objects.exists()
    assert stored_files(private_media) == []


def test_a_photo_goes_to_the_bucket_and_comes_back_through_the_view(
    on_object_store, worker, other_worker, case, client_for
):
    post_photo(client_for(worker), case.returnee, png_upload())

    photo = ReturneePhoto.objects.get()
    assert on_object_store.keys() == [photo.file.name]
    assert on_object_store.anonymous_get(photo.file.name) == 403
    response = client_for(worker).get(photo_url(case.returnee))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client_for(other_worker).get(photo_url(case.returnee)).status_code == 404


def test_a_form_without_a_file_asks_for_one(worker, case, client_for):
    response = client_for(worker).post(edit_url(case.returnee), {"form_token": str(uuid.uuid4())})

    assert response.context["form"].errors == {"photo": ["This field is required."]}
