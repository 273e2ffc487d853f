"""manage.py import_manifest FILE --as USERNAME [--operation NAME] [--region NAME]
[--on-match stop|new|skip] [--commit]

The manifest import (issue 16) for administrators and tests: without --commit, a preview that
prints each row's problems and probable matches. Exits 1 when a row has a problem, or when a
probable match is met and --on-match is stop (the default); with --on-match new the matched rows
are registered as different people (the reason says so), with skip they are left out. Matches
the user may not see are printed without naming the person, as on the page."""

import pathlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases import actions
from cases.manifest.rows import missing_columns, problem_text
from cases.models import ManifestImport, Operation, Returnee
from repat.accounts.models import Region, User


class Command(BaseCommand):
    help = "Preview, and with --commit register, the people of a manifest (.xlsx or .csv)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="The coordinator or administrator.")
        parser.add_argument("--operation", default="", help="The operation of rows that name none.")
        parser.add_argument("--region", default="", help="The region of rows that name none.")
        parser.add_argument("--on-match", choices=["stop", "new", "skip"], default="stop")
        parser.add_argument("--source", default="", help="Use the column mapping saved for this source.")
        parser.add_argument("--commit", action="store_true", help="Register the people (else preview only).")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        operation = self._operation(options["operation"])
        region = self._region(options["region"])
        path = pathlib.Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        uploaded = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            manifest = actions.manifest_upload(
                actor=user,
                uploaded=uploaded,
                operation=operation,
                region=region,
                source=options["source"],
                run_now=True,
            )
        except Exception as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        # Read here, whether or not a caller's transaction holds back what the action queued on commit.
        actions.manifest_preview(manifest_id=manifest.pk)
        manifest.refresh_from_db()
        if manifest.status == ManifestImport.Status.FAILED:
            raise CommandError(manifest.error)
        if missing_columns(manifest.mapping):
            raise CommandError(
                _("Columns missing: %(fields)s.") % {"fields": ", ".join(missing_columns(manifest.mapping))}
            )
        failed = self._report(manifest, options["on_match"])
        self.stdout.write(f"import {manifest.pk}: {len(manifest.rows)} rows")
        if failed:
            raise CommandError(_("Nothing was registered."))
        if not options["commit"]:
            self.stdout.write(_("Preview only: nothing was registered (add --commit)."))
            return
        choice = "skip" if options["on_match"] == "skip" else "new"
        reason = f"manage.py import_manifest --on-match {options['on_match']} ({path.name})"
        decisions = {str(row["line"]): {"choice": choice, "reason": reason} for row in manifest.rows if row["matches"]}
        try:
            actions.manifest_commit_request(actor=user, manifest=manifest, decisions=decisions, run_now=True)
        except Exception as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from error
        actions.manifest_commit(manifest_id=manifest.pk)
        manifest.refresh_from_db()
        if manifest.status != ManifestImport.Status.COMMITTED:
            raise CommandError(manifest.error or manifest.get_status_display())
        result = manifest.result
        self.stdout.write(
            f"committed: {len(result['cases'])} cases, {len(result['families'])} families, "
            f"{len(result['skipped'])} skipped"
        )

    def _operation(self, name):
        if not name:
            return None
        found = Operation.objects.filter(name__iexact=name).first()
        if found is None:
            raise CommandError(f"No operation {name!r}.")
        return found

    def _region(self, name):
        if not name:
            return None
        found = Region.objects.filter(parent__isnull=True, name__iexact=name).first()
        if found is None:
            raise CommandError(f"No region {name!r}.")
        return found

    def _report(self, manifest, on_match: str) -> bool:
        failed = False
        visible = Returnee.objects.in_bulk({m["id"] for row in manifest.rows for m in row["matches"] if m["visible"]})
        for row in manifest.rows:
            for code, params in row["errors"]:
                failed = True
                self.stdout.write(f"row {row['line']}: error: {problem_text(code, params)}")
            for code, params in row["warnings"]:
                self.stdout.write(f"row {row['line']}: note: {problem_text(code, params)}")
            for match in row["matches"]:
                person = visible.get(match["id"]) if match["visible"] else None
                who = (
                    f"{person.case_number} {person.full_name}"
                    if person
                    else _("A probable match exists in another caseload.")
                )
                self.stdout.write(f"row {row['line']}: probable match: {who}")
                failed = failed or on_match == "stop"
        return failed
