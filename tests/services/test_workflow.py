"""The referral workflow has one table, `Referral.TRANSITIONS`: the action, the pages' buttons and
titles, the step's form and who may take it all read it, so none of them can list a step the
others do not know."""

import ast
from functools import cached_property
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from repat.accounts.models import User
from services import actions, permissions
from services.forms import TransitionForm
from services.models import Referral, Step
from tests.factories import UserFactory

from .factories import ProviderFactory, ReferralFactory

ROOT = Path(__file__).resolve().parents[2]
STATUSES = set(Referral.Status.values)


def test_every_step_leaves_from_and_leads_to_real_statuses():
    for action, step in Referral.TRANSITIONS.items():
        assert isinstance(step, Step), action
        assert step.sources and set(step.sources) <= STATUSES, action
        assert step.target is None or step.target in STATUSES, action
        assert step.target not in step.sources, action


def test_every_step_has_a_label_a_form_and_someone_who_may_take_it():
    form_fields = set(TransitionForm.base_fields)
    for action, step in Referral.TRANSITIONS.items():
        assert str(step.label).strip(), action
        assert step.fields and set(step.fields) <= form_fields, action
        assert isinstance(getattr(permissions.Standing, step.who, None), cached_property), action


def test_the_form_asks_what_the_table_says_in_that_order():
    for action, step in Referral.TRANSITIONS.items():
        form = TransitionForm(action=action)
        assert list(form.fields) == [*step.fields, "expected_status"], action


def test_only_declining_cancelling_and_revoking_close_with_a_reason():
    closing = {action for action, step in Referral.TRANSITIONS.items() if step.closing}

    assert closing == {"decline", "cancel", "revoke"}
    assert all("reason" in Referral.TRANSITIONS[action].fields for action in closing)


def test_the_status_sets_say_what_they_name():
    status = Referral.Status
    assert set(Referral.OPEN) == STATUSES - {status.COMPLETED, status.CANCELLED, status.REVOKED}
    assert set(Referral.SENT) == set(Referral.OPEN) - {status.DRAFT}
    # In a provider's hands: the open statuses that name a provider (the model's constraint).
    assert set(Referral.WITH_PROVIDER) == {status.ASSIGNED, status.ACCEPTED, status.IN_PROGRESS}
    assert set(Referral.WAITING_FOR_PROVIDER) == set(Referral.TRANSITIONS["assign"].sources)
    # A deadline runs only while the provider has the referral.
    assert {s for statuses in Referral.DEADLINES.values() for s in statuses} == set(Referral.WITH_PROVIDER)
    assert set(Referral.WITH_PROVIDER) <= set(Referral.SHOWN_TO_PROVIDER)
    assert status.SUBMITTED not in Referral.SHOWN_TO_PROVIDER and status.DRAFT not in Referral.SHOWN_TO_PROVIDER


def test_the_database_constraints_hold_the_same_sets():
    # Meta cannot name the class's sets, so its constraints list the statuses: they must not drift.
    def statuses(name: str) -> set[str]:
        constraint = next(c for c in Referral._meta.constraints if c.name == name)
        negated, _other = constraint.condition.children
        ((_lookup, values),) = negated.children
        return set(values)

    assert statuses("referral_closing_has_reason") == set(Referral.WITH_CLOSING_REASON)
    assert statuses("referral_assigned_has_provider") == {*Referral.WITH_PROVIDER, Referral.Status.COMPLETED}


def test_the_consent_override_is_a_step_but_not_a_transition(db):
    # It changes no status: referral_consent_override records it.
    assert Referral.TRANSITIONS["override"].target is None

    with pytest.raises(ValidationError) as error:
        actions.referral_transition(
            actor=UserFactory(role=User.Role.ADMINISTRATOR),
            referral=ReferralFactory(),
            action="override",
            expected_status="submitted",
        )

    assert error.value.messages == ["Unknown action."]


@pytest.mark.django_db
@pytest.mark.parametrize("status", Referral.Status.values)
def test_an_administrator_is_offered_every_step_the_table_allows_from_the_status(status, chuy):
    # Given an administrator (who may be anyone the workflow asks for) and a referral in the status
    administrator = UserFactory(role=User.Role.ADMINISTRATOR)
    provider = ProviderFactory(regions=[chuy])
    extra = {"provider": provider} if status in ("assigned", "accepted", "in_progress", "completed") else {}
    if status == "completed":
        extra["completed_on"] = "2026-01-01"
    if status in Referral.WITH_CLOSING_REASON:
        extra["closing_reason"] = "No longer needed."
    referral = ReferralFactory(status=status, shares_data=True, **extra)

    # Then the page offers exactly the steps that leave from it
    expected = [action for action, step in Referral.TRANSITIONS.items() if status in step.sources]
    assert permissions.allowed_transitions(administrator, referral) == expected


def literal_tables(path: Path) -> list[int]:
    """Lines of the dicts, lists, tuples and sets that name three steps or more."""
    names = set(Referral.TRANSITIONS)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", None)
        if isinstance(node, ast.Dict | ast.List | ast.Tuple | ast.Set) and items is not None:
            named = {item.value for item in items if isinstance(item, ast.Constant) and item.value in names}
            if len(named) >= 3:
                found.append(node.lineno)
    return found


def test_no_other_module_keeps_its_own_table_of_steps():
    # Labels, form fields, permissions and targets were four tables keyed by the same names.
    names = [f"'{action}'" for action in Referral.TRANSITIONS] + [f'"{action}"' for action in Referral.TRANSITIONS]
    code = [path for path in (ROOT / "services").glob("*.py") if path.name != "models.py"]
    assert literal_tables(ROOT / "services" / "models.py")  # the scan finds the one table

    tables = [f"{path.relative_to(ROOT)}:{line}" for path in code for line in literal_tables(path)]
    tables += [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates" / "services").glob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sum(name in line for name in names) >= 3
    ]

    assert tables == []
