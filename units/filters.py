import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.facets import Facet, among, by_field, by_link, records_of
from core.filters import NamedRecordFilter

from .models import Person, Posting, Unit, UnitQuerySet

# Large vocabularies show this many of their most frequent choices beside the text box.
TOP_CHOICES = 8


def public_parents(units):
    # The parent's rule on the units' own join (as testimonies.filters counts links), not a second join.
    return records_of(units).filter(UnitQuerySet.public_condition("parent__"))


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Unit.Kind.choices)
    parent = NamedRecordFilter(
        label=_("Parent unit"),
        records=Unit.objects.public,
        link=lambda units, parents: units.filter(parent__in=parents),
        suggest="unit",
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("unit_number", "number"), ("kind", "kind")),
        field_labels={"name": _("Name"), "unit_number": _("Unit number"), "kind": _("Kind")},
    )

    facets = (
        Facet("kind", by_field("kind", Unit.Kind)),
        Facet(
            "parent", by_link(public_parents, "pk", "parent__slug", "parent__name", translated=True), top=TOP_CHOICES
        ),
    )

    class Meta:
        model = Unit
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


def public_posting_links(persons):
    return Posting.objects.public().filter(among("person", persons))


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    unit = NamedRecordFilter(
        label=_("Unit"),
        records=Unit.objects.public,
        link=lambda persons, units: persons.posted_to(units),
        suggest="unit",
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Posting.Role.choices, method="filter_role")
    period = django_filters.DateFromToRangeFilter(
        label=_("Posted between"),
        method="filter_period",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"), fields=(("name", "name"),), field_labels={"name": _("Name")}
    )

    facets = (
        Facet(
            "unit",
            by_link(public_posting_links, "person_id", "unit__slug", "unit__name", translated=True),
            top=TOP_CHOICES,
        ),
        Facet("role", by_link(public_posting_links, "person_id", "role", "role", Posting.Role)),
    )

    class Meta:
        model = Person
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_role(self, queryset, name, role):
        return queryset.filter(pk__in=Posting.objects.public().filter(role=role).values("person"))

    def filter_period(self, queryset, name, period):
        start = period.start.date() if period.start else None
        end = period.stop.date() if period.stop else None
        return queryset.filter(pk__in=Posting.objects.public().during(start, end).values("person"))


class PostingFilter(django_filters.FilterSet):
    """The filters of postings.csv: a search of the person's and the unit's names, the person, the unit, the role."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    person = NamedRecordFilter(
        label=_("Person"),
        records=Person.objects.public,
        link=lambda postings, persons: postings.filter(person__in=persons),
        suggest="person",
    )
    unit = NamedRecordFilter(
        label=_("Unit"),
        records=Unit.objects.public,
        link=lambda postings, units: postings.filter(unit__in=units),
        suggest="unit",
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Posting.Role.choices)

    class Meta:
        model = Posting
        fields = []

    def filter_search(self, queryset, name, value):
        persons = Person.objects.public()
        units = Unit.objects.public()
        return queryset.filter(
            Q(person__in=persons.filter(persons.match_condition(value)))
            | Q(unit__in=units.filter(units.match_condition(value)))
        )
