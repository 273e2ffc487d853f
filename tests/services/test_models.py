"""Referral model: the indexes behind every filter of the referral queue."""

import pytest
from django.db import connection

from services.models import Referral

pytestmark = pytest.mark.django_db


def test_every_queue_filter_has_an_index():
    """Every queue filter has an index whose leading columns match it (status; status with region,
    accept_due or complete_due; provider; service type, which the category filter joins through);
    region on its own uses the index Django gives every foreign key."""
    meta = Referral._meta
    indexed = {index.fields[0].lstrip("-"): index for index in meta.indexes}
    pairs = {tuple(f.lstrip("-") for f in index.fields[:2]) for index in meta.indexes}

    # status, unassigned (status in ...), and the default order within a status and region
    assert "status" in indexed
    assert ("status", "region") in pairs
    # provider and service type (category goes through the service type), each with status
    assert ("provider", "status") in pairs
    assert ("service_type", "status") in pairs
    # overdue: status = ... and due date < today, each half on its own index
    assert ("status", "accept_due") in pairs
    assert ("status", "complete_due") in pairs
    # region on its own: the foreign key's index
    for name in ("region", "provider", "service_type"):
        assert meta.get_field(name).db_index, name


def test_the_indexes_exist_in_the_database():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Referral._meta.db_table)
    columns = {tuple(c["columns"]) for c in constraints.values() if c["index"]}
    for index in Referral._meta.indexes:
        assert index.name in constraints, index.name
    for expected in [
        ("status", "region_id", "created_at"),
        ("provider_id", "status"),
        ("service_type_id", "status"),
        ("status", "accept_due"),
        ("status", "complete_due"),
        ("region_id",),
    ]:
        assert expected in columns, expected
