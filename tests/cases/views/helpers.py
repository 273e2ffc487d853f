"""What the tests of the civil-status and plan pages share: their URLs and a valid POST for each form."""

import datetime
import re
import uuid

from django.urls import reverse
from django.utils import timezone


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def token() -> str:
    return str(uuid.uuid4())


def urls(t) -> dict[str, str]:
    r, c = t.returnee.pk, t.case.pk
    return {
        "document_create": reverse("cases:document_create", args=[r]),
        "document_update": reverse("cases:document_update", args=[t.document.pk]),
        "document_transition": reverse("cases:document_transition", args=[t.document.pk]),
        "consent_create": reverse("cases:consent_create", args=[r]),
        "consent_withdraw": reverse("cases:consent_withdraw", args=[t.consent.pk]),
        "kinship_create": reverse("cases:kinship_create", args=[r]),
        "kinship_result": reverse("cases:kinship_result", args=[t.test.pk]),
        "care_create": reverse("cases:care_create", args=[r]),
        "assessment_create": reverse("cases:assessment_create", args=[c]),
        "assessment_update": reverse("cases:assessment_update", args=[t.assessment.pk]),
        "plan": reverse("cases:plan", args=[c]),
        "plan_detail": reverse("cases:plan_detail", args=[t.plan.pk]),
        "goal_create": reverse("cases:goal_create", args=[t.plan.pk]),
        "goal_update": reverse("cases:goal_update", args=[t.goal.pk]),
        "goal_progress": reverse("cases:goal_progress", args=[t.goal.pk]),
        "attachment_download": reverse("cases:attachment_download", args=[t.attachment.pk]),
    }


WRITE_PAGES = (
    "document_create",
    "document_update",
    "document_transition",
    "consent_create",
    "consent_withdraw",
    "kinship_create",
    "kinship_result",
    "care_create",
    "assessment_create",
    "assessment_update",
    "goal_create",
    "goal_update",
    "goal_progress",
)


def post_data(t) -> dict[str, dict]:
    """A valid POST for each form page: a refusal can only come from the permission check."""
    today = timezone.localdate().isoformat()
    return {
        "document_create": {"kind": "passport", "status": "missing", "form_token": token()},
        "document_update": {"kind": "birth_certificate", "number": "I-АН 123456", "form_token": token()},
        "document_transition": {"status": "in_progress", "on": today},
        "consent_create": {
            "purpose": "photos",
            "giver": f"member:{t.mother.pk}",
            "given_on": today,
            "form_token": token(),
        },
        "consent_withdraw": {"on": today, "reason": "Changed her mind."},
        "kinship_create": {
            "relative": t.mother.pk,
            "claimed_relationship": "mother",
            "laboratory": "Republican forensic laboratory",
            "sample_date": today,
            "consent": t.consent.pk,
            "form_token": token(),
        },
        "kinship_result": {"result": "no_match", "reported_on": today},
        "care_create": {
            "kind": "mother",
            "caregiver_name": "Гулнара Тестова",
            "placement_date": today,
            "form_token": token(),
        },
        "assessment_create": {"kind": "medical", "status": "completed", "assessed_on": today, "form_token": token()},
        "assessment_update": {
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": today,
            "score": "12",
            "form_token": token(),
        },
        "goal_create": {"domain": "health", "goal": "Vaccinations", "status": "not_started", "form_token": token()},
        "goal_update": {"domain": "education", "goal": "Enrol", "status": "in_progress", "form_token": token()},
        "goal_progress": {"written_on": today, "text": "Attends school.", "form_token": token()},
    }


def field_error_html(response, field: str, message: str) -> bool:
    """Crispy renders a field's error right under it, with an id naming the field."""
    pattern = rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>{re.escape(message)}</strong>'
    return re.search(pattern, response.content.decode()) is not None
