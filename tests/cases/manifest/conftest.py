import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import actions
from tests.factories import OperationFactory


@pytest.fixture
def operation(db):
    return OperationFactory()


@pytest.fixture
def upload(django_capture_on_commit_callbacks, operation, coordinator):
    """Upload a manifest as `actor` (the coordinator by default) and run what the commit queues."""

    def run(data: bytes, actor=None, name="manifest.csv", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            manifest = actions.manifest_upload(
                actor=actor or coordinator, uploaded=SimpleUploadedFile(name, data), **kwargs
            )
        manifest.refresh_from_db()
        return manifest

    return run


@pytest.fixture
def commit(django_capture_on_commit_callbacks, coordinator):
    def run(manifest, decisions=None, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            actions.manifest_commit_request(actor=actor or coordinator, manifest=manifest, decisions=decisions or {})
        manifest.refresh_from_db()
        return manifest

    return run
