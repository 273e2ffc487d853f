"""Imports whose task was lost are queued again by beat (`manifests_requeue`), as progress reports are;
imports whose worker died are not left "being read" or "being registered" for ever."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from cases import actions, tasks
from cases.models import ManifestImport, Returnee

from .files import csv_bytes, family

pytestmark = pytest.mark.django_db
Status = ManifestImport.Status


def broker_down():
    return mock.patch("cases.tasks.preview_manifest.delay", side_effect=OSError("broker down"))


@pytest.fixture
def large(settings):
    settings.REPAT_MANIFEST_SYNC_BYTES = 10
    settings.REPAT_MANIFEST_SYNC_ROWS = 1


def later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def requeue(capture, minutes: int) -> int:
    with capture(execute=True):
        return actions.manifests_requeue(now=later(minutes))


def test_an_upload_whose_message_was_lost_is_read_once_queued_again(large, upload, django_capture_on_commit_callbacks):
    with broker_down():
        manifest = upload(csv_bytes(family()))
    assert manifest.status == Status.QUEUED

    assert requeue(django_capture_on_commit_callbacks, 5) == 0  # not stuck yet
    assert requeue(django_capture_on_commit_callbacks, 11) == 1

    manifest.refresh_from_db()
    assert (manifest.status, len(manifest.rows)) == (Status.PREVIEWED, 3)
    assert requeue(django_capture_on_commit_callbacks, 30) == 0


def test_a_requeue_while_the_broker_is_still_down_tries_again_at_the_next_beat(
    large, upload, django_capture_on_commit_callbacks
):
    with broker_down():
        manifest = upload(csv_bytes(family()))
        assert requeue(django_capture_on_commit_callbacks, 11) == 1
    manifest.refresh_from_db()
    assert manifest.status == Status.QUEUED

    # the one queued again is not queued at every beat, only once it waited QUEUED_PATIENCE again
    assert requeue(django_capture_on_commit_callbacks, 15) == 0
    assert requeue(django_capture_on_commit_callbacks, 22) == 1
    manifest.refresh_from_db()
    assert manifest.status == Status.PREVIEWED


def test_a_commit_whose_message_was_lost_registers_once_queued_again(
    large, upload, coordinator, django_capture_on_commit_callbacks
):
    manifest = upload(csv_bytes(family()))
    with (
        mock.patch("cases.tasks.commit_manifest.delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.manifest_commit_request(actor=coordinator, manifest=manifest, decisions={})
    manifest.refresh_from_db()
    assert (manifest.status, manifest.progress) == (Status.COMMITTING, 0)

    assert requeue(django_capture_on_commit_callbacks, 11) == 1

    manifest.refresh_from_db()
    assert manifest.status == Status.COMMITTED
    assert Returnee.objects.count() == 3


def test_imports_left_by_a_worker_that_died_are_not_left_running(large, upload, coordinator):
    reading = upload(csv_bytes(family()))
    ManifestImport.objects.filter(pk=reading.pk).update(status=Status.READING, progress=40)
    committing = upload(csv_bytes(family()))
    committing.decisions = {"2": {"choice": "new", "reason": "kept"}}
    committing.save()
    ManifestImport.objects.filter(pk=committing.pk).update(status=Status.COMMITTING, progress=1)

    assert actions.manifests_requeue(now=later(15)) == 0  # within the tasks' time limits: still running
    assert set(ManifestImport.objects.values_list("status", flat=True)) == {Status.READING, Status.COMMITTING}
    actions.manifests_requeue(now=later(25))  # past the reading's (16 minutes), not the commit's (31)
    assert set(ManifestImport.objects.values_list("status", flat=True)) == {Status.FAILED, Status.COMMITTING}

    assert actions.manifests_requeue(now=later(40)) == 0

    reading.refresh_from_db()
    committing.refresh_from_db()
    assert (reading.status, reading.error) == (
        Status.FAILED,
        "Reading the file stopped unexpectedly. Upload it again, or tell an administrator.",
    )
    assert (committing.status, committing.decisions, committing.error) == (
        Status.PREVIEWED,
        {"2": {"choice": "new", "reason": "kept"}},
        "The registration stopped before it ended: nobody was registered. Register them again.",
    )
    assert Returnee.objects.count() == 0


def test_the_manifest_requeue_is_on_the_beat_after_the_tasks_time_limits(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["manifest-requeue"]
    assert (entry["task"], entry["schedule"]) == ("cases.tasks.requeue_manifests", 300.0)
    assert (tasks.preview_manifest.time_limit, tasks.commit_manifest.time_limit) == (960, 1860)
