"""Leases (repat/core/locks.py): one holder at a time per name, released only by its holder; the
reminder sweep, the dashboard refresh and retention each hold one while they run."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from repat.core.locks import lease_acquire, lease_release
from repat.core.models import Lease

pytestmark = pytest.mark.django_db


def test_only_one_of_two_callers_takes_the_lease():
    # when
    first = lease_acquire("reminder-sweep", 60)
    second = lease_acquire("reminder-sweep", 60)

    # then
    assert first is not None
    assert second is None


def test_releasing_someone_elses_lease_does_nothing():
    # given
    holder = lease_acquire("reminder-sweep", 60)

    # when
    lease_release("reminder-sweep", "someone-else")

    # then
    assert lease_acquire("reminder-sweep", 60) is None
    assert Lease.objects.get().holder == holder


def test_a_lease_taken_before_the_move_to_core_is_still_held_after_it():
    # given: a sweep that took its lease through the reminders app's model, before the upgrade
    loader = MigrationLoader(connection)
    before = loader.project_state(("reminders", "0005_alerts_about_people")).apps.get_model("reminders", "SweepLock")
    before.objects.create(
        name="reminder-sweep", held_until=timezone.now() + datetime.timedelta(minutes=5), holder="old:0001"
    )

    # when / then: the platform's lease reads the same row, so a second sweep still waits
    assert lease_acquire("reminder-sweep", 60) is None
    assert Lease.objects.get().holder == "old:0001"
    # and the two migrations that move the model change no table
    for app, name in (("core", "0002_lease_from_reminders"), ("reminders", "0006_sweeplock_moves_to_core")):
        (move,) = loader.get_migration(app, name).operations
        assert move.database_operations == []
