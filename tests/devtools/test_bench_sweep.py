"""The sweep benchmark keeps working (at a tiny N; the figures at 200,000 are in the README)."""

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case
from repat.reminders.models import Reminder
from services.models import Referral

pytestmark = pytest.mark.django_db


def test_bench_sweep_fills_the_database_and_times_two_sweeps(capsys):
    call_command("bench_sweep", items=60, yes=True)

    output = capsys.readouterr().out
    assert Case.objects.count() == 60
    assert Referral.objects.count() == 60
    assert "first sweep:" in output
    assert "second sweep (nothing new, 0 created)" in output
    found = int(output.split("due items found: ")[1].split(";")[0].replace(",", ""))
    assert found > 0
    assert Reminder.objects.count() >= found


def test_bench_sweep_refuses_without_confirmation():
    with pytest.raises(CommandError):
        call_command("bench_sweep", items=10)
    assert not Case.objects.exists()
