"""Checking an uploaded file by its content, and cleaning images of their metadata.

Only PDF, JPEG and PNG are accepted, recognised from their first bytes (a name or a browser's
content type proves nothing). Images are decoded and encoded again, which drops EXIF (and with it
GPS positions) and anything hidden after the image data.
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


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def _clean_image(data: bytes, content_type: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Pillow only raises above twice its limit (and warns in between): check the limit itself.
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)  # keep the photo the right way up without EXIF
            mode = "RGB" if content_type == "image/jpeg" else "RGBA"
            pixels = upright.convert(mode)
            clean = Image.new(mode, pixels.size)
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This image is damaged or too large to open.")) from error


def prepare_upload(uploaded) -> tuple[ContentFile, str, str]:
    """Validate an uploaded file; return clean content, its content type and SHA-256."""
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
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG and PNG files can be uploaded."))
    if content_type.startswith("image/"):
        data = _clean_image(data, content_type)
    return ContentFile(data), content_type, hashlib.sha256(data).hexdigest()
