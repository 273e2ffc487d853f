from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case

from .models import ApprovalRequest


def _inline_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class ApprovalRequestForm(forms.Form):
    # The actions' own messages when a reason is missing, next to the field as the action would put them.
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[("", "---------"), *Case.ClosureReason.choices],
        error_messages={"required": _("Give the reason for closing the case.")},
    )
    comment = forms.CharField(
        label=_("Note for the supervisor"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != ApprovalRequest.Kind.CLOSURE:
            del self.fields["closure_reason"]
        if kind == ApprovalRequest.Kind.CONSENT_OVERRIDE:
            self.fields["comment"].label = _("Why the referral cannot wait for consent")
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = _("Give the reason for the override.")
        self.helper = _inline_helper()


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for changes"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the request: say what needs to change."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _inline_helper()
        self.helper.layout = Layout("comment")  # the decision comes from the button pressed

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what needs to change before you return the request."))
        return cleaned
