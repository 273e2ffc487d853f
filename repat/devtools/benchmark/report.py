"""Writing the figures: the machine and commit they were taken on, the Markdown table, and the
section of docs/benchmarks.md it replaces."""

import os
import platform
import subprocess

from django.conf import settings
from django.db import connection

from repat.devtools.benchmark.measure import Result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kb = int(next(line.split()[1] for line in info if line.startswith("MemTotal")))
            memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = cursor.fetchone()[0].split(" on ")[0]
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {database}; Python {platform.python_version()}; "
        f"Django {__import__('django').get_version()}"
    )


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - a developer tool
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(results: list[Result]) -> str:
    lines = [
        "| Page | Role | Queries | Median ms | p95 ms | SQL ms | Raw SQL ms | Lean floor ms | × floor "
        "| Admin ms (queries) | Admin ÷ page | Targets |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        floor_ratio = f"{r.median_ms / r.floor_ms:.1f}" if r.floor_ms else "—"
        admin = f"{r.admin_ms:.0f} ({r.admin_queries})" if r.admin_ms is not None else "—"
        admin_ratio = f"{r.admin_ms / r.median_ms:.0f}×" if r.admin_ms is not None else "—"
        missed = r.misses()
        lines.append(
            f"| {r.page.name} | {r.page.role} | {r.queries} | {r.median_ms:.1f} | {r.p95_ms:.1f} | {_ms(r.sql_ms)} "
            f"| {_ms(r.raw_ms)} "
            f"| {_ms(r.floor_ms)} | {floor_ratio} | {admin} | {admin_ratio} | {'; '.join(missed) or 'met'} |"
        )
    return "\n".join(lines)


def write_section(path, name: str, text: str) -> None:
    """Replace one section of docs/benchmarks.md (between its markers), keeping the others: the
    page benchmark and the load test are run separately."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    try:
        with open(path, encoding="utf-8") as existing:
            content = existing.read()
    except FileNotFoundError:
        content = "# Benchmarks\n\nHow to rerun them: see the end of README.md.\n"
    if start in content and end in content:
        before, rest = content.split(start, 1)
        content = before + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip() + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write(content)
