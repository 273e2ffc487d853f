"""Assessments (some waiting for approval), reintegration plans in their versions, and the plans'
goals by domain."""

from cases import actions as case_actions
from cases.models import Assessment, PlanGoal, ReintegrationPlan
from repat.devtools.scale.base import SeederBase
from repat.devtools.scale.names import ASSESSMENTS, GOALS, PLAN_SUMMARIES
from repat.devtools.scale.randomness import Weighted

CHILD_DOMAINS = ("health", "psychosocial", "education", "legal", "family")
ADULT_DOMAINS = ("health", "psychosocial", "legal", "social_protection", "livelihoods", "family")


class ReintegrationRows(SeederBase):
    """The rows of assessments, plans and goals."""

    ASSESSMENT_COUNT = Weighted([(0, 75), (1, 20), (2, 5)])
    ASSESSMENT_FIELDS = (
        "id",
        "case",
        *case_actions.ASSESSMENT_FIELDS,
        "recorded_by",
        "created_at",
        "approved_by",
        "approved_at",
        "updated_at",
    )

    def assessment_rows(self, families, approvable: dict):
        rng, day = self.rng, self.day
        child_kinds, adult_kinds = ("medical", "psychosocial", "educational"), ("medical", "psychosocial", "family")
        for f in families:
            for p in f.people:
                for kind in rng.sample(adult_kinds if p.adult else child_kinds, self.ASSESSMENT_COUNT(rng)):
                    assessor, tools, findings, recommendations, domains = ASSESSMENTS[kind]
                    pk = self.next_id(Assessment)
                    if p.status != "closed" and rng.random() < 0.15:
                        due = day(self.today_ord + rng.randint(-20, 45))
                        recorded = self.moment(self.today_ord - rng.randint(1, 30))
                        yield (
                            pk,
                            p.id,
                            kind,
                            "planned",
                            due,
                            None,
                            "",
                            "",
                            None,
                            "",
                            "",
                            "[]",
                            f.worker.id,
                            recorded,
                            None,
                            None,
                            recorded,
                        )
                        continue
                    on = self.between(f.arrival + 1, min(f.arrival + 365, p.end))
                    approved = rng.random() < 0.5
                    tool = tools[p.adult]
                    if not approved and p.status != "closed":
                        approvable[p.id] = ("assessment", pk)
                    yield (
                        pk,
                        p.id,
                        kind,
                        "completed",
                        None,
                        day(on),
                        assessor,
                        tool,
                        rng.randint(5, 25) if tool else None,
                        rng.choice(findings),
                        recommendations,
                        domains,
                        f.worker.id,
                        self.moment(on),
                        rng.choice(f.region.supervisors) if approved else None,
                        self.moment(min(on + rng.randint(1, 10), p.end)) if approved else None,
                        self.moment(on),  # updated_at: as recorded
                    )

    PLAN_FIELDS = (
        "id",
        "case",
        "version",
        "status",
        "summary",
        "created_by",
        "created_at",
        "activated_at",
        "approved_by",
    )
    GOAL_FIELDS = ("id", "plan", "domain", "goal", "actions", "responsible", "target_date", "status", "updated_at")
    GOAL_STATUS = {
        "current": Weighted([("achieved", 30), ("in_progress", 40), ("not_started", 25), ("dropped", 5)]),
        "superseded": Weighted([("achieved", 60), ("in_progress", 15), ("dropped", 25)]),
        "draft": Weighted([("not_started", 100)]),
    }

    def plan_rows(self, families, goals: list, approvable: dict):
        """Plans; their goals are planned into `goals` as (plan id, status, start, adult)."""
        rng = self.rng
        for f in families:
            for p in f.people:
                if rng.random() >= 0.27:
                    continue
                created = self.between(f.arrival + 20, min(f.arrival + 120, p.end))
                versions = [created]
                if rng.random() < 0.15 and created + 150 < p.end:
                    versions.append(self.between(created + 120, min(created + 400, p.end)))
                # The newest version is current, or a draft under review while the one before stays current.
                newest = "draft" if p.status != "closed" and rng.random() < 0.2 else "current"
                statuses = ["superseded"] * (len(versions) - 1) + [newest]
                if newest == "draft" and len(versions) > 1:
                    statuses[-2] = "current"
                for version, (start, status) in enumerate(zip(versions, statuses, strict=True), start=1):
                    pk = self.next_id(ReintegrationPlan)
                    activated = None if status == "draft" else self.moment(min(start + rng.randint(3, 20), p.end))
                    approver = None if status == "draft" else rng.choice(f.region.supervisors)
                    yield (
                        pk,
                        p.id,
                        version,
                        status,
                        rng.choice(PLAN_SUMMARIES),
                        f.worker.id,
                        self.moment(start),
                        activated,
                        approver,
                    )
                    goals.append((pk, status, start, p.adult))
                    if status == "draft":
                        approvable[p.id] = ("plan", pk)

    def goal_rows(self, goals: list):
        rng = self.rng
        for plan, status, start, adult in goals:
            for domain in rng.sample(ADULT_DOMAINS if adult else CHILD_DOMAINS, rng.randint(2, 4)):
                goal, actions, responsible = rng.choice(GOALS[domain])
                yield (
                    self.next_id(PlanGoal),
                    plan,
                    domain,
                    goal,
                    actions,
                    responsible,
                    self.day(start + rng.randint(60, 300)),
                    self.GOAL_STATUS[status](rng),
                    self.moment(start),
                )
