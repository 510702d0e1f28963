from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_base import (
    AUDIT_FIELDSET,
    AliasInline,
    CuratedAdmin,
    MergeAdminMixin,
    ReviewedLinkAdmin,
    ReviewedLinkInline,
)
from core.admin_duplicates import DuplicateWarningAdminMixin
from core.admin_import import CsvImportAdminMixin
from core.duplicates import combined, similar_names

from .models import Site, SiteAlias, SiteUnit


class SiteAliasInline(AliasInline):
    model = SiteAlias


class SiteUnitInline(ReviewedLinkInline):
    model = SiteUnit
    autocomplete_fields = ("unit", "publication")
    fields = ("unit", "role", "period", "publication", "confidence")


@admin.register(Site)
class SiteAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CsvImportAdminMixin, CuratedAdmin):
    import_kind = "sites"
    list_display = ("name", "kind", "region", "territory", "settlement", "first_reported", "status")
    list_filter = ("status", "kind", "territory", "region", "location_precision")
    search_fields = ("name", "aliases__name", "settlement", "region", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("reported_in",)
    date_hierarchy = "first_reported_earliest"
    # testimonies/admin.py adds the evidence images (core.admin_base.add_inline).
    inlines = [SiteAliasInline, SiteUnitInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "description")}),
        (
            _("Location"),
            {"fields": ("region", "territory", "settlement", "latitude", "longitude", "location_precision")},
        ),
        (_("Reporting"), {"fields": ("first_reported", "last_reported", "reported_in")}),
        AUDIT_FIELDSET,
    )

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
