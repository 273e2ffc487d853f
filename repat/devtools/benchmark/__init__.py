"""The page benchmark behind `manage.py bench` (`make bench N=…`), written to docs/benchmarks.md.

For each page people open most, as a representative user of each role, it measures in one run:
- the server time (median and p95 over repeated requests, in process: middleware, view, template)
  and the number of SQL queries;
- the same rows fetched by raw SQL (PostgreSQL's own time, plus the driver: the limit);
- the "lean Django floor": the displayed columns fetched with one `.values()` query and rendered by
  a bare template loop;
- the Django admin changelist on the same filter, where one applies (what a team would build instead).

Everything here reads; the only writes are the ones the pages themselves make (audit rows, the
dashboard snapshot's "last viewed"). Run it on a database of its own, filled by `seed_scale`.

`pages` says what to time and as whom, `measure` times it, `report` writes the figures, and `load`
prepares the people of the load test (`bench_load`).
"""

from repat.devtools.benchmark.load import load_people
from repat.devtools.benchmark.measure import (
    TARGETS,
    Result,
    admin_superuser,
    measure,
    prepare_dashboard,
    signed_in_client,
    sweep,
)
from repat.devtools.benchmark.pages import DASHBOARD, DETAIL, LIST, Page, pages, representative_users
from repat.devtools.benchmark.report import commit, machine, table, write_section

__all__ = [
    "DASHBOARD",
    "DETAIL",
    "LIST",
    "TARGETS",
    "Page",
    "Result",
    "admin_superuser",
    "commit",
    "load_people",
    "machine",
    "measure",
    "pages",
    "prepare_dashboard",
    "representative_users",
    "signed_in_client",
    "sweep",
    "table",
    "write_section",
]
