"""`make load`: 20 people of every role on the app under gunicorn, driven by locust for a bounded
time; p50/p95 per page and the error count go to docs/benchmarks.md."""

import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from repat.devtools import benchmark

P95_TARGET_MS = 150


class Command(BaseCommand):
    help = "Load-test the main pages with locust against gunicorn (fill the database first with seed_scale)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
        parser.add_argument(
            "--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"), help="Markdown file to update."
        )
        parser.add_argument("--strict", action="store_true", help="Fail when any request failed.")

    def handle(self, *args, users, seconds, workers, output, strict, **options):
        people = benchmark.load_people(count=users)
        if not people:
            raise CommandError("No one to sign in: fill the database first with `manage.py seed_scale`.")
        with tempfile.TemporaryDirectory() as folder:
            people_file = Path(folder) / "people.json"
            people_file.write_text(json.dumps(people), encoding="utf-8")
            port = _spare_port()
            env = {**os.environ, "REPAT_LOAD_PEOPLE": str(people_file)}
            server = subprocess.Popen(  # noqa: S603 - our own server, on a spare port
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "repat.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                    "--preload",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            )
            try:
                _wait_for(port)
                _warm_up(port, people, workers=workers)
                subprocess.run(  # noqa: S603 - locust, on our own server
                    [
                        sys.executable,
                        "-m",
                        "locust",
                        "-f",
                        str(Path(__file__).resolve().parents[2] / "locustfile.py"),
                        "--headless",
                        "--users",
                        str(users),
                        "--spawn-rate",
                        str(users),
                        "--run-time",
                        f"{seconds}s",
                        "--host",
                        f"http://127.0.0.1:{port}",
                        "--csv",
                        str(Path(folder) / "load"),
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    env=env,
                    check=False,
                )
            finally:
                server.terminate()
                server.wait(timeout=30)
            rows = list(csv.DictReader((Path(folder) / "load_stats.csv").open(encoding="utf-8")))
        text = _report(rows, users=users, seconds=seconds, workers=workers)
        self.stdout.write(text)
        benchmark.write_section(output, "load", "## Load test\n\n" + text)
        total = next((row for row in rows if row["Name"] == "Aggregated"), None)
        if strict and (total is None or int(total["Failure Count"]) or not int(total["Request Count"])):
            raise CommandError("The load test made no request or some failed: see the table above.")


def _warm_up(port: int, people: list[dict], *, workers: int) -> None:
    """Open every page of every role as often as gunicorn has workers, that many requests at a time,
    before measuring: each worker process then has, most likely, compiled its templates and loaded
    its translations, and the figures are the steady state people meet. (Every person's pages three
    times over, one request at a time, took 600 requests and most of a short run.)"""
    visits = defaultdict(list)
    for person in people:
        for name, url, session in person["pages"]:
            visits[person["role"], name].append((person["cookie"], url, session))
    requests = [pages[i % len(pages)] for pages in visits.values() for i in range(workers)]

    def open_page(visit: tuple[str, str, str]) -> None:
        cookie, url, session = visit
        request = urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers={"Cookie": f"{cookie}={session}"})
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(open_page, requests))


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError("gunicorn did not start.")


def _report(rows: list[dict], *, users: int, seconds: int, workers: int) -> str:
    lines = [
        f"{users} simulated people of every role, each opening a page every 1–3 s, for {seconds} s against "
        f"gunicorn ({workers} sync workers, every page of every role opened {workers} times first) on "
        f"{benchmark.machine()}; "
        f"commit {benchmark.commit()}.",
        "",
        "| Page | Requests | Errors | p50 ms | p95 ms | Target (p95 ≤ 150 ms, no errors) |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        name = "All pages" if row["Name"] == "Aggregated" else row["Name"]
        p95, errors = float(row["95%"] or 0), int(row["Failure Count"])
        verdict = "met" if p95 <= P95_TARGET_MS and errors == 0 else "missed"
        lines.append(f"| {name} | {row['Request Count']} | {errors} | {row['50%']} | {row['95%']} | {verdict} |")
    return "\n".join(lines)
