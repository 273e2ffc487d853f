"""The figures behind the dashboard and the reports, on small datasets whose every figure is known:
the programme indicators on a day (with the edges of each rule), the population by sex and age, the
caseload, the work due, services per provider and the monthly series."""

import datetime
import json

import pytest
from django.utils import timezone

from cases.models import CareArrangement, Case, IdentityDocument, KinshipTest
from repat.accounts.models import User
from repat.approvals.models import ApprovalRequest
from repat.reminders.models import Reminder
from repat.reports import selectors
from repat.reports.selectors import Scope
from repat.reports.suppression import Part
from services.models import Referral, ServiceCategory
from tests.factories import (
    CaseFactory,
    IdentityDocumentFactory,
    OperationFactory,
    OrganisationFactory,
    ReintegrationPlanFactory,
    ReturneeFactory,
    UserFactory,
)
from tests.services.factories import ProviderFactory, ReferralFactory

from .factories import (
    ARRIVED,
    ON,
    approved_plan,
    at,
    born_aged,
    care,
    core_documents,
    days,
    guardianship,
    kinship,
    person,
    referral,
    scope_of,
)

pytestmark = pytest.mark.django_db

GRANDPARENTS, RELATIVES, INSTITUTION = (
    CareArrangement.Kind.GRANDPARENTS,
    CareArrangement.Kind.RELATIVES,
    CareArrangement.Kind.INSTITUTION,
)


@pytest.fixture
def provider(chuy):
    return ProviderFactory(name="Ak-Bata Family Centre", regions=[chuy])


@pytest.fixture
def people(chuy, osh, supervisor, provider):
    """Ten returnees, each counted (or not) on ON for reasons given next to them. Eight are in Chüy
    and had arrived by ON; `late` arrived the day after and `osh_child` lives in Osh."""
    p = {}

    # An adult: turns 18 on ON. Documents, care and guardianship of adults are not child indicators;
    # social benefits count for everyone.
    p["turns_18"] = person(chuy, born=born_aged(18))
    core_documents(p["turns_18"])
    guardianship(p["turns_18"])
    referral(p["turns_18"], "child-allowance", "completed", provider=provider, completed=days(-30))

    # A child (18 tomorrow), school age: all core documents, with relatives since 20 days after
    # arrival, enrolled in school on ON itself.
    p["almost_18"] = person(chuy, born=born_aged(18, plus_days=1))
    core_documents(p["almost_18"])
    care(p["almost_18"], RELATIVES, placed=ARRIVED + datetime.timedelta(days=20))
    referral(p["almost_18"], "school-enrolment", "completed", provider=provider, completed=ON)

    # Six on ON (school age): the last core document is issued the day after, guardianship ordered
    # on ON with the grandparents (30 days after arrival), enrolment completed the day after.
    p["turns_6"] = person(chuy, born=born_aged(6))
    core_documents(p["turns_6"], last_issued_on=days(1))
    guardianship(p["turns_6"], order_date=ON, placed=ARRIVED + datetime.timedelta(days=30))
    referral(p["turns_6"], "school-enrolment", "completed", provider=provider, completed=days(1))

    # Six tomorrow (not school age): enrolled all the same, which the school indicator ignores; a
    # guardianship order dated the day after ON; with relatives 40 days after arrival.
    p["almost_6"] = person(chuy, born=born_aged(6, plus_days=1))
    referral(p["almost_6"], "school-enrolment", "completed", provider=provider, completed=days(-100))
    guardianship(p["almost_6"], order_date=days(1), kind=RELATIVES, placed=ARRIVED + datetime.timedelta(days=40))

    # A toddler: with the grandparents from 10 days after arrival until ON (not with relatives on
    # ON, but placed with family since arrival), in an institution from ON on.
    p["toddler"] = person(chuy, born=datetime.date(2023, 1, 1), sex="male")
    care(p["toddler"], GRANDPARENTS, placed=ARRIVED + datetime.timedelta(days=10), ended=ON)
    care(p["toddler"], INSTITUTION, placed=ON)

    # An adult woman: psychosocial support accepted on ON and another one completed (counted once),
    # a kinship match, and an approved plan.
    p["mother"] = person(chuy, born=datetime.date(1990, 4, 2))
    referral(p["mother"], "individual-counselling", "accepted", provider=provider, accepted=ON)
    referral(p["mother"], "group-counselling", "completed", provider=provider, accepted=days(-60), completed=days(-9))
    kinship(p["mother"])
    approved_plan(p["mother"], by=supervisor)

    # A teenager whose every indicator falls just short: support assigned but not accepted, or
    # accepted the day after; a pending test and a result reported the day after; a plan not
    # approved; benefits still in progress; grandparents from the day after; two birth certificates
    # and a citizenship confirmation, but the residence registration only requested.
    p["teen"] = person(chuy, born=datetime.date(2010, 9, 1), sex="male")
    referral(p["teen"], "individual-counselling", "assigned", provider=provider)
    referral(p["teen"], "trauma-care", "accepted", provider=provider, accepted=days(1))
    referral(p["teen"], "child-allowance", "in_progress", provider=provider, accepted=days(-5))
    kinship(p["teen"], result=KinshipTest.Result.PENDING)
    kinship(p["teen"], result=KinshipTest.Result.NO_MATCH, reported=days(1))
    ReintegrationPlanFactory(case=p["teen"].case, status="draft")
    care(p["teen"], GRANDPARENTS, placed=days(1))
    for kind in ("birth_certificate", "birth_certificate", "citizenship_confirmation"):
        IdentityDocumentFactory(returnee=p["teen"], kind=kind, status="issued", issued_on=days(-3))
    IdentityDocumentFactory(returnee=p["teen"], kind="residence_registration", status="requested")

    # Date of birth not known: no age indicator; benefits, and an inconclusive test reported on ON.
    p["unknown_age"] = person(chuy, born=None, sex="male")
    referral(p["unknown_age"], "child-allowance", "completed", provider=provider, completed=ON)
    kinship(p["unknown_age"], result=KinshipTest.Result.INCONCLUSIVE, reported=ON)

    # Arrived the day after ON: counted nowhere on ON.
    p["late"] = person(chuy, arrived=days(1))
    core_documents(p["late"])
    care(p["late"], RELATIVES, placed=days(-400))
    referral(p["late"], "individual-counselling", "completed", provider=provider, accepted=days(-3), completed=days(-1))

    # In Osh, with relatives 5 days after arrival and all documents: counted only over all regions.
    p["osh_child"] = person(osh, born=datetime.date(2016, 3, 3))
    core_documents(p["osh_child"])
    care(p["osh_child"], RELATIVES, placed=ARRIVED + datetime.timedelta(days=5))
    return p


CHUY_ON = {
    "returnees": 8,  # all but late and osh_child
    "children": 5,  # almost_18, turns_6, almost_6, toddler, teen
    "school_age": 3,  # almost_18, turns_6, teen
    "core_documents": 1,  # almost_18
    "guardianship": 1,  # turns_6
    "relatives": 3,  # almost_18, turns_6, almost_6
    "institution": 1,  # toddler
    "school_enrolled": 1,  # almost_18
    "psychosocial": 1,  # mother
    "approved_plan": 1,  # mother
    "benefits": 2,  # turns_18, unknown_age
    "kinship_verified": 2,  # mother, unknown_age
    "placed_with_family": 4,  # almost_18 (20 days), turns_6 (30), almost_6 (40), toddler (10)
    "median_days_to_family": 25.0,  # 10, 20, 30, 40
}


def test_every_indicator_on_a_known_dataset(people, chuy):
    assert selectors.indicators(scope_of(chuy), ON) == CHUY_ON


def test_indicators_over_all_regions_add_the_other_region(people):
    # when: an administrator's scope (no region limit)
    figures = selectors.indicators(scope_of(), ON)

    # then: osh_child counts as a school-age child with documents, with relatives; the median of
    # 5, 10, 20, 30 and 40
    changed = {"returnees": 9, "children": 6, "school_age": 4, "core_documents": 2, "relatives": 4}
    changed["placed_with_family"] = 5
    assert figures == {**CHUY_ON, **changed, "median_days_to_family": 20.0}


def test_scope_regions_exclude_a_region_even_when_it_is_filtered_on(people, chuy, osh):
    figures = selectors.indicators(Scope(regions=(chuy.pk,), start=ON, end=ON, region=osh.pk), ON)
    assert figures["returnees"] == 0
    assert figures["median_days_to_family"] is None


def test_region_filter_within_all_regions(people, osh):
    figures = selectors.indicators(scope_of(region=osh.pk), ON)
    assert (figures["returnees"], figures["children"], figures["relatives"]) == (1, 1, 1)
    assert figures["median_days_to_family"] == 5.0


def test_a_day_later_the_edges_move(people, chuy):
    """The day after ON, what was dated the day after counts, and who turned 18 tomorrow is 18."""
    figures = selectors.indicators(scope_of(chuy, end=days(1)), days(1))
    assert figures["returnees"] == 9  # late has arrived
    assert figures["children"] == 5  # almost_18 is 18, late is a child
    assert figures["school_age"] == 4  # almost_18 out, almost_6 and late in
    assert figures["core_documents"] == 2  # turns_6's last document, late (almost_18 is 18)
    assert figures["guardianship"] == 2  # almost_6's order
    assert figures["school_enrolled"] == 2  # turns_6 enrolled, almost_6 now six (almost_18 now 18)
    assert figures["psychosocial"] == 3  # teen accepted, late
    assert figures["kinship_verified"] == 3  # teen's no-match result counts as verified
    assert figures["relatives"] == 4  # teen with grandparents, late; almost_18 is an adult now
    assert figures["placed_with_family"] == 5  # almost_6, turns_6, toddler, teen (1 day old), late


def test_operation_filter(people, chuy):
    # given: the mother and the teenager came with another operation
    other = OperationFactory(name="Second operation", arrival_date=ARRIVED)
    for key in ("mother", "teen"):
        people[key].operation = other
        people[key].save()

    # when
    figures = selectors.indicators(scope_of(chuy, operation=other.pk), ON)

    # then
    assert (figures["returnees"], figures["children"], figures["psychosocial"], figures["kinship_verified"]) == (
        2,
        1,
        1,
        1,
    )


def test_organisation_filter_counts_the_cases_of_its_workers(people, chuy):
    # given: the toddler's and the mother's cases are held by workers of one NGO
    ngo = OrganisationFactory(name="Umut NGO")
    ngo_worker = UserFactory(organisation=ngo, regions=[chuy])
    for key in ("toddler", "mother"):
        Case.objects.filter(returnee=people[key]).update(worker=ngo_worker)

    # when
    figures = selectors.indicators(scope_of(chuy, organisation=ngo.pk), ON)

    # then
    assert (figures["returnees"], figures["children"], figures["institution"], figures["approved_plan"]) == (2, 1, 1, 1)
    assert figures["median_days_to_family"] == 10.0


def test_median_of_an_odd_count_is_the_middle_one(chuy):
    for after in (3, 50, 7):
        care(person(chuy, born=datetime.date(2019, 1, 1)), RELATIVES, placed=ARRIVED + datetime.timedelta(days=after))
    assert selectors.indicators(scope_of(chuy), ON)["median_days_to_family"] == 7.0


def test_median_counts_the_first_family_placement_only(chuy):
    # given: with the grandparents 8 days after arrival, then an institution, then relatives
    child = person(chuy, born=datetime.date(2019, 1, 1))
    care(child, GRANDPARENTS, placed=ARRIVED + datetime.timedelta(days=8), ended=datetime.date(2023, 6, 1))
    care(child, INSTITUTION, placed=datetime.date(2023, 6, 1), ended=datetime.date(2024, 1, 1))
    care(child, RELATIVES, placed=datetime.date(2024, 1, 1))

    # when
    figures = selectors.indicators(scope_of(chuy), ON)

    # then
    assert (figures["placed_with_family"], figures["median_days_to_family"]) == (1, 8.0)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(chuy):
    for after in (1, 4, 5, 100):
        care(
            person(chuy, born=datetime.date(2019, 1, 1)), GRANDPARENTS, placed=ARRIVED + datetime.timedelta(days=after)
        )
    assert selectors.indicators(scope_of(chuy), ON)["median_days_to_family"] == 4.5


def test_median_is_none_without_placements(chuy):
    person(chuy)
    care(person(chuy, born=datetime.date(2019, 1, 1)), INSTITUTION)
    figures = selectors.indicators(scope_of(chuy), ON)
    assert (figures["returnees"], figures["placed_with_family"], figures["median_days_to_family"]) == (2, 0, None)


def test_indicators_of_nobody_are_zero(chuy):
    figures = selectors.indicators(scope_of(chuy), ON)
    assert figures == dict.fromkeys(CHUY_ON, 0) | {"median_days_to_family": None}


def test_indicators_take_one_query_and_one_for_the_median(people, chuy, django_assert_num_queries):
    with django_assert_num_queries(2):
        selectors.indicators(scope_of(chuy), ON)


def test_an_indicator_condition_filters_the_returnees_it_counts(people):
    conditions = selectors.indicator_conditions(ON)
    names = {returnee.pk: key for key, returnee in people.items()}
    returnees = selectors.returnees_in(scope_of(), ON)
    relatives = {names[pk] for pk in returnees.filter(conditions["relatives"]).values_list("pk", flat=True)}
    assert relatives == {"almost_18", "turns_6", "almost_6", "osh_child"}
    assert tuple(conditions) == selectors.INDICATOR_KEYS


def test_documents_refused_or_of_other_kinds_do_not_complete_the_set(chuy):
    # given: passports and a national ID instead of the residence registration, and a refused one
    child = person(chuy, born=datetime.date(2014, 1, 1))
    for kind in ("birth_certificate", "citizenship_confirmation", "passport", "national_id"):
        IdentityDocumentFactory(returnee=child, kind=kind, status="issued", issued_on=datetime.date(2024, 1, 1))
    IdentityDocumentFactory(
        returnee=child,
        kind=IdentityDocument.Kind.RESIDENCE_REGISTRATION,
        status="refused",
        refusal_reason="No address.",
    )
    assert selectors.indicators(scope_of(chuy), ON)["core_documents"] == 0


def test_guardianship_order_without_a_date_counts(chuy):
    guardianship(person(chuy, born=datetime.date(2014, 1, 1)), order_date=None)
    assert selectors.indicators(scope_of(chuy), ON)["guardianship"] == 1


def test_referrals_declined_or_cancelled_are_not_support_received(chuy, provider):
    adult = person(chuy, born=datetime.date(1988, 1, 1))
    referral(adult, "individual-counselling", "declined", provider=provider, closing_reason="Full.")
    referral(adult, "trauma-care", "cancelled", closing_reason="Moved.", accepted=days(-10))
    referral(adult, "child-allowance", "accepted", provider=provider, accepted=days(-10))
    figures = selectors.indicators(scope_of(chuy), ON)
    assert (figures["psychosocial"], figures["benefits"]) == (0, 0)


# --- Age on a day ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (datetime.date(2025, 6, 30), 18, datetime.date(2007, 6, 30)),
        (datetime.date(2028, 2, 29), 18, datetime.date(2010, 2, 28)),  # no 29 February in 2010
        (datetime.date(2028, 2, 29), 4, datetime.date(2024, 2, 29)),
    ],
)
def test_years_before(day, years, expected):
    assert selectors.years_before(day, years) == expected


def test_a_child_born_on_29_february_is_18_on_1_march_of_a_common_year(chuy):
    person(chuy, born=datetime.date(2008, 2, 29))
    scope = scope_of(chuy, end=datetime.date(2026, 3, 1))
    assert selectors.indicators(scope, datetime.date(2026, 2, 28))["children"] == 1
    assert selectors.indicators(scope, datetime.date(2026, 3, 1))["children"] == 0


def test_population_by_sex_and_age_band(chuy, osh):
    # given: each at the edge of a band on ON
    person(chuy, born=ON, sex="female", arrived=ON)  # born on ON (and arrived that day): 0
    for born, sex in [
        (born_aged(5, plus_days=1), "female"),  # 4, five tomorrow
        (born_aged(5), "female"),  # five on ON
        (born_aged(18, plus_days=1), "female"),  # 17
        (born_aged(12, plus_days=1), "male"),  # 11
        (born_aged(12), "male"),  # 12
        (born_aged(18), "male"),  # 18
        (None, "male"),  # not known
        (None, "male"),
    ]:
        person(chuy, born=born, sex=sex)
    person(osh, born=born_aged(3), sex="female")  # another region

    # when
    figures = selectors.population(selectors.returnees_in(scope_of(chuy)), ON)

    # then
    assert figures == {
        "female": {"0-4": 2, "5-11": 1, "12-17": 1, "18+": 0, "unknown": 0},
        "male": {"0-4": 0, "5-11": 1, "12-17": 1, "18+": 1, "unknown": 2},
    }


def test_population_counts_who_had_arrived_by_the_end(chuy):
    person(chuy, born=born_aged(30), arrived=ON)
    person(chuy, born=born_aged(30), arrived=days(1))
    figures = selectors.population(selectors.returnees_in(scope_of(chuy)), ON)
    assert figures["female"]["18+"] == 1


# --- Caseload, work due, services, months ------------------------------------------------------------


@pytest.fixture
def caseload_cases(worker, chuy, osh, other_worker):
    """Four open cases of `worker` (two high risk), one closed, one of `second`, one without a
    worker, and an Osh case that no Chüy figure may count."""
    second = UserFactory(username="worker-c", first_name="Гулзат", last_name="Асанова", regions=[chuy])
    today = timezone.localdate()
    for status, risk in [("open", "high"), ("open", "high"), ("active", "medium"), ("monitoring", "low")]:
        CaseFactory(worker=worker, status=status, risk_level=risk, returnee=ReturneeFactory(region=chuy))
    CaseFactory(
        worker=worker,
        status="closed",
        closed_on=today,
        closure_reason="moved",
        risk_level="high",
        returnee=ReturneeFactory(region=chuy),
    )
    CaseFactory(worker=second, status="active", risk_level="high", returnee=ReturneeFactory(region=chuy))
    CaseFactory(worker=None, status="open", risk_level="low", returnee=ReturneeFactory(region=chuy))
    CaseFactory(worker=other_worker, status="open", risk_level="high", returnee=ReturneeFactory(region=osh))
    return second


def test_caseload_by_status_risk_region_and_worker(caseload_cases, worker, chuy):
    # when
    figures = selectors.caseload(scope_of(chuy, end=timezone.localdate()))

    # then
    assert sorted(figures["by_status_risk"]) == [
        ["active", "high", 1],
        ["active", "medium", 1],
        ["monitoring", "low", 1],
        ["open", "high", 2],
        ["open", "low", 1],
    ]
    assert figures["by_region"] == [[chuy.pk, 6]]
    assert figures["by_worker"] == [
        [worker.pk, f"Test {worker.last_name}", 4, 2],
        [caseload_cases.pk, "Гулзат Асанова", 1, 1],
    ]
    assert figures["unassigned"] == 1


def test_caseload_over_all_regions(caseload_cases, chuy, osh):
    figures = selectors.caseload(scope_of(end=timezone.localdate()))
    assert sorted(figures["by_region"]) == sorted([[chuy.pk, 6], [osh.pk, 1]])


def test_work_due(case, other_case, worker, supervisor, chuy, provider):
    # given
    today = timezone.localdate()
    before = today - datetime.timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(next_follow_up=before)  # overdue
    CaseFactory(worker=worker, next_follow_up=today, returnee=ReturneeFactory(region=chuy))  # due today: not yet
    CaseFactory(  # closed: nothing is due
        worker=worker,
        next_follow_up=before,
        status="closed",
        closed_on=today,
        closure_reason="moved",
        returnee=ReturneeFactory(region=chuy),
    )
    Case.objects.filter(pk=other_case.pk).update(next_follow_up=before)  # Osh

    def send(status, the_case=case, **extra):
        return ReferralFactory(case=the_case, status=status, provider=provider, **extra)

    send("assigned", accept_due=before)  # overdue
    send("assigned", accept_due=today)
    send("accepted", complete_due=before)  # overdue
    send("in_progress", complete_due=before)  # overdue
    send("completed", complete_due=before, completed_on=today)
    send("assigned", the_case=other_case, accept_due=before)  # Osh

    def ask(the_case, status="pending", **extra):
        return ApprovalRequest.objects.create(
            kind="closure",
            closure_reason="moved",
            case=the_case,
            region=the_case.returnee.region,
            requested_by=worker,
            status=status,
            **extra,
        )

    ask(case)
    ask(case, status="approved", decided_by=supervisor, decided_at=timezone.now())
    ask(other_case)

    def remind(stage, item_id, recipient):
        return Reminder.objects.create(
            item_type="follow_up", item_id=item_id, due_date=before, stage=stage, recipient=recipient, case=case
        )

    coordinator_b = UserFactory(role=User.Role.COORDINATOR, regions=[chuy])
    remind("escalated_coordinator", 1, coordinator_b)  # item 1, escalated to two people twice: one
    remind("escalated_coordinator", 1, UserFactory(role=User.Role.COORDINATOR, regions=[chuy]))
    remind("escalated_supervisor", 1, supervisor)
    remind("escalated_supervisor", 2, supervisor)  # item 2
    remind("overdue", 3, worker)  # not escalated
    old = remind("escalated_supervisor", 4, supervisor)  # before the period
    Reminder.objects.filter(pk=old.pk).update(created_at=at(today - datetime.timedelta(days=40)))

    # when
    figures = selectors.work_due(scope_of(chuy, start=today - datetime.timedelta(days=30), end=today), today)

    # then
    assert figures == {"overdue_follow_ups": 1, "overdue_referrals": 3, "escalations": 2, "pending_approvals": 1}


def test_services_per_category_and_provider(case, other_case, chuy):
    # given: referrals made in the period with known times
    first = ProviderFactory(name="Ak-Bata Family Centre", regions=[chuy])
    second = ProviderFactory(name="Umut Psychosocial Service", regions=[chuy])
    june = datetime.date(2025, 6, 1)

    def made(service_code, status, provider=None, *, submitted=None, accepted=None, completed=None, the_case=case):
        return referral(
            the_case.returnee,
            service_code,
            status,
            provider=provider,
            submitted_at=at(submitted, 10) if submitted else None,
            accepted=accepted,
            completed=completed,
            closing_reason="Full." if status == "declined" else "",
        )

    # first: accepted after 3 days and completed 10 days later; accepted after 1 day; accepted after
    # 1 day and completed 4 days later; one assigned, not accepted.
    made("individual-counselling", "completed", first, submitted=june, accepted=days(3, june), completed=days(13, june))
    made("trauma-care", "accepted", first, submitted=june, accepted=days(1, june))
    made("school-enrolment", "completed", first, submitted=june, accepted=days(1, june), completed=days(5, june))
    made("school-enrolment", "assigned", first, submitted=june)
    # second: one assigned, not accepted
    made("child-allowance", "assigned", second, submitted=june)
    # not assigned; and one in Osh
    made("child-allowance", "submitted", submitted=june)
    made("individual-counselling", "completed", second, accepted=june, completed=days(2, june), the_case=other_case)

    # when
    figures = selectors.services(scope_of(chuy, start=timezone.localdate(), end=timezone.localdate()))

    # then
    category = {c.code: c.pk for c in ServiceCategory.objects.all()}
    assert sorted(figures["by_category"]) == sorted(
        [
            [category["mhpss"], "completed", 1],
            [category["mhpss"], "accepted", 1],
            [category["education"], "completed", 1],
            [category["education"], "assigned", 1],
            [category["social-protection"], "assigned", 1],
            [category["social-protection"], "submitted", 1],
        ]
    )
    assert figures["providers"] == [
        [first.pk, "Ak-Bata Family Centre", 4, 2, round((3 + 1 + 1) / 3, 1), (10 + 4) / 2],
        [second.pk, "Umut Psychosocial Service", 1, 0, None, None],
    ]


def test_services_count_only_referrals_made_in_the_period(case, chuy):
    made = ReferralFactory(case=case)
    Referral.objects.filter(pk=made.pk).update(created_at=at(datetime.date(2024, 12, 31), 23))
    figures = selectors.services(scope_of(chuy, start=datetime.date(2025, 1, 1), end=timezone.localdate()))
    assert figures == {"by_category": [], "providers": []}


def test_monthly_arrivals_and_completed_services(chuy, osh, provider):
    # given
    for arrived in (datetime.date(2025, 1, 31), datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)):
        person(chuy, arrived=arrived)
    person(chuy, arrived=datetime.date(2024, 12, 31))  # before the period
    person(osh, arrived=datetime.date(2025, 3, 15))  # another region
    child = person(chuy, arrived=datetime.date(2024, 6, 1))
    for completed in (datetime.date(2025, 2, 1), datetime.date(2025, 2, 28), datetime.date(2025, 7, 1)):
        referral(child, "individual-counselling", "completed", provider=provider, completed=completed)

    # when
    figures = selectors.monthly(scope_of(chuy, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 6, 30)))

    # then
    assert figures == {"arrivals": [["2025-01", 1], ["2025-03", 2]], "services_completed": [["2025-02", 2]]}


def test_dashboard_figures_are_plain_json(people, chuy):
    figures = selectors.dashboard(scope_of(chuy), timezone.localdate())
    assert json.loads(json.dumps(figures)) == figures
    assert set(figures) == {"caseload", "work_due", "services", "indicators", "population", "monthly"}
    assert figures["indicators"] == CHUY_ON
    assert sum(sum(bands.values()) for bands in figures["population"].values()) == CHUY_ON["returnees"]


def test_services_delivered_in_the_period_per_category(case, chuy, provider):
    # given
    made = [
        referral(case.returnee, "individual-counselling", "completed", provider=provider, completed=ON),
        referral(case.returnee, "trauma-care", "submitted"),
        referral(case.returnee, "child-allowance", "completed", provider=provider, completed=days(-200)),
    ]
    Referral.objects.filter(pk=made[2].pk).update(created_at=at(days(-220)))

    # when
    figures = selectors.services_delivered(scope_of(chuy, start=days(-30), end=timezone.localdate()))

    # then: requested in the period, completed in it, as one part (Chüy, the test operation) each,
    # keyed by the referrals counted
    mhpss = ServiceCategory.objects.get(code="mhpss").pk
    assert figures == {
        (mhpss, "requested"): [Part(2, made[0].pk + made[1].pk, "referral")],
        (mhpss, "completed"): [Part(1, made[0].pk, "referral")],
    }


def test_population_parts_are_counted_per_region_and_operation(chuy, osh):
    # given: in Chüy two women of one operation and one of another; in Osh one woman
    other = OperationFactory(name="Second operation")
    first = [person(chuy, born=born_aged(30)) for _n in range(2)]
    second = person(chuy, born=born_aged(30), operation=other)
    in_osh = person(osh, born=born_aged(30))
    person(chuy, born=born_aged(30), arrived=days(1))  # arrives after the day

    # when
    parts = selectors.population_parts(scope_of(chuy, osh), ON)

    # then: one part per region and operation, holding how many and the sum of their ids
    assert sorted(parts["female|18+"], key=lambda part: part.count) == sorted(
        [Part(2, first[0].pk + first[1].pk), Part(1, second.pk), Part(1, in_osh.pk)], key=lambda part: part.count
    )
    assert parts["male|18+"] == []
    assert (
        sum(part.count for part in parts["female|18+"])
        == selectors.population(selectors.returnees_in(scope_of(chuy, osh)), ON)["female"]["18+"]
    )


def test_indicator_parts_hold_the_same_counts_as_the_indicators(people, chuy):
    # when
    parts = selectors.indicator_parts(scope_of(chuy), ON)

    # then: the counts of the parts add up to the indicators, and the median is the same
    figures = selectors.indicators(scope_of(chuy), ON)
    for key in selectors.INDICATOR_KEYS:
        assert sum(part.count for part in parts[key]) == figures[key], key
    assert parts["median_days_to_family"] == figures["median_days_to_family"]


def test_indicator_parts_take_a_few_queries_whatever_the_number_of_regions(
    people, chuy, osh, django_assert_num_queries
):
    person(osh, born=born_aged(7))
    with django_assert_num_queries(2):  # the counts and sums grouped, then the median's middle rows
        selectors.indicator_parts(scope_of(chuy, osh), ON)
