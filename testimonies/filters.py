import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import FastSelect
from sites.filters import public_site_regions
from sites.models import Site
from units.models import Unit

from .models import AbuseType, Source, Testimony


class TestimonyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    site = django_filters.ModelChoiceFilter(
        label=_("Site"),
        field_name="sites",
        to_field_name="slug",
        queryset=Site.objects.public().only("pk", "slug", "name"),
        widget=FastSelect,
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        field_name="units",
        to_field_name="slug",
        queryset=Unit.objects.public().only("pk", "slug", "name", "unit_number"),
        widget=FastSelect,
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Source"),
        to_field_name="slug",
        queryset=Source.objects.public().only("pk", "slug", "name"),
        method="filter_source",
        widget=FastSelect,
    )
    abuse_type = django_filters.ModelChoiceFilter(
        label=_("Abuse"),
        field_name="abuse_types",
        to_field_name="slug",
        queryset=AbuseType.objects.public(),
        widget=FastSelect,
    )
    region = django_filters.ChoiceFilter(label=_("Region"), choices=public_site_regions, method="filter_region")
    witness_role = django_filters.ChoiceFilter(label=_("Witness role"), choices=Testimony.WitnessRole.choices)
    verification = django_filters.ChoiceFilter(label=_("Verification"), choices=Testimony.Verification.choices)
    date = django_filters.DateFromToRangeFilter(
        label=_("Events between"),
        method="filter_events_between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("given_on", "date"), ("witness_label", "witness"), ("id", "id")),
        field_labels={"given_on": _("Date given"), "witness_label": _("Witness"), "id": _("Record number")},
    )

    class Meta:
        model = Testimony
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_source(self, queryset, name, source):
        return queryset.cited_by_source(source)

    def filter_events_between(self, queryset, name, period):
        return queryset.events_between(
            period.start.date() if period.start else None, period.stop.date() if period.stop else None
        )

    def filter_region(self, queryset, name, region):
        sites_in_region = Site.objects.public().filter(region=region)
        return queryset.filter(
            pk__in=Testimony.sites.through.objects.filter(site__in=sites_in_region).values("testimony")
        )


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Source.Kind.choices)
    sort = django_filters.OrderingFilter(
        label=_("Sort by"), fields=(("name", "name"), ("kind", "kind")), field_labels={"name": _("Name")}
    )

    class Meta:
        model = Source
        fields = []
