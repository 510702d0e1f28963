from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.curation import (
    RECORDS_ON_DETAIL_PAGE,
    CitedLinkModel,
    CitedLinkQuerySet,
    Confidence,
    CuratedModel,
    CuratedQuerySet,
    PublicQuerySet,
    is_public,
    link_source_gaps,
    public_related,
    related_model,
)
from core.dates import PartialDateField, PartialDatesModel, overlapping
from core.names import AliasModel, NamedModel
from core.search import SearchableQuerySet
from core.translations import (
    RecordTranslation,
    TranslatableModel,
    TranslatableQuerySet,
    TranslatedField,
    translation_unique,
    translations_of,
)


class UnitQuerySet(TranslatableQuerySet, SearchableQuerySet, CuratedQuerySet):
    SEARCH_TEXT_FIELDS = ("name", "short_name", "unit_number", "garrison", "description")

    def with_public_parent(self):
        return self.select_related("parent").annotate(parent_is_public=is_public(Unit.objects, "parent"))

    def with_name_translations(self):
        """The translations of the names of the units and of their parents (the list's and the API's names)."""
        return self.with_translations(TranslatedField.NAME).prefetch_related(
            translations_of(Unit, "parent", TranslatedField.NAME)
        )

    def for_public_list(self):
        return self.public().with_public_parent().with_name_translations()

    def for_public_api(self):
        """Public units with their public parent, sub-units, commanders and site links (the API's representation)."""
        return (
            self.public()
            .with_public_parent()
            .with_translations()
            .prefetch_related(
                translations_of(Unit, "parent", TranslatedField.NAME),
                "aliases",
                models.Prefetch(
                    "children",
                    queryset=Unit.objects.public().with_translations(TranslatedField.NAME),
                    to_attr="public_children",
                ),
                models.Prefetch(
                    "postings",
                    queryset=Posting.objects.public()
                    .with_public_publication()
                    .select_related("person")
                    .prefetch_related("person__aliases"),
                    to_attr="public_postings",
                ),
                models.Prefetch(
                    "parent_links",
                    queryset=UnitParent.objects.public()
                    .with_public_publication()
                    .select_related("parent")
                    .prefetch_related(translations_of(UnitParent, "parent", TranslatedField.NAME)),
                    to_attr="public_parent_links",
                ),
                models.Prefetch(
                    "site_units",
                    queryset=public_related(Unit, "site_units")
                    .with_public_publication()
                    .with_corroboration()
                    .select_related("site")
                    .prefetch_related(
                        translations_of(related_model(Unit, "site_units"), "site", TranslatedField.NAME)
                    ),
                    to_attr="public_site_units",
                ),
            )
        )

    def for_public_detail(self):
        return self.for_public_api().prefetch_related(
            models.Prefetch(
                "testimonies",
                queryset=public_related(Unit, "testimonies", "for_public_list")[:RECORDS_ON_DETAIL_PAGE],
                to_attr="public_testimonies",
            ),
        )


class Unit(TranslatableModel, NamedModel, CuratedModel):
    """A military unit, placed in its chain of command by its parent unit."""

    class Kind(models.TextChoices):
        DIVISION = "division", _("Division")
        BRIGADE = "brigade", _("Brigade")
        REGIMENT = "regiment", _("Regiment")
        BATTALION = "battalion", _("Battalion")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    unit_number = models.CharField(
        _("military unit number"), max_length=20, blank=True, help_text=_("For example 40463 (в/ч 40463)")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    branch = models.CharField(_("branch"), max_length=100, blank=True)
    garrison = models.CharField(_("garrison or location"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    # Filled by a database trigger on PostgreSQL (core.search); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_vector", "search_names"])

    class Meta:
        ordering = ["name"]
        # The public list's order (core.listing.in_unique_order adds the key): its first page and each page after a
        # cursor are read from this index instead of sorting every unit.
        indexes = [models.Index(fields=["name", "id"], name="unit_list_order")]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_number"],
                condition=~Q(unit_number=""),
                name="unit_unique_number",
                violation_error_message=_("Another unit already has this military unit number."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="unit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return self.labelled(self.name)

    def labelled(self, name: str) -> str:
        return f"{name} (#{self.unit_number})" if self.unit_number else name

    @property
    def reader_label(self) -> str:
        """As `str(unit)`, with the name in the reader's language (core.translations)."""
        return self.labelled(self.reader_name)

    def get_absolute_url(self):
        return reverse("units:unit_detail", kwargs={"slug": self.slug})

    def source_gaps(self, publishing=frozenset()):
        # The site–unit links are declared by the sites app and reached through the reverse relation.
        if not self.pk:
            return []
        return link_source_gaps(self, "site_units", "site", publishing) + link_source_gaps(
            self, "postings", "person", publishing
        )

    def name_variants(self) -> list[str]:
        names = [self.name, self.short_name]
        if self.unit_number:
            # How sources write a unit number: "в/ч 40463" in Russian, "military unit 40463" in English.
            names += [self.unit_number, f"в/ч {self.unit_number}", f"military unit {self.unit_number}"]
        return names

    def clean(self):
        super().clean()
        if self.pk and self.parent_id and self.parent_id != self.pk and self.pk in ancestor_ids(self.parent_id):
            raise ValidationError({"parent": own_ancestor_message(self)})

    @property
    def public_parent(self):
        """The parent unit when the public may see it (needs `with_public_parent()`), else None."""
        return self.parent if getattr(self, "parent_is_public", False) else None


class UnitTextQuerySet(PublicQuerySet):
    """A unit's alias or translation: public exactly when the unit is."""

    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return UnitQuerySet.public_condition(f"{prefix}unit__")


class UnitAlias(AliasModel):
    PARENT_FIELD = "unit"
    # An alias of a published or withheld unit is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("unit",)

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="aliases")

    objects = UnitTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(AliasModel.Meta):
        verbose_name = _("unit alias")
        verbose_name_plural = _("unit aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="unitalias_unique_name",
                violation_error_message=_("This unit already has this alias."),
            )
        ]


class UnitTranslation(RecordTranslation):
    """The name or description of a unit in another language (core.translations)."""

    PARENT_FIELD = "unit"
    # A translation of a published or withheld unit is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("unit",)

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="translations")

    objects = UnitTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(RecordTranslation.Meta):
        verbose_name = _("unit translation")
        verbose_name_plural = _("unit translations")
        constraints = [translation_unique("unit", "unittranslation")]


class PersonQuerySet(SearchableQuerySet, CuratedQuerySet):
    SEARCH_TEXT_FIELDS = ("name", "rank", "description")

    def posted_to(self, units):
        """Persons with a public posting to any of `units`."""
        return self.filter(pk__in=Posting.objects.public().filter(unit__in=units).values("person"))

    def with_public_postings(self, postings):
        return self.public().prefetch_related(
            "aliases", models.Prefetch("postings", queryset=postings.select_related("unit"), to_attr="public_postings")
        )

    def for_public_list(self):
        return self.with_public_postings(Posting.objects.public())

    def for_public_detail(self):
        return self.with_public_postings(Posting.objects.public().with_public_publication())


class Person(NamedModel, PartialDatesModel, CuratedModel):
    """A commander, officer or named perpetrator, known by aliases and call signs in every script."""

    name = models.CharField(_("name"), max_length=200, help_text=_("As sources write it in English."))
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    rank = models.CharField(_("rank"), max_length=100, blank=True)
    date_of_birth = PartialDateField(
        _("date of birth"),
        help_text=_("Only when a source has already made it public. As the source gives it: 1979, 1979-04-12."),
    )
    date_of_birth_earliest = models.DateField(null=True, blank=True, editable=False)
    date_of_birth_latest = models.DateField(null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)

    # Filled by a database trigger on PostgreSQL (core.search); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_vector", "search_names"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self):
        return self.name

    @property
    def call_signs(self) -> list[str]:
        """The call signs among the aliases (read from prefetched aliases where the page prefetched them)."""
        return [alias.name for alias in self.aliases.all() if alias.kind == "call_sign"]

    @property
    def display_name(self) -> str:
        """The name with the call signs, as readers know the person: Alexei Korchagin (“Cap”)."""
        signs = ", ".join(f"“{sign}”" for sign in self.call_signs)
        return f"{self.name} ({signs})" if signs else self.name

    def get_absolute_url(self):
        return reverse("units:person_detail", kwargs={"slug": self.slug})

    def source_gaps(self, publishing=frozenset()):
        return link_source_gaps(self, "postings", "unit", publishing) if self.pk else []


class PersonTextQuerySet(PublicQuerySet):
    """A person's alias or translation: public exactly when the person is."""

    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return PersonQuerySet.public_condition(f"{prefix}person__")


class PersonAlias(AliasModel):
    PARENT_FIELD = "person"
    # An alias of a published or withheld person is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("person",)

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="aliases")

    objects = PersonTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(AliasModel.Meta):
        verbose_name = _("person alias")
        verbose_name_plural = _("person aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name"],
                name="personalias_unique_name",
                violation_error_message=_("This person already has this alias."),
            )
        ]


class PostingQuerySet(CitedLinkQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return PersonQuerySet.public_condition(f"{prefix}person__") & UnitQuerySet.public_condition(f"{prefix}unit__")

    def during(self, start, end):
        """Postings whose period may overlap [start, end] (unknown ends overlap everything)."""
        return self.filter(overlapping("period", start, end))


class Posting(PartialDatesModel, CitedLinkModel):
    """A person's post in a unit over a period, with the publication that says so and how sure it is."""

    class Role(models.TextChoices):
        COMMANDER = "commander", _("Commander")
        DEPUTY_COMMANDER = "deputy_commander", _("Deputy commander")
        CHIEF_OF_STAFF = "chief_of_staff", _("Chief of staff")
        OFFICER = "officer", _("Officer")
        OTHER = "other", _("Other")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="postings")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="postings")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("As the source gives it."))
    period = PartialDateField(_("period"))
    period_earliest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    period_latest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    publication = models.ForeignKey(
        "testimonies.Publication",
        verbose_name=_("according to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postings",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = PostingQuerySet.as_manager()
    history = HistoricalRecords()

    # A posting of a published or withheld person and unit is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("person", "unit")
    # Public only with a public publication to rest on (core.curation.link_source_gaps).
    NEEDS_PUBLIC_PUBLICATION = True

    class Meta:
        ordering = ["unit__name", "-period_earliest", "person__name"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} – {self.unit}"


class UnitParentQuerySet(CitedLinkQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return UnitQuerySet.public_condition(f"{prefix}unit__") & UnitQuerySet.public_condition(f"{prefix}parent__")


class UnitParent(PartialDatesModel, CitedLinkModel):
    """A unit's place under a parent unit over a period, with the publication that says so.

    A unit's parents over time; `Unit.parent` is its parent now.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(
        Unit, verbose_name=_("parent unit"), on_delete=models.CASCADE, related_name="child_links"
    )
    period = PartialDateField(_("period"))
    period_earliest = models.DateField(null=True, blank=True, editable=False)
    period_latest = models.DateField(null=True, blank=True, editable=False)
    publication = models.ForeignKey(
        "testimonies.Publication",
        verbose_name=_("according to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unit_parents",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = UnitParentQuerySet.as_manager()
    history = HistoricalRecords()

    REVIEWED_PARENTS = ("unit", "parent")

    class Meta:
        ordering = ["unit__name", "-period_earliest"]
        verbose_name = _("parent unit over time")
        verbose_name_plural = _("parent units over time")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("unit")),
                name="unitparent_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            )
        ]

    def __str__(self):
        return f"{self.unit} ⊂ {self.parent}" + (f" ({self.period})" if self.period else "")

    def clean(self):
        super().clean()
        if self.unit_id and self.parent_id and self.unit_id in ancestor_ids(self.parent_id):
            raise ValidationError({"parent": own_ancestor_message(self.unit)})


def own_ancestor_message(unit) -> str:
    return _("“%(unit)s” is above that unit already: a unit cannot become its own ancestor.") % {"unit": unit}


def ancestor_ids(unit_id, limit: int = 50) -> set:
    """Every unit above `unit_id`, by its current parent and its parents over time (at most `limit` levels)."""
    found, level = set(), {unit_id}
    for _level in range(limit):
        parents = set(Unit.objects.filter(pk__in=level, parent__isnull=False).values_list("parent", flat=True))
        parents |= set(UnitParent.objects.filter(unit__in=level).values_list("parent", flat=True))
        level = parents - found - {unit_id}
        if not level:
            break
        found |= level
    return found
