import uuid

from django import forms


class SingleSubmitFormMixin(forms.Form):
    """Adds a one-time token so that a form posted twice (double click, reload) creates one row.

    The view (`SingleSubmitMixin`) records the token with the result in the same transaction.
    """

    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class DateInput(forms.DateInput):
    """A browser date picker; the value travels as ISO 8601 whatever the display language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
