"""Where uploads, progress reports and import files live: the "private" storage of the STORAGES
setting, which is a folder outside the web root by default (REPAT_PRIVATE_MEDIA_ROOT) and an
S3-compatible bucket when REPAT_S3_BUCKET is set (repat/core/storage_s3.py, configured in
repat/settings/base.py), so that every web node and worker sees the same files.

Either way no URL reaches a file: objects are written with a private ACL and `url()` refuses, so a
file goes out only through a view that checks who asks (the attachment and report downloads), which
streams it from the storage. `private_storage()` is the one way in."""

from django.core.files.storage import Storage, storages
from django.utils.functional import LazyObject

from repat.core.storage import SettingFolderStorage

PRIVATE = "private"


class PrivateStorage(SettingFolderStorage):
    """The local folder, REPAT_PRIVATE_MEDIA_ROOT."""

    folder_setting = "REPAT_PRIVATE_MEDIA_ROOT"


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
