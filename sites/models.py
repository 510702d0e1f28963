from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Floor
from django.urls import reverse
from django.utils.translation import get_language
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
)
from core.dates import PartialDateField, PartialDatesModel
from core.names import AliasModel, NamedModel
from core.search import SearchableQuerySet, Term, names_condition
from core.translations import (
    RecordTranslation,
    TranslatableModel,
    TranslatableQuerySet,
    TranslatedField,
    translation_unique,
    translations_of,
)
from units.models import Unit, UnitQuerySet

from . import regions as region_data

# Pages of their own under /sites/ (sites/urls.py), which a site with that slug could never be reached past.
RESERVED_SLUGS = frozenset({"map"})


class RegionQuerySet(CuratedQuerySet):
    def load_vocabulary(self) -> None:
        """The first terms (sites.regions), when the table is empty (a data migration loads them; a test
        database may have been emptied since)."""
        if not self.exists():
            region_data.load_vocabulary(self.model)

    def in_use(self, sites):
        """The regions of any of `sites`, in the reader's language's order (the region filter's choices:
        `Region.objects.public().in_use(Site.objects.public())`)."""
        return sorted(self.filter(pk__in=sites.values("region")), key=lambda region: str(region).casefold())

    def matching(self, text: str):
        """The one region that free text such as "Donetsk region", "Донецкая обл." or "DNR" names, or None
        (no region, or a name two regions share)."""
        return region_data.find_region(self.index, text)

    def index(self) -> dict:
        """{key: region} for every name of these regions (sites.regions.region_index)."""
        return region_data.region_index((region, region.name_variants()) for region in self)

    def named(self, term):
        return self.filter(names_condition(term))


class Region(NamedModel, CuratedModel):
    """A term of the region vocabulary: a first-level region of Ukraine or Russia (an oblast, republic, krai,
    federal city...). Loaded by a data migration (sites.regions); a term an editor adds is a draft, public
    (in filters, facets, exports, the API and search) only once a reviewer publishes it."""

    class Country(models.TextChoices):
        UKRAINE = "UA", _("Ukraine")
        RUSSIA = "RU", _("Russia")
        OTHER = "", _("Other or unknown")

    class Kind(models.TextChoices):
        OBLAST = region_data.OBLAST, _("Oblast")
        REPUBLIC = region_data.REPUBLIC, _("Republic")
        KRAI = region_data.KRAI, _("Krai")
        CITY = region_data.CITY, _("City of federal or special status")
        AUTONOMOUS_OBLAST = region_data.AUTONOMOUS_OBLAST, _("Autonomous oblast")
        AUTONOMOUS_OKRUG = region_data.AUTONOMOUS_OKRUG, _("Autonomous okrug")

    name = models.CharField(_("name in English"), max_length=100, unique=True)
    name_ru = models.CharField(_("name in Russian"), max_length=100, blank=True)
    name_uk = models.CharField(_("name in Ukrainian"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    code = models.CharField(
        _("ISO 3166-2 code"), max_length=10, blank=True, help_text=_("For example: UA-14 (Donetsk Oblast)")
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OBLAST)

    objects = RegionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="region_unique_code",
                violation_error_message=_("Another region has this code."),
            )
        ]

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the reader's language (Russian, Ukrainian), else the English name."""
        language = (get_language() or "en")[:2]
        return {"ru": self.name_ru, "uk": self.name_uk}.get(language) or self.name

    def name_variants(self) -> list[str]:
        """Its names, its code and the other names the sources give it (sites.regions): what search reads."""
        others = next((row[-1] for row in region_data.REGIONS if row[1] == self.code), ()) if self.code else ()
        return [name for name in (self.name, self.name_ru, self.name_uk, self.code, *others) if name]

    def alias_names(self) -> list[str]:
        return []

    def get_absolute_url(self):
        return f"{reverse('sites:site_list')}?region={self.slug}"


class SiteQuerySet(TranslatableQuerySet, SearchableQuerySet, CuratedQuerySet):
    SEARCH_TEXT_FIELDS = ("name", "settlement", "description")

    def with_public_region(self):
        """Each site's region, and `region_is_public`: whether the public may see that term (`public_region`)."""
        return self.select_related("region").annotate(region_is_public=is_public(Region.objects, "region"))

    def in_public_region(self, region_slug: str):
        return self.filter(region__in=Region.objects.public().filter(slug=region_slug))

    def term_condition(self, term: Term, common: bool = False) -> Q:
        # A reader looking for "Донецк" finds the sites of that region, once the region is public.
        condition = super().term_condition(term, common=common)
        if term.searches_names:
            condition |= Q(region__in=Region.objects.public().named(term))
        return condition

    def linked_to_units(self, units):
        """Sites with a public link to any of `units`."""
        return self.filter(pk__in=SiteUnit.objects.public().filter(unit__in=units).values("site"))

    def with_coordinates(self):
        """Sites that can be placed on a map (the database ensures a site has both coordinates or neither)."""
        return self.filter(map_latitude__isnull=False, map_longitude__isnull=False)

    def within(self, west: float, south: float, east: float, north: float):
        """Sites placed inside the box (degrees, edges included), read from the map's floating-point coordinates
        and their index over the public sites."""
        return self.filter(
            map_latitude__gte=south, map_latitude__lte=north, map_longitude__gte=west, map_longitude__lte=east
        )

    def map_extent(self) -> dict:
        """The box of the sites with coordinates, {"west", "south", "east", "north"} (all None when there is none:
        the map's first view), and `unmapped`, how many have no coordinates.

        Two queries: an aggregate of the four extremes alone, which PostgreSQL answers with a descent of the
        coordinates' indexes each (0.1 ms at 20,000 sites, where one aggregate with the count read every site:
        12 ms), then the count of the sites without coordinates."""
        extent = self.order_by().aggregate(
            west=models.Min("longitude"),
            south=models.Min("latitude"),
            east=models.Max("longitude"),
            north=models.Max("latitude"),
        )
        box = {key: None if value is None else float(value) for key, value in extent.items()}
        return {**box, "unmapped": self.order_by().filter(latitude__isnull=True).count()}

    def grid_cells(self, cell_size: float) -> list[dict]:
        """The sites with coordinates grouped by a grid of `cell_size` degrees, in one aggregate query: per
        non-empty cell its `count`, the `first` site's id, `mean_latitude` and `mean_longitude`, and the
        `west`, `south`, `east` and `north` of its sites.

        Read from the floating-point copies of the coordinates (`map_longitude`, `map_latitude`) and the index
        site_public_coordinates: with the stored decimals, PostgreSQL converted each to a float through its text
        and compared and summed them digit by digit (12,000-14,000 sites in a viewport: 44 -> 13 ms with the index,
        then -> 6 ms with floats)."""
        size = models.Value(cell_size, output_field=models.FloatField())
        return list(
            self.with_coordinates()
            .order_by()
            .annotate(cell_x=Floor(models.F("map_longitude") / size), cell_y=Floor(models.F("map_latitude") / size))
            .values("cell_x", "cell_y")
            .annotate(
                count=models.Count("pk"),
                first=models.Min("pk"),
                mean_latitude=models.Avg("map_latitude"),
                mean_longitude=models.Avg("map_longitude"),
                west=models.Min("map_longitude"),
                south=models.Min("map_latitude"),
                east=models.Max("map_longitude"),
                north=models.Max("map_latitude"),
            )
            .order_by("cell_y", "cell_x")
        )

    def for_public_api(self):
        """Public sites with their aliases, public unit links and publications (the API's representation)."""
        return (
            self.public()
            .with_public_region()
            .with_translations()
            .prefetch_related(
                "aliases",
                models.Prefetch(
                    "site_units",
                    queryset=SiteUnit.objects.public()
                    .with_public_publication()
                    .with_corroboration()
                    .select_related("unit")
                    .prefetch_related(translations_of(SiteUnit, "unit", TranslatedField.NAME)),
                    to_attr="public_site_units",
                ),
                models.Prefetch(
                    "reported_in",
                    queryset=public_related(Site, "reported_in").select_related("source"),
                    to_attr="public_publications",
                ),
            )
        )

    def for_public_detail(self):
        return self.for_public_api().prefetch_related(
            models.Prefetch(
                "testimonies",
                queryset=public_related(Site, "testimonies", "for_public_list_with_site")[:RECORDS_ON_DETAIL_PAGE],
                to_attr="public_testimonies",
            ),
            models.Prefetch("evidence", queryset=public_related(Site, "evidence"), to_attr="public_evidence"),
        )

    def for_public_list(self):
        return (
            self.public()
            .with_public_region()
            .with_translations(TranslatedField.NAME)
            .prefetch_related(
                models.Prefetch(
                    "units",
                    queryset=Unit.objects.public().distinct().with_translations(TranslatedField.NAME),
                    to_attr="public_units",
                )
            )
        )


class Site(TranslatableModel, NamedModel, PartialDatesModel, CuratedModel):
    """A place where soldiers are or were held illegally."""

    class Kind(models.TextChoices):
        PIT = "pit", _("Pit at a military base")
        BASEMENT = "basement", _("Basement")
        ABANDONED_BUILDING = "abandoned_building", _("Abandoned building")
        COAL_MINE = "coal_mine", _("Coal mine")
        FORMER_FACTORY = "former_factory", _("Former factory")
        WEAPONS_STORE = "weapons_store", _("Weapons store")
        BARRACKS = "barracks", _("Barracks")
        OTHER = "other", _("Other")

    class Territory(models.TextChoices):
        OCCUPIED_UKRAINE = "occupied_ukraine", _("Occupied Ukraine")
        RUSSIA = "russia", _("Russia")
        OTHER = "other", _("Other or unknown")

    class LocationPrecision(models.TextChoices):
        EXACT = "exact", _("Exact")
        SETTLEMENT = "settlement", _("Settlement")
        REGION = "region", _("Region")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    # Required in forms; empty only for a site whose free-text region the vocabulary could not read
    # (`unmatched_region`), until a curator chooses one.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, related_name="sites"
    )
    unmatched_region = models.CharField(
        _("region as first recorded"),
        max_length=100,
        blank=True,
        editable=False,
        help_text=_("The region typed before regions were a vocabulary, when it matched no region: choose one."),
    )
    territory = models.CharField(_("territory"), max_length=20, choices=Territory.choices, db_index=True)
    settlement = models.CharField(_("settlement"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The coordinates as floating-point numbers, kept by the database, for the map's grid (SiteQuerySet.grid_cells):
    # PostgreSQL compares, sums and converts decimals digit by digit, which made half of a viewport's time.
    map_latitude = models.GeneratedField(
        expression=Cast("latitude", models.FloatField()), output_field=models.FloatField(), db_persist=True
    )
    map_longitude = models.GeneratedField(
        expression=Cast("longitude", models.FloatField()), output_field=models.FloatField(), db_persist=True
    )
    location_precision = models.CharField(
        _("location precision"), max_length=12, choices=LocationPrecision.choices, blank=True
    )
    first_reported = PartialDateField(_("first reported"))
    first_reported_earliest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    first_reported_latest = models.DateField(null=True, blank=True, editable=False)
    last_reported = PartialDateField(_("last reported"))
    last_reported_earliest = models.DateField(null=True, blank=True, editable=False)
    last_reported_latest = models.DateField(null=True, blank=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    units = models.ManyToManyField(
        "units.Unit", through="SiteUnit", verbose_name=_("units"), related_name="sites", blank=True
    )
    reported_in = models.ManyToManyField(
        "testimonies.Publication", verbose_name=_("reported in"), related_name="sites", blank=True
    )

    # Filled by a database trigger on PostgreSQL (core.search); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_vector", "search_names", "map_latitude", "map_longitude"])

    class Meta:
        ordering = ["name"]
        indexes = [
            # The public list's order (core.listing.in_unique_order adds the key): its first page and each page after
            # a cursor are read from this index instead of sorting every site.
            models.Index(fields=["name", "id"], name="site_list_order"),
            # The map's box (SiteQuerySet.map_extent): the smallest and largest coordinate, each an index descent
            # instead of a read of every site.
            models.Index(fields=["latitude"], name="site_latitude"),
            models.Index(fields=["longitude"], name="site_longitude"),
            # The public sites' regions from the index alone, for the region facet (core.facets), which checks the
            # sites of thousands of link rows: at 20,000 sites 11-17 ms -> 6 ms (a read of every site's row before).
            # The region before the key, so that the regions in use (sites.filters.public_site_regions) are a
            # descent per region in a prepared query's generic plan too (status, id, region: 46 ms, every list).
            models.Index(fields=["status", "region", "id"], name="site_public_regions"),
            # The map's viewports (SiteQuerySet.grid_cells): the public sites in a box from the index alone, never
            # their rows (a viewport of 14,000 sites read 1,800 pages of them).
            models.Index(
                fields=["map_longitude", "map_latitude"],
                condition=SiteQuerySet.public_condition(),
                include=["id"],
                name="site_public_coordinates",
            ),
        ]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=Decimal(-90), latitude__lte=Decimal(90)),
                name="site_latitude_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=Decimal(-180), longitude__lte=Decimal(180)),
                name="site_longitude_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_neither",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(first_reported_earliest__isnull=True)
                | Q(last_reported_latest__isnull=True)
                | Q(last_reported_latest__gte=models.F("first_reported_earliest")),
                name="site_last_reported_after_first",
                violation_error_message=_("The site cannot be last reported before it was first reported."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sites:site_detail", kwargs={"slug": self.slug})

    def source_gaps(self, publishing=frozenset()):
        return link_source_gaps(self, "site_units", "unit", publishing) if self.pk else []

    def name_variants(self) -> list[str]:
        # The names of its region are searched through the region (SiteQuerySet.term_condition).
        return [self.name, self.settlement]

    def save(self, *args, **kwargs):
        if self.region_id:
            self.unmatched_region = ""
        super().save(*args, **kwargs)

    @property
    def public_region(self):
        """The site's region when the public may see that term (needs `with_public_region()`), else None."""
        return self.region if getattr(self, "region_is_public", False) else None

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": _("“%(slug)s” is the address of another page; choose another slug.") % {"slug": self.slug}}
            )

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class SiteUnitQuerySet(CitedLinkQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return SiteQuerySet.public_condition(f"{prefix}site__") & UnitQuerySet.public_condition(f"{prefix}unit__")


class SiteUnit(PartialDatesModel, CitedLinkModel):
    """A unit's link to a site, the role it played there and the publication that says so."""

    class Role(models.TextChoices):
        OPERATED = "operated", _("Operated the site")
        HELD_SOLDIERS_OF = "held_soldiers_of", _("Soldiers of this unit were held there")
        GUARDED = "guarded", _("Guarded the site")
        OTHER = "other", _("Other")

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="site_units")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="site_units")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    period = PartialDateField(_("period"))
    period_earliest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    period_latest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    publication = models.ForeignKey(
        "testimonies.Publication",
        verbose_name=_("according to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="site_units",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = SiteUnitQuerySet.as_manager()
    history = HistoricalRecords()

    # Read-only for editors when both ends are published or withheld (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("site", "unit")
    # Public only with a public publication to rest on (core.curation.link_source_gaps).
    NEEDS_PUBLIC_PUBLICATION = True
    # The links that corroborate one another: the same unit at the same site, whatever the role or period
    # (core.curation.independent_link_sources).
    LINKED_ENDS = ("site", "unit")

    class Meta:
        ordering = ["site__name", "unit__name"]
        verbose_name = _("site–unit link")
        verbose_name_plural = _("site–unit links")
        constraints = [
            models.UniqueConstraint(fields=["site", "unit", "role"], name="siteunit_unique_role"),
        ]

    def __str__(self):
        return f"{self.unit} – {self.get_role_display()} – {self.site}"


class SiteTextQuerySet(PublicQuerySet):
    """A site's alias or translation: public exactly when the site is."""

    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return SiteQuerySet.public_condition(f"{prefix}site__")


class SiteAlias(AliasModel):
    PARENT_FIELD = "site"
    # An alias of a published or withheld site is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("site",)

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="aliases")

    objects = SiteTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(AliasModel.Meta):
        verbose_name = _("site alias")
        verbose_name_plural = _("site aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "name"],
                name="sitealias_unique_name",
                violation_error_message=_("This site already has this alias."),
            )
        ]


class SiteTranslation(RecordTranslation):
    """The name or description of a site in another language (core.translations)."""

    PARENT_FIELD = "site"
    # A translation of a published or withheld site is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("site",)

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="translations")

    objects = SiteTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(RecordTranslation.Meta):
        verbose_name = _("site translation")
        verbose_name_plural = _("site translations")
        constraints = [translation_unique("site", "sitetranslation")]
