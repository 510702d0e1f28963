import django_filters
from django.utils.translation import gettext_lazy as _

from core.facets import Facet, by_field, by_link
from core.filters import NamedRecordFilter

from .models import Unit

# Large vocabularies show this many of their most frequent choices beside the text box.
TOP_CHOICES = 8


def public_parents(units):
    return units.filter(parent__in=Unit.objects.public())


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
        Facet("parent", by_link(public_parents, "pk", "parent__slug", "parent__name"), top=TOP_CHOICES),
    )

    class Meta:
        model = Unit
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
