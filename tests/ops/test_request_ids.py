"""One request id from the proxy to the worker: a task queued during a request carries the id in its
headers, and a real Celery worker (its own process, our own redis-server on a spare port) writes
the task's JSON log lines under it."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from repat.core import logs

from .stack import Stack, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_file"),  # the worker opens the test database too
]


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    stack.worker.env["REPAT_LOG_FORMAT"] = "json"
    try:
        yield stack
    finally:
        stack.stop()


def test_the_worker_logs_a_task_queued_by_a_request_under_the_request_id(stack):
    # given: our Redis and a worker writing JSON lines
    stack.redis.start()
    stack.worker.start()

    # when: a request with the proxy's id queues the sweep (beat's task, published as a view would)
    def view(request):
        stack.publish("sweep")
        return HttpResponse("queued")

    response = logs.RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-42c0ffee"))
    assert response["X-Request-ID"] == "edge-42c0ffee"

    # then: the sweep's own line, and the relay it queued in turn, carry the id
    wait_for(lambda: stack.worker.finished("relay") >= 1, 40, "the sweep and its relay")
    lines = []
    for text in stack.worker.output().splitlines():
        try:
            lines.append(json.loads(text))
        except ValueError:
            continue  # Celery's banner is printed, not logged
    assert lines, stack.worker.output()[-3000:]
    swept = [line for line in lines if line["message"].startswith("Reminder sweep:")]
    assert [line["request_id"] for line in swept] == ["edge-42c0ffee"]
    assert swept[0]["task_id"]
    done = [line for line in lines if "succeeded" in line["message"] and "tasks.relay[" in line["message"]]
    assert [line["request_id"] for line in done] == ["edge-42c0ffee"]
    assert all(set(line) >= {"time", "level", "logger", "message", "request_id", "task_id"} for line in lines)
