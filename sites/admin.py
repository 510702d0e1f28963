from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_base import (
    AUDIT_FIELDSET,
    AliasInline,
    CuratedAdmin,
    MergeAdminMixin,
    RecordTranslationInline,
    ReviewedLinkAdmin,
    ReviewedLinkInline,
)
from core.admin_duplicates import DuplicateWarningAdminMixin
from core.admin_import import CsvImportAdminMixin
from core.duplicates import combined, similar_names

from .models import Region, Site, SiteAlias, SiteTranslation, SiteUnit
from .views import SiteDetailView


class UnmatchedRegionFilter(admin.SimpleListFilter):
    """Sites whose free-text region the region vocabulary could not read (sites migration 0008): a curator
    chooses their region."""

    title = _("region to choose")
    parameter_name = "unmatched_region"

    def lookups(self, request, model_admin):
        return [("yes", _("Region not chosen yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(region__isnull=True)
        return queryset


@admin.register(Region)
class RegionAdmin(CuratedAdmin):
    """The region vocabulary: terms an editor adds are drafts until a reviewer publishes them."""

    list_display = ("name", "name_ru", "name_uk", "code", "country", "kind", "status")
    list_filter = ("status", "country", "kind")
    search_fields = ("name", "name_ru", "name_uk", "code", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "name_ru", "name_uk", "slug", "code", "country", "kind")}),
        AUDIT_FIELDSET,
    )


class SiteAliasInline(AliasInline):
    model = SiteAlias


class SiteTranslationInline(RecordTranslationInline):
    model = SiteTranslation


class SiteUnitInline(ReviewedLinkInline):
    model = SiteUnit
    autocomplete_fields = ("unit", "publication")
    fields = ("unit", "role", "period", "publication", "confidence")


@admin.register(Site)
class SiteAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CsvImportAdminMixin, CuratedAdmin):
    preview_view_class = SiteDetailView
    import_kind = "sites"
    list_display = ("name", "kind", "region_display", "territory", "settlement", "first_reported", "status")
    list_filter = ("status", UnmatchedRegionFilter, "kind", "territory", "region", "location_precision")
    list_select_related = ("region",)
    search_fields = ("name", "aliases__name", "translations__text", "settlement", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("region", "reported_in")
    date_hierarchy = "first_reported_earliest"
    # testimonies/admin.py adds the evidence images (core.admin_base.add_inline).
    inlines = [SiteAliasInline, SiteTranslationInline, SiteUnitInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "description")}),
        (
            _("Location"),
            {
                "fields": (
                    "region",
                    "unmatched_region",
                    "territory",
                    "settlement",
                    "latitude",
                    "longitude",
                    "location_precision",
                )
            },
        ),
        (_("Reporting"), {"fields": ("first_reported", "last_reported", "reported_in")}),
        AUDIT_FIELDSET,
    )

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if "unmatched_region" in fields else (*fields, "unmatched_region")

    @admin.display(description=_("region"), ordering="region__name")
    def region_display(self, obj):
        # A region the vocabulary could not read shows as typed, marked, so that a curator sees it in the list.
        if obj.region is not None:
            return str(obj.region)
        return _("%(text)s (not chosen yet)") % {"text": obj.unmatched_region} if obj.unmatched_region else "–"

    def likely_duplicates(self, data, pk):
        return combined(similar_names(Site.objects.exclude(pk=pk), data.get("name", "")))


@admin.register(SiteUnit)
class SiteUnitAdmin(ReviewedLinkAdmin):
    list_display = ("site", "unit", "role", "period", "publication", "confidence")
    list_filter = ("role", "confidence")
    list_select_related = ("site", "unit", "publication__source")
    search_fields = ("site__name", "unit__name", "unit__unit_number")
    autocomplete_fields = ("site", "unit", "publication")


@admin.register(SiteAlias)
class SiteAliasAdmin(ReviewedLinkAdmin):
    list_display = ("name", "site", "language", "kind")
    list_filter = ("language", "kind")
    list_select_related = ("site",)
    search_fields = ("name", "site__name")
    autocomplete_fields = ("site",)
