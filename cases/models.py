import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repat.core.crypto import EncryptedTextField
from repat.core.deadlines import overdue_on

from .querysets import (
    AssessmentQuerySet,
    CaseQuerySet,
    FamilyQuerySet,
    FollowUpTaskQuerySet,
    IdentityDocumentQuerySet,
    PlanGoalQuerySet,
    ReturneeQuerySet,
)
from .storage import private_storage


def district_errors(instance) -> dict:
    """A district must lie in the chosen region."""
    if instance.district_id and instance.region_id and instance.district.parent_id != instance.region_id:
        return {"district": _("This district is not in the chosen region.")}
    return {}


class CaseSettings(models.Model):
    """Case-work rules administrators change in the admin without code. One row."""

    consent_min_age = models.PositiveSmallIntegerField(
        _("age from which a child may consent alone"),
        default=14,
        help_text=_("Below this age, consent comes from the parent or legal guardian on record."),
    )
    emergency_access_daily_limit = models.PositiveSmallIntegerField(
        _("emergency openings per person per day"),
        default=3,
        help_text=_("Beyond this number, a supervisor must approve each further emergency opening."),
    )

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="case_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Case settings"))

    @classmethod
    def current(cls) -> "CaseSettings":
        return cls.objects.get_or_create(pk=1)[0]


class Operation(models.Model):
    """A repatriation operation or mission ("Meerim", "Aikol phase 3"). Returnees arrive with one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    country_of_departure = models.CharField(_("country of departure"), max_length=100)
    arrival_date = models.DateField(_("date of arrival"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-arrival_date", "name"]
        verbose_name = _("repatriation operation")
        verbose_name_plural = _("repatriation operations")

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact date")
    MONTH = "month", _("Month and year known")
    YEAR = "year", _("Year known")
    ESTIMATED = "estimated", _("Estimated")


class Language(models.TextChoices):
    KYRGYZ = "ky", _("Kyrgyz")
    RUSSIAN = "ru", _("Russian")
    UZBEK = "uz", _("Uzbek")
    KAZAKH = "kk", _("Kazakh")
    TAJIK = "tg", _("Tajik")
    ARABIC = "ar", _("Arabic")
    TURKISH = "tr", _("Turkish")
    ENGLISH = "en", _("English")
    OTHER = "other", _("Other")


class Returnee(models.Model):
    """A woman or child repatriated from a camp or prison abroad. Each has exactly one case."""

    class CitizenshipStatus(models.TextChoices):
        CONFIRMED = "confirmed", _("Citizenship confirmed")
        PENDING = "pending", _("Confirmation pending")
        UNDETERMINED = "undetermined", _("Undetermined")
        STATELESS = "stateless", _("Stateless or at risk")

    case_number = models.CharField(_("case number"), max_length=30, unique=True, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    date_of_birth_precision = models.CharField(
        _("precision of the date of birth"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.EXACT,
    )
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    born_in_conflict_zone = models.BooleanField(_("born in a conflict zone"), default=False)
    operation = models.ForeignKey(
        Operation, verbose_name=_("operation"), on_delete=models.PROTECT, related_name="returnees"
    )
    departure_place = models.CharField(
        _("camp or place of departure"), max_length=200, blank=True, help_text=_("For example al-Hol or Roj camp.")
    )
    arrival_date = models.DateField(_("date of arrival"))
    citizenship_status = models.CharField(
        _("citizenship status"),
        max_length=20,
        choices=CitizenshipStatus.choices,
        default=CitizenshipStatus.PENDING,
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    special_needs = models.TextField(_("disability or special needs"), blank=True)
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="returnees",
        limit_choices_to={"parent__isnull": True},
    )
    district = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="district_returnees",
        null=True,
        blank=True,
        limit_choices_to={"kind": "district"},
    )
    locality = models.CharField(_("locality and address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReturneeQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("returnee")
        verbose_name_plural = _("returnees")
        indexes = [
            models.Index(fields=["region", "family_name"], name="returnee_region_name_idx"),
            models.Index(fields=["operation"], name="returnee_operation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(arrival_date__gte=models.F("date_of_birth")),
                name="returnee_arrival_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("cases:returnee_detail", args=[self.pk])

    def clean(self) -> None:
        today = timezone.localdate()
        errors = {}
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        if self.arrival_date and self.arrival_date > today:
            errors["arrival_date"] = _("The date of arrival cannot be in the future.")
        elif self.arrival_date and self.date_of_birth and self.arrival_date < self.date_of_birth:
            errors["arrival_date"] = _("The date of arrival cannot be before the date of birth.")
        errors.update(district_errors(self))
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.given_name, self.patronymic) if part)

    def age(self, on: datetime.date | None = None) -> int | None:
        """Completed years on a date. Month- or year-precision dates count from the middle of the
        period they stand for, so an approximate age is never overstated by a whole year."""
        if self.date_of_birth is None:
            return None
        on = on or timezone.localdate()
        born = self.date_of_birth
        if self.date_of_birth_precision == DatePrecision.MONTH:
            born = born.replace(day=15)
        elif self.date_of_birth_precision in (DatePrecision.YEAR, DatePrecision.ESTIMATED):
            born = born.replace(month=7, day=1)
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return max(years, 0)

    def age_bounds(self, on: datetime.date | None = None) -> tuple[int, int] | None:
        """The youngest and the oldest the returnee can be on a date (completed years), given how
        precise the date of birth is: a month or a year spans its first to its last day, and an
        estimate a year either side of its year. None without a date of birth."""
        if self.date_of_birth is None:
            return None
        on = on or timezone.localdate()
        born = self.date_of_birth
        if self.date_of_birth_precision == DatePrecision.MONTH:
            following = (born.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            earliest, latest = born.replace(day=1), following - datetime.timedelta(days=1)
        elif self.date_of_birth_precision == DatePrecision.YEAR:
            earliest, latest = datetime.date(born.year, 1, 1), datetime.date(born.year, 12, 31)
        elif self.date_of_birth_precision == DatePrecision.ESTIMATED:
            earliest, latest = datetime.date(born.year - 1, 1, 1), datetime.date(born.year + 1, 12, 31)
        else:
            earliest = latest = born

        def years(since: datetime.date) -> int:
            return max(on.year - since.year - ((on.month, on.day) < (since.month, since.day)), 0)

        return years(latest), years(earliest)

    @property
    def age_is_approximate(self) -> bool:
        return self.date_of_birth_precision != DatePrecision.EXACT

    def get_languages_display(self) -> str:
        labels = dict(Language.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.languages)


class ReturneeAlias(models.Model):
    """Another spelling of a returnee's name, in any script, as found on documents or lists."""

    class Script(models.TextChoices):
        CYRILLIC = "cyrillic", _("Cyrillic")
        LATIN = "latin", _("Latin")
        ARABIC = "arabic", _("Arabic")
        OTHER = "other", _("Other")

    returnee = models.ForeignKey(Returnee, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    script = models.CharField(_("script"), max_length=10, choices=Script.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("other spelling")
        verbose_name_plural = _("other spellings")
        constraints = [
            models.UniqueConstraint(fields=["returnee", "name"], name="alias_unique_per_returnee"),
        ]

    def __str__(self) -> str:
        return self.name


class KinshipBasis(models.TextChoices):
    DECLARED = "declared", _("Declared by the family")
    DOCUMENTS = "documents", _("Documents")
    DNA = "dna", _("DNA test")


class Family(models.Model):
    """A household: the returnees and the relatives who stayed at home, with where they live."""

    name = models.CharField(
        _("family name"), max_length=200, help_text=_("How the household is known, e.g. the head's family name.")
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="families",
        limit_choices_to={"parent__isnull": True},
    )
    district = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="district_families",
        null=True,
        blank=True,
        limit_choices_to={"kind": "district"},
    )
    locality = models.CharField(_("locality and address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:family_detail", args=[self.pk])

    def clean(self) -> None:
        errors = district_errors(self)
        if errors:
            raise ValidationError(errors)


class FamilyMember(models.Model):
    """A person in a household: a returnee (linked) or a relative recorded by name only.

    A member who is abroad, in prison or deceased stays recorded with that whereabouts instead of
    being left out, so a child's file says where the mother is.
    """

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Sibling")
        GRANDPARENT = "grandparent", _("Grandparent")
        GRANDCHILD = "grandchild", _("Grandchild")
        AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
        NIECE_NEPHEW = "niece_nephew", _("Niece or nephew")
        OTHER_RELATIVE = "other_relative", _("Other relative")
        GUARDIAN = "guardian", _("Guardian")

    class Whereabouts(models.TextChoices):
        IN_HOUSEHOLD = "household", _("Lives in the household")
        ELSEWHERE = "elsewhere", _("Lives elsewhere in the country")
        ABROAD = "abroad", _("Abroad")
        IN_PRISON = "prison", _("In prison or detention")
        DECEASED = "deceased", _("Deceased")
        UNKNOWN = "unknown", _("Unknown")

    family = models.ForeignKey(Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="members")
    returnee = models.OneToOneField(
        Returnee,
        verbose_name=_("returnee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="membership",
    )
    full_name = models.CharField(
        _("full name"), max_length=200, blank=True, help_text=_("For relatives who are not returnees.")
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    whereabouts = models.CharField(
        _("whereabouts"), max_length=20, choices=Whereabouts.choices, default=Whereabouts.IN_HOUSEHOLD
    )
    is_head = models.BooleanField(_("head of household"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    kinship_basis = models.CharField(
        _("kinship established by"), max_length=20, choices=KinshipBasis.choices, default=KinshipBasis.DECLARED
    )
    kinship_test = models.ForeignKey(
        "KinshipTest",
        verbose_name=_("kinship test"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-is_head", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        constraints = [
            models.UniqueConstraint(fields=["family"], condition=Q(is_head=True), name="family_one_head"),
            models.CheckConstraint(
                condition=Q(returnee__isnull=False) | ~Q(full_name=""),
                name="family_member_named",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.returnee.full_name if self.returnee_id else self.full_name


class Case(models.Model):
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
    }

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    changes = models.JSONField(default=dict, blank=True)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What the event is about when it is not the case itself: the model's name and the row's id,
    # and the item (its kind, or a short text) so the timeline can name it without another query.
    subject = models.CharField(max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    item = models.CharField(max_length=300, blank=True)

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


class IdentityDocument(models.Model):
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


class ConsentRecord(models.Model):
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


class PlanDomain(models.TextChoices):
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    EDUCATION = "education", _("Education")
    LEGAL = "legal", _("Legal and documents")
    SOCIAL_PROTECTION = "social_protection", _("Social protection")
    FAMILY = "family", _("Family and community")
    LIVELIHOODS = "livelihoods", _("Livelihoods")


class Assessment(models.Model):
    """A medical, psychosocial, educational or family assessment, planned or done."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("Medical screening")
        PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
        EDUCATIONAL = "educational", _("Educational and grade placement")
        FAMILY = "family", _("Family and home")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COMPLETED)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assessed_on = models.DateField(_("date"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=200, blank=True)
    tool = models.CharField(
        _("tool"), max_length=100, blank=True, help_text=_("For example SDQ or a grade placement test.")
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    recommended_domains = models.JSONField(_("needs recommended for the plan"), default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # the version edit forms carry (repat.core.versions)
    # Set by a supervisor's approval (repat.approvals); a later edit clears it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = [models.F("assessed_on").desc(nulls_first=True), "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["case", "kind"], name="assessment_case_kind_idx"),
            models.Index(fields=["status", "due_date"], name="assessment_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="planned") | Q(assessed_on__isnull=False),
                name="assessment_done_has_date",
                violation_error_message=_("Give the date of a completed assessment."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        # The constraint says the same; raised here, a form shows it next to the field.
        if self.status == self.Status.COMPLETED and not self.assessed_on:
            raise ValidationError({"assessed_on": _("Give the date of a completed assessment.")})

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PLANNED and overdue_on(self.due_date)

    def get_recommended_domains_display(self) -> str:
        labels = dict(PlanDomain.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.recommended_domains)


class ReintegrationPlan(models.Model):
    """One version of a case's individual reintegration plan. A case has at most one current and
    one draft version; making a draft current supersedes the old one, which stays as history.

    A draft becomes current only when a supervisor approves it (repat.approvals).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(_("made current at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="current"), name="plan_one_current"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="draft"), name="plan_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("cases:plan_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.SUPERSEDED


class PlanGoal(models.Model):
    """A goal of a plan in one domain, with its actions, who is responsible, and progress."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=20, choices=PlanDomain.choices)
    goal = models.CharField(_("goal"), max_length=300)
    actions = models.TextField(_("actions"), blank=True)
    responsible = models.CharField(_("responsible organisation or person"), max_length=200, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    source_assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("recommended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="goals",
    )
    updated_at = models.DateTimeField(auto_now=True)  # the version edit forms carry (repat.core.versions)

    objects = PlanGoalQuerySet.as_manager()

    class Meta:
        ordering = ["domain", "id"]
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        indexes = [models.Index(fields=["status", "target_date"], name="goal_status_target_idx")]

    def __str__(self) -> str:
        return self.goal

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and overdue_on(self.target_date)


class GoalProgress(models.Model):
    """A dated progress note on a plan goal."""

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="progress_notes")
    written_on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-written_on", "-id"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return self.text[:50]


class CaseTransfer(models.Model):
    """A request to hand a case to another social worker or region. The case moves only when the
    receiving side (the worker, or a coordinator of the new region) accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the receiving side")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers")
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to social worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_transfers",
        limit_choices_to={"role": "social_worker", "is_active": True},
    )
    from_region = models.ForeignKey(
        "accounts.Region", verbose_name=_("from region"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("to region"),
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        limit_choices_to={"parent__isnull": True},
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        indexes = [
            models.Index(fields=["status", "to_region"], name="transfer_status_region_idx"),
            models.Index(fields=["status", "to_worker"], name="transfer_status_worker_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="transfer_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_worker or self.to_region}"


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


# --- Restricted section and emergency access --------------------------------------------------------


class LegalRecord(models.Model):
    """Legal and prosecution information about a woman, and security-related notes: the restricted
    section. Every field is encrypted in the database; only users granted the "see the restricted
    section" permission read it, and it never appears in lists, search, exports or the timeline of
    anyone else."""

    returnee = models.OneToOneField(
        Returnee, verbose_name=_("returnee"), on_delete=models.PROTECT, related_name="legal_record"
    )
    charges = EncryptedTextField(_("charges"), blank=True)
    court = EncryptedTextField(_("court and case number"), blank=True)
    sentence = EncryptedTextField(_("sentence"), blank=True)
    release = EncryptedTextField(_("release (date and conditions)"), blank=True)
    lawyer = EncryptedTextField(_("lawyer"), blank=True)
    security_notes = EncryptedTextField(_("security-related notes"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    FIELDS = ("charges", "court", "sentence", "release", "lawyer", "security_notes")

    class Meta:
        verbose_name = _("restricted section")
        verbose_name_plural = _("restricted sections")
        permissions = [("see_restricted", _("Can see and edit the restricted section"))]

    def __str__(self) -> str:
        return str(_("Restricted section"))


class EmergencyAccess(models.Model):
    """ "Break the glass": a user opens a case outside their scope in an emergency, after giving a
    reason. Access lasts a limited time, is audited, and the region's supervisors are told."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    # Beyond the day's limit (CaseSettings), an opening waits for a supervisor, who is named here.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        indexes = [models.Index(fields=["user", "expires_at"], name="emergency_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="emergency_expires_later")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.case}"
