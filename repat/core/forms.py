import uuid

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext_lazy


class SingleSubmitFormMixin(forms.Form):
    """Adds a one-time token so that a form posted twice (double click, reload) creates one row.

    The view (`SingleSubmitMixin`) records the token with the result in the same transaction.
    """

    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class VersionField(forms.CharField):
    """The record's last-saved time when the form was opened: a save over a newer change is refused."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, **kwargs)


class VersionedFormMixin(forms.Form):
    """An edit form that carries, hidden, the version of the record it edits as it was when opened
    (`repat.core.versions`); the view gives it (`VersionedEditMixin`) and passes it to the action."""

    def __init__(self, *args, version: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:
            self.fields["version"] = VersionField(initial=version)

    def opened_version(self) -> str | None:
        return self.cleaned_data.get("version") or None


# The date format people in Kyrgyzstan write in every language of the site (formats/en, Django's ru and
# ky), shown as the placeholder of date boxes in the reader's words.
DATE_PLACEHOLDER = pgettext_lazy("date format placeholder", "DD.MM.YYYY")


class DateInput(forms.DateInput):
    """A date typed as 25.10.2024 (an ISO date such as 2024-10-25 is accepted too), with the format
    as its placeholder in the reader's language. Not the browser's date picker: Chromium shows that
    one in the browser's own locale (mm/dd/yyyy in an English browser), whatever the page's language."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "inputmode": "decimal", **(attrs or {})}, format="%d.%m.%Y")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", str(DATE_PLACEHOLDER))
        return context


class FormRenderer(DjangoTemplates):
    """Django's form renderer, but a select is written in Python instead of through one template per
    option: the same HTML, ten times faster. Filter forms carry several selects, some with hundreds
    of options (workers, providers), on every list page."""

    SELECT = "django/forms/widgets/select.html"

    def render(self, template_name, context, request=None):
        if template_name == self.SELECT:
            return _select(context["widget"])
        return super().render(template_name, context, request=request)


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


# Django's and django-filter's label of a select's empty choice ("---------"); filters say "Any"
# (FILTERS_EMPTY_CHOICE_LABEL), forms ask the reader to choose.
DASHES = "---------"
CHOOSE = pgettext_lazy("empty choice of a select", "Choose…")


def _select(widget: dict) -> str:
    parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in options:
            parts += [format_html('<option value="{}"', option["value"]), _attrs(option["attrs"]), ">"]
            label = CHOOSE if option["label"] == DASHES and option["value"] in ("", None) else option["label"]
            parts += [conditional_escape(label), "</option>"]
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(str(part) for part in parts))  # every value above is escaped
