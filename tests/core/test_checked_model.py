"""`CheckedModel` (repat/core/models.py): a model's check constraints are validated in one query, with
the errors Django's one-query-each validation gives."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from cases.models import ConsentRecord
from tests.factories import ReturneeFactory

pytestmark = pytest.mark.django_db


def consent(**fields) -> ConsentRecord:
    values = {"purpose": "data_sharing", "given_by": "self", "given_on": datetime.date(2024, 5, 1), **fields}
    return ConsentRecord(returnee=ReturneeFactory(), **values)


def errors_of(validate) -> dict:
    try:
        validate()
    except ValidationError as error:
        return error.message_dict
    return {}


def djangos(record, **options) -> dict:
    """What Django's own validation says (one query per constraint)."""
    return errors_of(lambda: models.Model.validate_constraints(record, **options))


@pytest.mark.parametrize(
    "fields",
    [
        {},  # no recipient named
        {"shared_with": "A school", "expires_on": datetime.date(2024, 4, 1)},  # expires before it was given
        {"expires_on": datetime.date(2024, 4, 1)},  # both
        {"shared_with": "A school", "expires_on": datetime.date(2025, 4, 1)},  # none
    ],
)
def test_the_errors_are_djangos_in_its_order(fields):
    record = consent(**fields)

    assert errors_of(record.validate_constraints) == djangos(record)


def test_four_constraints_take_one_query():
    record = consent(shared_with="A school")

    with CaptureQueriesContext(connection) as ours:
        record.validate_constraints()
    with CaptureQueriesContext(connection) as theirs:
        models.Model.validate_constraints(record)

    def checks(queries):
        return [q for q in queries if "COALESCE" in q["sql"]]

    assert (len(checks(ours)), len(checks(theirs))) == (1, 4)
    assert len(ours) == 3 and len(theirs) == 12  # each inside a savepoint, in the test's transaction


def test_a_constraint_on_an_excluded_field_is_left_out_as_django_leaves_it():
    record = consent(expires_on=datetime.date(2024, 4, 1))
    excluded = {"exclude": {"expires_on", "shared_with"}}

    assert errors_of(lambda: record.validate_constraints(**excluded)) == djangos(record, **excluded)
    assert "Consent cannot expire before it was given." not in str(djangos(record, **excluded))


def test_when_the_query_fails_each_constraint_is_asked_alone():
    record = consent(expires_on=datetime.date(2024, 4, 1))
    expected = djangos(record)
    original = SQLCompiler.execute_sql
    failed = []

    def first_fails(self, *args, **kwargs):
        if not failed and "_check_0" in self.query.annotations:
            failed.append(True)
            raise DatabaseError("the batch failed")
        return original(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "execute_sql", first_fails):
        assert errors_of(record.validate_constraints) == expected
    assert failed
