from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from core.facets import Facet, FieldCount, among, by_field, by_link
from core.filters import NamedRecordFilter, OpenChoiceField, OpenChoiceFilter, OrderingFilter
from core.generation import cached
from units.models import Unit

from .models import Region, Site, SiteUnit
from .regions import find_region

# Large vocabularies show this many of their most frequent choices beside the text box.
TOP_CHOICES = 8


def public_site_regions():
    """The public regions of the public sites, by slug, named in the reader's language."""
    return [(region.slug, str(region)) for region in Region.objects.public().in_use(Site.objects.public())]


class RegionField(OpenChoiceField):
    """A public region's slug; the name of one as readers and older links give it ("Donetsk", "Донецкая
    область", "Donetsk region") is read as that region."""

    def to_python(self, value):
        return self.canonical(super().to_python(value))

    def canonical(self, value: str) -> str:
        if value and not self.offered(value):
            return public_region_slug(value) or value
        return value


def public_region_slug(text: str) -> str | None:
    """The slug of the one public region that `text` names (RegionQuerySet.matching), from an index of the public
    regions' names kept per publication generation: a list page reads it for its form, each facet and each link."""

    def slugs():
        return {key: region.slug for key, region in Region.objects.public().index().items()}

    return find_region(lambda: cached("sites:public-region-slugs", slugs), text)


class RegionFilter(OpenChoiceFilter):
    field_class = RegionField


def by_region(links, region: str, record: str):
    """A facet's count of records per public region through `links(records)` (core.facets.by_link), each
    region named in the reader's language (the facets are cached per language)."""

    def count(records, limit):
        rows = links(records).order_by().values_list(region).annotate(records=Count(record, distinct=True)).order_by()
        return regions_counted(dict(rows), limit)

    return count


def regions_counted(counts: Mapping, limit) -> list[tuple]:
    """(slug, name in the reader's language, records) of the public regions among `counts` ({region key:
    records}), most records first."""
    regions = Region.objects.public().in_bulk([pk for pk in counts if pk is not None])
    counted = sorted(
        ((regions[pk].slug, str(regions[pk]), records) for pk, records in counts.items() if pk in regions),
        key=lambda row: (-row[2], row[1].casefold()),
    )
    return counted[:limit] if limit else counted


@dataclass(frozen=True)
class RegionCount(FieldCount):
    """The sites per public region, from the region keys the sample read with the sites (a site has one region):
    no query but the regions' own. Counted by a join of the sampled sites (2,000 then) to their regions, it was the
    slowest query of the site list and the map page for their first reader (5 ms at 20,000 sites)."""

    def __call__(self, sample, limit: int | None) -> list[tuple]:
        return regions_counted(Counter(sample.values(self.field)), limit)


def public_unit_links(sites):
    return SiteUnit.objects.public().filter(among("site", sites))


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    region = RegionFilter(label=_("Region"), choices=public_site_regions, method="filter_region")
    territory = django_filters.ChoiceFilter(label=_("Territory"), choices=Site.Territory.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Site.Kind.choices)
    unit = NamedRecordFilter(
        label=_("Unit"),
        records=Unit.objects.public,
        link=lambda sites, units: sites.linked_to_units(units),
        suggest="unit",
    )
    sort = OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("region__name", "region"), ("first_reported_earliest", "first_reported")),
        field_labels={"name": _("Name"), "region__name": _("Region"), "first_reported_earliest": _("First reported")},
    )

    facets = (
        Facet("region", RegionCount("region")),
        Facet("territory", by_field("territory", Site.Territory)),
        Facet("kind", by_field("kind", Site.Kind)),
        Facet(
            "unit", by_link(public_unit_links, "site_id", "unit__slug", "unit__name", translated=True), top=TOP_CHOICES
        ),
    )

    class Meta:
        model = Site
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_public_region(value)
