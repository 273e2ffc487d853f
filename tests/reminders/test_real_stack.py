"""Reminders on the real stack: a Celery worker in its own process, a real Redis, the test database.

Each test starts its own redis-server on a free port (never the machine's shared one on 6379) and a
worker with the development settings (the test settings make tasks eager), pointed at the test
database; data is committed (transactional tests) so the worker sees it. Tasks are published from
here with a separate Celery app, as beat would. Every wait is bounded and every process is stopped
in `finally`.
"""

import datetime
import itertools
import json
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Case
from repat.reminders import actions
from repat.reminders.models import Reminder
from tests.factories import CaseFactory, ReturneeFactory
from tests.ops.stack import ROOT, Stack, e_mail_at_any_hour, reachable, wait_for

from .factories import FollowUpTaskFactory

pytestmark = [
    pytest.mark.real_stack,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_file"),  # the worker opens the test database too
]


# --- The stack: our own redis-server, a Celery worker, a publisher (tests/ops/stack.py) ---------------


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def at_any_hour(db):
    return e_mail_at_any_hour()


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# --- (a) The sweep, run by a worker from the broker ---------------------------------------------------


def test_a_worker_runs_the_sweep_and_sends_one_e_mail_per_person(stack, worker, case, coordinator, at_any_hour):
    # given: a follow-up a week overdue (worker + coordinator) and a task due today (worker)
    reachable(worker)
    reachable(coordinator)
    Case.objects.filter(pk=case.pk).update(next_follow_up=days(-7))
    FollowUpTaskFactory(case=case, due_date=days(0), assigned_to=worker)
    stack.redis.start()
    stack.worker.start()

    # when
    stack.publish("sweep")

    # then: the sweep, its relay and one delivery per person ran
    wait_for(lambda: stack.worker.finished("deliver") >= 2, 30, "two deliveries")
    wait_for(stack.idle, 15, "the worker to be idle")
    ran = {task: stack.worker.finished(task) for task in ("sweep", "relay", "deliver")}
    assert ran == {"sweep": 1, "relay": 1, "deliver": 2}
    assert "raised" not in stack.worker.output()
    e_mails = stack.e_mails()
    assert sorted(message["To"] for message in e_mails) == ["coordinator-a@example.org", "worker-a@example.org"]
    subjects = {message["To"]: message["Subject"] for message in e_mails}
    assert subjects == {"worker-a@example.org": "Repat: 2 reminders", "coordinator-a@example.org": "Repat: 1 reminders"}
    # the coordinator's e-mail carries the region's daily summary; the escalated item rides in it
    assert Reminder.objects.count() == 4
    statuses = set(Reminder.objects.values_list("item_type", "email_status"))
    assert statuses == {("follow_up", "sent"), ("task", "sent"), ("follow_up", "summarised"), ("escalations", "sent")}


# --- (b) Redis down: the save is quick, the e-mail waits in the database --------------------------------

SAVE_A_REFERRAL = """
import json, sys, time
import django
django.setup()
from cases.models import Case
from repat.accounts.models import User
from services import actions
from services.models import ServiceType

case, actor = Case.objects.get(pk=int(sys.argv[1])), User.objects.get(pk=int(sys.argv[2]))
started = time.monotonic()
referral = actions.referral_create(
    actor=actor,
    case=case,
    service_type=ServiceType.objects.get(code="individual-counselling"),
    reason="Nightmares since arrival; the mother asks for help.",
    shares_data=False,
)
print(json.dumps({"referral": referral.pk, "seconds": time.monotonic() - started}))
"""


def test_with_redis_down_a_save_is_quick_and_the_e_mail_goes_once_redis_is_back(
    stack, worker, case, coordinator, at_any_hour
):
    # given: Redis is not running on the port the app is configured with
    reachable(coordinator)

    # when: a worker submits a referral in a process of the deployed app (not eager)
    saved = subprocess.run(
        [sys.executable, "-c", SAVE_A_REFERRAL, str(case.pk), str(worker.pk)],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=40,
    )

    # then: the save did not wait for the broker, and the coordinator's reminder waits in the database
    assert saved.returncode == 0, saved.stderr[-4000:]
    result = json.loads(saved.stdout.strip().splitlines()[-1])
    assert result["seconds"] < 1  # one try to publish (settings: broker transport options)
    assert "Broker unavailable; e-mails wait in the database for the next relay." in saved.stderr
    reminder = Reminder.objects.get()
    assert (reminder.item_type, reminder.item_id) == ("referral_submitted", result["referral"])
    assert reminder.recipient == coordinator
    assert reminder.email_status == "pending"
    assert stack.e_mails() == []

    # when: Redis and a worker come up and the relay runs (as beat would)
    stack.redis.start()
    stack.worker.start()
    stack.publish("relay")

    # then: one e-mail for the coordinator
    wait_for(lambda: stack.worker.finished("deliver") >= 1, 30, "the delivery")
    wait_for(stack.idle, 15, "the worker to be idle")
    assert [message["To"] for message in stack.e_mails()] == ["coordinator-a@example.org"]
    reminder.refresh_from_db()
    assert reminder.email_status == "sent"

    # when: the relay runs again
    stack.publish("relay")

    # then: nothing more is sent
    wait_for(lambda: stack.worker.finished("relay") >= 2, 20, "the second relay")
    wait_for(stack.idle, 15, "the worker to be idle")
    assert stack.worker.finished("deliver") == 1
    assert len(stack.e_mails()) == 1


# --- (c) Two sweeps at once ---------------------------------------------------------------------------------


@pytest.fixture
def overdue_cases(worker, coordinator, supervisor, chuy):
    """Five follow-ups two weeks overdue: each told to the worker, the coordinator and the supervisor,
    and the region's daily summary for the coordinator and the supervisor: how many reminders."""
    for _ in range(5):
        case = CaseFactory(worker=worker, returnee=ReturneeFactory(region=chuy))
        Case.objects.filter(pk=case.pk).update(next_follow_up=days(-14))
    return 5 * 3 + 2


def in_thread(target, results: list, index: int, *, before=None):
    def run():
        try:
            if before is not None:
                before.wait(timeout=10)
            results[index] = target()
        except BaseException as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            results[index] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def reminder_keys() -> list[tuple]:
    return list(Reminder.objects.values_list("item_type", "item_id", "due_date", "stage", "recipient"))


def test_a_sweep_that_starts_while_another_runs_is_skipped(overdue_cases, monkeypatch):
    # given: the first sweep holds the lease and stops inside, until the second has tried
    inside, go_on = threading.Event(), threading.Event()
    queue_due = actions.due._queue_due

    def slow_queue_due(*args):
        inside.set()
        go_on.wait(timeout=20)
        return queue_due(*args)

    monkeypatch.setattr(actions.due, "_queue_due", slow_queue_due)
    results = [None, None]

    # when
    first = in_thread(actions.sweep, results, 0)
    assert inside.wait(timeout=20), "the first sweep did not start"
    second = in_thread(actions.sweep, results, 1)
    second.join(timeout=30)
    go_on.set()
    first.join(timeout=30)

    # then
    assert not first.is_alive() and not second.is_alive()
    assert not any(isinstance(result, BaseException) for result in results), results
    assert (results[0].ran, results[0].created) == (True, overdue_cases)
    assert (results[1].ran, results[1].created) == (False, 0)
    assert Reminder.objects.count() == overdue_cases


def test_two_sweeps_started_together_never_overlap_nor_duplicate(overdue_cases, monkeypatch):
    # given: we note when each sweep is inside its lease
    spans, queue_due = [], actions.due._queue_due

    def timed_queue_due(*args):
        started = time.monotonic()
        items = queue_due(*args)
        spans.append((started, time.monotonic()))
        return items

    monkeypatch.setattr(actions.due, "_queue_due", timed_queue_due)

    for _ in range(3):
        # when: two threads, each with its own connection, start a sweep at the same moment
        Reminder.objects.all().delete()
        results, start = [None, None], threading.Barrier(2)
        threads = [in_thread(actions.sweep, results, i, before=start) for i in range(2)]
        for thread in threads:
            thread.join(timeout=30)

        # then: at least one ran, and if both did, one after the other
        assert not any(thread.is_alive() for thread in threads)
        assert not any(isinstance(result, BaseException) for result in results), results
        assert any(result.ran for result in results)
        ordered = sorted(spans)
        assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(ordered))
        keys = reminder_keys()
        assert len(keys) == len(set(keys)) == overdue_cases
        assert sum(result.created for result in results) == overdue_cases
