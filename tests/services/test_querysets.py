"""Open, due and overdue referrals: the querysets (the sweep, the dashboard, the queue's filter)
and `is_overdue` (the queue and the referral page) agree on the boundary days, each deadline
counting only in the statuses it runs in."""

import itertools

import pytest
from django.utils import timezone

from services.models import Referral
from tests.deadlines import assert_one_rule, boundary_days
from tests.factories import UserFactory

from .factories import ProviderFactory, ReferralFactory

pytestmark = pytest.mark.django_db

NEEDS_PROVIDER = {"assigned", "accepted", "in_progress", "completed"}


def test_referrals_accept_and_complete_deadlines(case, chuy):
    # Given referrals in every status, with every pair of accept and complete dates
    provider, requester = ProviderFactory(regions=[chuy]), UserFactory()
    referrals = [
        ReferralFactory(
            case=case,
            requested_by=requester,
            status=status,
            provider=provider if status in NEEDS_PROVIDER else None,
            completed_on=timezone.localdate() if status == "completed" else None,
            closing_reason="Not needed." if status in Referral.WITH_CLOSING_REASON else "",
            accept_due=accept_due,
            complete_due=complete_due,
        )
        for status, accept_due, complete_due in itertools.product(
            Referral.Status.values, boundary_days(), boundary_days()
        )
    ]

    # Then the querysets and the referral's own deadline agree
    assert_one_rule(
        Referral.objects.all(), referrals, is_open=lambda referral: referral.is_open, due=lambda r: r.due_date
    )
    # and each deadline counts only in its statuses
    today = timezone.localdate()
    for deadline, statuses in Referral.DEADLINES.items():
        late = Referral.objects.overdue(today, deadline=deadline)
        assert set(late.values_list("status", flat=True)) == set(statuses)
        assert all(getattr(referral, deadline) < today for referral in late)


def test_the_provider_load_counts_what_is_in_its_hands(case, chuy):
    provider = ProviderFactory(regions=[chuy])
    for status in Referral.Status.values:
        ReferralFactory(
            case=case,
            status=status,
            provider=provider,
            completed_on=timezone.localdate() if status == "completed" else None,
            closing_reason="Not needed." if status in Referral.WITH_CLOSING_REASON else "",
        )

    assert set(Referral.objects.with_provider().values_list("status", flat=True)) == set(Referral.WITH_PROVIDER)
    assert set(Referral.objects.unassigned().values_list("status", flat=True)) == {"submitted", "declined"}
    assert Referral.objects.open().count() == len(Referral.OPEN) == 6
