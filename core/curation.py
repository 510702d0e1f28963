"""What every curated record shares: a publication status, an audit trail and the one rule of public visibility."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.functions import Coalesce, Greatest
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

    # Set by `previewing()` only, for the staff preview of a record that is not public (core.admin_base).
    _previewing = False

    @classmethod
    def public_condition(cls, prefix: str = "") -> models.Q:
        raise NotImplementedError

    def public(self):
        if self._previewing:
            return self
        return self.filter(self.public_condition())

    def previewing(self):
        """This queryset with its own `public()` letting every record through, for the staff-only preview of a
        draft's public page (CuratedAdmin.preview_view, behind the admin's login). The records a page relates
        (a site's units, a testimony's citations) come from their own querysets and stay public only."""
        clone = self._chain()
        clone._previewing = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._previewing = self._previewing
        return clone


class CuratedQuerySet(PublicQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> models.Q:
        return models.Q(**{f"{prefix}status": PublicationStatus.PUBLISHED})


@dataclass(frozen=True)
class SourceGap:
    """Something that publishing a record would make public without a public publication to rest on."""

    what: str  # e.g. 'testimony “Daniil, former platoon commander”'
    publications: tuple  # the non-public publications it cites: publishing them (and their sources) closes the gap


def record_key(record) -> tuple[str, object]:
    return (record._meta.label, record.pk)


def publication_is_public(publication) -> bool:
    return publication is not None and type(publication).objects.public().filter(pk=publication.pk).exists()


def link_source_gaps(record, relation: str, other_end: str, publishing: frozenset = frozenset()) -> list[SourceGap]:
    """The links of `record` through `relation` (site–unit links, postings) that publishing it would make public,
    because their `other_end` is published or published in the same step, and whose publication is not public."""
    gaps = []
    links = getattr(record, relation).with_public_publication().select_related(other_end)
    for link in links:
        other = getattr(link, other_end)
        if other.status != PublicationStatus.PUBLISHED and record_key(other) not in publishing:
            continue
        if not link.publication_is_public:
            gaps.append(
                SourceGap(f"{link._meta.verbose_name} “{link}”", (link.publication,) if link.publication_id else ())
            )
    return gaps


class SourcesMissing(ValidationError):
    """Publishing refused: what would go public names no public publication."""

    def __init__(self, gaps: list[SourceGap]):
        self.gaps = gaps
        super().__init__(
            _(
                "Every published statement must name a public publication. Not public yet or not given: %(gaps)s. "
                "Publish the publications (and their sources) too, or add a public publication first."
            )
            % {"gaps": "; ".join(gap.what for gap in gaps)},
            code="needs_public_publication",
        )

    @property
    def fixable(self) -> bool:
        """Whether publishing the publications the records already cite would close every gap."""
        return all(gap.publications for gap in self.gaps)

    @property
    def publications(self) -> list:
        return sorted({pub for gap in self.gaps for pub in gap.publications}, key=lambda pub: pub.pk)


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

    # The stored status before the save being made (set by stamp_save; None for a new record).
    status_before_save: str | None = None

    class Meta:
        abstract = True

    # What stamp_save (and save(), for updated_at) may change besides the fields a curator edits.
    STAMPED_FIELDS = ("status", "version", "updated_at", "updated_by", "published_at", "published_by")

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
        self.status_before_save = previous_status
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

    def publish_blockers(self, user) -> list[str]:
        """Why publishing this record now could endanger someone (messages for `user`); none by default. A model
        whose public text could identify a person overrides it (testimonies.reidentification)."""
        return []

    def source_gaps(self, publishing: frozenset = frozenset()) -> list[SourceGap]:
        """What publishing this record would make public without a public publication to rest on (record types
        that state facts override it). `publishing`: `record_key`s of records published in the same step."""
        return []

    def record_status_change(self, user, previous_status: str | None) -> None:
        """Stamp who published the record and when, on the save that publishes it."""
        if self.status == PublicationStatus.PUBLISHED and previous_status != PublicationStatus.PUBLISHED:
            self.published_at = timezone.now()
            self.published_by = user if user is not None and user.is_authenticated else None


def locked_parents(link_model: type[models.Model], parent_pks: dict[str, object]) -> list[models.Model]:
    """The parents of a link (field name → primary key) when *every* one of them is published or withheld, read
    from the database: such a link is on the public pages (or the withheld record's) at once, so only a reviewer
    may add, change or delete it. A link with a draft or in-review end is not public yet, and is reviewed with
    that record: it is not locked (an empty list)."""
    locked = []
    for name, pk in parent_pks.items():
        parent_model = link_model._meta.get_field(name).related_model
        parent = parent_model.objects.filter(pk=pk, status__in=REVIEWER_STATUSES).first() if pk is not None else None
        if parent is None:
            return []
        locked.append(parent)
    return locked


def link_locked_for(user, link: models.Model, **new_parents) -> list[models.Model]:
    """The published or withheld parents that forbid `user` to add, change or delete `link`: none for a reviewer,
    and none unless every parent of the link, as stored or as changed, is published or withheld.

    `link.REVIEWED_PARENTS` names its parent fields; `new_parents` gives parents it is being moved to (pks).
    """
    if may_publish(user):
        return []
    names = type(link).REVIEWED_PARENTS
    stored = {name: getattr(link, f"{name}_id") for name in names}
    changed = {name: new_parents.get(name, stored[name]) for name in names}
    locked = locked_parents(type(link), stored) if not link._state.adding else []
    if changed != stored or link._state.adding:
        locked += [parent for parent in locked_parents(type(link), changed) if parent not in locked]
    return locked


def source_gaps_of(records, publishing: frozenset = frozenset()) -> list[SourceGap]:
    """The source gaps of publishing `records` together (and the records keyed in `publishing`)."""
    publishing = frozenset(publishing) | {record_key(record) for record in records}
    return [gap for record in records for gap in record.source_gaps(publishing)]


def publish_publications(publications, user, collect: list | None = None) -> None:
    """Publish `publications` and their sources (a publication is public only when its source is)."""
    if not publications:
        return
    publication_model = type(publications[0])
    source_model = related_model(publication_model, "source")
    sources = source_model.objects.filter(publications__in=publications).distinct()
    set_status(sources, PublicationStatus.PUBLISHED, user, collect=collect)
    publication_pks = [pub.pk for pub in publications]
    set_status(
        publication_model.objects.filter(pk__in=publication_pks), PublicationStatus.PUBLISHED, user, collect=collect
    )


def refuse_source_gaps(
    records, user, publish_cited: bool = False, publishing: frozenset = frozenset(), collect: list | None = None
) -> None:
    """Raise SourcesMissing when publishing `records` would leave a statement without a public publication; with
    `publish_cited`, first publish the publications (and sources) that close every gap, when they do."""
    gaps = source_gaps_of(records, publishing)
    if not gaps:
        return
    refusal = SourcesMissing(gaps)
    if not (publish_cited and refusal.fixable):
        raise refusal
    publish_publications(refusal.publications, user, collect)


class _DryRun(Exception):
    pass


def publish_together(querysets, user, dry_run: bool = False) -> list[models.Model]:
    """Publish the drafts and records in review of `querysets`, in their order (a publication and its source
    first), with the publications they cite where needed, in one transaction: every record that went public, in
    the order it did. With `dry_run` nothing is kept: the list is what confirming would publish.

    Raises PermissionDenied or SourcesMissing (changing nothing) as set_status does."""
    published: list[models.Model] = []
    try:
        with transaction.atomic():
            for queryset in querysets:
                pending = queryset.filter(status__in=[PublicationStatus.DRAFT, PublicationStatus.REVIEW]).distinct()
                set_status(pending, PublicationStatus.PUBLISHED, user, publish_cited=True, collect=published)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return published


@transaction.atomic
def set_status(
    queryset: models.QuerySet, status: str, user, publish_cited: bool = False, collect: list | None = None
) -> int:
    """Change the status of many records at once, with history, audit stamps and the reviewer rule.

    Raises PermissionDenied, changing nothing, when any of the changes needs a reviewer and `user` is not one,
    and ValidationError, changing nothing, when publishing a record is blocked (`publish_blockers`: a bulk action
    has no room for a reviewer's written override, which the record's own form offers),
    and SourcesMissing when publishing would make public a statement that names no public publication (unless
    `publish_cited` publishes the publications those records cite, with their sources, in the same step).
    """
    records = list(queryset.exclude(status=status))
    if not all(may_set_status(user, record.status, status) for record in records):
        raise PermissionDenied(_("Only reviewers can publish, withhold or unpublish records."))
    if status == PublicationStatus.PUBLISHED:
        blockers = [message for record in records for message in record.publish_blockers(user)]
        if blockers:
            raise ValidationError(blockers, code="publish_blocked")
        refuse_source_gaps(records, user, publish_cited, collect=collect)
    if collect is not None:
        collect.extend(records)
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

    def with_corroboration(self):
        """`independent_sources` of each link (see `independent_link_sources`)."""
        return self.annotate(independent_sources=independent_link_sources(self.model))


def independent_link_sources(model: type[models.Model]) -> models.Expression:
    """How many independent sources back the public links that join the same records as the link of the enclosing
    query (its `LINKED_ENDS`: for a site–unit link, the same site and unit, whatever the role or period).

    Counted as for testimonies (testimonies.models.independent_sources): the distinct sources of the links' public
    publications, leaving out a source whose publication merely reports another of them (it `cites` a publication
    of one); sources that only cite each other count as one; no public publication: 0.
    """
    ends = model.LINKED_ENDS
    publication_model = related_model(model, "publication")
    public_publications = publication_model.objects.public().values("pk")

    def same_records(outer):
        return model.objects.public().filter(publication__in=public_publications, **{end: outer(end) for end in ends})

    links = same_records(models.OuterRef).order_by()
    sources = same_records(lambda end: models.OuterRef(models.OuterRef(end))).values("publication__source")
    reports_another = publication_model.cites.through.objects.filter(
        from_publication=models.OuterRef("publication"), to_publication__source__in=sources
    ).exclude(to_publication__source=models.OuterRef("publication__source"))
    counted = models.Subquery(
        links.exclude(models.Exists(reports_another))
        .values(ends[0])
        .annotate(sources=models.Count("publication__source", distinct=True))
        .values("sources")[:1],
        output_field=models.IntegerField(),
    )
    return models.Case(
        models.When(~models.Exists(links), then=models.Value(0)),
        default=Greatest(Coalesce(counted, models.Value(0)), models.Value(1)),
        output_field=models.IntegerField(),
    )


class CitedLinkModel(models.Model):
    class Meta:
        abstract = True

    @property
    def public_publication(self):
        """The publication this link rests on, when the public may see it (needs `with_public_publication()`)."""
        return self.publication if getattr(self, "publication_is_public", False) else None
