"""What `manage.py verify_restore` checks after a restore (docs/operations.md): that the database is
at the code's migrations, and whatever the apps above register in their AppConfig.ready() (the audit
chain, the uploaded files, the restricted section), as they register readiness checks.

A check reads only, and says what it found in counts, ids and times: never a name, a note or a file
name, so that its output can go into a ticket or a chat about the restore."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class Options:
    """`sample`: how many of the newest rows of each kind to open (None: every row). `heads`: folders
    of published audit heads kept outside the backup."""

    sample: int | None = 100
    heads: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    summary: str  # counts, ids and times only
    details: list[str] = field(default_factory=list)


Check = Callable[[Options], Outcome]

_registered: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    _registered[name] = check


def _migrations(options: Options) -> Outcome:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
        return Outcome(False, f"{len(plan)} migrations not applied: the backup is older than the code", names[:10])
    return Outcome(True, "every migration of this code is applied")


def checks() -> dict[str, Check]:
    return {"migrations": _migrations} | _registered


def run(options: Options) -> list[tuple[str, Outcome]]:
    """Every check, each on its own: one that raises is a failed check, named with the error's class
    and the first line of its message (database errors may add the values of a row after it)."""
    results = []
    for name, check in checks().items():
        try:
            outcome = check(options)
        except Exception as error:  # noqa: BLE001 (a check that cannot run has failed, whatever it raised)
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            outcome = Outcome(False, f"could not be checked: {type(error).__name__}: {first_line}".rstrip(": "))
        results.append((name, outcome))
    return results


def sample_of(queryset, options: Options):
    """The newest rows first, `options.sample` of them (all with None)."""
    ordered = queryset.order_by("-pk")
    return ordered.iterator(chunk_size=500) if options.sample is None else ordered[: options.sample]


def listed(ids: list, limit: int = 10) -> str:
    shown = ", ".join(str(pk) for pk in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def scope(opened: int, total: int) -> str:
    """Which rows a sample covered, for the summaries."""
    return "every one" if opened == total else f"the {opened} newest"
