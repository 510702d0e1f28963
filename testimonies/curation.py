"""What every curated record shares: a publication status, an audit trail and the one rule of public visibility."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHHELD = "withheld", _("Withheld")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class CuratedQuerySet(models.QuerySet):
    """Base queryset: `public()` is the only place that decides what the public may see."""

    def public(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    def with_status(self, status):
        return self.filter(status=status)


class CuratedModel(models.Model):
    status = models.CharField(
        _("publication status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True

    def record_editor(self, user) -> None:
        """Stamp the staff user who changes this record (and created it, the first time)."""
        if user is not None and user.is_authenticated:
            if self._state.adding and self.created_by_id is None:
                self.created_by = user
            self.updated_by = user


def end_not_before_start(start: str, end: str, name: str) -> models.CheckConstraint:
    """Check constraint for a pair of nullable dates: when both are given, the end is not before the start."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{start}__isnull": True})
        | models.Q(**{f"{end}__isnull": True})
        | models.Q(**{f"{end}__gte": models.F(start)}),
        name=name,
        violation_error_message=_("The end date cannot be before the start date."),
    )


def is_public(queryset: models.QuerySet, outer_field: str) -> models.Exists:
    """An annotation that says whether the record `outer_field` points to is public, decided by its `.public()`."""
    return models.Exists(queryset.public().filter(pk=models.OuterRef(outer_field)))


class CitedLinkQuerySet(models.QuerySet):
    """For links that rest on a publication (site–unit links, commanders' posts)."""

    def with_public_publication(self):
        from testimonies.models import Publication

        return self.select_related("publication__source").annotate(
            publication_is_public=is_public(Publication.objects, "publication")
        )


class CitedLinkModel(models.Model):
    class Meta:
        abstract = True

    @property
    def public_publication(self):
        """The publication this link rests on, when the public may see it (needs `with_public_publication()`)."""
        return self.publication if getattr(self, "publication_is_public", False) else None
