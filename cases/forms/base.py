"""What the cases forms share: crispy helpers for forms rendered inside a page's own <form> tag
(also used by the services app's forms)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django.utils.translation import gettext_lazy as _

from ..models import Case


def _helper(*layout) -> FormHelper:
    """Crispy helper for forms rendered inside a page's own <form> tag (several forms, one submit)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.render_hidden_fields = True  # the version of an edit form, wherever the layout ends
    if layout:
        helper.layout = Layout(*layout)
    return helper


class HelperMixin:
    """A crispy helper that renders the fields in order inside the page's own <form> tag."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


def clean_family_and_risk(form, cleaned: dict) -> dict:
    """The rules a registration form shares with the family form: one family (chosen or new), and a
    reason for a high risk."""
    if not cleaned.get("family") and not cleaned.get("new_family_name", "").strip():
        form.add_error("family", _("Choose a family or give the name of a new one."))
    if cleaned.get("family") and cleaned.get("new_family_name", "").strip():
        form.add_error("new_family_name", _("Choose an existing family or a new one, not both."))
    if cleaned.get("risk_level") == Case.Risk.HIGH and not cleaned.get("risk_reason", "").strip():
        form.add_error("risk_reason", _("Say why the risk is high."))
    return cleaned
