"""Who comes back and with whom: operations, returnees and their other spellings, families and
their members."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..querysets import FamilyQuerySet, ReturneeQuerySet
from .base import district_errors


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


def date_span(day: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The first and the last day a date of this precision stands for: a month or a year spans
    its first to its last day, an estimate a year either side of its year, an exact date itself."""
    if precision == DatePrecision.MONTH:
        following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return day.replace(day=1), following - datetime.timedelta(days=1)
    if precision == DatePrecision.YEAR:
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    if precision == DatePrecision.ESTIMATED:
        return datetime.date(day.year - 1, 1, 1), datetime.date(day.year + 1, 12, 31)
    return day, day


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
    # Set when a supervisor merged this record into another one of the same person (ReturneeMerge):
    # the row stays, left out of every list, count and report, and its pages lead to the survivor.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        db_index=False,  # the partial index below: the few merged rows only
    )

    objects = ReturneeQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name = _("returnee")
        verbose_name_plural = _("returnees")
        indexes = [
            models.Index(fields=["region", "family_name"], name="returnee_region_name_idx"),
            models.Index(fields=["operation"], name="returnee_operation_idx"),
            # The records merged into one (its former case numbers): a handful of rows among a million.
            models.Index(
                fields=["merged_into"], condition=Q(merged_into__isnull=False), name="returnee_merged_into_idx"
            ),
            # A search by date or year of birth (cases/search.py).
            models.Index(fields=["date_of_birth"], name="returnee_birth_idx"),
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
        earliest, latest = date_span(self.date_of_birth, self.date_of_birth_precision)

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
