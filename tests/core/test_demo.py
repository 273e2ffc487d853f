import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from cases.models import Case, Family, Note, Operation, Returnee
from repat.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_promised_data_once(settings):
    call_command("seed_demo")

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


def test_seed_demo_refuses_under_production_settings(settings):
    settings.REPAT_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()
