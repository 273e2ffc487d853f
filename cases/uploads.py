"""Checking an uploaded file by its content, and cleaning images of their metadata.

Only PDF, JPEG and PNG are accepted, recognised from their first bytes (a name or a browser's
content type proves nothing). Images are decoded and encoded again, which drops EXIF (and with it
GPS positions) and anything hidden after the image data. A returnee's photo (JPEG, PNG or WebP) goes
through the same checks and comes out as a JPEG of at most PHOTO_MAX_SIDE pixels a side.
"""

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
# Refuse images that would take more than about 200 MB of memory to decode (decompression bombs).
MAX_PIXELS = 50_000_000
# A returnee's photo is shown small (the returnee page, the case summary): it is kept no larger.
PHOTO_MAX_SIDE = 800
IMAGE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def sniff_photo(head: bytes) -> str | None:
    """JPEG, PNG or WebP (a RIFF container whose form is WEBP), from the first 16 bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    content_type = sniff(head)
    return content_type if content_type in ("image/jpeg", "image/png") else None


def _verify(data: bytes) -> None:
    """Raise one of IMAGE_ERRORS unless the image is whole and within MAX_PIXELS (checked from its
    header, before any pixel is decoded)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(data)) as image:
        # Pillow only raises above twice its limit (and warns in between): check the limit itself.
        if image.width * image.height > MAX_PIXELS:
            raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
        image.verify()


def _clean_image(data: bytes, content_type: str) -> bytes:
    try:
        _verify(data)
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)  # keep the photo the right way up without EXIF
            mode = "RGB" if content_type == "image/jpeg" else "RGBA"
            pixels = upright.convert(mode)
            clean = Image.new(mode, pixels.size)
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
            return out.getvalue()
    except IMAGE_ERRORS as error:
        raise ValidationError(_("This image is damaged or too large to open.")) from error


def _read(uploaded) -> bytes:
    """The upload's bytes, refused above REPAT_UPLOAD_MAX_BYTES (as claimed, then as read)."""
    if uploaded.size > settings.REPAT_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: the limit is %(limit)s.")
            % {"limit": filesizeformat(settings.REPAT_UPLOAD_MAX_BYTES)}
        )
    data = uploaded.read()
    if len(data) > settings.REPAT_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: the limit is %(limit)s.")
            % {"limit": filesizeformat(settings.REPAT_UPLOAD_MAX_BYTES)}
        )
    return data


def prepare_upload(uploaded) -> tuple[ContentFile, str, str]:
    """Validate an uploaded file; return clean content, its content type and SHA-256."""
    data = _read(uploaded)
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG and PNG files can be uploaded."))
    if content_type.startswith("image/"):
        data = _clean_image(data, content_type)
    return ContentFile(data), content_type, hashlib.sha256(data).hexdigest()


def prepare_photo(uploaded) -> tuple[ContentFile, tuple[int, int], str]:
    """Validate a returnee's photo; return it as a clean JPEG (no EXIF, so no GPS position, turned
    upright, transparency on white, at most PHOTO_MAX_SIDE pixels a side), its size and SHA-256."""
    data = _read(uploaded)
    if sniff_photo(data[:16]) is None:
        raise ValidationError(_("Only JPEG, PNG and WebP photos can be uploaded."))
    try:
        _verify(data)
        with Image.open(io.BytesIO(data)) as image:
            # A large JPEG is decoded at a fraction of its size (no more than needed for the result).
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            pixels = upright.convert("RGBA")
            clean = Image.new("RGB", pixels.size, "white")
            clean.paste(pixels, mask=pixels.getchannel("A"))
            out = io.BytesIO()
            clean.save(out, format="JPEG", quality=85)
    except IMAGE_ERRORS as error:
        raise ValidationError(_("This image is damaged or too large to open.")) from error
    data = out.getvalue()
    return ContentFile(data), clean.size, hashlib.sha256(data).hexdigest()
