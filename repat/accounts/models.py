from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from repat.core.models import LocalizedNameMixin


class Organisation(models.Model):
    """A government body, UNICEF office or NGO whose staff use Repat."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        UNICEF = "unicef", _("UNICEF")
        NGO = "ngo", _("NGO")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Region(LocalizedNameMixin):
    """An oblast or a city of republican significance, or a district below one.

    Regions are data, not code: the tree is seeded by a migration and editable in the admin.
    """

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Oblast")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="districts",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="district", parent__isnull=False)
                    | (~models.Q(kind="district") & models.Q(parent__isnull=True))
                ),
                name="region_districts_have_parent",
            ),
        ]


class User(AbstractUser):
    """A person who signs in. Their role and regions decide what they may see (permissions.py)."""

    class Role(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker")
        COORDINATOR = "coordinator", _("Coordinator")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMINISTRATOR = "administrator", _("Administrator")
        PROVIDER = "provider", _("Service provider staff")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SOCIAL_WORKER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("regions"),
        blank=True,
        related_name="users",
        help_text=_("Oblasts or cities this person works in; a region includes its districts."),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_social_worker(self) -> bool:
        return self.role == self.Role.SOCIAL_WORKER

    @property
    def is_administrator(self) -> bool:
        """Administrators and superusers see and manage every region: the one rule each app's
        permissions.py asks (with `administrators()`, its form as a condition on users)."""
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser

    @classmethod
    def administrators(cls) -> models.Q:
        """`is_administrator` as a condition on users, for those told what only administrators see."""
        return models.Q(role=cls.Role.ADMINISTRATOR) | models.Q(is_superuser=True)
