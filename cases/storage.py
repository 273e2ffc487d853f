"""Where uploads live: a folder outside the web root (no URL serves it directly)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """The folder is read from the setting when a file is stored or opened, not once when the model
    is imported, so a changed setting (tests, a one-off command) is honoured and nothing lands in the
    real folder by mistake."""

    @property
    def base_location(self):
        return settings.REPAT_PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> FileSystemStorage:
    return PrivateStorage(base_url=None, directory_permissions_mode=0o700, file_permissions_mode=0o600)
