import django_filters
from django.utils.translation import gettext_lazy as _

from core.facets import Facet, by_field, by_link
from core.filters import NamedRecordFilter, OpenChoiceFilter, OrderingFilter
from units.models import Unit

from .models import Site, SiteUnit

# Large vocabularies show this many of their most frequent choices beside the text box.
TOP_CHOICES = 8


def public_site_regions():
    return [(region, region) for region in Site.objects.public().regions()]


def public_unit_links(sites):
    return SiteUnit.objects.public().filter(site__in=sites)


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    region = OpenChoiceFilter(label=_("Region"), choices=public_site_regions)
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
        fields=(("name", "name"), ("region", "region"), ("first_reported_earliest", "first_reported")),
        field_labels={"name": _("Name"), "region": _("Region"), "first_reported_earliest": _("First reported")},
    )

    facets = (
        Facet("region", by_field("region")),
        Facet("territory", by_field("territory", Site.Territory)),
        Facet("kind", by_field("kind", Site.Kind)),
        Facet("unit", by_link(public_unit_links, "site_id", "unit__slug", "unit__name"), top=TOP_CHOICES),
    )

    class Meta:
        model = Site
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
