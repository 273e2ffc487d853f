"""Realistic data at scale for load tests (`manage.py seed_scale`): returnees in families across every
region, their cases, notes, documents, assessments, plans, referrals, tasks, approvals and reminders,
with the staff who hold them. Rows are generated with one seeded `random.Random` (the same seed gives
the same data) and streamed into PostgreSQL with COPY, a chunk of families at a time.

COPY bypasses Django, so the seeder gives every NOT NULL column a value itself (auto_now fields,
defaults) and checks, from each model's `_meta`, that none is missing: a new required field makes
the seeder fail loudly instead of writing rows the app cannot read. Table and column names also
come from `_meta`. It never writes audit rows, and it leaves the encrypted restricted section out.

Bulk loading follows PostgreSQL's "Populating a Database" advice: one transaction, COPY, foreign
keys dropped during the load and added back (and so validated) at the end, ANALYZE afterwards.

One module per subject: `seeder` runs it all; `staff`, `families`, `casework`, `reintegration`,
`referrals` and `followups` write their tables; `bulk` copies rows; `names`, `naming` and `places`
hold the names, how they are put together, and where people live and came from."""

from repat.devtools.scale.base import SeedError
from repat.devtools.scale.bulk import copy_columns
from repat.devtools.scale.seeder import MAX_PEOPLE, default_workers, seed_scale

__all__ = ["MAX_PEOPLE", "SeedError", "copy_columns", "default_workers", "seed_scale"]
