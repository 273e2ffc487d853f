"""The attack suite's detector of writes (helpers.domain_state): it must see any row written to a
domain table, and nothing but the columns that signing in writes. A person and a worker are enough:
the attack suite's world (built for each of its modules) is not needed here."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from cases.models import Returnee
from repat.accounts.models import User
from tests.factories import ReturneeFactory

from .helpers import changed_tables, domain_state

pytestmark = pytest.mark.django_db


def test_a_changed_row_of_a_domain_table_shows():
    # given
    returnee = ReturneeFactory()
    before = domain_state()

    # when
    Returnee.objects.filter(pk=returnee.pk).update(locality="Elsewhere")

    # then
    assert changed_tables(before, domain_state()) == ["cases.Returnee"]


def test_a_row_written_again_as_it_was_shows_too():
    """PostgreSQL's answer counts what the transaction wrote: a row written with the same values
    shows as written (which the refused requests of the suite must not do either)."""
    # given
    returnee = ReturneeFactory()
    before = domain_state()

    # when
    Returnee.objects.filter(pk=returnee.pk).update(locality=F("locality"))

    # then
    written = changed_tables(before, domain_state())
    assert written == (["cases.Returnee"] if connection.vendor == "postgresql" else [])


def test_a_sign_in_is_not_a_write_but_a_changed_name_is(worker):
    # given
    before = domain_state()

    # when
    User.objects.filter(pk=worker.pk).update(last_login=timezone.now() + datetime.timedelta(minutes=1))

    # then
    assert changed_tables(before, domain_state()) == []

    # when
    User.objects.filter(pk=worker.pk).update(first_name="Someone else")

    # then
    assert changed_tables(before, domain_state()) == ["accounts.User"]
