"""Stored and reflected XSS: a script payload in every free-text field a user can fill (names and
other spellings, notes, findings, goals, reasons, comments, narratives, provider and user names),
written through the actions, then every page that shows them, full pages and htmx fragments. The
payload must come back escaped, never as markup."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from cases import actions as case_actions
from repat.approvals import actions as approval_actions
from services import actions as service_actions

from .conftest import module_world
from .helpers import compute_dashboards
from .routes import BY_LABEL, returnee_form, token
from .world import build_world

pytestmark = pytest.mark.django_db

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "onerror=alert(1)>")


def dirty(label: str) -> str:
    return f"{label} {PAYLOAD}"


def build_xss_world():
    world = build_world(text=dirty)
    for side in world.sides:
        service_actions.referral_transition(
            actor=side.provider_user,
            referral=side.referral,
            action="accept",
            expected_status="assigned",
            comment=dirty("accepted"),
        )
        service_actions.referral_consent_override(actor=side.supervisor, referral=side.submitted, reason=dirty("why"))
        approval_actions.approval_decide(
            actor=side.supervisor, approval=side.approval, approve=False, comment=dirty("returned")
        )
    case_actions.emergency_access_open(
        actor=world.chuy.colleague, case_number=world.osh.returnee.case_number, reason=dirty("An emergency tonight.")
    )
    return world


world = module_world(build_xss_world)


def url_of(label, side=None):
    route = BY_LABEL[label]
    return route.url(side) if route.target else reverse(route.name)


# Every page that shows what users wrote: (page, role reading it, the texts it must show, escaped).
# The users' own names hold the payload too, so every page carries it in its menu: the texts
# listed here prove that the page's own content went through the same escaping.
PAGES = [
    ("cases:caseload", "worker", ["Aisha", "Chuyova Aisha"]),
    ("cases:caseload", "coordinator", ["Aisha", "Chuyworker"]),
    (
        "cases:case_detail",
        "worker",
        ["Home visit summary.", "Contact with a recruiter in the camp.", "Call the school."],
    ),
    ("cases:case_detail", "supervisor", ["Nightmares since arrival.", "Enrol in grade 3", "Chuyov family", "why"]),
    ("cases:case_update", "coordinator", ["Contact with a recruiter in the camp.", "Chuycolleague"]),
    (
        "cases:returnee_detail",
        "worker",
        ["special needs", "issuing body", "Gulnara, the mother", "Kalyipa, the grandmother"],
    ),
    ("cases:returnee_update", "worker", ["Chuyova Aisha", "departure place", "place of birth", "locality"]),
    ("cases:family_detail", "worker", ["Chuyov family", "Gulnara, the mother", "family member notes"]),
    ("cases:document_update", "worker", ["document notes", "responsible organisation"]),
    ("cases:kinship_create", "worker", ["Gulnara, the mother"]),
    ("cases:kinship_result", "worker", ["Aisha"]),
    ("cases:consent_withdraw", "worker", ["Aisha"]),
    ("cases:assessment_update", "worker", ["Nightmares since arrival.", "Counselling twice a week.", "assessor"]),
    ("cases:plan_detail", "worker", ["Enrol in grade 3", "Meet the head teacher.", "School No. 5", "Went to school."]),
    ("cases:goal_create", "worker", ["Aisha"]),
    ("cases:goal_update", "worker", ["Enrol in grade 3", "Meet the head teacher."]),
    ("cases:goal_progress", "worker", ["Aisha"]),
    ("cases:transfer_create", "worker", ["Chuycolleague"]),
    ("cases:task_create", "worker", ["Chuycolleague", "Chuycoordinator"]),
    ("cases:transfers", "colleague", ["Caseload balance.", "Chuyworker"]),
    ("cases:transfers", "worker", ["Chuycolleague"]),
    ("cases:restricted_section", "worker", ["security notes"]),
    ("cases:returnee_register", "coordinator", ["Chuyov family", "Chuyworker"]),
    # The family picker names the members: their given names come back escaped in its labels.
    ("cases:family_register", "coordinator", ["Chuyov family", "Aisha", "Chuyworker"]),
    ("cases:family_register_into", "worker", ["Chuyov family", "Aisha"]),
    ("services:queue", "coordinator", ["Chuyova Aisha", "Chuy Family Centre"]),
    ("services:queue", "provider_user", ["Chuyova Aisha"]),
    (
        "services:referral_detail",
        "worker",
        ["Nightmares; the grandmother asks for help.", "provider contact", "accepted"],
    ),
    (
        "services:referral_detail",
        "provider_user",
        ["Nightmares; the grandmother asks for help.", "assignment comment", "provider brief"],
    ),
    (
        "services:referral_step/cancel",
        "coordinator",
        ["Nightmares; the grandmother asks for help.", "Enrol in grade 3"],
    ),
    ("services:referral_step/assign", "coordinator", ["Second referral.", "Chuy Family Centre", "why"]),
    ("services:referral_create", "worker", ["Enrol in grade 3"]),
    ("services:providers", "coordinator", ["Chuy Family Centre"]),
    ("services:consent_overrides", "supervisor", ["why"]),
    ("approvals:queue", "supervisor", ["Chuyworker"]),
    ("approvals:detail", "supervisor", ["approval comment", "returned"]),
    ("approvals:detail", "worker", ["approval comment", "returned"]),
    ("approvals:request/assessment", "worker", ["Aisha"]),
    ("approvals:request/plan", "worker", ["Aisha"]),
    ("reminders:list", "worker", []),
    ("reminders:list", "supervisor", []),
    ("reminders:escalations", "coordinator", []),
    ("reports:report_list", "supervisor", []),
    ("reports:report_detail", "supervisor", ["report summary", "report achievements", "report next steps"]),
    ("reports:report_create", "supervisor", []),
    ("cases:emergency_access", "colleague", []),
]


def check(page: str, texts=()) -> None:
    for raw in RAW:
        assert raw not in page
    for text in texts:
        assert escape(dirty(text)) in page, text


@pytest.mark.parametrize(("label", "role", "texts"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_pages_escape_what_users_wrote(label, role, texts, world, client_for):
    response = client_for(world.user(role)).get(url_of(label, world.chuy))
    assert response.status_code == 200
    check(response.content.decode(), texts)


@pytest.mark.parametrize(
    ("label", "texts"),
    [
        ("cases:case_detail", ["An emergency tonight.", "Home visit summary."]),
        ("cases:returnee_detail", ["special needs"]),
        ("cases:plan_detail", ["Enrol in grade 3"]),
    ],
)
def test_a_case_opened_in_an_emergency_shows_the_reason_escaped(label, texts, world, client_for):
    response = client_for(world.chuy.colleague).get(url_of(label, world.osh))
    assert response.status_code == 200
    check(response.content.decode(), texts)


def test_the_timeline_shows_every_change_escaped(world, client_for):
    page = client_for(world.chuy.worker).get(world.chuy.case.get_absolute_url()).content.decode()
    timeline = page[page.index('<ol class="timeline">') :]
    # the note, the opening risk reason, the family joined, a referral's comment, who gave a consent,
    # the override's reason: as the events recorded them
    check(
        timeline,
        ["Home visit summary.", "Chuyov family", "assignment comment", "accepted", "Gulnara, the mother", "why"],
    )


@pytest.mark.parametrize("role", ["worker", "coordinator", "administrator"])
def test_the_caseload_fragment_for_htmx_escapes_names(role, world, client_for):
    response = client_for(world.user(role)).get(reverse("cases:caseload"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page  # the fragment, not the page
    check(page, ["Chuyova Aisha", "Chuyworker"])


@pytest.mark.parametrize("hx", [False, True])
def test_search_reflects_the_query_escaped(hx, world, client_for):
    headers = {"HTTP_HX_REQUEST": "true"} if hx else {}
    response = client_for(world.chuy.worker).get(reverse("cases:caseload"), {"q": PAYLOAD}, follow=True, **headers)
    assert response.status_code == 200
    page = response.content.decode()
    check(page)
    if not hx:
        assert f'value="{escape(PAYLOAD)}"' in page  # back in the search box, as text


def test_search_by_a_name_holding_markup_finds_it_and_escapes_it(world, client_for):
    response = client_for(world.chuy.worker).post(reverse("cases:caseload"), {"q": "alert(1)"}, follow=True)
    page = response.content.decode()
    assert world.chuy.returnee.case_number in page
    check(page, ["Aisha"])


@pytest.mark.parametrize("hx", [False, True])
def test_the_report_page_and_its_progress_fragment_escape_the_narrative(hx, world, client_for):
    headers = {"HTTP_HX_REQUEST": "true"} if hx else {}
    response = client_for(world.chuy.supervisor).get(world.chuy.report.get_absolute_url(), **headers)
    assert response.status_code == 200
    check(response.content.decode(), [] if hx else ["report summary", "report challenges"])


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "administrator"])
def test_dashboard_figures_carry_names_as_json_never_as_markup(role, world, client_for):
    client = client_for(world.user(role))
    client.get(reverse("reports:dashboard"))
    compute_dashboards()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse("reports:dashboard"), **headers)
        assert response.status_code == 200
        page = response.content.decode()
        check(page)
        assert "alert(1)" in page  # the workers' names are there, as data


def test_a_flash_message_naming_a_returnee_is_escaped(world, client_for):
    side = world.chuy
    data = returnee_form(
        side,
        given_name=dirty("Asel"),
        new_family_name=dirty("Nurlanovs"),
        relationship="child",
        risk_level="medium",
        form_token=token(),
    )
    response = client_for(side.worker).post(reverse("cases:returnee_register"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "was registered" in page
    check(page, ["Asel"])
    assert f"{escape(dirty('Asel'))} " in page.split('role="alert"')[1]  # the message itself


def test_form_errors_echo_input_escaped(world, client_for):
    side = world.chuy
    data = returnee_form(side, given_name=PAYLOAD, sex=PAYLOAD, region=PAYLOAD, form_token=token())
    response = client_for(side.worker).post(reverse("cases:returnee_register"), data)
    assert response.status_code == 200
    page = response.content.decode()
    check(page)
    assert f'value="{escape(PAYLOAD)}"' in page  # the given name, back in its field as text


def test_a_user_name_typed_at_the_login_page_is_escaped_in_the_audit_trail(world, client, client_for):
    # given: a stranger tries to sign in with markup for a user name (the trail keeps what was typed)
    client.post(reverse("accounts:login"), {"username": dirty("intruder"), "password": "wrong"})
    client.logout()

    # when
    page = client_for(world.administrator).get(reverse("audit:search")).content.decode()

    # then
    check(page, ["intruder"])


def test_downloads_keep_a_hostile_file_name_out_of_the_headers(world, client_for):
    response = client_for(world.chuy.worker).get(world.chuy.attachment.get_absolute_url())
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\n" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
