from contextlib import nullcontext

from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class CheckedModel(models.Model):
    """A model whose validation (`full_clean`, a model form's) asks the database about all its check
    constraints in one query. Django asks once per CheckConstraint, each time inside a savepoint of
    its own when a transaction is open, as every action's is: three statements a constraint, twelve
    for a consent record's four. The errors, their order and their messages stay Django's; should
    the query fail, each constraint is asked alone, as Django would (`Q.check`). For the models with
    more than one check constraint (with one, Django's single query is the same)."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        constraints = self.get_constraints()
        verdicts = {}
        for model_class, model_constraints in constraints:
            verdicts.update(_check_verdicts(self, model_class, model_constraints, exclude, using))
        errors = {}
        for model_class, model_constraints in constraints:
            for constraint in model_constraints:
                try:
                    if constraint.name not in verdicts:
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                    elif not verdicts[constraint.name]:
                        message = constraint.get_violation_error_message()
                        raise ValidationError(message, code=constraint.violation_error_code)
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _check_verdicts(instance, model_class, constraints, exclude, using) -> dict:
    """{check constraint's name: whether the instance passes it} in one query: `SELECT COALESCE(<condition>,
    true), ...` over the instance's values, as `Q.check` asks each (a condition the database cannot
    decide, NULL, passes). A constraint on an excluded field is left out, as Django leaves it."""
    checks = [c for c in constraints if type(c) is models.CheckConstraint]
    if not checks:
        return {}
    query = Query(None)
    for name, value in instance._get_field_expression_map(meta=model_class._meta, exclude=exclude).items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    asked = []
    for number, constraint in enumerate(checks):
        condition = Coalesce(Q(constraint.condition), True, output_field=BooleanField())
        try:
            query.add_annotation(condition, f"_check_{number}")
        except FieldError:  # it names a field left out of the validation
            continue
        asked.append(constraint)
    if not asked:
        return {}
    connection = connections[using]
    try:
        with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError:
        return {}  # each asked alone, as Django asks them, which logs the error
    return {constraint.name: bool(passed) for constraint, passed in zip(asked, row, strict=True)}


class Sequence(models.Model):
    """A named counter for readable numbers (case numbers). Incremented under a row lock."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class Lease(models.Model):
    """A named lease (repat/core/locks.py). A periodic job runs only while it holds its lease, so
    two beats (or a slow run and the next one) never overlap; a crashed holder's lease expires."""

    name = models.CharField(max_length=50, primary_key=True)
    held_until = models.DateTimeField()
    holder = models.CharField(max_length=100, blank=True)

    class Meta:
        # The table the reminders app created when the sweep was the only holder: the model moved
        # to the platform without moving its rows (core 0002, reminders 0006).
        db_table = "reminders_sweeplock"
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """A form token already used: a second POST of the same form goes to the first result."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    redirect_to = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.token)


class LocalizedNameMixin(models.Model):
    """Reference data named in the three product languages, edited by administrators."""

    name = models.CharField(_("name"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return getattr(self, f"name_{(get_language() or 'en')[:2]}", "") or self.name
