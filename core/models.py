from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PublicationGeneration(models.Model):
    """A number that changes in the same transaction as any write to a record of this project's apps.

    Anything computed from public records (facet counts, cached pages) is cached under the generation it was
    computed at, so that a record withheld or withdrawn disappears from every cached answer at the next request,
    on every app server: the generation has moved on. Database triggers keep it (core.generation), so no write
    path can forget it: the admin, bulk actions, imports, the generator and raw SQL alike.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "publication generation"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="publicationgeneration_single_row")]

    def __str__(self):
        return str(self.value)


class MergedRecord(models.Model):
    """A record merged into another (core.merge): its old public address redirects to the record kept."""

    model = models.CharField(max_length=100)  # app_label.model_name
    old_slug = models.CharField(max_length=200, blank=True, db_index=True)
    old_pk = models.BigIntegerField()
    kept_pk = models.BigIntegerField()
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "merged record"
        indexes = [models.Index(fields=["model", "old_pk"], name="mergedrecord_old_pk")]

    def __str__(self):
        return f"{self.model} {self.old_slug or self.old_pk} → {self.kept_pk}"


class ReviewComment(models.Model):
    """One comment in a record's review thread (any curated record, found by content type and primary key).

    A reviewer who sends a record back writes one, addressed to the record's last editor, who sees the thread on
    the record and in the review queue. Comments are never edited or deleted in the admin, and have a history.
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    text = models.TextField(_("comment"))
    sent_back = models.BooleanField(_("sent back"), default=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent back to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="reviewcomment_record")]

    def __str__(self):
        return f"{self.author or '–'}: {self.text[:60]}"

    @classmethod
    def of(cls, record) -> models.QuerySet:
        content_type = ContentType.objects.get_for_model(record)
        return cls.objects.filter(content_type=content_type, object_id=record.pk).select_related("author")

    @classmethod
    def sent_back_to(cls, user, model) -> models.QuerySet:
        """The primary keys of `model`'s records whose latest send-back was addressed to `user`."""
        return cls.objects.filter(
            content_type=ContentType.objects.get_for_model(model), sent_back=True, recipient=user
        ).values("object_id")


class Redaction(models.Model):
    """A reviewer's removal of one field's value from chosen historical versions of a record (core.redaction).

    The values are overwritten in the history table with a note saying who removed them, when and why; this row
    records the same, and is never changed or deleted: a redaction cannot be undone.
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("field"), max_length=100)
    versions = models.JSONField(_("history versions"), default=list)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("redacted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    redacted_at = models.DateTimeField(_("redacted at"), auto_now_add=True)
    reason = models.TextField(_("why"))

    class Meta:
        verbose_name = _("history redaction")
        verbose_name_plural = _("history redactions")
        ordering = ["redacted_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="redaction_record")]

    def __str__(self):
        return f"{self.field} ({len(self.versions)})"

    @classmethod
    def of(cls, record) -> models.QuerySet:
        return cls.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).select_related("redacted_by")
