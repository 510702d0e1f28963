"""What every curated record shares: a publication status, an audit trail and the one rule of public visibility."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

# Both permissions are declared on the Testimony model (testimonies/models.py), where they were first needed;
# moving them would rename them in every deployment's database, so core names them by string.
PUBLISH_PERMISSION = "testimonies.publish_records"
RESTRICTED_FIELDS_PERMISSION = "testimonies.view_restricted_fields"

# Detail pages list the most recent related records (testimonies of a site...) and link to the filtered list.
RECORDS_ON_DETAIL_PAGE = 20


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHHELD = "withheld", _("Withheld")


# Moving a record into or out of these states changes what the public sees: reviewers only.
REVIEWER_STATUSES = frozenset({PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD})


def may_publish(user) -> bool:
    """Whether `user` is a reviewer (None, for a command run without a user, is not)."""
    return user is not None and user.has_perm(PUBLISH_PERMISSION)


def may_set_status(user, current: str | None, new: str) -> bool:
    """Editors move records between draft and review; publishing and withholding need a reviewer."""
    if current == new:
        return True
    if new in REVIEWER_STATUSES or current in REVIEWER_STATUSES:
        return may_publish(user)
    return True


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class PublicQuerySet(models.QuerySet):
    """`public()` is the only place that decides what the public may see of a model.

    Each model states its rule once, in `public_condition(prefix)`, as a condition on its own fields seen from
    another model through `prefix` (e.g. "publication__"), so that models whose visibility follows a related
    record's compose that record's rule instead of repeating it.
    """

    @classmethod
    def public_condition(cls, prefix: str = "") -> models.Q:
        raise NotImplementedError

    def public(self):
        return self.filter(self.public_condition())


class CuratedQuerySet(PublicQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> models.Q:
        return models.Q(**{f"{prefix}status": PublicationStatus.PUBLISHED})


@dataclass(frozen=True)
class StaleEdit:
    """A save that happened after the version an edit started from."""

    current_version: int
    saved_by: object  # the user of the latest save, or None
    changed_fields: list[str]  # verbose names of the fields changed since that version, when history tells


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
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Optimistic locking: every save through the admin or a bulk action increments it, and a form that
    # started from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True

    def record_editor(self, user) -> None:
        """Stamp the staff user who changes this record (and created it, the first time)."""
        if user is not None and user.is_authenticated:
            if self._state.adding and self.created_by_id is None:
                self.created_by = user
            self.updated_by = user

    def stamp_save(self, user, stored: tuple[str, int] | None = None) -> None:
        """Before the save of a change by `user`: the next version (counted from the database, not from a form
        that may have started from an old one), who published the record and when, and who changed it.

        `stored` is the (status, version) the caller read from the row it holds locked, saving the query."""
        previous_status = None
        if not self._state.adding:
            if stored is None:
                stored = type(self).objects.filter(pk=self.pk).values_list("status", "version")[0]
            previous_status, stored_version = stored
            self.version = stored_version + 1
        self.record_status_change(user, previous_status)
        self.record_editor(user)

    def stale_edit(self, seen_version: int | None, lock: bool = True) -> "StaleEdit | None":
        """Whether someone saved this record after version `seen_version`, from which an edit started (the admin's
        form, a row of an imported file): the one rule of optimistic locking. None when the edit is current.

        With `lock`, the row stays locked for the rest of the transaction, so that no other save slips in
        before the caller's.
        """
        stored = type(self).objects.filter(pk=self.pk)
        if lock:
            stored = stored.select_for_update()
        current_version = stored.values_list("version", flat=True).first()
        if current_version is None or seen_version == current_version:
            return None
        latest = self.history.first()
        seen = self.history.filter(version=seen_version).first() if seen_version else None
        changed = (
            sorted(
                str(self._meta.get_field(change.field).verbose_name) for change in latest.diff_against(seen).changes
            )
            if latest and seen
            else []
        )
        return StaleEdit(current_version, latest.history_user if latest else None, changed)

    def record_status_change(self, user, previous_status: str | None) -> None:
        """Stamp who published the record and when, on the save that publishes it."""
        if self.status == PublicationStatus.PUBLISHED and previous_status != PublicationStatus.PUBLISHED:
            self.published_at = timezone.now()
            self.published_by = user if user is not None and user.is_authenticated else None


def locked_parents(link_model: type[models.Model], parent_pks: dict[str, set]) -> list[models.Model]:
    """Of the parent records of a link (field name → primary keys, stored and new), those that are published or
    withheld, read from the database: a change to such a link reaches the public (or the withheld record's
    readers) without review, so only a reviewer may make it."""
    locked = []
    for name, pks in parent_pks.items():
        pks = {pk for pk in pks if pk is not None}
        if pks:
            parent_model = link_model._meta.get_field(name).related_model
            locked += parent_model.objects.filter(pk__in=pks, status__in=REVIEWER_STATUSES).order_by("pk")
    return locked


def link_locked_for(user, link: models.Model, **new_parents) -> list[models.Model]:
    """The published or withheld parents that forbid `user` to add, change or delete `link`: none for a reviewer.

    `link.REVIEWED_PARENTS` names its parent fields; `new_parents` gives parents it is being moved to (pks).
    """
    if may_publish(user):
        return []
    parent_pks = {name: {getattr(link, f"{name}_id"), new_parents.get(name)} for name in type(link).REVIEWED_PARENTS}
    return locked_parents(type(link), parent_pks)


def set_status(queryset: models.QuerySet, status: str, user) -> int:
    """Change the status of many records at once, with history, audit stamps and the reviewer rule.

    Raises PermissionDenied, changing nothing, when any of the changes needs a reviewer and `user` is not one.
    """
    records = list(queryset.exclude(status=status))
    if not all(may_set_status(user, record.status, status) for record in records):
        raise PermissionDenied(_("Only reviewers can publish, withhold or unpublish records."))
    for record in records:
        previous_status, record.status = record.status, status
        record.record_status_change(user, previous_status)
        record.record_editor(user)
        record.updated_at = timezone.now()
        record.version += 1
        record._change_reason = f"Status set to {status}"
    bulk_update_with_history(
        records,
        queryset.model,
        ["status", "updated_by", "updated_at", "version", "published_at", "published_by"],
        default_user=user,
    )
    return len(records)


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


def related_model(model: type[models.Model], relation: str) -> type[models.Model]:
    """The model at the other end of `relation` (a field or a reverse relation), found through `_meta`.

    This is how a lower app reaches a higher one's records without importing it (a unit page lists the
    testimonies that name the unit): the relation is declared by the higher app, and the import points down.
    """
    return model._meta.get_field(relation).related_model


def public_related(model: type[models.Model], relation: str, method: str = "public") -> models.QuerySet:
    """The records at the other end of `relation` that the public may see, through that model's own `method`
    (`public()`, or a richer one such as `for_public_list()` that builds on it)."""
    return getattr(related_model(model, relation).objects, method)()


class CitedLinkQuerySet(PublicQuerySet):
    """For links that rest on a publication (site–unit links, postings, units' parents over time)."""

    def with_public_publication(self):
        return self.select_related("publication__source").annotate(
            publication_is_public=is_public(related_model(self.model, "publication").objects, "publication")
        )


class CitedLinkModel(models.Model):
    class Meta:
        abstract = True

    @property
    def public_publication(self):
        """The publication this link rests on, when the public may see it (needs `with_public_publication()`)."""
        return self.publication if getattr(self, "publication_is_public", False) else None
