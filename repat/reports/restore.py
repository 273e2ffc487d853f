"""The reports' part of `manage.py verify_restore` (repat/core/restore.py): the produced PDF and Excel
files of the newest ready reports are in the storage. (They can be produced again from the database;
a missing one is reported, not fatal to the people's data, but it says the files' copy is older.)"""

from repat.core.restore import Options, Outcome, listed, sample_of, scope

from .models import ProgressReport


def report_files(options: Options) -> Outcome:
    ready = ProgressReport.objects.filter(status=ProgressReport.Status.READY).only("pdf_file", "xlsx_file")
    total, looked, missing = ready.count(), 0, []
    for report in sample_of(ready, options):
        looked += 1
        for stored in (report.pdf_file, report.xlsx_file):
            if stored and not stored.storage.exists(stored.name):
                missing.append(report.pk)
                break
    covered = scope(looked, total)
    if not missing:
        return Outcome(True, f"{total} produced reports; the files of {covered} are in the storage")
    return Outcome(
        False,
        f"{total} produced reports; of {covered}, {len(missing)} miss a file in the storage",
        [f"progress report ids {listed(missing)}"],
    )
