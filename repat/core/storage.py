"""Storages of files that no URL may reach (STORAGES in repat/settings/base.py): the private files
(cases/storage.py) and the audit trail's published heads (repat/audit/anchors.py). Each is a folder
named by a setting by default, and a prefix of an S3-compatible bucket when REPAT_S3_BUCKET is set
(storage_s3.py), so that every web node and worker sees the same files."""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage


class NoPublicURLs:
    """A private file has no address of its own: links go to views that check who asks."""

    def url(self, name, *args, **kwargs):
        raise ImproperlyConfigured(
            "Private files have no URL: serve them through a view that checks permissions "
            "(AttachmentDownloadView, ReportDownloadView)."
        )


class SettingFolderStorage(NoPublicURLs, FileSystemStorage):
    """A folder readable by its owner only, named by the setting `folder_setting`. The folder is read
    when a file is stored or opened, not once when a model is imported, so a changed setting (tests,
    a one-off command) is honoured and nothing lands in the real folder by mistake."""

    folder_setting = ""

    def __init__(self, **options):
        options.setdefault("directory_permissions_mode", 0o700)
        options.setdefault("file_permissions_mode", 0o600)
        super().__init__(**options)

    @property
    def base_location(self):
        return getattr(settings, self.folder_setting)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class AuditHeadFolder(SettingFolderStorage):
    """REPAT_AUDIT_HEAD_DIR. A head is written whole or not at all (a temporary file renamed), so a
    crash never leaves half a head for verification to stumble on."""

    folder_setting = "REPAT_AUDIT_HEAD_DIR"

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content.read())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        return name
