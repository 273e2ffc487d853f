import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from cases.consent import with_problems
from cases.models import Case, ConsentRecord, Family, Note, Operation, Returnee
from repat.accounts.models import User
from services.models import Provider, Referral

pytestmark = [
    pytest.mark.django_db,
    # One process of a parallel run takes the module: the demo data is made once (`demo`).
    pytest.mark.xdist_group("demo"),
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """`seed_demo` once for the tests that read what it made (it takes many seconds), in a transaction
    rolled back when the module is done; each test still runs in a savepoint of its own."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo")
        yield
        transaction.set_rollback(True)


# First in the module: it needs the database as it is before `demo` makes the data.
def test_seed_demo_refuses_under_production_settings(settings):
    settings.REPAT_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_the_promised_data_once(demo):
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


def test_seed_demo_consents_point_at_records_and_referrals_carry_only_what_they_may(demo):
    # given: the demo data (seed_demo)
    # then: consents name a provider or a category, and a giver on record
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
