import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import CaseQuerySet, FamilyQuerySet, ReturneeQuerySet


def district_errors(instance) -> dict:
    """A district must lie in the chosen region."""
    if instance.district_id and instance.region_id and instance.district.parent_id != instance.region_id:
        return {"district": _("This district is not in the chosen region.")}
    return {}


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
        AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
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

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["worker", "status"], name="case_worker_status_idx"),
            models.Index(fields=["status", "risk_level"], name="case_status_risk_idx"),
            models.Index(fields=["next_follow_up"], name="case_next_follow_up_idx"),
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
        return bool(self.next_follow_up and not self.is_closed and self.next_follow_up < timezone.localdate())


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

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    changes = models.JSONField(default=dict, blank=True)
    note = models.ForeignKey(Note, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "-created_at"], name="caseevent_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"
