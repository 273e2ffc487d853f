"""What the cases forms share: crispy helpers for forms rendered inside a page's own <form> tag
(also used by the services app's forms)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout


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
