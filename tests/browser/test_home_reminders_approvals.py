"""In Chromium at 360 px, in Russian: a worker's home page and grouped reminders (snoozing a group
from the list), and a supervisor reading a plan's approval and approving several from the queue.
Screenshots of each step go to var/screenshots/polishflow/ for review."""

import pytest

from .harness import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]


def shot(page, name: str) -> None:
    shoot(page, "polishflow", name)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def bell(page) -> str:
    """The bell badge's figure (without the words for screen readers after it)."""
    return page.evaluate("document.querySelector('#unread-count').firstChild.textContent.trim()")


def in_russian(username: str) -> None:
    from repat.accounts.models import User

    User.objects.filter(username=username).update(language="ru")


def test_a_worker_on_a_phone_starts_from_today_and_snoozes_a_group_of_reminders(demo, page, login):
    from repat.reminders.models import Reminder

    in_russian("worker1")
    page.set_viewport_size({"width": 360, "height": 800})
    login("worker1")

    # Home: the week by day, what is overdue first, nothing scrolling sideways
    assert page.url.endswith("/today/")
    assert page.locator("h1").inner_text() == "Сегодня"
    assert page.locator("#agenda .agenda-day").count() >= 7
    assert no_sideways_scroll(page)
    shot(page, "worker1-today-ru-360")

    # Reminders: a handful of groups instead of "99+"; the bell counts them
    page.goto("/reminders/")
    groups = page.locator(".reminder-group")
    assert 0 < groups.count() <= 10
    badge = bell(page)
    assert badge != "99+" and int(badge) <= 10
    assert no_sideways_scroll(page)
    shot(page, "worker1-reminders-ru-360")

    # Snooze the first group until tomorrow: it leaves the list and the bell
    before = groups.count()
    groups.first.locator("form", has=page.locator("input[name=whole_group]")).nth(1).locator("button").click()
    page.wait_for_selector(".alert-success")
    assert page.locator(".reminder-group").count() == before - 1
    assert Reminder.objects.filter(recipient__username="worker1", snoozed_until__isnull=False).exists()
    assert int(bell(page)) == int(badge) - 1
    shot(page, "worker1-reminders-snoozed-ru-360")


def test_a_supervisor_reads_a_plan_and_approves_several_from_the_queue(demo, page, login):
    from repat.approvals.models import ApprovalRequest

    in_russian("supervisor1")
    page.set_viewport_size({"width": 360, "height": 800})
    plan = ApprovalRequest.objects.filter(kind="plan", status="pending").order_by("requested_at", "id").first()
    login("supervisor1")

    # Home: approvals waiting and the programme's figures
    assert page.locator("#approvals-waiting li").count() >= 1
    assert page.locator("#programme-figures .figure").count() == 4
    shot(page, "supervisor1-today-ru-360")

    # The plan's page shows its goals before the decision
    page.goto(plan.get_absolute_url())
    goals = page.locator("#approval-plan li.list-group-item")
    assert goals.count() == plan.plan.goals.count()
    assert no_sideways_scroll(page)
    shot(page, "supervisor1-plan-approval-ru-360")

    # The queue: tick two assessments and approve them together
    page.goto("/approvals/?status=pending&kind=assessment")
    boxes = page.locator("#approvals input[name=approval]")
    assert boxes.count() >= 2
    ids = [int(boxes.nth(i).get_attribute("value")) for i in range(2)]
    for i in range(2):
        boxes.nth(i).check()
    shot(page, "supervisor1-approvals-ticked-ru-360")
    page.click("#approve-selected button[type=submit]")
    page.wait_for_selector(".alert-success")
    statuses = set(ApprovalRequest.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {"approved"}
    shot(page, "supervisor1-approvals-approved-ru-360")
