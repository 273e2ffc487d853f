"""Date boxes and selects as people read them: the date format they write (25.10.2024) as the
placeholder, in their language, never the browser's mm/dd/yyyy; no "---------" as a choice."""

import datetime
import uuid

import pytest
from django.urls import reverse

from cases.models import FollowUpTask

pytestmark = pytest.mark.django_db


def test_a_date_box_shows_the_local_format_not_the_browsers_picker(worker, case, client_for):
    page = client_for(worker).get(reverse("cases:task_create", args=[case.pk])).content.decode()

    assert 'type="date"' not in page
    assert 'placeholder="DD.MM.YYYY"' in page
    assert 'name="due_date"' in page


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
@pytest.mark.parametrize("typed", ["25.10.2030", "2030-10-25"])
def test_a_date_is_taken_as_people_type_it_in_every_language(language, typed, worker, case, client_for):
    worker.language = language
    worker.save(update_fields=["language"])

    response = client_for(worker).post(
        reverse("cases:task_create", args=[case.pk]),
        {
            "description": "Call the school.",
            "due_date": typed,
            "assigned_to": worker.pk,
            "form_token": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 302
    assert FollowUpTask.objects.get(case=case, description="Call the school.").due_date == datetime.date(2030, 10, 25)


def test_a_form_select_asks_to_choose_and_a_filter_select_says_any(worker, coordinator, case, client_for):
    form = client_for(worker).get(reverse("cases:task_create", args=[case.pk])).content.decode()
    queue = client_for(coordinator).get(reverse("services:queue")).content.decode()

    assert "---------" not in form and "---------" not in queue
    assert '<option value="">Choose…</option>' in form
    assert '<option value="">Any</option>' in queue or '<option value="" selected>Any</option>' in queue
