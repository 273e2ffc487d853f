"""The reports' check of `manage.py verify_restore`: the produced files are in the storage."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from repat.core.restore import Options
from repat.reports.models import ProgressReport
from repat.reports.restore import report_files

pytestmark = pytest.mark.django_db


def test_a_ready_report_whose_file_is_missing_fails(supervisor, chuy, case):
    report = ProgressReport.objects.create(
        period_start="2026-01-01",
        period_end="2026-03-31",
        language="en",
        created_by=supervisor,
        status=ProgressReport.Status.READY,
    )
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4"), save=False)
    report.xlsx_file.save("report.xlsx", ContentFile(b"PK"), save=True)
    assert report_files(Options()).ok

    report.xlsx_file.storage.delete(report.xlsx_file.name)
    outcome = report_files(Options())

    assert outcome.summary == "1 produced reports; of every one, 1 miss a file in the storage"
    assert outcome.details == [f"progress report ids {report.pk}"]
    with pytest.raises(CommandError, match=r"\(report files\)"):
        call_command("verify_restore", stdout=io.StringIO())
