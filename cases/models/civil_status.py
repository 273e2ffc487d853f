"""Civil status in the first months after arrival: uploaded files, identity documents, consent,
kinship tests and care arrangements."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.deadlines import overdue_on
from repat.core.models import CheckedModel

from ..querysets import IdentityDocumentQuerySet
from ..storage import private_storage
from .case import Case
from .registration import FamilyMember, Returnee

# --- The first months after arrival: documents, kinship, care, assessments, plans, consent -------


def upload_to(instance, filename: str) -> str:
    """A random name under a dated folder: the original name is kept in the row, never on disk."""
    import uuid

    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """An uploaded file (document scan, consent form), stored outside the web root under a random
    name and served only by the attachment view, which applies the case's visibility."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=upload_to, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("cases:attachment_download", args=[self.pk])


class ReturneePhoto(models.Model):
    """A returnee's photo, so that a field worker knows whom they are meeting: one per returnee,
    re-encoded on upload (a JPEG of at most 800 px, without EXIF and so without a GPS position; see
    uploads.prepare_photo), stored outside the web root under a random name and served only by the
    photo view, which applies the case's visibility. Replacing it replaces the file; removing it
    deletes both."""

    returnee = models.OneToOneField(
        Returnee, verbose_name=_("returnee"), on_delete=models.CASCADE, related_name="photo"
    )
    file = models.FileField(_("file"), upload_to=upload_to, storage=private_storage)
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return str(self.returnee_id)

    def get_absolute_url(self) -> str:
        # The uploaded time makes each version its own URL (the response itself is never cached).
        return reverse("cases:returnee_photo", args=[self.returnee_id]) + f"?v={int(self.uploaded_at.timestamp())}"


class IdentityDocument(CheckedModel):
    """A civil or legal document a returnee needs, tracked from missing to issued."""

    class Kind(models.TextChoices):
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        NATIONAL_ID = "national_id", _("National ID card")
        PASSPORT = "passport", _("Passport")
        RESIDENCE_REGISTRATION = "residence_registration", _("Residence registration")
        CITIZENSHIP_CONFIRMATION = "citizenship_confirmation", _("Citizenship confirmation")
        GUARDIANSHIP_ORDER = "guardianship_order", _("Guardianship order")
        PARENT_DEATH_CERTIFICATE = "parent_death_certificate", _("Parent's death certificate")
        COURT_DECISION = "court_decision", _("Court decision")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        MISSING = "missing", _("Missing")
        REQUESTED = "requested", _("Requested")
        IN_PROGRESS = "in_progress", _("In progress")
        ISSUED = "issued", _("Issued")
        REFUSED = "refused", _("Refused")

    # The documents every returnee needs; the returnee page lists those not yet issued.
    CORE_KINDS = (Kind.BIRTH_CERTIFICATE, Kind.CITIZENSHIP_CONFIRMATION, Kind.RESIDENCE_REGISTRATION)
    TRANSITIONS = {
        Status.MISSING: (Status.REQUESTED,),
        Status.REQUESTED: (Status.IN_PROGRESS, Status.ISSUED, Status.REFUSED),
        Status.IN_PROGRESS: (Status.ISSUED, Status.REFUSED),
        Status.REFUSED: (Status.REQUESTED,),
        Status.ISSUED: (),
    }
    OPEN_STATUSES = tuple(status for status, onward in TRANSITIONS.items() if onward)  # all but issued

    returnee = models.ForeignKey(
        Returnee, verbose_name=_("returnee"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MISSING)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    number = models.CharField(_("number"), max_length=50, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    responsible_organisation = models.CharField(_("responsible organisation"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    scan = models.ForeignKey(
        Attachment, verbose_name=_("scan"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdentityDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        indexes = [
            models.Index(fields=["returnee", "kind"], name="document_returnee_kind_idx"),
            models.Index(fields=["status", "due_date"], name="document_status_due_idx"),
            # The people search finds a returnee by a document's number, in any case (cases/search.py).
            models.Index(Upper("number"), name="document_number_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="document_refusal_has_reason",
                violation_error_message=_("Give the reason for the refusal."),
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(issued_on__isnull=False),
                name="document_issued_has_date",
                violation_error_message=_("Give the date the document was issued."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        # The constraint says the same; raised here, a form shows it next to the field.
        if self.status == self.Status.ISSUED and not self.issued_on:
            raise ValidationError({"issued_on": _("Give the date the document was issued.")})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and overdue_on(self.due_date)

    def next_statuses(self) -> list[str]:
        return list(self.TRANSITIONS[self.Status(self.status)])


class ConsentRecord(CheckedModel):
    """Consent given for a purpose, by someone on record, until a date. Referrals that share data
    are gated on one that names the provider (or its service category): see `cases/consent.py` for
    when a consent holds and services/actions.py for the gate."""

    class GivenBy(models.TextChoices):
        SELF = "self", _("The returnee themself")
        MEMBER = "member", _("A family member on record")
        GUARDIAN = "guardian", _("The legal guardian appointed by an order on record")

    class Purpose(models.TextChoices):
        SERVICES = "services", _("Receiving services")
        DATA_SHARING = "data_sharing", _("Sharing data with a service provider")
        PHOTOS = "photos", _("Photographs")
        DNA_TESTING = "dna_testing", _("DNA testing")

    # Purposes that concern a provider, and so name one (or a category of service).
    PROVIDER_PURPOSES = (Purpose.SERVICES, Purpose.DATA_SHARING)

    returnee = models.ForeignKey(
        Returnee, verbose_name=_("returnee"), on_delete=models.PROTECT, related_name="consents"
    )
    given_by = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices)
    giver = models.ForeignKey(
        FamilyMember,
        verbose_name=_("family member who gave consent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_given",
    )
    guardianship = models.ForeignKey(
        "CareArrangement",
        verbose_name=_("guardianship order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_given",
    )
    giver_relationship = models.CharField(
        _("relation to the returnee"), max_length=20, choices=FamilyMember.Relationship.choices, blank=True
    )
    # The giver's name when consent was given (the family record may change later); for consents
    # recorded before givers pointed at records, the name as it was typed.
    given_by_name = models.CharField(_("name of the person giving consent"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    provider = models.ForeignKey(
        "services.Provider",
        verbose_name=_("service provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    service_category = models.ForeignKey(
        "services.ServiceCategory",
        verbose_name=_("service category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    # Before consents pointed at providers, the organisations were typed here. Kept to show what an
    # unmatched consent said (migration 0011); new consents leave it empty.
    shared_with = models.CharField(_("organisations as written"), max_length=300, blank=True)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    form = models.ForeignKey(
        Attachment, verbose_name=_("signed form"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["returnee", "purpose"], name="consent_returnee_purpose_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
                violation_error_message=_("Consent cannot expire before it was given."),
            ),
            # A data-sharing consent names a provider or a category on record, or (recorded before
            # that) the organisations as typed, which no longer satisfies the gate.
            models.CheckConstraint(
                condition=~Q(purpose="data_sharing")
                | Q(provider__isnull=False)
                | Q(service_category__isnull=False)
                | ~Q(shared_with=""),
                name="consent_sharing_names_a_recipient",
                violation_error_message=_("Choose the provider, or a service category."),
            ),
            models.CheckConstraint(
                condition=~Q(given_by="self") | Q(giver__isnull=True, guardianship__isnull=True),
                name="consent_self_has_no_giver",
            ),
            models.CheckConstraint(
                condition=Q(giver__isnull=True) | Q(guardianship__isnull=True),
                name="consent_one_giver",
            ),
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()

    def clean(self) -> None:
        # The constraints say the same; raised here, a form shows each message next to its field.
        errors = {}
        if self.given_on and self.expires_on and self.expires_on < self.given_on:
            errors["expires_on"] = _("Consent cannot expire before it was given.")
        if self.purpose == self.Purpose.DATA_SHARING and not (
            self.provider_id or self.service_category_id or self.shared_with.strip()
        ):
            errors["provider"] = _("Choose the provider, or a service category.")
        if errors:
            raise ValidationError(errors)

    @property
    def recipient(self) -> str:
        """Whom the consent concerns, as a line for lists: the provider, the category, or both."""
        if self.provider_id and self.service_category_id:
            return f"{self.provider} ({self.service_category})"
        if self.provider_id:
            return str(self.provider)
        if self.service_category_id:
            return str(_("any provider of %(category)s") % {"category": self.service_category})
        return ""

    def is_valid(self, on: datetime.date | None = None) -> bool:
        """In force on a date (given, not withdrawn, not expired). Whether it also holds for a
        referral (recipient, giver) is `cases.consent.consent_problems`."""
        on = on or timezone.localdate()
        if self.withdrawn_on and self.withdrawn_on <= on:
            return False
        return self.given_on <= on and (self.expires_on is None or self.expires_on >= on)


class KinshipTest(models.Model):
    """A DNA test of a returnee against a claimed relative, and its result."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Awaiting result")
        MATCH = "match", _("Match")
        NO_MATCH = "no_match", _("No match")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    returnee = models.ForeignKey(
        Returnee, verbose_name=_("returnee tested"), on_delete=models.PROTECT, related_name="kinship_tests"
    )
    relative = models.ForeignKey(
        FamilyMember,
        verbose_name=_("tested against"),
        on_delete=models.PROTECT,
        related_name="kinship_tests",
        help_text=_("The family member whose kinship is being verified."),
    )
    claimed_relationship = models.CharField(
        _("claimed relationship of the relative"), max_length=20, choices=FamilyMember.Relationship.choices
    )
    consent = models.ForeignKey(
        ConsentRecord, verbose_name=_("consent"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    laboratory = models.CharField(_("laboratory"), max_length=200)
    sample_date = models.DateField(_("sample date"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.PENDING)
    reported_on = models.DateField(_("result reported on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sample_date", "-id"]
        verbose_name = _("kinship test")
        verbose_name_plural = _("kinship tests")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="pending") | Q(reported_on__isnull=False),
                name="kinship_result_has_date",
                violation_error_message=_("Give the date the result was reported."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_claimed_relationship_display()}: {self.get_result_display()}"


class CareArrangement(models.Model):
    """Who a child lives with and under whose legal guardianship. A new arrangement ends the
    current one, so the rows are the history of the child's care."""

    class Kind(models.TextChoices):
        MOTHER = "mother", _("With the mother")
        GRANDPARENTS = "grandparents", _("With grandparents")
        RELATIVES = "relatives", _("With other relatives")
        FOSTER = "foster", _("Foster family")
        INSTITUTION = "institution", _("Institution")
        OTHER = "other", _("Other")

    returnee = models.ForeignKey(
        Returnee, verbose_name=_("child"), on_delete=models.PROTECT, related_name="care_arrangements"
    )
    kind = models.CharField(_("arrangement"), max_length=20, choices=Kind.choices)
    caregiver_name = models.CharField(_("current caregiver"), max_length=200)
    caregiver_relationship = models.CharField(_("caregiver's relationship to the child"), max_length=100, blank=True)
    guardian_name = models.CharField(_("legal guardian"), max_length=200, blank=True)
    guardianship_order_number = models.CharField(_("guardianship order number"), max_length=50, blank=True)
    guardianship_order_date = models.DateField(_("guardianship order date"), null=True, blank=True)
    placement_date = models.DateField(_("placement date"))
    prior_agreement = models.BooleanField(
        _("receiving family agreed beforehand"),
        default=False,
        help_text=_("The receiving family gave its agreement before the placement."),
    )
    notes = models.TextField(_("notes"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # the version edit forms carry (repat.core.versions)

    class Meta:
        ordering = ["-placement_date", "-id"]
        verbose_name = _("care arrangement")
        verbose_name_plural = _("care arrangements")
        constraints = [
            models.UniqueConstraint(
                fields=["returnee"], condition=Q(ended_on__isnull=True), name="care_one_current_per_child"
            ),
            models.CheckConstraint(
                condition=Q(guardianship_order_number="") | ~Q(guardian_name=""),
                name="care_order_names_guardian",
                violation_error_message=_("Name the legal guardian the order appoints."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def under_guardianship(self) -> bool:
        return bool(self.guardian_name and self.guardianship_order_number)
