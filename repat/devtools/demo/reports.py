"""A progress report to open and download after `make run`."""

import datetime

from repat.accounts.models import User


def add_report(today: datetime.date) -> None:
    """One progress report of supervisor1 for the last full quarter, produced now, so the reports
    page has something to open and download after `make run`."""
    from repat.reports import actions as report_actions
    from repat.reports.forms import last_quarter

    start, end = last_quarter(today)
    report = report_actions.report_create(
        actor=User.objects.get(username="supervisor1"),
        data={
            "period_start": start,
            "period_end": end,
            "operation": None,
            "region": None,
            "language": "en",
            "summary": "Demo report: families settled in Chüy, Bishkek, Osh and Jalal-Abad.",
            "achievements": "Most children have a birth certificate; school enrolment continues.",
            "challenges": "Citizenship confirmation is slow where a parent's documents are missing.",
            "next_steps": "Follow up overdue referrals with providers.",
        },
    )
    report_actions.report_generate(report_id=report.pk)
