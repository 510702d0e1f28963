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
from core.duplicates import combined, same_number, similar_names

from .models import Person, PersonAlias, Posting, Unit, UnitAlias, UnitParent, UnitTranslation
from .views import PersonDetailView, UnitDetailView


class UnitAliasInline(AliasInline):
    model = UnitAlias


class UnitTranslationInline(RecordTranslationInline):
    model = UnitTranslation


class PersonAliasInline(AliasInline):
    model = PersonAlias


class UnitPostingInline(ReviewedLinkInline):
    """The persons posted to a unit, on the unit's page."""

    model = Posting
    fk_name = "unit"
    autocomplete_fields = ("person", "publication")
    fields = ("person", "role", "title", "period", "publication", "confidence")
    verbose_name_plural = _("persons posted to this unit")


class PersonPostingInline(ReviewedLinkInline):
    """A person's postings, on the person's page."""

    model = Posting
    fk_name = "person"
    autocomplete_fields = ("unit", "publication")
    fields = ("unit", "role", "title", "period", "publication", "confidence")


class UnitParentInline(ReviewedLinkInline):
    model = UnitParent
    fk_name = "unit"
    autocomplete_fields = ("parent", "publication")
    fields = ("parent", "period", "publication", "confidence")


class SubUnitInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    extra = 0
    fields = ("name", "unit_number", "kind", "status")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("sub-units")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CsvImportAdminMixin, CuratedAdmin):
    preview_view_class = UnitDetailView
    import_kind = "units"
    list_display = ("name", "short_name", "unit_number", "kind", "parent", "status")
    list_filter = ("status", "kind", "branch")
    list_select_related = ("parent",)
    search_fields = ("name", "aliases__name", "translations__text", "short_name", "unit_number", "garrison")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    inlines = [UnitAliasInline, UnitTranslationInline, UnitParentInline, UnitPostingInline, SubUnitInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "short_name", "unit_number", "kind", "parent")}),
        (_("Details"), {"fields": ("branch", "garrison", "description")}),
        AUDIT_FIELDSET,
    )

    def likely_duplicates(self, data, pk):
        units = Unit.objects.exclude(pk=pk)
        return combined(same_number(units, data.get("unit_number", "")), similar_names(units, data.get("name", "")))


@admin.register(Person)
class PersonAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CsvImportAdminMixin, CuratedAdmin):
    preview_view_class = PersonDetailView
    import_kind = "persons"
    list_display = ("name", "rank", "status", "updated_at")
    list_filter = ("status", "postings__role")
    search_fields = ("name", "aliases__name", "rank", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PersonAliasInline, PersonPostingInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "rank", "date_of_birth", "description")}),
        AUDIT_FIELDSET,
    )

    def likely_duplicates(self, data, pk):
        return combined(similar_names(Person.objects.exclude(pk=pk), data.get("name", "")))


@admin.register(Posting)
class PostingAdmin(ReviewedLinkAdmin):
    list_display = ("person", "role", "title", "unit", "period", "confidence")
    list_filter = ("role", "confidence")
    list_select_related = ("person", "unit")
    search_fields = ("person__name", "person__aliases__name", "title", "unit__name", "unit__unit_number")
    autocomplete_fields = ("person", "unit", "publication")


@admin.register(UnitParent)
class UnitParentAdmin(ReviewedLinkAdmin):
    list_display = ("unit", "parent", "period", "confidence")
    list_filter = ("confidence",)
    list_select_related = ("unit", "parent")
    search_fields = ("unit__name", "parent__name", "unit__unit_number")
    autocomplete_fields = ("unit", "parent", "publication")


@admin.register(PersonAlias)
class PersonAliasAdmin(ReviewedLinkAdmin):
    list_display = ("name", "person", "language", "kind")
    list_filter = ("language", "kind")
    list_select_related = ("person",)
    search_fields = ("name", "person__name")
    autocomplete_fields = ("person",)


@admin.register(UnitAlias)
class UnitAliasAdmin(ReviewedLinkAdmin):
    list_display = ("name", "unit", "language", "kind")
    list_filter = ("language", "kind")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name", "unit__unit_number")
    autocomplete_fields = ("unit",)
