"""Redis down, as an operator sees it: gunicorn with the production settings on the test database,
a redis-server of our own that the test stops and starts again (never the machine's shared one),
people working in the app over HTTP.

While Redis is down, people who are signed in keep working (lists, case pages, saving a note and a
referral, each answered at once), and people can sign in; what was to be e-mailed waits in the
database. When Redis is back, the next save asks a worker to send it, and it goes out once.
"""

import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from cases.models import Note
from repat.accounts.models import User
from repat.core.cache import ResilientRedisCache
from repat.reminders.models import Reminder
from services.models import Referral, ServiceType

from .stack import PASSWORD, Gunicorn, Stack, e_mail_at_any_hour, reachable, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_file"),  # gunicorn and the worker open the test database too
    pytest.mark.xdist_group("ops"),  # with test_production.py: `collectstatic` once (conftest.py)
]

AT_ONCE = 1.0  # seconds: what "at once" means for a page or a save while Redis is down


def quickest(*responses):
    """The quickest of a few tries of the same thing: a busy machine slows one try, while a wait for
    Redis (a retry, a timeout) is in every one of them."""
    return min(responses, key=lambda response: response.seconds)


def production_passwords(*users) -> None:
    """The users were made with the test settings' fast hasher, which production does not accept."""
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=hasher.encode(PASSWORD, hasher.salt()))


@pytest.fixture
def stack(tmp_path, static_for):
    stack = Stack(tmp_path, production=True)
    static_for(tmp_path)
    web = Gunicorn(stack.env(), tmp_path / "gunicorn.log")
    stack.web = web
    try:
        yield stack
    finally:
        try:
            web.stop()
        finally:
            stack.stop()


def refer(browser, case, service: str, reason: str):
    service_type = ServiceType.objects.get(code=service)
    return browser.submit(
        f"/services/cases/{case.pk}/referrals/new/",
        "service_type",
        {"service_type": str(service_type.pk), "reason": reason, "shares_data": None},
    )


def test_with_redis_down_signed_in_people_keep_working_and_the_e_mail_goes_once_it_is_back(
    stack, worker, case, coordinator
):
    # given: a worker signed in while Redis runs, and a coordinator told of new referrals by e-mail
    reachable(coordinator)
    e_mail_at_any_hour()
    production_passwords(worker, coordinator)
    stack.redis.start()
    stack.web.start()
    browser = stack.web.browser()
    assert browser.sign_in(worker.username).status == 302
    pages = ["/", "/services/referrals/", "/reminders/", case.get_absolute_url()]
    for path in pages:
        assert browser.get(path).status == 200, path

    # when: Redis stops
    stack.redis.stop()

    # then: every page still opens at once
    for path in pages:
        tries = [browser.get(path) for _ in range(3)]
        assert [page.status for page in tries] == [200, 200, 200], path
        assert quickest(*tries).seconds < AT_ONCE, f"{path} took {quickest(*tries).seconds:.2f} s"
    assert case.returnee.family_name in browser.get(case.get_absolute_url()).text

    # and: notes are saved at once
    today = timezone.localdate().isoformat()
    summaries = ["Home visit while Redis was down.", "Phone call while Redis was down."]
    saved = [
        browser.submit(case.get_absolute_url(), "summary", {"contact_date": today, "kind": kind, "summary": summary})
        for kind, summary in zip(["home_visit", "phone_call"], summaries, strict=True)
    ]
    assert [response.status for response in saved] == [302, 302], saved[0].text[-2000:]
    assert quickest(*saved).seconds < AT_ONCE, f"saving a note took {quickest(*saved).seconds:.2f} s"
    assert sorted(Note.objects.filter(case=case).values_list("summary", flat=True)) == sorted(summaries)
    assert "The contact was logged." in browser.get(saved[-1].location).text

    # and: referrals are saved at once; the coordinator's e-mails wait in the database
    referred = [
        refer(browser, case, "individual-counselling", "Nightmares since arrival; the mother asks for help."),
        refer(browser, case, "parent-counselling", "The mother asks how to talk about the camp."),
    ]
    assert [response.status for response in referred] == [302, 302], referred[0].text[-2000:]
    assert quickest(*referred).seconds < AT_ONCE, f"saving a referral took {quickest(*referred).seconds:.2f} s"
    referrals = Referral.objects.filter(case=case)
    assert sorted(referrals.values_list("status", flat=True)) == ["submitted", "submitted"]
    reminders = Reminder.objects.filter(item_type="referral_submitted", item_id__in=referrals.values("pk"))
    assert sorted(reminders.values_list("recipient", "email_status")) == [(coordinator.pk, "pending")] * 2

    # and: the coordinator can sign in and finds the referral
    colleague = stack.web.browser()
    signed_in = colleague.sign_in(coordinator.username)
    assert (signed_in.status, signed_in.location) == (302, "/today/")
    queue = colleague.get("/services/referrals/")
    assert queue.status == 200
    assert case.returnee.case_number in queue.text

    # and: nothing failed on the server
    assert [r.status for r in browser.responses + colleague.responses if r.status >= 500] == []
    assert stack.web.errors() == []

    # when: Redis is back with a worker, and the worker saves the next referral
    stack.redis.start()
    stack.worker.start()
    again = refer(browser, case, "psychological-assessment", "Sleeps badly; the school asks for an assessment.")
    assert again.status == 302, again.text[-2000:]

    # then: the web node reached the broker again, and the three e-mails went out together, once
    wait_for(lambda: stack.worker.finished("deliver") >= 1, 30, "the delivery")
    wait_for(stack.idle, 15, "the worker to be idle")
    e_mails = stack.e_mails()
    assert [(message["To"], message["Subject"]) for message in e_mails] == [
        ("coordinator-a@example.org", "Repat: 3 reminders")
    ]
    assert set(Reminder.objects.values_list("email_status", flat=True)) == {"sent"}

    # when: the relay runs again, as beat would
    stack.publish("relay")

    # then: nothing more is sent
    wait_for(lambda: stack.worker.finished("relay") >= 2, 20, "the second relay")
    wait_for(stack.idle, 15, "the worker to be idle")
    assert stack.worker.finished("deliver") == 1
    assert len(stack.e_mails()) == 1
    assert stack.web.errors() == []


def test_a_session_signed_out_while_redis_was_down_stays_ended_when_redis_comes_back_with_old_data(stack, worker):
    # given: a worker signed in, and Redis keeping a snapshot of what it holds now
    production_passwords(worker)
    stack.redis.start()
    stack.web.start()
    browser = stack.web.browser()
    assert browser.sign_in(worker.username).status == 302
    assert browser.get("/").status == 200
    copied = dict(browser.cookies)
    stack.redis.client().save()

    # when: the worker signs out while Redis is down, and Redis comes back from its snapshot
    stack.redis.stop()
    signed_out = browser.submit("/", "/accounts/logout/", {})
    assert (signed_out.status, signed_out.location) == (302, "/accounts/login/")
    stack.redis.start()
    time.sleep(ResilientRedisCache.RETRY_AFTER + 0.5)  # every web process uses Redis again

    # then: the copied session cookie opens nothing
    other = stack.web.browser()
    other.cookies.update(copied)
    page = other.get("/")
    assert (page.status, page.location) == (302, "/accounts/login/")
