"""The assessment and plan pages: starting a plan, form errors, the case page's summary, the plan
page and its versions, and their queries."""

import re

import pytest
from django.urls import reverse

from cases import actions
from cases.models import Assessment
from tests.factories import AssessmentFactory, GoalProgressFactory, PlanGoalFactory, ReintegrationPlanFactory

from .helpers import days, field_error_html, post_data, token, urls

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [("worker", 302), ("coordinator", 302), ("administrator", 302), ("supervisor", 403), ("other_worker", 404)],
)
def test_starting_a_plan_per_role(request, case, client_for, role, status):
    response = client_for(request.getfixturevalue(role)).post(reverse("cases:plan_start", args=[case.pk]))

    assert response.status_code == status
    assert case.plans.exists() is (status == 302)
    if status == 302:
        assert response["Location"] == case.plans.get().get_absolute_url()


@pytest.mark.parametrize(
    ("role", "status", "offered"),
    [
        ("worker", 200, True),
        ("coordinator", 200, True),
        ("administrator", 200, True),
        ("supervisor", 200, False),
        ("osh_supervisor", 404, False),
    ],
)
def test_a_draft_plan_is_sent_for_approval_instead_of_made_current(request, things, client_for, role, status, offered):
    # The plan page no longer makes a draft current: writers ask a supervisor (repat.approvals).
    response = client_for(request.getfixturevalue(role)).get(urls(things)["plan_detail"])

    assert response.status_code == status
    ask = reverse("approvals:request", args=["plan", things.plan.pk])
    assert (ask in response.content.decode()) is offered
    assert "Make this the current plan" not in response.content.decode()


def test_plan_start_takes_no_get_and_plans_are_no_longer_activated_by_url(worker, things, client_for):
    client = client_for(worker)
    assert client.get(reverse("cases:plan_start", args=[things.case.pk])).status_code == 405
    assert client.post(f"/plans/{things.plan.pk}/activate/").status_code == 404
    things.plan.refresh_from_db()
    assert things.plan.status == "draft"
    assert things.case.plans.count() == 1


# --- Form errors: next to the field, nothing saved


def test_a_planned_assessment_without_due_date_shows_the_error_at_the_due_date(worker, things, client_for):
    data = post_data(things)["assessment_create"] | {"status": "planned", "assessed_on": ""}

    response = client_for(worker).post(urls(things)["assessment_create"], data)

    assert response.context["form"].errors == {"due_date": ["Give the date a planned assessment is due."]}
    assert field_error_html(response, "due_date", "Give the date a planned assessment is due.")
    assert Assessment.objects.count() == 1


def test_a_goal_cannot_cite_an_assessment_of_another_case(worker, things, other_case, client_for):
    foreign = AssessmentFactory(case=other_case)
    data = post_data(things)["goal_create"] | {"source_assessment": foreign.pk}

    response = client_for(worker).post(urls(things)["goal_create"], data)

    assert response.context["form"].errors == {
        "source_assessment": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert things.plan.goals.count() == 1


def test_a_superseded_plan_refuses_new_goals_on_its_form(worker, things, client_for):
    things.plan.status = "superseded"
    things.plan.save()
    ReintegrationPlanFactory(case=things.case, version=2, status="current")

    client = client_for(worker)
    # The form is not even offered for a superseded version, and posting to it changes nothing.
    assert client.get(urls(things)["goal_create"]).status_code == 403
    response = client.post(urls(things)["goal_create"], post_data(things)["goal_create"])

    assert response.status_code == 403
    assert things.plan.goals.count() == 1


# --- The case page


def test_case_page_shows_assessments_and_the_reintegration_summary(worker, case, client_for):
    AssessmentFactory(case=case, kind="medical", status="planned", assessed_on=None, due_date=days(-3))
    AssessmentFactory(case=case, kind="psychosocial", recommended_domains=["psychosocial", "education"])
    plan = ReintegrationPlanFactory(case=case, version=1, status="current")
    PlanGoalFactory(plan=plan, status="achieved")
    PlanGoalFactory(plan=plan, target_date=days(-1))

    page = client_for(worker).get(case.get_absolute_url()).content.decode()

    assert "Medical screening" in page
    assert f'<span class="overdue">due {days(-3):%d.%m.%Y}</span>' in page
    assert "Psychosocial, Education" in page
    assert "version 1 (Current)" in page
    assert "1 of 2 goals achieved" in page
    assert "1 goal overdue" in page
    assert "missing: Birth certificate" in page


# --- The plan page


def test_plan_page_of_a_case_without_plan_offers_to_start_one(worker, supervisor, case, client_for):
    url = reverse("cases:plan", args=[case.pk])

    page = client_for(worker).get(url).content.decode()
    assert "This case has no reintegration plan yet." in page
    assert reverse("cases:plan_start", args=[case.pk]) in page

    page = client_for(supervisor).get(url).content.decode()
    assert "This case has no reintegration plan yet." in page
    assert reverse("cases:plan_start", args=[case.pk]) not in page


def test_plan_page_goes_to_the_current_version_before_a_draft(worker, case, client_for):
    current = ReintegrationPlanFactory(case=case, version=1, status="current")
    ReintegrationPlanFactory(case=case, version=2, status="draft")

    response = client_for(worker).get(reverse("cases:plan", args=[case.pk]))

    assert response["Location"] == current.get_absolute_url()


def test_plan_page_lists_goals_by_domain(worker, things, client_for):
    PlanGoalFactory(plan=things.plan, domain="legal", goal="Birth certificate")
    PlanGoalFactory(plan=things.plan, domain="health", goal="Vaccinations")
    progress = GoalProgressFactory(goal=things.goal, author=worker, text="Placement test passed.")

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert re.findall(r'<h2 class="h5 mt-3">(.*?)</h2>', page) == ["Health", "Education", "Legal and documents"]
    education = page.split('<h2 class="h5 mt-3">Education</h2>')[1].split("<h2")[0]
    assert "Enrol in grade 3" in education
    assert progress.text in education
    assert "Vaccinations" not in education


def test_plan_page_offers_goals_for_needs_recommended_by_assessments(worker, supervisor, things, client_for):
    recommending = AssessmentFactory(case=things.case, kind="medical", recommended_domains=["education", "health"])
    AssessmentFactory(
        case=things.case,
        kind="family",
        status="planned",
        assessed_on=None,
        due_date=days(5),
        recommended_domains=["family"],
    )
    shortcut = f"{urls(things)['goal_create']}?domain=health&amp;source_assessment={recommending.pk}"

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert "Needs recommended by assessments, with no goal yet:" in page
    assert shortcut in page
    assert "domain=education" not in page  # the plan already has an education goal
    assert "domain=family" not in page  # a planned assessment recommends nothing yet
    assert shortcut not in client_for(supervisor).get(urls(things)["plan_detail"]).content.decode()

    form = client_for(worker).get(f"{urls(things)['goal_create']}?domain=health&source_assessment={recommending.pk}")
    assert form.context["form"].initial["domain"] == "health"
    assert form.context["form"].initial["source_assessment"] == str(recommending.pk)


def test_a_superseded_version_is_read_only_history(worker, things, client_for):
    things.plan.status = "superseded"
    things.plan.save()
    current = ReintegrationPlanFactory(case=things.case, version=2, status="current")

    page = client_for(worker).get(urls(things)["plan_detail"]).content.decode()

    assert "This version was superseded. It is kept as history and cannot be changed." in page
    assert urls(things)["goal_create"] not in page
    assert urls(things)["goal_update"] not in page
    assert current.get_absolute_url() in page


def test_plan_versions_through_the_pages(worker, supervisor, case, client_for):
    client = client_for(worker)
    client.post(reverse("cases:plan_start", args=[case.pk]))
    v1 = case.plans.get()

    def ask(plan):
        return client.post(reverse("approvals:request", args=["plan", plan.pk]), {"comment": ""})

    def approve(plan):
        approval = plan.approval_requests.get(status="pending")
        client_for(supervisor).post(reverse("approvals:detail", args=[approval.pk]), {"decision": "approve"})
        client_for(worker)  # the same test client: log the worker back in

    refused = ask(v1)
    assert refused.context["form"].non_field_errors() == ["Add at least one goal before making the plan current."]
    client.post(
        reverse("cases:goal_create", args=[v1.pk]),
        {"domain": "health", "goal": "Vaccinations", "status": "not_started", "form_token": token()},
    )
    assert ask(v1)["Location"] == v1.get_absolute_url()
    approve(v1)
    response = client.post(reverse("cases:plan_start", args=[case.pk]), follow=True)

    v2 = case.plans.get(version=2)
    assert "Plan version 2 was started as a draft." in response.content.decode()
    assert list(v2.goals.values_list("goal", flat=True)) == ["Vaccinations"]
    again = client.post(reverse("cases:plan_start", args=[case.pk]), follow=True)
    assert "This case already has a draft plan: finish that one first." in again.content.decode()
    ask(v2)
    approve(v2)
    assert dict(case.plans.values_list("version", "status")) == {1: "superseded", 2: "current"}


# --- Queries do not grow with rows


def test_case_page_query_count_does_not_grow_with_documents_and_assessments(
    worker, case, client_for, django_assert_max_num_queries
):
    client = client_for(worker)
    url = case.get_absolute_url()
    plan = ReintegrationPlanFactory(case=case, version=1, status="current")

    def fill(n):
        for _ in range(n):
            actions.document_add(actor=worker, returnee=case.returnee, data={"kind": "other", "due_date": days(-1)})
            actions.assessment_record(
                actor=worker, case=case, data={"kind": "medical", "status": "planned", "due_date": days(-2)}
            )
            actions.goal_add(actor=worker, plan=plan, data={"domain": "health", "goal": "Check-up"})

    fill(1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    fill(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["assessments"]) == 11


def test_plan_page_query_count_does_not_grow_with_goals(worker, case, client_for, django_assert_max_num_queries):
    client = client_for(worker)
    old = ReintegrationPlanFactory(case=case, version=1, status="superseded")
    plan = ReintegrationPlanFactory(case=case, version=2, status="current")
    url = plan.get_absolute_url()

    def fill(n):
        for i in range(n):
            assessment = AssessmentFactory(case=case, recommended_domains=["health", "livelihoods", "family"])
            domain = ["health", "education", "legal", "psychosocial"][i % 4]
            goal = PlanGoalFactory(plan=plan, domain=domain, source_assessment=assessment, target_date=days(-1))
            GoalProgressFactory.create_batch(2, goal=goal, author=worker)
            PlanGoalFactory(plan=old)

    fill(1)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    fill(10)
    ReintegrationPlanFactory(case=case, version=3, status="draft")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert sum(len(goals) for _, goals in response.context["goals_by_domain"]) == 11
