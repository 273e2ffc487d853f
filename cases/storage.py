"""Where uploads, progress reports and import files live: the "private" storage of the STORAGES
setting, which is a folder outside the web root by default (REPAT_PRIVATE_MEDIA_ROOT) and an
S3-compatible bucket when REPAT_S3_BUCKET is set (storage_s3.py, configured in
repat/settings/base.py), so that every web node and worker sees the same files.

Either way no URL reaches a file: objects are written with a private ACL and `url()` refuses, so a
file goes out only through a view that checks who asks (the attachment and report downloads), which
streams it from the storage. `private_storage()` is the one way in."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import LazyObject

PRIVATE = "private"


class NoPublicURLs:
    """A private file has no address of its own: links go to the permission-checked views."""

    def url(self, name, *args, **kwargs):
        raise ImproperlyConfigured(
            "Private files have no URL: serve them through a view that checks permissions "
            "(AttachmentDownloadView, ReportDownloadView)."
        )


class PrivateStorage(NoPublicURLs, FileSystemStorage):
    """The local folder. It is read from the setting when a file is stored or opened, not once when
    the model is imported, so a changed setting (tests, a one-off command) is honoured and nothing
    lands in the real folder by mistake."""

    def __init__(self, **options):
        options.setdefault("directory_permissions_mode", 0o700)
        options.setdefault("file_permissions_mode", 0o600)
        super().__init__(**options)

    @property
    def base_location(self):
        return settings.REPAT_PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class _PrivateStorage(LazyObject):
    """`storages["private"]`, looked up on every use rather than once: model fields take their
    storage when the model is imported, and the backend must follow the STORAGES setting (tests
    switch it to S3 and back; Django resets `storages` when the setting changes)."""

    @property
    def _wrapped(self):
        return storages[PRIVATE]

    @_wrapped.setter
    def _wrapped(self, value):
        pass  # LazyObject.__init__ sets it; the property always answers

    def _setup(self):  # pragma: no cover - never called: _wrapped is always there
        pass


_private = _PrivateStorage()


def private_storage() -> Storage:
    """The storage of uploads, progress reports and import files (FileField(storage=private_storage))."""
    return _private
