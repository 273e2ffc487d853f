"""Referrals to providers through their workflow, and the data-sharing consents (or supervisors'
overrides) that let them go ahead."""

from cases.models import ConsentRecord
from repat.devtools.scale.base import SeederBase
from repat.devtools.scale.names import CLOSINGS, OUTCOMES, PROVIDER_BRIEFS, REFERRAL_REASONS
from repat.devtools.scale.randomness import Weighted
from services.models import Referral

REFERRAL_CATEGORIES_CHILD = Weighted(
    [("mhpss", 28), ("health", 25), ("education", 22), ("legal", 12), ("social-protection", 8), ("family-community", 5)]
)
REFERRAL_CATEGORIES_ADULT = Weighted(
    [
        ("mhpss", 25),
        ("health", 18),
        ("legal", 20),
        ("social-protection", 15),
        ("livelihoods", 15),
        ("family-community", 7),
    ]
)


class ReferralRows(SeederBase):
    """The rows of referrals and of the consents they rest on."""

    REFERRAL_OPEN = Weighted(
        [
            ("draft", 4),
            ("submitted", 8),
            ("assigned", 10),
            ("accepted", 8),
            ("in_progress", 20),
            ("completed", 38),
            ("declined", 4),
            ("cancelled", 5),
            ("revoked", 3),
        ]
    )
    REFERRAL_CLOSED = Weighted([("completed", 75), ("cancelled", 20), ("revoked", 5)])
    REFERRAL_COUNT = Weighted([(0, 45), (1, 40), (2, 12), (3, 3)])
    URGENCY = Weighted([("routine", 75), ("urgent", 20), ("emergency", 5)])
    REFERRAL_FIELDS = (
        "id",
        "case",
        "service_type",
        "reason",
        "urgency",
        "shares_data",
        "provider_contact",
        "provider_brief",
        "status",
        "provider",
        "assignee",
        "requested_by",
        "region",
        "created_at",
        "submitted_at",
        "assigned_at",
        "accepted_at",
        "completed_on",
        "accept_due",
        "complete_due",
        "outcome",
        "closing_reason",
        "consent",
        "consent_override_reason",
        "consent_overridden_by",
        "consent_overridden_at",
        "updated_at",
    )
    CONSENT_FIELDS = (
        "id",
        "returnee",
        "given_by",
        "giver",
        "giver_relationship",
        "given_by_name",
        "purpose",
        "provider",
        "shared_with",
        "given_on",
        "expires_on",
        "withdrawal_reason",
        "recorded_by",
        "created_at",
    )
    REACHED_PROVIDER = {"assigned", "accepted", "in_progress", "completed", "declined"}

    def referral_rows(self, families, consents: list) -> list:
        """Referrals whose dates follow the workflow: submitted, assigned (accept by the service's
        days to accept), accepted (complete by its days to complete), completed. Open ones are
        recent, so some are overdue as they would be. Those shared with a provider carry a consent
        (planned into `consents`) or, now and then, a supervisor's override."""
        rng, day, moment = self.rng, self.day, self.moment
        rows = []
        for f in families:
            for p in f.people:
                for _ in range(self.REFERRAL_COUNT(rng)):
                    status = (self.REFERRAL_CLOSED if p.status == "closed" else self.REFERRAL_OPEN)(rng)
                    category = (REFERRAL_CATEGORIES_ADULT if p.adult else REFERRAL_CATEGORIES_CHILD)(rng)
                    service = rng.choice(self.types_by_category.get(category) or list(self.types.values()))
                    candidates = f.region.providers.get(service.pk)
                    if not candidates:
                        continue
                    provider, staff, _name = rng.choice(candidates)
                    accept, complete = service.days_to_accept, service.days_to_complete
                    # Work back from the step the referral has reached, so open ones are current.
                    if status in ("assigned", "declined"):
                        assigned = self.today_ord - rng.randint(0, 2 * accept)
                        accepted = None
                    elif status in ("accepted", "in_progress"):
                        accepted = self.today_ord - rng.randint(0, complete + complete // 2)
                        assigned = accepted - rng.randint(1, accept + 3)
                    elif status == "completed":
                        done = self.between(f.arrival + 30, p.end)
                        accepted = done - rng.randint(complete // 3, complete + 10)
                        assigned = accepted - rng.randint(1, accept + 3)
                    else:  # draft, submitted, cancelled, revoked: before any provider
                        assigned = accepted = None
                    submitted = (assigned or self.between(f.arrival + 5, p.end)) - rng.randint(1, 10)
                    if submitted < f.arrival:
                        # An early case: the whole chain moves after the arrival.
                        shift = f.arrival + 1 - submitted
                        submitted += shift
                        assigned = assigned and min(assigned + shift, self.today_ord)
                        accepted = accepted and min(max(accepted + shift, assigned), self.today_ord)
                    created = submitted - rng.randint(0, 2)
                    created = max(created, f.arrival)
                    completed_on = outcome = closing = None
                    if status == "completed":
                        completed_on = day(min(accepted + rng.randint(complete // 3, complete), p.end))
                        completed_on = max(completed_on, day(accepted))
                        outcome = rng.choice(OUTCOMES)
                    if status in CLOSINGS:
                        closing = rng.choice(CLOSINGS[status])
                    reached = status in self.REACHED_PROVIDER
                    shares = rng.random() < 0.8
                    consent = override = overrider = overridden_at = None
                    # A woman consents herself, a child's mother on record for the child (a child
                    # who has come of age by then, herself); a child headed by a grandmother or an
                    # aunt (not a guardian on record) goes by override.
                    given = max(f.arrival, assigned - rng.randint(0, 20)) if reached and shares else None
                    adult = p.adult or (given is not None and given >= self.adult_on(p))
                    mother = f.people[0] if f.people[0].relationship == "mother" and not adult else None
                    if reached and shares:
                        if (adult or mother is not None) and rng.random() < 0.9:
                            consent = self.next_id(ConsentRecord)
                            giver = ("self", None, "") if adult else ("member", mother.member, "mother")
                            consents.append(
                                (
                                    consent,
                                    p.id,
                                    *giver,
                                    "" if adult else mother.full_name,
                                    "data_sharing",
                                    provider,
                                    "",
                                    day(given),
                                    day(given + 730),
                                    "",
                                    f.worker.id,
                                    moment(given),
                                )
                            )
                        else:
                            override = "Срочная помощь; опекуна не удалось найти для подписи."
                            overrider = rng.choice(f.region.supervisors)
                            overridden_at = moment(assigned)
                    last = completed_on.toordinal() if completed_on else accepted or assigned or submitted
                    rows.append(
                        (
                            self.next_id(Referral),
                            p.id,
                            service.pk,
                            rng.choice(REFERRAL_REASONS.get(category, ("",))) or "Нужна услуга по плану реинтеграции.",
                            self.URGENCY(rng),
                            shares,
                            # Contact only where data are shared; a brief for the provider always.
                            f"{f.caregiver or p.full_name}, +996 {rng.choice(('700', '555', '777', '550'))} "
                            f"{rng.randint(100000, 999999)}"
                            if shares
                            else "",
                            rng.choice(PROVIDER_BRIEFS),
                            status,
                            provider if reached else None,
                            staff if reached and rng.random() < 0.5 else None,
                            f.worker.id,
                            f.region.id,
                            moment(created),
                            moment(submitted) if status != "draft" else None,
                            moment(assigned) if assigned else None,
                            moment(accepted) if accepted else None,
                            completed_on,
                            day(assigned + accept) if assigned else None,
                            day(accepted + complete) if accepted else None,
                            outcome or "",
                            closing or "",
                            consent,
                            override or "",
                            overrider,
                            overridden_at,
                            moment(min(last, self.today_ord)),
                        )
                    )
        return rows
