import django_filters
from django.utils.translation import gettext_lazy as _

from core.listing import FastSelect

from .models import Unit


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Unit.Kind.choices)
    parent = django_filters.ModelChoiceFilter(
        label=_("Parent unit"),
        to_field_name="slug",
        queryset=Unit.objects.public().filter(pk__in=Unit.objects.public().values("parent")),
        widget=FastSelect,
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("unit_number", "number"), ("kind", "kind")),
        field_labels={"name": _("Name"), "unit_number": _("Unit number"), "kind": _("Kind")},
    )

    class Meta:
        model = Unit
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
