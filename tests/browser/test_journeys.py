"""One family's way through Repat, role after role, in English, Russian and Kyrgyz on a phone: a
social worker registers a mother and her son, logs a home visit on her case and asks for a service;
the coordinator refers it to a provider; the provider's staff accept, start and complete it; the
worker asks to close the case; the supervisor approves the closure, produces a progress report and
prints the case's summary.

Every step goes through the harness's checks (tests/browser/harness.py: console errors, CSP,
sideways scrolling, a tick box's squeezed label, a date cut in two, 44 px tap targets) and, on a
Russian or Kyrgyz page, the untranslated-string detector (tests/untranslated.py); its screenshot
lands in var/screenshots/journey-<language>-360/. axe judges each step in Kyrgyz only: it judges the
markup, the same in every language, and a quarter of a second a page made it a third of this test
(test_pages.py has it judge the main pages in Russian on a phone and in English on a desktop). The
desktop is left to test_pages.py, which sees every main page of every role at 1280 px. The pages are
driven by ids, names, values and links, never by English words, so the same journey runs in each
language. Each person's language is the one
saved with their account, as if they had chosen it once in the top bar.
"""

import io
import re

import pytest
from django.urls import reverse

from .harness import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("demo"),
]

PEOPLE = ("worker1", "coordinator1", "provider1", "supervisor1")
AXE_LANGUAGE = "ky"
# What people type, in the language of the run: a family per run (names no two runs share, even
# transliterated: the second would be stopped as a probable duplicate), and free text.
TYPED = {
    "en": {
        "household": "Osmonovs",
        "surname": "Osmonova",
        "mother": "Aida",
        "son": "Bakyt",
        "visit": "The family is well; the boy goes to school.",
        "reason": "The boy has nightmares since the return.",
        "brief": "A boy of eight with nightmares; the mother speaks Kyrgyz.",
        "outcome": "Eight sessions; sleeps well now.",
        "report": "The quarter in Chüy.",
    },
    "ru": {
        "household": "Токтосуновы",
        "surname": "Токтосунова",
        "mother": "Гулзат",
        "son": "Эрлан",
        "visit": "Семья в порядке, мальчик ходит в школу.",
        "reason": "У мальчика кошмары после возвращения.",
        "brief": "Мальчик восьми лет, кошмары; мать говорит по-кыргызски.",
        "outcome": "Восемь сессий, теперь спит хорошо.",
        "report": "Квартал в Чуйской области.",
    },
    "ky": {
        "household": "Жээнбековдор",
        "surname": "Жээнбекова",
        "mother": "Айпери",
        "son": "Нурсултан",
        "visit": "Үй-бүлө жакшы, бала мектепке барат.",
        "reason": "Бала кайтып келгенден бери жаман түш көрөт.",
        "brief": "Сегиз жаштагы бала, жаман түш көрөт; апасы кыргызча сүйлөйт.",
        "outcome": "Сегиз жолугушуу, азыр жакшы уктайт.",
        "report": "Чүй облусундагы чейрек.",
    },
}


class Journey:
    """The page, its checker and the problems found so far, with the moves people make."""

    def __init__(self, page, checker, login, language: str, width: int):
        self.page, self.checker, self.login = page, checker, login
        self.name = f"journey-{language}-{width}"
        self.axe = language == AXE_LANGUAGE
        self.problems: list[str] = []

    def check(self, step: str) -> None:
        self.problems += self.checker.check(self.name, step, axe=self.axe)

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()  # the previous person has gone
        self.login(username)

    def submit(self, form: str = "main form") -> None:
        """Press the form's main button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(f"{form} [type=submit].btn-primary").first.click()

    def follow(self, href: str, step: str | None = None) -> None:
        """Follow a link of the page (and check where it leads, as `step`)."""
        with self.page.expect_navigation():
            self.page.locator(f"main a[href='{href}']").first.click()
        if step:
            self.check(step)

    def menu(self, href: str, step: str) -> None:
        """Open an entry of the top bar, folded behind the menu button on a phone, and check it."""
        self.page.locator(".navbar-toggler").click()
        with self.page.expect_navigation():
            self.page.locator(f"#nav a.nav-link[href='{href}']").click()
        self.check(step)

    def success(self) -> None:
        """The page says the step was done (in whatever language)."""
        if not self.page.locator(".alert-success").count():
            said = self.page.locator(".invalid-feedback, .alert").all_inner_texts()
            pytest.fail(f"{self.name}: no success message on {self.page.url}: {said}\n" + "\n".join(self.problems))


def test_a_family_from_registration_to_a_printed_closed_case_in_each_language(demo, page, checker, login):
    """One test for the three languages: one browser, and on PostgreSQL one seeding of the demo (each
    run registers a family of its own). A check's problems are gathered and told together."""
    problems = []
    for language in ("en", "ru", "ky"):
        problems += follow_a_family(page, checker, login, language)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def follow_a_family(page, checker, login, language: str) -> list[str]:
    from openpyxl import load_workbook

    from cases.models import Case, Note, Returnee
    from repat.accounts.models import User
    from repat.approvals.models import ApprovalRequest
    from repat.reports.models import ReportExport
    from services.models import Provider, Referral, ServiceType

    from ..untranslated import stored_texts

    typed = TYPED[language]
    User.objects.filter(username__in=PEOPLE).update(language=language)
    region = User.objects.get(username="worker1").regions.get(name="Chüy Oblast")
    service = ServiceType.objects.filter(category__code="mhpss", is_active=True).order_by("pk").first()
    centre = Provider.objects.get(name="Republican Centre for Mental Health")
    checker.data = stored_texts()
    page.set_viewport_size({"width": PHONE, "height": 800})
    journey = Journey(page, checker, login, language, PHONE)

    # The social worker registers the mother and her son from the family form
    journey.sign_in("worker1")
    journey.check("worker-today")
    journey.menu(reverse("cases:caseload"), "caseload")
    journey.follow(reverse("cases:family_register"))
    page.fill("#id_new_family_name", typed["household"])
    page.select_option("#id_shared-operation", index=1)
    page.fill("#id_shared-arrival_date", "2024-02-10")
    page.select_option("#id_shared-region", str(region.pk))
    for prefix, given, sex, born in (
        ("carer", "mother", "female", "1990-03-01"),
        ("child-0", "son", "male", "2016-04-02"),
    ):
        page.fill(f"#id_{prefix}-family_name", typed["surname"])
        page.fill(f"#id_{prefix}-given_name", typed[given])
        page.select_option(f"#id_{prefix}-sex", sex)
        page.fill(f"#id_{prefix}-date_of_birth", born)
    journey.check("family-form")
    journey.submit()
    assert re.search(r"/families/\d+/$", page.url), f"{journey.name}: the family form did not save ({page.url})"
    journey.check("family")
    mother = Returnee.objects.get(given_name=typed["mother"], family_name=typed["surname"])
    case = mother.case

    # Her case: a home visit logged
    journey.follow(case.get_absolute_url(), "case")
    page.select_option("#id_kind", "home_visit")
    page.fill("#id_summary", typed["visit"])
    journey.submit("#log-visit form")
    journey.success()
    assert Note.objects.filter(case=case, summary=typed["visit"]).exists()
    journey.check("visit-logged")

    # A service asked for, and sent to the coordinators
    journey.follow(reverse("services:referral_create", args=[case.pk]))
    page.select_option("#id_service_type", str(service.pk))
    page.fill("#id_reason", typed["reason"])
    page.uncheck("#id_shares_data")  # no consent recorded: the centre gets the brief, not who she is
    journey.check("referral-form")
    journey.submit()
    journey.success()
    referral = Referral.objects.get(case=case)
    assert referral.status == Referral.Status.SUBMITTED
    journey.check("referral-requested")

    # The coordinator refers it to the mental-health centre
    journey.sign_in("coordinator1")
    journey.menu(reverse("services:queue"), "coordinator-referrals")
    journey.follow(referral.get_absolute_url(), "coordinator-referral")
    journey.follow(reverse("services:referral_step", args=[referral.pk, "assign"]))
    page.select_option("#id_provider", str(centre.pk))
    page.fill("#id_provider_brief", typed["brief"])
    journey.check("assign-form")
    journey.submit()
    journey.success()
    journey.check("assigned")

    # The centre's staff accept, start and complete the service
    journey.sign_in("provider1")
    journey.menu(reverse("services:queue"), "provider-referrals")
    journey.follow(referral.get_absolute_url())
    for action in ("accept", "start", "complete"):
        journey.follow(reverse("services:referral_step", args=[referral.pk, action]))
        if action == "complete":
            page.fill("#id_outcome", typed["outcome"])
            journey.check("complete-form")
        journey.submit()
        journey.success()
        journey.check(f"provider-{action}")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED

    # The worker asks to close the case
    journey.sign_in("worker1")
    page.goto(case.get_absolute_url())
    journey.follow(reverse("approvals:request", args=["closure", case.pk]))
    page.select_option("#id_closure_reason", index=1)
    journey.check("closure-form")
    journey.submit()
    journey.success()
    approval = ApprovalRequest.objects.get(case=case, kind="closure", status="pending")

    # The supervisor approves the closure from the queue
    journey.sign_in("supervisor1")
    journey.check("supervisor-today")
    journey.menu(reverse("approvals:queue"), "approvals")
    journey.follow(approval.get_absolute_url(), "closure-approval")
    with page.expect_navigation():
        page.click("main button[name=decision][value=approve]")
    journey.success()
    journey.check("closure-approved")
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED

    # ... produces a progress report for Chüy and downloads it
    journey.menu(reverse("reports:report_list"), "reports")
    journey.follow(reverse("reports:report_create"))
    page.select_option("#id_region", str(region.pk))
    page.fill("#id_summary", typed["report"])
    journey.check("report-form")
    journey.submit()
    page.wait_for_selector("#download-xlsx", timeout=60_000)
    journey.check("report")
    exports = ReportExport.objects.filter(user__username="supervisor1").count()
    with page.expect_download() as pdf:
        page.click("#download-pdf")
    assert pdf.value.path().read_bytes()[:4] == b"%PDF"
    with page.expect_download() as xlsx:
        page.click("#download-xlsx")
    assert load_workbook(io.BytesIO(xlsx.value.path().read_bytes())).sheetnames
    assert ReportExport.objects.filter(user__username="supervisor1").count() == exports + 2

    # ... and prints the closed case's summary
    page.goto(case.get_absolute_url())
    journey.check("closed-case")
    with page.expect_navigation():
        page.click("#summary-link")
    journey.check("case-summary")
    with page.expect_download() as summary:
        page.click(f"main a[href='{reverse('cases:case_summary_pdf', args=[case.pk])}']")
    assert summary.value.path().read_bytes()[:4] == b"%PDF"

    return journey.problems
