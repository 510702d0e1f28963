import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import FastSelect
from units.models import Unit

from .models import Site, SiteUnit


def public_site_regions():
    return [(region, region) for region in Site.objects.public().regions()]


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    region = django_filters.ChoiceFilter(label=_("Region"), choices=public_site_regions)
    territory = django_filters.ChoiceFilter(label=_("Territory"), choices=Site.Territory.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Site.Kind.choices)
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        to_field_name="slug",
        queryset=Unit.objects.public().only("pk", "slug", "name", "unit_number"),
        method="filter_unit",
        widget=FastSelect,
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("region", "region"), ("first_reported", "first_reported")),
        field_labels={"name": _("Name"), "region": _("Region"), "first_reported": _("First reported")},
    )

    class Meta:
        model = Site
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(pk__in=SiteUnit.objects.public().filter(unit=unit).values("site"))
