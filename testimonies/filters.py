import django_filters
from django.utils.translation import gettext_lazy as _

from core.facets import Facet, among, by_field, by_link, records_of
from core.filters import NamedRecordFilter, OpenChoiceFilter, OrderingFilter
from sites.filters import RegionFilter, by_region, public_site_regions
from sites.models import RegionQuerySet, Site, SiteQuerySet
from units.models import Person, Unit, UnitQuerySet

from .models import AbuseType, AbuseTypeQuerySet, Citation, Consent, Source, Testimony

# Large vocabularies show this many of their most frequent choices beside the text box.
TOP_CHOICES = 8


# The link rows the facets count. A linked record's visibility is its model's `public_condition` on the link's own
# join, as the link models write their rules, not `__in=Model.objects.public()`, a subquery that PostgreSQL joined a
# second time: a facet's first count over its sample of testimonies reads each linked record once. The testimonies are
# a facet's sample (their keys taken as they are) or, for the overview's charts, a queryset (core.facets.among).


def public_site_links(testimonies):
    # Limited consent: the site is not public, only its region.
    return Testimony.sites.through.objects.filter(
        SiteQuerySet.public_condition("site__"), testimony__in=records_of(testimonies).exclude(consent=Consent.LIMITED)
    )


def public_region_links(testimonies):
    return Testimony.sites.through.objects.filter(
        SiteQuerySet.public_condition("site__") & RegionQuerySet.public_condition("site__region__"),
        among("testimony", testimonies),
    )


def public_unit_links(testimonies):
    return Testimony.units.through.objects.filter(
        UnitQuerySet.public_condition("unit__"), among("testimony", testimonies)
    )


def public_abuse_links(testimonies):
    return Testimony.abuse_types.through.objects.filter(
        AbuseTypeQuerySet.public_condition("abusetype__"), among("testimony", testimonies)
    )


def public_citations(testimonies):
    return Citation.objects.public().filter(among("testimony", testimonies))


def public_abuse_type_choices():
    """The public abuse types by their names in the reader's language (the original where none is translated)."""
    abuse_types = AbuseType.objects.public().with_translations("name")
    return sorted(((abuse.slug, abuse.reader_name) for abuse in abuse_types), key=lambda choice: choice[1].casefold())


class PublicDateOrderingFilter(OrderingFilter):
    """Sorts by the date given as the public may know it (the month, under limited consent)."""

    def filter(self, qs, value):
        return super().filter(qs.with_public_date() if value else qs, value)


class TestimonyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    site = NamedRecordFilter(
        label=_("Site"),
        records=Site.objects.public,
        link=lambda testimonies, sites: testimonies.at_sites(sites),
        suggest="site",
    )
    unit = NamedRecordFilter(
        label=_("Unit"),
        records=Unit.objects.public,
        link=lambda testimonies, units: testimonies.naming_units(units),
        suggest="unit",
    )
    person = NamedRecordFilter(
        label=_("Person"),
        records=Person.objects.public,
        link=lambda testimonies, persons: testimonies.naming_persons(persons),
        suggest="person",
    )
    source = NamedRecordFilter(
        label=_("Source"),
        records=Source.objects.public,
        link=lambda testimonies, sources: testimonies.cited_by_sources(sources),
        suggest="source",
    )
    abuse_type = OpenChoiceFilter(label=_("Abuse"), choices=public_abuse_type_choices, method="filter_abuse_type")
    region = RegionFilter(label=_("Region"), choices=public_site_regions, method="filter_region")
    witness_role = django_filters.ChoiceFilter(label=_("Witness role"), choices=Testimony.WitnessRole.choices)
    verification = django_filters.ChoiceFilter(label=_("Verification"), choices=Testimony.Verification.choices)
    min_sources = django_filters.NumberFilter(
        label=_("Independent sources, at least"), method="filter_min_sources", min_value=0, max_value=1000
    )
    date = django_filters.DateFromToRangeFilter(
        label=_("Events between"),
        method="filter_events_between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = PublicDateOrderingFilter(
        label=_("Sort by"),
        # The dates as the public may know them (testimonies.models.TestimonyQuerySet.with_public_date).
        fields=(
            ("public_given_on_sort", "date"),
            ("public_events_sort", "events"),
            ("witness_label", "witness"),
            ("id", "id"),
        ),
        field_labels={
            "public_given_on_sort": _("Date given"),
            "public_events_sort": _("Date of the events"),
            "witness_label": _("Witness"),
            "id": _("Record number"),
        },
    )

    facets = (
        Facet(
            "site",
            by_link(
                public_site_links, "testimony_id", "site__slug", "site__name", translated=True, one_link_per_value=True
            ),
            top=TOP_CHOICES,
        ),
        Facet(
            "unit",
            by_link(
                public_unit_links, "testimony_id", "unit__slug", "unit__name", translated=True, one_link_per_value=True
            ),
            top=TOP_CHOICES,
        ),
        Facet(
            "source",
            by_link(
                public_citations,
                "testimony_id",
                "publication__source__slug",
                "publication__source__name",
                translated=True,
            ),
            top=TOP_CHOICES,
        ),
        Facet(
            "abuse_type",
            by_link(
                public_abuse_links,
                "testimony_id",
                "abusetype__slug",
                "abusetype__name",
                translated=True,
                one_link_per_value=True,
            ),
        ),
        Facet("region", by_region(public_region_links, "site__region", "testimony_id")),
        Facet("witness_role", by_field("witness_role", Testimony.WitnessRole)),
        Facet("verification", by_field("verification", Testimony.Verification)),
    )

    class Meta:
        model = Testimony
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_events_between(self, queryset, name, period):
        return queryset.events_between(
            period.start.date() if period.start else None, period.stop.date() if period.stop else None
        )

    def filter_abuse_type(self, queryset, name, slug):
        # Through the public abuse types only: a hidden one's slug finds nothing, as an unknown one does. The type is
        # looked up first, so that a slug that names none is no query at all (as a subquery matching nothing, it
        # read every testimony in the list's order: 3 s at 1,000,000).
        abuse_type = AbuseType.objects.public().filter(slug=slug).values_list("pk", flat=True).first()
        if abuse_type is None:
            return queryset.none()
        return queryset.filter(abuse_types=abuse_type)

    def filter_min_sources(self, queryset, name, minimum):
        return queryset.corroborated_by(int(minimum))

    def filter_region(self, queryset, name, region):
        # A region is what limited consent shows, so those testimonies are found by it.
        return queryset.in_regions(Site.objects.public().in_public_region(region))


class SourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Source.Kind.choices)
    sort = OrderingFilter(
        label=_("Sort by"), fields=(("name", "name"), ("kind", "kind")), field_labels={"name": _("Name")}
    )

    facets = (Facet("kind", by_field("kind", Source.Kind)),)

    class Meta:
        model = Source
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
