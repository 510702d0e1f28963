from django.contrib import admin
from django.db.models import Q
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_base import (
    AUDIT_FIELDSET,
    AliasInline,
    CitingRecordsAdminMixin,
    CuratedAdmin,
    ReviewedLinkAdmin,
    ReviewedLinkInline,
    StaffExportMixin,
    add_inline,
)
from core.admin_import import CsvImportAdminMixin
from core.curation import RESTRICTED_FIELDS_PERMISSION, may_publish
from sites.models import Site

from .forms import EvidenceImageForm, EvidenceInlineFormSet
from .models import (
    AbuseType,
    Citation,
    EvidenceImage,
    Publication,
    Source,
    SourceAlias,
    Testimony,
    TestimonyPerson,
)
from .views import evidence_response


class SourceAliasInline(AliasInline):
    model = SourceAlias


@admin.register(Source)
class SourceAdmin(CsvImportAdminMixin, CuratedAdmin):
    import_kind = "sources"
    list_display = ("name", "kind", "country", "languages", "status", "updated_at")
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "aliases__name", "description", "website")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SourceAliasInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "website", "country", "languages", "description")}),
        AUDIT_FIELDSET,
    )


@admin.register(Publication)
class PublicationAdmin(CitingRecordsAdminMixin, CuratedAdmin):
    list_display = ("title", "source", "kind", "published_on", "language", "status")
    list_filter = ("status", "kind", "language", "source")
    list_select_related = ("source",)
    search_fields = ("title", "author", "excerpt", "url", "source__name")
    autocomplete_fields = ("source", "cites")
    date_hierarchy = "published_on"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "source",
                    "title",
                    "kind",
                    "url",
                    "archived_url",
                    "published_on",
                    "language",
                    "author",
                    "excerpt",
                    "cites",
                    "citing_records_link",
                )
            },
        ),
        AUDIT_FIELDSET,
    )
    readonly_fields = (*CuratedAdmin.readonly_fields, "citing_records_link")


@admin.register(AbuseType)
class AbuseTypeAdmin(StaffExportMixin, SimpleHistoryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


class TestimonyPersonInline(ReviewedLinkInline):
    model = TestimonyPerson
    autocomplete_fields = ("person", "publication")
    fields = ("person", "role", "publication", "confidence")


class CitationInline(ReviewedLinkInline):
    model = Citation
    autocomplete_fields = ("publication",)
    fields = ("publication", "locator", "quoted_passage", "accessed_on", "confidence")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and obj.quote:
            # A new citation's quoted passage starts as the testimony's quote, rather than being typed twice
            # (a fresh form class per call: no other request sees this initial value).
            formset.form.base_fields["quoted_passage"].initial = obj.quote
        return formset


def evidence_preview(evidence):
    """A thumbnail linking to the display image, through the staff file view (drafts have no public URL)."""
    if evidence is None or not evidence.pk:
        return "–"
    url_name = "admin:testimonies_evidenceimage_file"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="160"></a>',
        reverse(url_name, args=[evidence.pk, "display"]),
        reverse(url_name, args=[evidence.pk, "thumbnail"]),
    )


class EvidenceImageInline(admin.TabularInline):
    """Evidence images on the change page of a testimony or a site: upload, caption and status."""

    model = EvidenceImage
    form = EvidenceImageForm
    formset = EvidenceInlineFormSet
    extra = 0
    fields = ("preview", "upload", "caption", "status", "seen_version")
    readonly_fields = ("preview",)

    @admin.display(description=_("image"))
    def preview(self, obj):
        return evidence_preview(obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return (*fields, "keep_original") if may_publish(request.user) else fields

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.current_user = request.user
        return formset


# Evidence images of a site are edited on the site's page too; sites/admin.py cannot import this module.
add_inline(Site, EvidenceImageInline)


@admin.register(EvidenceImage)
class EvidenceImageAdmin(CuratedAdmin):
    form = EvidenceImageForm
    list_display = ("preview", "__str__", "testimony", "site", "status", "content_type", "size", "uploaded_at")
    list_filter = ("status", "content_type")
    list_select_related = ("testimony", "site")
    search_fields = ("caption", "sha256")
    autocomplete_fields = ("testimony", "site")
    date_hierarchy = "uploaded_at"
    readonly_fields = (
        *CuratedAdmin.readonly_fields,
        "preview",
        "sha256",
        "size",
        "width",
        "height",
        "content_type",
        "original_kept",
        "uploaded_by",
        "uploaded_at",
    )

    @admin.display(description=_("image"))
    def preview(self, obj):
        return evidence_preview(obj)

    @admin.display(description=_("size of the uploaded file"), ordering="byte_size")
    def size(self, obj):
        return filesizeformat(obj.byte_size)

    @admin.display(description=_("original kept (private)"), boolean=True)
    def original_kept(self, obj):
        return bool(obj.original)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            upload = ("upload", "keep_original") if may_publish(request.user) else ("upload",)
            return ((None, {"fields": ("testimony", "site", *upload, "caption")}), AUDIT_FIELDSET)
        file_facts = (
            "sha256",
            "size",
            "width",
            "height",
            "content_type",
            "original_kept",
            "uploaded_by",
            "uploaded_at",
        )
        return (
            (None, {"fields": ("preview", "testimony", "site", "caption")}),
            (_("File"), {"fields": file_facts}),
            AUDIT_FIELDSET,
        )

    def get_readonly_fields(self, request, obj=None):
        # The record an image documents is fixed at upload: moving it could put it on a public page unreviewed.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "testimony", "site") if obj is not None else readonly

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/file/<str:variant>/",
                self.admin_site.admin_view(self.file_view),
                name=f"{opts.app_label}_{opts.model_name}_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id, variant):
        """The display image or thumbnail of any evidence record, public or not, for staff who may view it."""
        evidence = self.get_object(request, object_id)
        if (
            evidence is None
            or variant not in ("display", "thumbnail")
            or not self.has_view_permission(request, evidence)
        ):
            raise Http404
        return evidence_response(request, evidence, variant)


@admin.register(Testimony)
class TestimonyAdmin(CsvImportAdminMixin, CuratedAdmin):
    import_kind = "testimonies"
    list_display = ("id", "witness_label", "witness_role", "given_on", "verification", "status", "updated_at")
    list_display_links = ("id", "witness_label")
    list_filter = ("status", "witness_role", "verification", "quote_language", "abuse_types", "sites__region")
    list_select_related = ("updated_by",)
    search_fields = ("quote", "translation", "witness_label")
    autocomplete_fields = ("sites", "units", "abuse_types")
    date_hierarchy = "given_on"
    inlines = [CitationInline, TestimonyPersonInline, EvidenceImageInline]
    fieldsets = (
        (None, {"fields": ("witness_label", "witness_role", "verification")}),
        (_("Quote"), {"fields": ("quote", "quote_language", "translation", "context")}),
        (_("Dates"), {"fields": ("given_on", "events_start", "events_end", "events_precision")}),
        (_("Cross-references"), {"fields": ("sites", "units", "abuse_types")}),
        AUDIT_FIELDSET,
    )
    restricted_fieldset = (
        _("Restricted witness fields (never public)"),
        {"classes": ("collapse",), "fields": Testimony.RESTRICTED_FIELDS},
    )

    def may_see_restricted(self, request) -> bool:
        return request.user.has_perm(RESTRICTED_FIELDS_PERMISSION)

    def related_history(self, record):
        # A citation's changes (added, changed, deleted) belong to its testimony's story.
        return [
            (
                Citation._meta.verbose_name_plural,
                Citation.history.filter(testimony_id=record.pk).select_related("history_user")[:100],
            )
        ]

    def get_fieldsets(self, request, obj=None):
        # The form is built from these fieldsets, so without the permission the fields are neither shown nor
        # accepted from a POST.
        fieldsets = super().get_fieldsets(request, obj)
        if self.may_see_restricted(request):
            return (*fieldsets[:-1], self.restricted_fieldset, fieldsets[-1])
        return fieldsets

    def lookup_allowed(self, lookup, value, request):
        # A changelist URL such as ?real_name__startswith=A would otherwise let anyone probe restricted fields.
        field_name = lookup.split("__")[0]
        if field_name in Testimony.RESTRICTED_FIELDS and not self.may_see_restricted(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        # The public search (core.search), plus the real name for staff with the restricted-fields permission.
        if not search_term.strip():
            return queryset, False
        matches = queryset.match_condition(search_term)
        if self.may_see_restricted(request):
            matches |= Q(real_name__icontains=search_term.strip())
        return queryset.filter(matches), False

    def get_search_fields(self, request):
        # Searching by a real name would reveal whose testimony a record is, so only permitted staff may.
        fields = super().get_search_fields(request)
        if self.may_see_restricted(request):
            return (*fields, "real_name")
        return fields


@admin.register(Citation)
class CitationAdmin(ReviewedLinkAdmin):
    list_display = ("testimony", "publication", "locator", "confidence", "accessed_on")
    list_filter = ("confidence", "publication__source")
    list_select_related = ("testimony", "publication__source")
    search_fields = ("quoted_passage", "locator", "publication__title", "testimony__witness_label")
    autocomplete_fields = ("testimony", "publication")
    date_hierarchy = "accessed_on"


@admin.register(SourceAlias)
class SourceAliasAdmin(ReviewedLinkAdmin):
    list_display = ("name", "source", "language", "kind")
    list_filter = ("language", "kind")
    list_select_related = ("source",)
    search_fields = ("name", "source__name")
    autocomplete_fields = ("source",)


@admin.register(TestimonyPerson)
class TestimonyPersonAdmin(ReviewedLinkAdmin):
    list_display = ("person", "role", "testimony", "publication", "confidence")
    list_filter = ("role", "confidence")
    list_select_related = ("person", "testimony", "publication__source")
    search_fields = ("person__name", "person__aliases__name", "testimony__witness_label")
    autocomplete_fields = ("testimony", "person", "publication")
