"""`seed_demo`: refused under production settings; otherwise made once, through the real actions, with
what the demo promises and without trying the broker (it runs inside broker.offline())."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from cases.consent import with_problems
from cases.models import Case, ConsentRecord, Family, Note, Operation, Returnee
from repat.accounts.models import User
from services.models import Provider, Referral

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_under_production_settings(settings):
    settings.REPAT_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


# One seeding (tens of seconds) for every check of what it makes, and for the browser tests: tests/conftest.py's
# `demo` seeds it once per process and watches it. The demo commits (`seed_demo` is one transaction): what
# it queues runs on that commit, which must be inside the command's broker.offline().
@pytest.mark.slow
@pytest.mark.xdist_group("demo")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_demo_creates_the_promised_data_once_and_never_tries_the_broker(demo):
    assert demo.queued_offline and all(demo.queued_offline)  # every queueing happened inside broker.offline()
    assert not [m for m in demo.warnings if "Broker unavailable" in m]
    assert_the_promised_data()
    assert_consents_point_at_records_and_referrals_carry_only_what_they_may()


def assert_the_promised_data():
    assert Operation.objects.count() == 2
    assert 55 <= Returnee.objects.count() <= 75
    assert 18 <= Family.objects.count() <= 22
    assert Returnee.objects.values("region").distinct().count() >= 3
    assert Note.objects.count() > Returnee.objects.count()
    for username in ("worker1", "worker2", "coordinator1", "supervisor1", "admin"):
        assert User.objects.get(username=username).check_password("repat-demo")
    per_worker = dict(Case.objects.values_list("worker__username").annotate(n=Count("id")))
    assert per_worker["worker1"] > 10 and per_worker["worker2"] > 10
    # worker1 and worker2 work in different regions.
    w1, w2 = User.objects.get(username="worker1"), User.objects.get(username="worker2")
    assert not set(w1.regions.all()) & set(w2.regions.all())
    assert Case.objects.follow_up_overdue().exists()

    counts = (Returnee.objects.count(), Note.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Returnee.objects.count(), Note.objects.count(), User.objects.count()) == counts


def assert_consents_point_at_records_and_referrals_carry_only_what_they_may():
    # consents name a provider or a category, and a giver on record
    sharing = ConsentRecord.objects.filter(purpose="data_sharing")
    assert sharing.filter(provider__isnull=False).exists() and sharing.filter(service_category__isnull=False).exists()
    assert not sharing.filter(provider__isnull=True, service_category__isnull=True).exists()
    assert not ConsentRecord.objects.exclude(given_by="self").filter(giver=None, guardianship=None).exists()
    assert ConsentRecord.objects.filter(given_by="member").exists()
    assert ConsentRecord.objects.filter(given_by="self").exists()
    # each referral that shares data with a provider went there with a consent that holds, or an override
    with_provider = Referral.objects.filter(shares_data=True, provider__isnull=False)
    assert with_provider.filter(consent__isnull=False).exists()
    assert not with_provider.filter(consent=None, consent_overridden_by=None).exists()
    used = list(ConsentRecord.objects.filter(pk__in=with_provider.values("consent")).select_related("returnee"))
    assert [consent.problems for consent in with_problems(used)] == [[]] * len(used)
    # and those that share nothing carry no contact, and a brief for the provider once assigned
    assert Referral.objects.filter(shares_data=False, provider__isnull=False).exists()
    assert not Referral.objects.filter(shares_data=False).exclude(provider_contact="").exists()
    assert not Referral.objects.filter(shares_data=False, provider__isnull=False, provider_brief="").exists()
    assert Provider.objects.get(name="Republican Centre for Mental Health").name_ru == (
        "Республиканский центр психического здоровья"
    )
