"""Fictional demo data for `make run`: two operations, about sixty returnees in twenty families across
four regions, notes over the past months, and one user per role. Every name is invented by
combining common first and family names at random; no real person is described.

One module per part, run in order by `seeder.seed_demo`: `users` (organisations and one user per
role), `returnees` (operations, families, the restricted section), `history` (visits, follow-ups,
tasks and reminders), `reintegration` (documents, consents, care, kinship, assessments, plans),
`referrals` (providers and referrals) and `reports`; `common` dates what they write in the past."""

from repat.devtools.demo.seeder import seed_demo
from repat.devtools.demo.users import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "seed_demo"]
