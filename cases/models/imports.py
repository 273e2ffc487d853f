"""Manifest imports (issue 16): a flight's list of people, previewed and then registered at once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..storage import private_storage


class ManifestImport(models.Model):
    """One uploaded manifest: the original file (kept privately), what its rows say and what the
    preview found (`rows`, JSON, with each row's problems as codes and its probable matches), the
    coordinator's answers, and once committed the families and cases it created (`result`).

    The preview and the commit run in the request for a small file and as a Celery task for a
    large one; `status` and `progress` are what the page polls."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be read")
        READING = "reading", _("Being read")
        PREVIEWED = "previewed", _("Ready to check")
        COMMITTING = "committing", _("Being registered")
        COMMITTED = "committed", _("Registered")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to="manifests/%Y/%m")
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("Who sent the list, e.g. the embassy in Baghdad.")
    )
    operation = models.ForeignKey(
        "cases.Operation", verbose_name=_("operation"), on_delete=models.PROTECT, null=True, blank=True
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
    )
    mapping = models.JSONField(default=dict, blank=True)
    header = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    # {row line: {"choice": "link" | "new" | "skip", "match": id, "reason": text}}
    decisions = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    # A file-level problem (as shown to the uploader), or why the commit stopped.
    error = models.TextField(blank=True)
    # When the preview's duplicate check ran: the commit looks again only at people registered or
    # changed since (cases/actions/manifest.py).
    previewed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("manifest import")
        verbose_name_plural = _("manifest imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="manifest_author_idx")]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="manifest_progress_percent")]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("cases:manifest_detail", args=[self.pk])

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.READING, self.Status.COMMITTING)


class ManifestMapping(models.Model):
    """How the columns of one source's lists map to the template's fields, saved for its next file."""

    source = models.CharField(_("source"), max_length=100)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [models.UniqueConstraint(fields=["source"], name="manifest_mapping_unique_source")]

    def __str__(self) -> str:
        return self.source
