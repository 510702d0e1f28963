from django.db import models


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
