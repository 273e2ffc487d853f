"""Exactly one scheduler: a second beat stands by and sends nothing, and takes over when the first
stops or its lease lapses."""

import datetime

import pytest
from celery.beat import ScheduleEntry
from celery.schedules import schedstate, schedule
from django.db import OperationalError
from django.utils import timezone

from repat.celery import app
from repat.core import beat, locks
from repat.core.beat import BEAT_LEASE, SingleBeatScheduler
from repat.core.models import Lease

pytestmark = pytest.mark.django_db


class AlwaysDue(schedule):
    def is_due(self, last_run_at):
        return schedstate(True, 0.0)


class CountingScheduler(SingleBeatScheduler):
    """A beat whose one entry is always due, counting what it would send instead of sending it."""

    def __init__(self, *args, **kwargs):
        self.sent = []
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        super().setup_schedule()
        self._store["entries"] = {
            "sweep": ScheduleEntry(
                name="sweep", task="repat.reminders.tasks.sweep", schedule=AlwaysDue(1.0), app=self.app
            )
        }

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)

    def sync(self):
        pass


def start(tmp_path, name):
    return CountingScheduler(app=app, schedule_filename=str(tmp_path / name), lazy=False)


def test_a_second_beat_stands_by(tmp_path):
    first, second = start(tmp_path, "one"), start(tmp_path, "two")

    for _ in range(3):
        first.tick()
        second.tick()

    assert first.sent == ["sweep"] * 3
    assert second.sent == []


def test_the_standby_takes_over_when_the_first_stops(tmp_path):
    first, second = start(tmp_path, "one"), start(tmp_path, "two")
    first.tick()
    second.tick()

    first.close()
    second.tick()

    assert second.sent == ["sweep"]


def test_the_standby_takes_over_when_the_first_dies(tmp_path):
    first, second = start(tmp_path, "one"), start(tmp_path, "two")
    first.tick()
    Lease.objects.filter(name=BEAT_LEASE).update(held_until=timezone.now() - datetime.timedelta(seconds=1))

    second.tick()
    first.tick()  # back from a long pause: it has lost the lease and must not send

    assert second.sent == ["sweep"]
    assert first.sent == ["sweep"]


def test_ticks_come_often_enough_to_keep_the_lease(tmp_path):
    scheduler = start(tmp_path, "one")
    scheduler._store["entries"] = {}  # nothing due for hours

    assert scheduler.tick() <= beat.RENEW_EVERY < beat.BEAT_LEASE_SECONDS


def test_the_setting_names_it():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULER == "repat.core.beat.SingleBeatScheduler"


def test_a_database_that_does_not_answer_pauses_the_beat_which_goes_on_with_its_lease_after(tmp_path, monkeypatch):
    # given: a beat holding the lease, and a second one standing by
    first, second = start(tmp_path, "one"), start(tmp_path, "two")
    first.tick()
    second.tick()

    # when: the database stops answering (a restart) for a few ticks
    def unreachable(*args, **kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(locks, "lease_renew", unreachable)
    monkeypatch.setattr(locks, "lease_acquire", unreachable)
    waits = [first.tick(), first.tick(), second.tick()]

    # then: the beats neither die nor send anything, and wait no longer than a tick
    assert waits == [beat.RENEW_EVERY] * 3
    assert first.sent == ["sweep"] and second.sent == []

    # when: the database is back
    monkeypatch.undo()
    first.tick()
    second.tick()

    # then: the first renews its lease and schedules again; the second still stands by
    assert first.sent == ["sweep", "sweep"]
    assert second.sent == []
