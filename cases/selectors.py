"""Read use-cases of the cases app, each starting from the visibility querysets in permissions.py
and fetching what its page shows in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    Field,
    ForeignObjectRel,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from repat.audit.actions import RESTRICTED_MARK
from repat.core.choices import reference_choices

from . import consent as consent_rules
from . import permissions
from .filters import CaseFilter
from .models import (
    Assessment,
    Case,
    CaseEvent,
    CaseTransfer,
    DuplicateDecision,
    Family,
    FamilyMember,
    GoalProgress,
    IdentityDocument,
    Language,
    LegalRecord,
    Note,
    PlanDomain,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    merge_relations,
)
from .models.merges import HISTORY_RELATIONS
from .querysets import PlanGoalQuerySet


def caseload(*, user, params) -> CaseFilter:
    own = permissions.has_own_caseload(user)
    queryset = permissions.cases_visible_to(user).select_related(
        "returnee", "returnee__operation", "returnee__region", "worker"
    )
    filterset = CaseFilter(params, queryset=queryset, user=user)
    # The worker filter offers the colleagues whose cases this user may see, not every worker; a
    # social worker sees only their own cases, so has no colleague to pick (and no list to load).
    worker = filterset.form.fields["worker"]
    worker.queryset = permissions.workers_visible_to(user)
    region = str(params.get("region") or "")
    if not own and region in dict(reference_choices("regions")):
        worker.queryset = worker.queryset.filter(regions=int(region)).distinct()
    elif own or permissions.sees_every_region(user):
        # Two thousand names are not a list anyone reads: the country's workers are offered once
        # a region is chosen (a dashboard link naming a worker still filters by them).
        worker.widget = forms.HiddenInput()
    return filterset


def case_get(*, user, pk: int) -> Case:
    """The case, with what its page asks several times about the user (see `with_viewer_scope`)."""
    pending_transfer = CaseTransfer.objects.filter(case=OuterRef("pk"), status=CaseTransfer.Status.PENDING)
    case = get_object_or_404(
        permissions.with_viewer_scope(permissions.cases_visible_to(user), user)
        .annotate(pending_transfer_id=Subquery(pending_transfer.values("pk")[:1]))
        .select_related(
            "returnee",
            "returnee__operation",
            "returnee__region",
            "returnee__district",
            "worker",
            "returnee__membership__family",
            "returnee__photo",
        ),
        pk=pk,
    )
    permissions.remember_viewer(user, case)
    return case


def returnee_get(*, user, pk: int) -> Returnee:
    """The returnee, with their case marked as in the user's own scope or not (see case_get)."""
    returnee = get_object_or_404(
        permissions.returnees_visible_to(user)
        .select_related("operation", "region", "district", "case", "case__worker", "membership__family", "photo")
        .prefetch_related("aliases")
        .annotate(
            case_in_scope=Exists(permissions.cases_in_scope(user).filter(returnee=OuterRef("pk"))),
            # Most records were never merged or checked against a match: their page asks no more.
            has_merged_records=Exists(Returnee.objects.filter(merged_into=OuterRef("pk"))),
            has_duplicate_decisions=Exists(DuplicateDecision.objects.filter(returnee=OuterRef("pk"))),
        ),
        pk=pk,
    )
    returnee.case.viewer_id, returnee.case.viewer_in_scope = user.pk, returnee.case_in_scope
    return returnee


def family_get(*, user, pk: int) -> Family:
    # A record merged into another keeps its place in its family out of sight (back on an undo).
    members = FamilyMember.objects.filter(
        Q(returnee__isnull=True) | Q(returnee__merged_into__isnull=True)
    ).select_related("returnee", "returnee__case", "returnee__case__worker", "kinship_test")
    return get_object_or_404(
        permissions.families_visible_to(user)
        .select_related("region", "district")
        .prefetch_related(Prefetch("members", queryset=members)),
        pk=pk,
    )


@dataclass
class TreePerson:
    """One person of a family tree: the member, the returnee page the reader may open (None: a
    returnee whose case they may not see, shown without a name, or a relative who is not a
    returnee), and the people drawn under them."""

    member: FamilyMember
    url: str | None = None
    hidden: bool = False
    below: list["TreePerson"] = field(default_factory=list)


@dataclass
class FamilyTree:
    """The family page's tree: the mother (or, without one, the caregiver: a guardian or the head of
    household) with her children below her, then the guardians, the relatives abroad and the other
    relatives, each group in the members' order."""

    carer: TreePerson | None = None
    children: list[TreePerson] = field(default_factory=list)
    guardians: list[TreePerson] = field(default_factory=list)
    abroad: list[TreePerson] = field(default_factory=list)
    others: list[TreePerson] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.carer or self.children or self.guardians or self.abroad or self.others)

    @property
    def groups(self) -> list[tuple[Promise, list[TreePerson]]]:
        """The groups beside the carer that have someone, with their headings."""
        named = (
            (gettext_lazy("Children"), self.children),
            (gettext_lazy("Guardians"), self.guardians),
            (gettext_lazy("Relatives abroad"), self.abroad),
            (gettext_lazy("Other relatives"), self.others),
        )
        return [(heading, people) for heading, people in named if people]


def family_tree(*, members: list[FamilyMember], visible_cases: set[int]) -> FamilyTree:
    """The tree of a family's members as `family_get` loaded them, with `visible_case_ids` for the
    reader: no query of its own, however large the family."""
    Relationship = FamilyMember.Relationship

    def person(member: FamilyMember) -> TreePerson:
        if not member.returnee_id:
            return TreePerson(member)
        if member.returnee.case.pk in visible_cases:
            return TreePerson(member, url=member.returnee.get_absolute_url())
        return TreePerson(member, hidden=True)

    carer = (
        next((m for m in members if m.relationship == Relationship.MOTHER), None)
        or next((m for m in members if m.relationship == Relationship.GUARDIAN and m.is_head), None)
        or next((m for m in members if m.is_head and m.relationship != Relationship.CHILD), None)
    )
    tree = FamilyTree(carer=person(carer) if carer else None)
    for member in members:
        if member is carer:
            continue
        if member.relationship == Relationship.CHILD:
            group = tree.carer.below if tree.carer else tree.children
        elif member.relationship == Relationship.GUARDIAN:
            group = tree.guardians
        elif member.whereabouts == FamilyMember.Whereabouts.ABROAD:
            group = tree.abroad
        else:
            group = tree.others
        group.append(person(member))
    return tree


def family_choices(*, user):
    """The families a user may register people into, each with what tells it apart in a picker
    (`picker_members`: its members with their given name and operation; its region): three queries
    however many families."""
    members = (
        FamilyMember.objects.filter(Q(returnee__isnull=True) | Q(returnee__merged_into__isnull=True))
        .select_related("returnee__operation")
        .only(
            "family_id",
            "full_name",
            "relationship",
            "returnee__given_name",
            "returnee__family_name",
            "returnee__operation__name",
        )
        .order_by("pk")
    )
    return (
        permissions.families_in_scope(user)
        .select_related("region")
        .prefetch_related(Prefetch("members", queryset=members, to_attr="picker_members"))
    )


def visible_case_ids(*, user, cases) -> set[int]:
    """Which of these cases the user may open: a family page links only those."""
    ids = [case.pk for case in cases if case is not None]
    return set(permissions.cases_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def recent_notes(*, case: Case, limit: int = 20) -> list[Note]:
    return list(case.notes.select_related("author")[:limit])


# Fields holding lists of choice codes, and where their labels come from.
LIST_CHOICES = {"languages": Language, "recommended_domains": PlanDomain}


@dataclass
class Change:
    label: str
    old: str
    new: str
    # The restricted section's values never reach the timeline: only which fields changed.
    hidden: bool = False


@dataclass
class TimelineEntry:
    event: CaseEvent
    changes: list[Change] = field(default_factory=list)
    item: str = ""


def _display(model_field, value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if model_field is not None and model_field.choices:
        labels = dict(model_field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(model_field, DateField) and isinstance(value, str):
        return _moment(model_field, value)
    return str(value)


def _moment(model_field, value: str) -> str:
    """A date, or a moment (a DateTimeField is a DateField too), as written by `actions._raw`."""
    try:
        if isinstance(model_field, DateTimeField):
            return date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "SHORT_DATETIME_FORMAT")
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except ValueError:
        return value


def _member(name: str, subject_model, kind):
    """The first `kind` of member (a field, a reverse relation) called `name` of the event's
    subject, else of the case, else of the returnee."""
    for model in (subject_model, Case, Returnee):
        if model is None:
            continue
        try:
            member = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(member, kind):
            return member
    return None


def _field(name: str, subject_model=None):
    """The field a change is about. Only a field the model declares counts: a reverse relation (the
    returnee's other spellings, documents...) holds no value of its own to display."""
    return _member(name, subject_model, Field)


# Changes that are not a field of their model, with their label: an event's comment, a goal's
# progress note, the family a returnee joined.
CHANGE_LABELS = {
    "aliases": gettext_lazy("Other spellings"),
    "family": gettext_lazy("Family"),
    "text": gettext_lazy("Progress"),
    "comment": gettext_lazy("Comment"),
    "distinct_reason": gettext_lazy("Why this is a different person"),
}


def change_label(name: str, subject_model=None) -> str:
    """The label of a change in the reader's language. Never the key itself: a field whose label
    is not marked for translation, or a key no model knows, is labelled as "Other"."""
    if name in CHANGE_LABELS:
        return str(CHANGE_LABELS[name])
    model_field = _field(name, subject_model)
    if model_field is not None and isinstance(model_field.verbose_name, Promise):
        return str(capfirst(model_field.verbose_name))
    relation = _member(name, subject_model, ForeignObjectRel)  # e.g. the returnee's "aliases"
    if relation is not None:
        meta = relation.related_model._meta
        return str(capfirst(meta.verbose_name if relation.one_to_one else meta.verbose_name_plural))
    return gettext("Other")


def _subject_model(name: str):
    for app_label in ("cases", "services", "approvals"):
        try:
            return apps.get_model(app_label, name) if name else None
        except LookupError:
            continue
    return None


def _item_label(subject_model, event: CaseEvent, service_names: dict[int, str]) -> str:
    """Name what an event is about: the label of its kind (document type, purpose) or its text."""
    name = CaseEvent.SUBJECT_ITEM_FIELD.get(event.subject)
    if subject_model is None or not event.item or name is None:
        return ""  # a subject with no naming field (the restricted section) is stored by its id only
    model_field = _field(name, subject_model)
    if name == "service_type_id":
        return service_names.get(int(event.item), "")
    if name == "version":
        return gettext("version %(version)s") % {"version": event.item}
    return _display(model_field, event.item)


def _service_names() -> dict[int, str]:
    """Service type names in the reader's language (a small reference table, read once per page)."""
    ServiceType = apps.get_model("services", "ServiceType")
    return {service.pk: service.localized_name for service in ServiceType.objects.all()}


def _names_every_service(events, known: dict[int, str]) -> bool:
    for event in events:
        if event.subject == "referral" and event.item.isdigit() and int(event.item) not in known:
            return False
    return True


def timeline(
    *, case: Case, limit: int = 50, restricted: bool = False, referrals: list | None = None
) -> list[TimelineEntry]:
    """The case's events, newest first, with changes labelled in the reader's language. Changes to
    the restricted section are shown only to readers who may see it (`restricted`). The case's
    referrals, when the page has them already, name their services without another query."""
    events = case.events.select_related("actor", "note")
    if not restricted:
        events = events.exclude(kind=CaseEvent.Kind.RESTRICTED_UPDATED)
    events = list(events[:limit])
    service_names = {}
    if any(e.subject == "referral" for e in events):
        known = {r.service_type_id: r.service_type.localized_name for r in referrals or ()}
        service_names = known if _names_every_service(events, known) else _service_names()
    entries = []
    for event in events:
        subject_model = _subject_model(event.subject)
        entry = TimelineEntry(event=event, item=_item_label(subject_model, event, service_names))
        for name, (old, new) in event.changes.items():
            model_field = _field(name, subject_model)
            if name in LIST_CHOICES:
                labels = dict(LIST_CHOICES[name].choices)
                old = [str(labels.get(v, v)) for v in old or []]
                new = [str(labels.get(v, v)) for v in new or []]
            label = change_label(name, subject_model)
            if RESTRICTED_MARK in (old, new):
                entry.changes.append(Change(label, "", "", hidden=True))
                continue
            entry.changes.append(Change(label, _display(model_field, old), _display(model_field, new)))
        entries.append(entry)
    return entries


# --- Documents, consent, kinship, care, assessments and plans --------------------------------------


@dataclass
class DocumentSummary:
    documents: list
    missing_core: list[str]
    overdue: int

    @property
    def restored(self) -> int:
        return len(IdentityDocument.CORE_KINDS) - len(self.missing_core)


def document_summary(*, returnee: Returnee) -> DocumentSummary:
    """The returnee's documents, which core documents are not yet issued, and how many are overdue."""
    documents = list(returnee.documents.select_related("scan"))
    issued = {d.kind for d in documents if d.status == IdentityDocument.Status.ISSUED}
    labels = dict(IdentityDocument.Kind.choices)
    missing = [str(labels[kind]) for kind in IdentityDocument.CORE_KINDS if kind not in issued]
    return DocumentSummary(documents, missing, sum(d.is_overdue for d in documents))


def returnee_overview(*, returnee: Returnee) -> dict:
    """Everything the returnee page shows beyond the returnee row, in a fixed number of queries."""
    # Each consent's problems are what the referral gate would say: "Valid" only when none.
    consents = list(
        returnee.consents.select_related("form", "giver__returnee", "guardianship", "provider", "service_category")
    )
    for consent in consents:
        consent.returnee = returnee  # the rules read the returnee and their family membership
    consent_rules.with_problems(consents)
    return {
        "document_summary": document_summary(returnee=returnee),
        "consents": consents,
        "valid_consents": [consent for consent in consents if not consent.problems],
        "kinship_tests": list(
            returnee.kinship_tests.select_related("relative", "relative__returnee", "relative__family", "consent")
        ),
        "care_arrangements": list(returnee.care_arrangements.all()),
    }


def plan_latest(*, case: Case) -> ReintegrationPlan | None:
    """The plan to show first: the current version, else the draft."""
    plans = {p.status: p for p in case.plans.exclude(status=ReintegrationPlan.Status.SUPERSEDED)}
    return plans.get(ReintegrationPlan.Status.CURRENT) or plans.get(ReintegrationPlan.Status.DRAFT)


def plan_get(*, user, pk: int) -> ReintegrationPlan:
    return get_object_or_404(
        permissions.plans_visible_to(user).select_related("case", "case__returnee", "case__worker", "created_by"), pk=pk
    )


def plan_versions(*, case: Case) -> list[ReintegrationPlan]:
    if not hasattr(case, "_plan_versions"):
        case._plan_versions = list(case.plans.select_related("created_by"))
    return case._plan_versions


def goals_by_domain(*, plan: ReintegrationPlan) -> list[tuple[str, list[PlanGoal]]]:
    goals = plan.goals.select_related("source_assessment").prefetch_related(
        Prefetch("progress_notes", queryset=GoalProgress.objects.select_related("author"))
    )
    grouped: dict[str, list[PlanGoal]] = {}
    for goal in goals:
        grouped.setdefault(goal.domain, []).append(goal)
    labels = dict(PlanDomain.choices)
    return [(str(labels[domain]), grouped[domain]) for domain in PlanDomain.values if domain in grouped]


def recommended_but_uncovered(*, plan: ReintegrationPlan) -> list[tuple[Assessment, str, str]]:
    """Needs that completed assessments recommend and the plan has no goal for yet:
    (assessment, domain code, domain label)."""
    covered = set(plan.goals.values_list("domain", flat=True))
    labels = dict(PlanDomain.choices)
    result = []
    for assessment in plan.case.assessments.filter(status=Assessment.Status.COMPLETED):
        for domain in assessment.recommended_domains:
            if domain not in covered and domain in labels:
                result.append((assessment, domain, str(labels[domain])))
                covered.add(domain)
    return result


@dataclass
class PlanSummary:
    plan: ReintegrationPlan | None
    goals: int = 0
    achieved: int = 0
    overdue: int = 0


def _pending_transfer(case: Case):
    """Rarely any: `case_get` says whether there is one, so the page asks only then."""
    if getattr(case, "pending_transfer_id", 0) is None:
        return None
    return case.transfers.filter(status="pending").select_related("to_worker", "to_region").first()


def case_overview(*, case: Case) -> dict:
    """The case page's reintegration summary: assessments, the plan's progress (the plan and its
    goal counts in one query), documents."""
    overdue = PlanGoalQuerySet.overdue_condition(timezone.localdate(), "goals__")
    plans = {
        plan.status: plan
        for plan in case.plans.exclude(status=ReintegrationPlan.Status.SUPERSEDED).annotate(
            goal_count=Count("goals"),
            achieved_count=Count("goals", filter=Q(goals__status=PlanGoal.Status.ACHIEVED)),
            overdue_count=Count("goals", filter=overdue),
        )
    }
    plan = plans.get(ReintegrationPlan.Status.CURRENT) or plans.get(ReintegrationPlan.Status.DRAFT)
    summary = PlanSummary(plan)
    if plan is not None:
        summary = PlanSummary(plan, plan.goal_count, plan.achieved_count, plan.overdue_count)
    return {
        "tasks": list(case.tasks.open().select_related("assigned_to")[:50]),
        "pending_transfer": _pending_transfer(case),
        "assessments": list(case.assessments.all()[:20]),
        "plan_summary": summary,
        "document_summary": document_summary(returnee=case.returnee),
    }


TRANSFER_RELATED = ("case__returnee", "from_worker", "to_worker", "from_region", "to_region", "requested_by")


def transfers_incoming(*, user) -> list:
    return list(permissions.transfers_answerable_by(user).select_related(*TRANSFER_RELATED)[:100])


def transfers_outgoing(*, user):
    """Transfers of cases the user may see, newest first (the last hundred)."""
    visible = permissions.cases_visible_to(user).values("pk")
    return CaseTransfer.objects.filter(case__in=visible).select_related(*TRANSFER_RELATED)[:100]


def tasks_visible_to(*, user):
    from .models import FollowUpTask

    condition = permissions.visible_through(user, "case")
    tasks = FollowUpTask.objects.all() if condition is None else FollowUpTask.objects.filter(condition)
    return tasks.select_related("case")


# --- Merging two records of one person -------------------------------------------------------------

# Relations the preview does not count: the records themselves and the merges' own history.
_NOT_COUNTED = {
    "cases.case.returnee",
    "cases.returnee.merged_into",
    "cases.case.merged_into",
    "cases.familymember.returnee",
    "cases.namekey.returnee",
    *HISTORY_RELATIONS,
}


@dataclass
class MergeSide:
    returnee: Returnee
    family: Family | None


@dataclass
class MergePreview:
    sides: list[MergeSide]
    # (what, [how many on each side]), for the kinds of rows either record has.
    counts: list[tuple[str, list[int]]]


def merge_candidate(*, user, number: str) -> tuple[Returnee | None, str]:
    """The record with this case number that the user may merge (in their own scope), or None and,
    when the number is that of a record already merged into one they may see, the number it became."""
    number = number.strip()
    other = (
        permissions.returnees_visible_to(user)
        .filter(case_number__iexact=number, case__in=permissions.cases_in_scope(user))
        .select_related("case")
        .first()
    )
    if other is not None:
        return other, ""
    survivor = (
        permissions.returnees_visible_to(user)
        .filter(merged_records__case_number__iexact=number)
        .values_list("case_number", flat=True)
        .first()
    )
    return None, survivor or ""


def merge_preview(*, returnees: list[Returnee]) -> MergePreview:
    """The two records side by side: identity, family and how many rows of each kind hang on each,
    in three queries whatever the numbers (one for the records with every count as a subquery)."""
    relations = [(k, r, s) for k, r, s in merge_relations() if k not in _NOT_COUNTED]
    counts = {}
    for index, (_key, relation, side) in enumerate(relations):
        owner = "pk" if side == "returnee" else "case"
        rows = (
            relation.related_model._base_manager.filter(**{relation.field.name: OuterRef(owner)})
            .order_by()
            .values(relation.field.name)
            .annotate(n=Count("pk"))
            .values("n")
        )
        counts[f"n{index}"] = Coalesce(Subquery(rows), 0)
    rows = {
        r.pk: r
        for r in Returnee.objects.filter(pk__in=[r.pk for r in returnees])
        .select_related("operation", "region", "district", "case", "case__worker", "membership__family")
        .prefetch_related("aliases")
        .annotate(**counts)
    }
    ordered = [rows[r.pk] for r in returnees]
    sides = []
    for row in ordered:
        membership = getattr(row, "membership", None)
        sides.append(MergeSide(row, membership.family if membership else None))
    table = []
    for index, (_key, relation, _side) in enumerate(relations):
        numbers = [getattr(row, f"n{index}") for row in ordered]
        if any(numbers):
            table.append((str(capfirst(relation.related_model._meta.verbose_name_plural)), numbers))
    return MergePreview(sides, table)


def former_case_numbers(*, returnee: Returnee) -> list[str]:
    """The case numbers of the records merged into this one (a search for them finds it)."""
    if getattr(returnee, "has_merged_records", True) is False:
        return []
    return list(returnee.merged_records.order_by("case_number").values_list("case_number", flat=True))


def returnee_merges(*, returnee: Returnee) -> list:
    """The merges that folded other records into this one and still stand, newest first."""
    if getattr(returnee, "has_merged_records", True) is False:
        return []
    return list(returnee.merges_received.filter(undone_at__isnull=True).select_related("merged_by"))


def merged_successor(*, user, returnee_pk: int | None = None, case_pk: int | None = None) -> Returnee | None:
    """For the page of a record merged into another: the record it became, when the user may see it
    (else None, and the page is a 404 like any other it cannot open)."""
    merged = Returnee.objects.filter(merged_into__isnull=False)
    merged = merged.filter(pk=returnee_pk) if returnee_pk is not None else merged.filter(case__pk=case_pk)
    target = merged.values_list("merged_into", flat=True).first()
    if target is None:
        return None
    return permissions.returnees_visible_to(user).select_related("case").filter(pk=target).first()


# --- Probable duplicates -----------------------------------------------------------------------------


def duplicate_decisions_of(*, user, returnee: Returnee) -> list:
    """The probable matches set aside when `returnee` was registered, for their page: each with
    `match` (the other record, only when `user` may see it) and `decidable` (the user may decide
    it now). Three queries at most, none when `returnee_get` found there are none."""
    if getattr(returnee, "has_duplicate_decisions", True) is False:
        return []
    decisions = list(returnee.duplicate_decisions.select_related("registered_by", "decided_by").order_by("pk"))
    if not decisions:
        return decisions
    ids = [d.candidate_id for d in decisions]
    visible = permissions.returnees_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    matches = Returnee.objects.in_bulk(list(visible))
    decidable = set(
        permissions.duplicate_decisions_visible_to(user)
        .filter(pk__in=[d.pk for d in decisions if d.is_pending])
        .values_list("pk", flat=True)
    )
    for decision in decisions:
        decision.match = matches.get(decision.candidate_id)
        decision.decidable = decision.pk in decidable
    return decisions


def duplicate_decision_get(*, user, pk: int):
    """A probable duplicate the user may compare (both records in their scope), with both records."""
    people = ("region", "district", "operation", "case__worker", "membership__family")
    return get_object_or_404(
        permissions.duplicate_decisions_visible_to(user).select_related(
            "registered_by",
            "decided_by",
            *(f"returnee__{path}" for path in people),
            *(f"candidate__{path}" for path in people),
        ),
        pk=pk,
    )


def mothers_of(returnees) -> dict[int, str]:
    """The name of each returnee's mother as their household records her (one query)."""
    families = {r.pk: r.membership.family_id for r in returnees if getattr(r, "membership", None)}
    mothers = {}
    for family_id, full_name, *parts in FamilyMember.objects.filter(
        family_id__in=set(families.values()), relationship=FamilyMember.Relationship.MOTHER
    ).values_list("family_id", "full_name", "returnee__family_name", "returnee__given_name", "returnee__patronymic"):
        mothers.setdefault(family_id, " ".join(p for p in parts if p) or full_name)
    return {pk: mothers[family] for pk, family in families.items() if family in mothers}


def case_summary(*, user, case: Case) -> dict:
    """What the printable case summary shows, in a fixed number of queries: the case and person, the
    family, documents, assessments, the current plan's goals, open tasks, the latest contacts; the
    restricted section only for a reader who may open it. (The page adds the referrals.)"""
    returnee = case.returnee
    membership = getattr(returnee, "membership", None)
    members = []
    if membership is not None:
        members = list(membership.family.members.select_related("returnee").order_by("-is_head", "id"))
    plan = plan_latest(case=case)
    legal = None
    if permissions.can_see_restricted(user, returnee):
        legal = LegalRecord.objects.filter(returnee=returnee).first()
    return {
        "case": case,
        "returnee": returnee,
        "family": membership.family if membership is not None else None,
        "members": members,
        "document_summary": document_summary(returnee=returnee),
        "assessments": list(case.assessments.all()[:20]),
        "plan": plan,
        "goals": list(plan.goals.all()) if plan is not None else [],
        "tasks": list(case.tasks.open().select_related("assigned_to")[:50]),
        "notes": recent_notes(case=case, limit=10),
        "legal_record": legal,
        "photo": getattr(returnee, "photo", None),
    }
