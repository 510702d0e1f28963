"""Data releases: dated, numbered, checksummed snapshots of every public export (written by archive.releases)."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def release_storage():
    """STORAGES["releases"] (core.storage.ReleaseStorage unless configured otherwise), read when used."""
    return storages["releases"]


class DataReleaseQuerySet(models.QuerySet):
    def public(self):
        """The releases that were written completely; one being written or that failed is never listed."""
        return self.filter(state=DataRelease.State.PUBLISHED)


class DataRelease(models.Model):
    class State(models.TextChoices):
        WRITING = "writing", _("Being written")
        PUBLISHED = "published", _("Published")

    number = models.PositiveIntegerField(_("number"), unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.WRITING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    notes = models.TextField(_("notes"), blank=True)
    file = models.FileField(_("file"), storage=release_storage, max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    # manifest.json as written into the archive: each file's SHA-256, size and rows, the code version, the notes.
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    # Per file: records added, removed and changed since the previous release.
    changes = models.JSONField(_("changes since the previous release"), default=dict, blank=True)
    amended_at = models.DateTimeField(_("amended at"), null=True, blank=True)
    amended_rows = models.PositiveIntegerField(_("rows removed by amendments"), default=0)

    objects = DataReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("data release")
        verbose_name_plural = _("data releases")
        constraints = [
            # One release is written at a time: a second one is refused while the first is being written.
            models.UniqueConstraint(
                fields=["state"], condition=models.Q(state="writing"), name="one_release_written_at_a_time"
            ),
        ]

    def __str__(self):
        return _("Release %(number)s") % {"number": self.number}

    def get_absolute_url(self):
        return reverse("archive:release_detail", kwargs={"number": self.number})

    def get_download_url(self):
        return reverse("archive:release_download", kwargs={"number": self.number})

    @property
    def file_name(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: entry["rows"] for name, entry in self.manifest.get("files", {}).items() if "rows" in entry}


class ReleasedRecord(models.Model):
    """A record in a release (its model and record number), so that a record that stops being public later is
    found in the releases that hold it and taken out of them (archive.releases.amend_releases)."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="records")
    resource = models.CharField(max_length=40)
    record_id = models.BigIntegerField()
    # The record's id as the release's files give it: its record number, or a testimony's public id.
    key = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["resource", "record_id"], name="released_record_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["release", "resource", "record_id"], name="released_record_once")
        ]

    def __str__(self):
        return f"{self.resource} {self.record_id}"
