import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from repat.core.deadlines import overdue_on
from repat.core.models import CheckedModel, LocalizedNameMixin

from .querysets import ReferralQuerySet


class ServiceCategory(LocalizedNameMixin):
    """A family of services: health, psychosocial support, education, legal, social protection..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")


class ServiceType(LocalizedNameMixin):
    """A service that can be requested, with default deadlines for the provider."""

    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="types"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    days_to_accept = models.PositiveSmallIntegerField(_("days to accept"), default=5)
    days_to_complete = models.PositiveSmallIntegerField(_("days to complete"), default=30)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__position", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")


class Provider(models.Model):
    """An organisation that delivers services: a ministry department, school, clinic or NGO."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry department")
        SCHOOL = "school", _("School or kindergarten")
        CLINIC = "clinic", _("Clinic or hospital")
        NGO = "ngo", _("NGO")
        UNICEF_PARTNER = "unicef_partner", _("UNICEF partner")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    # Consent records point at the provider; these let people find it by the name they know it by.
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    regions = models.ManyToManyField(
        "accounts.Region", verbose_name=_("regions served"), related_name="providers", limit_choices_to={"parent": None}
    )
    service_types = models.ManyToManyField(ServiceType, verbose_name=_("services offered"), related_name="providers")
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("How many open referrals it can take at once; empty if not limited."),
    )
    accepting_referrals = models.BooleanField(_("accepts new referrals"), default=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.localized_name

    localized_name = LocalizedNameMixin.localized_name


class ProviderContact(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name


class ProviderStaff(models.Model):
    """Links a provider user to the organisation whose referrals they handle."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="provider_staff"
    )
    provider = models.ForeignKey(Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("provider staff member")
        verbose_name_plural = _("provider staff")

    def __str__(self) -> str:
        return f"{self.user} ({self.provider})"


@dataclass(frozen=True)
class Step:
    """One step of the referral workflow (`Referral.TRANSITIONS`): the statuses it leaves from,
    the status it leads to (None: it changes no status, as the consent override), who may take it
    (a question `services.permissions.Standing` answers), the label of its button and page, and
    the fields its form asks for."""

    sources: tuple[str, ...]
    target: str | None
    who: str
    label: Promise
    fields: tuple[str, ...]
    # What the step did and what comes next, said once it is done; and when to take it (the
    # button's title and the step page's help), where two steps could be confused.
    done: Promise = ""
    help: Promise = ""

    @property
    def closing(self) -> bool:
        """Declines, cancels or revokes the referral: it needs a reason (kept in `closing_reason`)
        and its button warns."""
        return self.target in Referral.WITH_CLOSING_REASON


class Referral(CheckedModel):
    """A request that a provider deliver a service to a returnee, and its way to completion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", pgettext_lazy("referral status", "Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")
        EMERGENCY = "emergency", _("Emergency")

    # Sent to the coordinators and not finished: what may be revoked.
    SENT = (Status.SUBMITTED, Status.ASSIGNED, Status.ACCEPTED, Status.DECLINED, Status.IN_PROGRESS)
    # Not finished: may be cancelled, follows its case to another region, `Referral.objects.open()`.
    OPEN = (Status.DRAFT, *SENT)
    # Waiting for a coordinator to choose a provider (again, once declined).
    WAITING_FOR_PROVIDER = (Status.SUBMITTED, Status.DECLINED)
    # In a provider's hands: what counts against its capacity and its load.
    WITH_PROVIDER = (Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS)
    # Taken on by a provider: the service counts as received (the programme's indicators).
    TAKEN_ON = (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED)
    # What a provider's staff see of the referrals sent to it: everything from its assignment on.
    SHOWN_TO_PROVIDER = (*WITH_PROVIDER, Status.DECLINED, Status.COMPLETED, Status.CANCELLED, Status.REVOKED)
    # Ended or refused with a reason, which `closing_reason` keeps.
    WITH_CLOSING_REASON = (Status.DECLINED, Status.CANCELLED, Status.REVOKED)
    # The deadline that runs in each status: accepting while assigned, completing once accepted.
    DEADLINES = {"accept_due": (Status.ASSIGNED,), "complete_due": (Status.ACCEPTED, Status.IN_PROGRESS)}

    # The workflow: each step by the name pages, forms and `services.actions.referral_transition` use.
    TRANSITIONS = {
        "submit": Step(
            (Status.DRAFT,),
            Status.SUBMITTED,
            "case_worker",
            _("Submit"),
            ("comment",),
            done=_("The referral was submitted. Next, a coordinator assigns it to a provider."),
        ),
        "assign": Step(
            WAITING_FOR_PROVIDER,
            Status.ASSIGNED,
            "coordinator",
            _("Assign to a provider"),
            ("provider", "assignee", "provider_brief", "comment"),
            done=_("The referral was assigned to %(provider)s. Next, its staff accept or decline it."),
        ),
        "accept": Step(
            (Status.ASSIGNED,),
            Status.ACCEPTED,
            "provider",
            _("Accept"),
            ("comment",),
            done=_("You accepted the referral. Next, start the service when the first session takes place."),
        ),
        "decline": Step(
            (Status.ASSIGNED,),
            Status.DECLINED,
            "provider",
            _("Decline"),
            ("reason",),
            done=_("You declined the referral. The coordinator sees your reason and may assign another provider."),
        ),
        "start": Step(
            (Status.ACCEPTED,),
            Status.IN_PROGRESS,
            "provider",
            _("Start the service"),
            ("comment",),
            done=_("The service has started. Next, record its completion and outcome when it ends."),
        ),
        "complete": Step(
            (Status.IN_PROGRESS,),
            Status.COMPLETED,
            "provider",
            _("Record completion"),
            ("outcome", "completed_on", "comment"),
            done=_("The service was recorded as completed. The referral is closed; its outcome shows on the case."),
        ),
        "cancel": Step(
            OPEN,
            Status.CANCELLED,
            "case_worker_or_coordinator",
            _("Cancel the referral"),
            ("reason",),
            done=_("The referral was cancelled and is closed. Request the service again if the need returns."),
            help=_(
                "Cancel when the service is no longer needed (the need was met elsewhere, the person moved). "
                "The referral is closed; nothing went wrong."
            ),
        ),
        "revoke": Step(
            SENT,
            Status.REVOKED,
            "revoker",
            _("Revoke the referral"),
            ("reason",),
            done=_(
                "The referral was revoked: the provider's work on it stops and your reason is kept on record. "
                "Check with the provider that no further data are used."
            ),
            help=_(
                "Revoke when the referral must not go on: consent was withdrawn, or it was sent where the "
                "person's data must not go. Only coordinators and supervisors may revoke."
            ),
        ),
        "override": Step(
            OPEN,
            None,
            "consent_overrider",
            _("Override the consent requirement"),
            ("reason",),
            done=_("The override was recorded. The referral may now be assigned without recorded consent."),
        ),
    }

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    plan_goal = models.ForeignKey(
        "cases.PlanGoal",
        verbose_name=_("plan goal served"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    shares_data = models.BooleanField(
        _("shares the returnee's data with the provider"),
        default=True,
        help_text=_(
            "Ticked: the provider sees the returnee's name, age and sex, the contact and the reason, and "
            "the referral needs a valid consent to share data with that provider or its kind of service. "
            "Unticked: the provider sees only the referral number, the service and what the provider needs "
            "to act; nothing that identifies the person leaves, so no consent is needed."
        ),
    )
    provider_contact = models.CharField(
        _("contact for the provider"),
        max_length=300,
        blank=True,
        help_text=_(
            "Caregiver's name and phone: the provider sees this, not the case file. Only when data are shared."
        ),
    )
    provider_brief = models.TextField(
        _("what the provider needs to act"),
        blank=True,
        help_text=_(
            "Written for the provider: what to do, how urgent, practical needs (language, accessibility). "
            "Do not write names, ages, addresses, phone numbers or anything else that identifies the "
            "person: without data sharing, this is all the provider reads."
        ),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_referrals",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The returnee's region when the referral was made, for the queue's filters."),
    )
    days_to_accept = models.PositiveSmallIntegerField(_("days to accept"), null=True, blank=True)
    days_to_complete = models.PositiveSmallIntegerField(_("days to complete"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    accept_due = models.DateField(_("accept by"), null=True, blank=True)
    complete_due = models.DateField(_("complete by"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closing_reason = models.TextField(_("reason for declining, cancelling or revoking"), blank=True)
    consent = models.ForeignKey(
        "cases.ConsentRecord",
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_override_reason = models.TextField(_("reason for overriding consent"), blank=True)
    consent_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent requirement overridden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_overridden_at = models.DateTimeField(_("consent requirement overridden at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["status", "region", "-created_at"], name="referral_status_region_idx"),
            models.Index(fields=["provider", "status"], name="referral_provider_status_idx"),
            models.Index(fields=["service_type", "status"], name="referral_type_status_idx"),
            models.Index(fields=["status", "accept_due"], name="referral_accept_due_idx"),
            models.Index(fields=["status", "complete_due"], name="referral_complete_due_idx"),
            models.Index(fields=["case", "-created_at"], name="referral_case_idx"),
            # The queue's order (newest first), for everyone and per provider: a page of the
            # country's referrals is read from the index, not sorted.
            models.Index(fields=["-created_at", "-id"], name="referral_queue_order_idx"),
            models.Index(fields=["provider", "-created_at", "-id"], name="referral_provider_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "accepted", "in_progress", "completed"])
                | Q(provider__isnull=False),
                name="referral_assigned_has_provider",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="referral_completed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "cancelled", "revoked"]) | ~Q(closing_reason=""),
                name="referral_closing_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("services:referral_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """What provider staff and the family use to refer to the referral instead of a name: the
        family shows it at the provider when no data are shared."""
        return f"R-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def due_date(self) -> datetime.date | None:
        """The deadline that runs in the referral's status (`DEADLINES`), if any."""
        for field, statuses in self.DEADLINES.items():
            if self.status in statuses:
                return getattr(self, field)
        return None

    @property
    def is_overdue(self) -> bool:
        """As `Referral.objects.overdue()` counts it."""
        return overdue_on(self.due_date)
