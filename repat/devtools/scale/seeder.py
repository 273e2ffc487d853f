"""The whole run: `ScaleSeeder` put together from its parts, and `seed_scale`, which loads what it
writes in one transaction (foreign keys and indexes put back at the end, sequences reset, ANALYZE)."""

import time

from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from cases import search
from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    ConsentRecord,
    Family,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    NameKey,
    Note,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeAlias,
)
from repat.approvals.models import ApprovalRequest
from repat.core.models import Sequence
from repat.devtools.scale import bulk
from repat.devtools.scale.base import SeedError
from repat.devtools.scale.casework import CaseRows
from repat.devtools.scale.families import FamilySeeding
from repat.devtools.scale.followups import FollowUpRows
from repat.devtools.scale.referrals import ReferralRows
from repat.devtools.scale.reintegration import ReintegrationRows
from repat.devtools.scale.staff import StaffSeeding
from repat.reminders.models import Reminder
from services.models import Referral

MAX_PEOPLE = 1_000_000
CHUNK_PEOPLE = 20_000  # families are planned and copied this many returnees at a time


def default_workers(people: int) -> int:
    return min(2000, max(20, people // 500))


class ScaleSeeder(StaffSeeding, FamilySeeding, CaseRows, ReintegrationRows, ReferralRows, FollowUpRows):
    """Staff first, then people a chunk of families at a time, table by table."""

    def seed_people(self, loader: bulk.Loader) -> None:
        """Plan a chunk of families, copy their rows table by table, and on to the next chunk."""
        done, reported = 0, 0
        while done < self.people:
            start = time.perf_counter()
            families = self.plan_families(min(CHUNK_PEOPLE, self.people - done))
            self.planning += time.perf_counter() - start
            done += sum(len(f.people) for f in families)
            approvable, goals, consents, pending = {}, [], [], []
            loader.copy(Family, self.FAMILY_FIELDS, self.family_rows(families))
            loader.copy(Returnee, self.RETURNEE_FIELDS, self.returnee_rows(families))
            loader.copy(ReturneeAlias, ("id", "returnee", "name", "script"), self.alias_rows(families))
            loader.copy(FamilyMember, self.MEMBER_FIELDS, self.member_rows(families))
            loader.copy(NameKey, self.NAME_KEY_FIELDS, self.name_key_rows(families))
            loader.copy(Case, self.CASE_FIELDS, self.case_rows(families))
            loader.copy(CaseEvent, self.EVENT_FIELDS, self.event_rows(families))
            loader.copy(Note, self.NOTE_FIELDS, self.note_rows(families))
            loader.copy(IdentityDocument, self.DOCUMENT_FIELDS, self.document_rows(families))
            loader.copy(Assessment, self.ASSESSMENT_FIELDS, self.assessment_rows(families, approvable))
            loader.copy(ReintegrationPlan, self.PLAN_FIELDS, self.plan_rows(families, goals, approvable))
            loader.copy(PlanGoal, self.GOAL_FIELDS, self.goal_rows(goals))
            referrals = self.referral_rows(families, consents)
            loader.copy(ConsentRecord, self.CONSENT_FIELDS, consents)
            loader.copy(Referral, self.REFERRAL_FIELDS, referrals)
            loader.copy(FollowUpTask, self.TASK_FIELDS, self.task_rows(families))
            loader.copy(ApprovalRequest, self.APPROVAL_FIELDS, self.approval_rows(families, approvable, pending))
            loader.copy(Reminder, self.REMINDER_FIELDS, self.reminder_rows(families, pending))
            if done - reported >= 100_000 or done == self.people:
                self.out(f"  {done:,} of {self.people:,} people ({time.perf_counter() - self.started:.0f} s)")
                reported = done


def seed_scale(
    *, people: int, workers: int | None = None, seed: int = 1, replace: bool = False, out=print
) -> dict[str, tuple[int, float]]:
    """Fill the database in one transaction. Returns {table: (rows, seconds)}, and the steps
    outside any one table as {"<step>": (0, seconds)}."""
    if not settings.REPAT_ALLOW_DEMO_DATA:
        raise SeedError("Scale data cannot be created with these settings (production): every user shares a password.")
    if not 1 <= people <= MAX_PEOPLE:
        raise SeedError(f"--people must be between 1 and {MAX_PEOPLE:,}.")
    workers = default_workers(people) if workers is None else workers
    bulk.check_database(replace=replace)
    seeder = ScaleSeeder(people=people, workers=workers, seed=seed, out=out)
    tables = bulk.seeded_tables()
    listed = sql.SQL(", ").join(sql.Identifier(t) for t in tables)
    steps: dict[str, float] = {}

    def step(name: str, start: float) -> None:
        steps[name] = time.perf_counter() - start

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        if replace:
            start = time.perf_counter()
            cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(listed))
            step("<truncate>", start)
        seeder.load_reference()
        # Foreign keys are dropped for the load and added back at the end, which checks every row
        # in one join per key instead of one lookup per row (and keeps no queue of deferred checks).
        foreign_keys = bulk.foreign_keys(cursor, tables)
        bulk.execute_each(cursor, "ALTER TABLE {} DROP CONSTRAINT {}", ((t, n) for t, n, _ in foreign_keys))
        # Likewise the other indexes: built once from the loaded rows instead of updated row by row.
        # (Primary keys and unique constraints stay; a unique index rebuilt at the end still checks.)
        indexes = bulk.plain_indexes(cursor, tables)
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        loader = bulk.Loader(cursor)
        seeder.seed_staff(loader)
        seeder.seed_people(loader)
        steps["<planning families>"] = seeder.planning
        start = time.perf_counter()
        search.fill_vocabulary()  # the words of the name index rows the chunks copied
        step("<name vocabulary>", start)
        start = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        step("<indexes built>", start)
        start = time.perf_counter()
        bulk.execute_each(
            cursor, "ALTER TABLE {} ADD CONSTRAINT {} {}", ((t, n, sql.SQL(d)) for t, n, d in foreign_keys)
        )
        step("<foreign keys added and checked>", start)
        start = time.perf_counter()
        numbered = [m._meta.db_table for m in bulk.SEEDED_MODELS if m._meta.pk.name == "id"]  # not NameWord
        for table in numbered:
            cursor.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({}, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {}"
                ).format(sql.Literal(table), sql.Identifier(table))
            )
        # New case numbers continue after the seeded ones (`_next_case_number` reads these counters).
        for year, last in sorted(seeder.case_numbers.items()):
            Sequence.objects.update_or_create(name=f"case-{seeder.prefix}-{year}", defaults={"last_value": last})
        step("<sequences reset>", start)
        start = time.perf_counter()
        cursor.execute(sql.SQL("ANALYZE {}").format(listed))
        step("<analyze>", start)
    step("<total>", seeder.started)
    result = {table: (loader.counts[table], loader.seconds[table]) for table in tables}
    result.update({name: (0, seconds) for name, seconds in steps.items()})
    return result
