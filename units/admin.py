from django.contrib import admin

from core.admin_base import AUDIT_FIELDSET, AliasInline, CuratedAdmin, ReviewedLinkAdmin, ReviewedLinkInline
from core.admin_import import CsvImportAdminMixin

from .models import Commander, Unit, UnitAlias


class UnitAliasInline(AliasInline):
    model = UnitAlias


class CommanderInline(ReviewedLinkInline):
    model = Commander
    autocomplete_fields = ("publication",)
    fields = ("name", "call_sign", "position", "period_start", "period_end", "publication", "confidence")


class SubUnitInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    extra = 0
    fields = ("name", "unit_number", "kind", "status")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = "Sub-units"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(CsvImportAdminMixin, CuratedAdmin):
    import_kind = "units"
    list_display = ("name", "short_name", "unit_number", "kind", "parent", "status")
    list_filter = ("status", "kind", "branch")
    list_select_related = ("parent",)
    search_fields = ("name", "aliases__name", "short_name", "unit_number", "garrison")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    inlines = [UnitAliasInline, CommanderInline, SubUnitInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "short_name", "unit_number", "kind", "parent")}),
        ("Details", {"fields": ("branch", "garrison", "description")}),
        AUDIT_FIELDSET,
    )


@admin.register(Commander)
class CommanderAdmin(ReviewedLinkAdmin):
    list_display = ("name", "call_sign", "position", "unit", "period_start", "period_end", "confidence")
    list_filter = ("confidence",)
    list_select_related = ("unit",)
    search_fields = ("name", "call_sign", "position", "unit__name", "unit__unit_number")
    autocomplete_fields = ("unit", "publication")
    date_hierarchy = "period_start"


@admin.register(UnitAlias)
class UnitAliasAdmin(ReviewedLinkAdmin):
    list_display = ("name", "unit", "language", "kind")
    list_filter = ("language", "kind")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name", "unit__unit_number")
    autocomplete_fields = ("unit",)
