"""The case file of one returnee: the case, its contacts, its timeline and its follow-up tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.deadlines import overdue_on
from repat.core.models import CheckedModel

from ..querysets import CaseQuerySet, FollowUpTaskQuerySet
from .registration import Returnee


class Case(CheckedModel):
    """The social work file of one returnee: who holds it, how it stands, how risky it is."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACTIVE = "active", _("Active")
        MONITORING = "monitoring", _("Monitoring")
        CLOSED = "closed", _("Closed")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class ClosureReason(models.TextChoices):
        REINTEGRATED = "reintegrated", _("Goals achieved, reintegrated")
        MOVED = "moved", _("Moved out of the programme's area")
        TRANSFERRED = "transferred", _("Transferred to another agency")
        ADULT = "adult", _("Child reached adulthood")
        DECEASED = "deceased", _("Deceased")
        DECLINED = "declined", _("Declined further support")
        OTHER = "other", _("Other")

    returnee = models.OneToOneField(Returnee, verbose_name=_("returnee"), on_delete=models.PROTECT, related_name="case")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("social worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        limit_choices_to={"role": "social_worker", "is_active": True},
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    closure_reason = models.CharField(_("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, default=Risk.MEDIUM)
    risk_reason = models.TextField(_("reason for the risk level"), blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Retention: a case closed long enough is listed first (the dry run), then anonymised on this day.
    anonymise_after = models.DateField(_("to be anonymised after"), null=True, blank=True)
    anonymised_on = models.DateField(_("anonymised on"), null=True, blank=True)
    # The returnee's `merged_into`, on the case too, so that lists of cases leave merged records out
    # without a join.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+", db_index=False
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["worker", "status"], name="case_worker_status_idx"),
            models.Index(fields=["status", "risk_level"], name="case_status_risk_idx"),
            # The caseload's default order (soonest follow-up first), for everyone and per worker,
            # so that a page of a million cases is read from the index, not sorted.
            models.Index(fields=["next_follow_up", "id"], name="case_follow_up_order_idx"),
            models.Index(fields=["worker", "next_follow_up", "id"], name="case_worker_follow_up_idx"),
            # The cases nobody holds (the caseload's "no social worker yet"), in the list's order:
            # a few rows among a country's cases, so a partial index of their own.
            models.Index(fields=["next_follow_up", "id"], condition=Q(worker__isnull=True), name="case_unassigned_idx"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="case_merged_into_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="closed", closed_on__isnull=False) & ~Q(closure_reason="")
                    | ~Q(status="closed") & Q(closed_on__isnull=True, closure_reason="")
                ),
                name="case_closed_has_reason_and_date",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.returnee.case_number

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def follow_up_overdue(self) -> bool:
        return not self.is_closed and overdue_on(self.next_follow_up)


class Note(models.Model):
    """A contact with the returnee or family: a visit, a call, a school visit."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("Home visit")
        OFFICE_VISIT = "office_visit", _("Office visit")
        PHONE_CALL = "phone_call", _("Phone call")
        SCHOOL_VISIT = "school_visit", _("School visit")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    contact_date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("summary"))
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-contact_date", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["case", "-contact_date"], name="note_case_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.contact_date}"


class CaseEvent(models.Model):
    """One row per change to a case, written in the same transaction as the change.

    The case timeline is read from these rows; `changes` holds {field: [old, new]} for edits.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        REGISTERED = "registered", _("Returnee registered")
        RETURNEE_UPDATED = "returnee_updated", _("Returnee details updated")
        UPDATED = "updated", _("Case updated")
        STATUS_CHANGED = "status_changed", _("Status changed")
        RISK_CHANGED = "risk_changed", _("Risk level changed")
        ASSIGNED = "assigned", _("Social worker assigned")
        CLOSED = "closed", _("Case closed")
        REOPENED = "reopened", _("Case reopened")
        NOTE_LOGGED = "note_logged", _("Contact logged")
        FAMILY_JOINED = "family_joined", _("Added to a family")
        DOCUMENT_ADDED = "document_added", _("Document recorded")
        DOCUMENT_UPDATED = "document_updated", _("Document details updated")
        DOCUMENT_STATUS = "document_status", _("Document status changed")
        FILE_UPLOADED = "file_uploaded", _("File uploaded")
        CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        KINSHIP_TEST = "kinship_test", _("Kinship test recorded")
        KINSHIP_RESULT = "kinship_result", _("Kinship test result")
        CARE_CHANGED = "care_changed", _("Care arrangement changed")
        ASSESSMENT_RECORDED = "assessment_recorded", _("Assessment recorded")
        ASSESSMENT_UPDATED = "assessment_updated", _("Assessment updated")
        PLAN_CREATED = "plan_created", _("Plan version started")
        PLAN_ACTIVATED = "plan_activated", _("Plan version made current")
        GOAL_ADDED = "goal_added", _("Plan goal added")
        GOAL_UPDATED = "goal_updated", _("Plan goal updated")
        GOAL_PROGRESS = "goal_progress", _("Progress noted on a goal")
        REFERRAL_CREATED = "referral_created", _("Service requested")
        REFERRAL_STATUS = "referral_status", _("Referral status changed")
        CONSENT_OVERRIDDEN = "consent_overridden", _("Consent requirement overridden")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
        TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
        TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        TASK_SCHEDULED = "task_scheduled", _("Follow-up task scheduled")
        TASK_DONE = "task_done", _("Follow-up task done")
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        APPROVAL_GIVEN = "approval_given", _("Approved by the supervisor")
        APPROVAL_RETURNED = "approval_returned", _("Returned by the supervisor")
        APPROVAL_WITHDRAWN = "approval_withdrawn", _("Approval request withdrawn")
        RESTRICTED_UPDATED = "restricted_updated", _("Restricted section updated")
        EMERGENCY_ACCESS = "emergency_access", _("Opened in an emergency")
        MERGED = "merged", _("Records merged")
        MERGE_UNDONE = "merge_undone", _("Merge of records undone")
        DUPLICATE_CONFIRMED = "duplicate_confirmed", _("Confirmed as a different person from a probable match")
        DUPLICATE_DECIDED = "duplicate_decided", _("Probable duplicate decided")
        PHOTO_ADDED = "photo_added", _("Photo added")
        PHOTO_REPLACED = "photo_replaced", _("Photo replaced")
        PHOTO_REMOVED = "photo_removed", _("Photo removed")

    # For each kind of subject, the field that names the item in the timeline (its kind or domain).
    SUBJECT_ITEM_FIELD = {
        "identitydocument": "kind",
        "consentrecord": "purpose",
        "kinshiptest": "claimed_relationship",
        "carearrangement": "kind",
        "assessment": "kind",
        "reintegrationplan": "version",
        "plangoal": "goal",
        "attachment": "original_name",
        "referral": "service_type_id",
        "casetransfer": "reason",
        "followuptask": "description",
        "approvalrequest": "kind",
        "returneemerge": "merged_case_number",
        "duplicatedecision": "status",
    }

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.ForeignKey(
        Note, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the event is about when it is not the case itself: the model's name and the row's id,
    # and the item (its kind, or a short text) so the timeline can name it without another query.
    subject = models.CharField(_("record type"), max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    item = models.CharField(_("item"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "-created_at"], name="caseevent_case_time_idx"),
            models.Index(fields=["subject", "subject_id"], name="caseevent_subject_idx"),
            models.Index(fields=["kind", "-created_at"], name="caseevent_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class FollowUpTask(models.Model):
    """Something to do on a case by a date, by someone: "call the school", "check the allowance"."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="tasks")
    due_date = models.DateField(_("due date"))
    description = models.CharField(_("what"), max_length=300)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="follow_up_tasks"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [
            models.Index(fields=["due_date"], condition=Q(done_at__isnull=True), name="task_open_due_idx"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and overdue_on(self.due_date)
