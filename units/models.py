from django.contrib.postgres.search import SearchVectorField
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
    end_not_before_start,
    is_public,
    public_related,
)
from core.names import AliasModel, NamedModel
from core.search import SearchableQuerySet


class UnitQuerySet(SearchableQuerySet, CuratedQuerySet):
    SEARCH_TEXT_FIELDS = ("name", "short_name", "unit_number", "garrison", "description")

    def with_public_parent(self):
        return self.select_related("parent").annotate(parent_is_public=is_public(Unit.objects, "parent"))

    def for_public_list(self):
        return self.public().with_public_parent()

    def for_public_api(self):
        """Public units with their public parent, sub-units, commanders and site links (the API's representation)."""
        return (
            self.public()
            .with_public_parent()
            .prefetch_related(
                "aliases",
                models.Prefetch("children", queryset=Unit.objects.public(), to_attr="public_children"),
                models.Prefetch(
                    "commanders",
                    queryset=Commander.objects.public().with_public_publication(),
                    to_attr="public_commanders",
                ),
                models.Prefetch(
                    "site_units",
                    queryset=public_related(Unit, "site_units").with_public_publication().select_related("site"),
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


class Unit(NamedModel, CuratedModel):
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
        return f"{self.name} (#{self.unit_number})" if self.unit_number else self.name

    def get_absolute_url(self):
        return reverse("units:unit_detail", kwargs={"slug": self.slug})

    def name_variants(self) -> list[str]:
        names = [self.name, self.short_name]
        if self.unit_number:
            # How sources write a unit number: "в/ч 40463" in Russian, "military unit 40463" in English.
            names += [self.unit_number, f"в/ч {self.unit_number}", f"military unit {self.unit_number}"]
        return names

    @property
    def public_parent(self):
        """The parent unit when the public may see it (needs `with_public_parent()`), else None."""
        return self.parent if getattr(self, "parent_is_public", False) else None


class CommanderQuerySet(CitedLinkQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return UnitQuerySet.public_condition(f"{prefix}unit__")


class Commander(CitedLinkModel):
    """A person's post in a unit over a period, with the publication that names them."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="commanders")
    name = models.CharField(_("name"), max_length=200)
    call_sign = models.CharField(_("call sign"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("until"), null=True, blank=True)
    publication = models.ForeignKey(
        "testimonies.Publication",
        verbose_name=_("according to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commanders",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = CommanderQuerySet.as_manager()
    history = HistoricalRecords()

    # A commander of a published or withheld unit is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("unit",)

    class Meta:
        ordering = ["unit__name", "-period_start", "name"]
        verbose_name = _("commander")
        verbose_name_plural = _("commanders")
        constraints = [end_not_before_start("period_start", "period_end", "commander_period_end_after_start")]

    def __str__(self):
        return f'{self.name} "{self.call_sign}"' if self.call_sign else self.name


class UnitAliasQuerySet(PublicQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return UnitQuerySet.public_condition(f"{prefix}unit__")


class UnitAlias(AliasModel):
    PARENT_FIELD = "unit"
    # An alias of a published or withheld unit is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("unit",)

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="aliases")

    objects = UnitAliasQuerySet.as_manager()
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
