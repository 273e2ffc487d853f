from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """A named counter for readable numbers (case numbers). Incremented under a row lock."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class Lease(models.Model):
    """A named lease (repat/core/locks.py). A periodic job runs only while it holds its lease, so
    two beats (or a slow run and the next one) never overlap; a crashed holder's lease expires."""

    name = models.CharField(max_length=50, primary_key=True)
    held_until = models.DateTimeField()
    holder = models.CharField(max_length=100, blank=True)

    class Meta:
        # The table the reminders app created when the sweep was the only holder: the model moved
        # to the platform without moving its rows (core 0002, reminders 0006).
        db_table = "reminders_sweeplock"
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """A form token already used: a second POST of the same form goes to the first result."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    redirect_to = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return str(self.token)


class LocalizedNameMixin(models.Model):
    """Reference data named in the three product languages, edited by administrators."""

    name = models.CharField(_("name"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return getattr(self, f"name_{(get_language() or 'en')[:2]}", "") or self.name
