from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_base import (
    AUDIT_FIELDSET,
    AliasInline,
    CitingRecordsAdminMixin,
    CuratedAdmin,
    MergeAdminMixin,
    RecordTranslationInline,
    ReviewedLinkAdmin,
    ReviewedLinkInline,
    StaffExportMixin,
    add_inline,
)
from core.admin_duplicates import DuplicateWarningAdminMixin
from core.admin_import import CsvImportAdminMixin
from core.curation import RESTRICTED_FIELDS_PERMISSION, may_publish
from core.duplicates import combined, same_url, similar_names
from core.ids import is_record_id
from core.public_ids import is_public_id
from sites.models import Site

from .consent import restore_consent, withdraw_consent
from .forms import EvidenceImageForm, EvidenceInlineFormSet, TestimonyAdminForm
from .models import (
    AbuseType,
    AbuseTypeTranslation,
    AccessLogEntry,
    Citation,
    Consent,
    EvidenceImage,
    Publication,
    QuoteTranslation,
    ReviewerNotice,
    Source,
    SourceAlias,
    SourceTranslation,
    Testimony,
    TestimonyPerson,
    independent_sources,
    overstated_corroboration,
)
from .reidentification import caption_passages, describe_findings, identifying_passages
from .views import SourceDetailView, TestimonyDetailView, evidence_response


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (who asked, and how)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class RestoreConsentForm(forms.Form):
    consent = forms.ChoiceField(
        label=_("New consent"), choices=[c for c in Consent.choices if c[0] != Consent.WITHDRAWN]
    )
    recorded_on = forms.DateField(label=_("Recorded on"), widget=forms.DateInput(attrs={"type": "date"}))
    how = forms.CharField(label=_("How it was recorded"), max_length=300)


def consent_page(modeladmin, request, queryset, form_class, action, title, explanation):
    """The confirmation page of a consent action, or the bound form once it is submitted."""
    form = form_class(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        return form, None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "explanation": explanation,
        "records": list(queryset),
        "form": form,
        "action": action,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return None, TemplateResponse(request, "admin/consent_form.html", context)


@admin.action(description=_("Withdraw the witness's consent…"), permissions=["change"])
def withdraw_consent_action(modeladmin, request, queryset):
    form, page = consent_page(
        modeladmin,
        request,
        queryset,
        WithdrawConsentForm,
        "withdraw_consent_action",
        _("Withdraw consent"),
        _(
            "The testimonies leave every public page, list, search, export and the API at once; their restricted "
            "witness fields are emptied and their evidence images deleted with their files. This cannot be undone; "
            "a reviewer can only restore a testimony with a new consent record."
        ),
    )
    if page is not None:
        return page
    for testimony in queryset:
        try:
            withdraw_consent(testimony, request.user, form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as refusal:
            modeladmin.message_user(request, " ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
        else:
            modeladmin.message_user(request, _("Consent withdrawn: %(record)s.") % {"record": testimony.pk})
    return None


@admin.action(description=_("Restore a withdrawn testimony with new consent…"), permissions=["publish"])
def restore_consent_action(modeladmin, request, queryset):
    form, page = consent_page(
        modeladmin,
        request,
        queryset,
        RestoreConsentForm,
        "restore_consent_action",
        _("Restore with new consent"),
        _("Record the witness's new consent. The testimonies come back withheld; publish them when ready."),
    )
    if page is not None:
        return page
    for testimony in queryset:
        try:
            restore_consent(testimony, request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as refusal:
            modeladmin.message_user(request, " ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
        else:
            modeladmin.message_user(request, _("Consent restored: %(record)s.") % {"record": testimony.pk})
    return None


@admin.register(AccessLogEntry)
class AccessLogAdmin(StaffExportMixin, admin.ModelAdmin):
    """Who saw, searched, filtered on, changed or exported witnesses' identities: for reviewers who may see
    restricted fields; nobody adds, changes or deletes a row here (manage.py prune_access_log removes old ones)."""

    list_display = ("at", "user", "action", "testimony_id", "fields")
    list_filter = ("action", "user")
    list_select_related = ("user",)
    search_fields = ("user__username", "=testimony_id")
    date_hierarchy = "at"

    def may_read(self, request) -> bool:
        return may_publish(request.user) and request.user.has_perm(RESTRICTED_FIELDS_PERMISSION)

    def has_module_permission(self, request):
        return self.may_read(request)

    def has_view_permission(self, request, obj=None):
        return self.may_read(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewerNotice)
class ReviewerNoticeAdmin(StaffExportMixin, admin.ModelAdmin):
    """Notices for reviewers (withdrawn consents): written by services, read here, never edited."""

    list_display = ("created_at", "message", "created_by", "testimony")
    search_fields = ("message",)
    list_select_related = ("created_by", "testimony")
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return may_publish(request.user)

    def has_view_permission(self, request, obj=None):
        return may_publish(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def warn_of_findings(request, findings, record) -> None:
    """The re-identification check as a warning (at every save, and on the change page), never a block."""
    if not findings:
        return
    storage = messages.get_messages(request)
    shown = {str(message) for message in storage}
    storage.used = False  # reading them above must not use them up
    text = _(
        "The public text of “%(record)s” may identify the witness: %(findings)s. Publishing is blocked until these "
        "passages are removed or a reviewer gives a written reason."
    ) % {
        "record": record,
        "findings": describe_findings(findings, request.user.has_perm(RESTRICTED_FIELDS_PERMISSION)),
    }
    if text not in shown:
        messages.warning(request, text)


class SourceAliasInline(AliasInline):
    model = SourceAlias


class SourceTranslationInline(RecordTranslationInline):
    model = SourceTranslation


class AbuseTypeTranslationInline(RecordTranslationInline):
    model = AbuseTypeTranslation


@admin.register(Source)
class SourceAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CsvImportAdminMixin, CuratedAdmin):
    preview_view_class = SourceDetailView
    import_kind = "sources"
    list_display = ("name", "kind", "country", "languages", "status", "updated_at")
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "aliases__name", "translations__text", "description", "website")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SourceAliasInline, SourceTranslationInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "website", "country", "languages", "description")}),
        AUDIT_FIELDSET,
    )

    def likely_duplicates(self, data, pk):
        sources = Source.objects.exclude(pk=pk)
        return combined(
            same_url(sources, data.get("website", ""), "website"), similar_names(sources, data.get("name", ""))
        )


@admin.register(Publication)
class PublicationAdmin(DuplicateWarningAdminMixin, MergeAdminMixin, CitingRecordsAdminMixin, CuratedAdmin):
    list_display = ("title", "source", "kind", "published_on", "language", "status")
    list_filter = ("status", "kind", "language", "source")
    list_select_related = ("source",)
    search_fields = ("title", "author", "excerpt", "url", "source__name")
    autocomplete_fields = ("source", "cites")
    date_hierarchy = "published_on_earliest"
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

    def likely_duplicates(self, data, pk):
        publications = Publication.objects.exclude(pk=pk).select_related("source")
        source = data.get("source", "")
        same_source = publications.filter(source=source) if is_record_id(source) else publications.none()
        return combined(
            same_url(publications, data.get("url", "")), similar_names(same_source, data.get("title", ""), "title")
        )


@admin.register(AbuseType)
class AbuseTypeAdmin(CuratedAdmin):
    """The abuse vocabulary: a term an editor adds is a draft until a reviewer publishes it."""

    list_display = ("name", "slug", "status")
    list_filter = ("status",)
    search_fields = ("name", "translations__text", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AbuseTypeTranslationInline]
    fieldsets = ((None, {"fields": ("name", "slug", "description")}), AUDIT_FIELDSET)


class TestimonyPersonInline(ReviewedLinkInline):
    model = TestimonyPerson
    autocomplete_fields = ("person", "publication")
    fields = ("person", "role", "publication", "confidence")


class QuoteTranslationInline(ReviewedLinkInline):
    model = QuoteTranslation
    fields = ("language", "text", "translator", "machine")
    extra = 0


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
    search_fields = ("caption", "sha256", "=public_id")
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warn_of_findings(request, caption_passages(obj), obj)

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
    preview_view_class = TestimonyDetailView
    import_kind = "testimonies"
    form = TestimonyAdminForm
    actions = [*CuratedAdmin.actions, withdraw_consent_action, restore_consent_action]
    list_display = (
        "id",
        "witness_label",
        "witness_role",
        "given_on",
        "verification",
        "sources_behind",
        "consent",
        "status",
        "updated_at",
    )
    list_display_links = ("id", "witness_label")
    list_filter = (
        "status",
        "consent",
        "witness_role",
        "verification",
        "quote_language",
        "abuse_types",
        "sites__region",
    )
    list_select_related = ("updated_by",)
    readonly_fields = (*CuratedAdmin.readonly_fields, "public_id")
    search_fields = ("quote", "translation", "witness_label")  # and the public id: get_search_results
    autocomplete_fields = ("sites", "units", "abuse_types")
    date_hierarchy = "given_on"
    inlines = [QuoteTranslationInline, CitationInline, TestimonyPersonInline, EvidenceImageInline]
    fieldsets = (
        (None, {"fields": ("witness_label", "witness_role", "verification")}),
        (_("Quote"), {"fields": ("quote", "quote_language", "translation", "context")}),
        (_("Dates"), {"fields": ("given_on", "events")}),
        (_("Cross-references"), {"fields": ("sites", "units", "abuse_types")}),
        (_("Consent"), {"fields": ("consent", "consent_recorded_on", "consent_how")}),
        AUDIT_FIELDSET,
    )
    restricted_fieldset = (
        _("Restricted witness fields (never public)"),
        {"classes": ("collapse",), "fields": Testimony.RESTRICTED_FIELDS},
    )

    check_fieldset = (_("Re-identification check"), {"fields": ("publish_reason",)})

    def may_see_restricted(self, request) -> bool:
        return request.user.has_perm(RESTRICTED_FIELDS_PERMISSION)

    def get_queryset(self, request):
        # Every citation counts here, public or not: curators judge the record before it is published.
        return super().get_queryset(request).annotate(staff_independent_sources=independent_sources(public=False))

    @admin.display(description=_("independent sources"), ordering="staff_independent_sources")
    def sources_behind(self, testimony):
        count = testimony.staff_independent_sources
        if overstated_corroboration(testimony.verification, count):
            return format_html("{} ⚠ {}", count, _("fewer than the label says"))
        return count

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
        if obj is not None:
            (name, options), *rest = fieldsets
            fieldsets = ((name, {**options, "fields": ("public_id", *options["fields"])}), *rest)
        if self.may_see_restricted(request):
            fieldsets = (*fieldsets[:-1], self.restricted_fieldset, fieldsets[-1])
        if may_publish(request.user):
            fieldsets = (*fieldsets, self.check_fieldset)
        return fieldsets

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Every save, by an editor or a reviewer: a warning, with the captions the inline has just saved.
        warn_of_findings(request, identifying_passages(form.instance), form.instance)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Shown again whenever the record is opened: on the reviewer's page above all.
        if request.method == "GET":
            testimony = self.get_object(request, object_id)
            if testimony is not None:
                warn_of_findings(request, identifying_passages(testimony), testimony)
                if overstated_corroboration(testimony.verification, testimony.staff_independent_sources):
                    messages.warning(
                        request,
                        _(
                            "The verification says “corroborated by several independent sources”, but the "
                            "citations rest on %(count)s independent source(s)."
                        )
                        % {"count": testimony.staff_independent_sources},
                    )
                if self.may_see_restricted(request):
                    # The page shows the restricted fields to this user: logged.
                    AccessLogEntry.record(
                        request.user, AccessLogEntry.Action.VIEW, Testimony.RESTRICTED_FIELDS, [testimony.pk]
                    )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        changed = [name for name in Testimony.RESTRICTED_FIELDS if name in form.changed_data]
        if getattr(form, "override_reason", ""):
            obj._change_reason = f"Published despite the re-identification check: {form.override_reason}"
        super().save_model(request, obj, form, change)
        if changed:
            AccessLogEntry.record(request.user, AccessLogEntry.Action.CHANGE, changed, [obj.pk])

    def response_action(self, request, queryset):
        response = super().response_action(request, queryset)
        # Submitting for review from the list: the same warning as the form's, for each testimony it applies to.
        if request.POST.get("action") == "mark_review":
            selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
            for testimony in queryset.filter(pk__in=[pk for pk in selected if is_record_id(pk)]):
                warn_of_findings(request, identifying_passages(testimony), testimony)
        return response

    def changelist_view(self, request, extra_context=None):
        # Filtering on a restricted field (?real_name__startswith=...) reads it: logged, without the value.
        filtered = sorted(
            {
                name
                for key in request.GET
                for name in Testimony.RESTRICTED_FIELDS
                if key == name or key.startswith(f"{name}__")
            }
        )
        if filtered and self.may_see_restricted(request):
            AccessLogEntry.record(request.user, AccessLogEntry.Action.FILTER, filtered)
        return super().changelist_view(request, extra_context)

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
        matches = queryset.match_condition(search_term, common=queryset.is_common(search_term))
        # A record found by its public id, or by the address of its public page (core.public_ids).
        key = search_term.strip().rstrip("/").rpartition("/")[2].lower()
        if is_public_id(key):
            matches |= Q(public_id=key)
        if self.may_see_restricted(request):
            matches |= Q(real_name__icontains=search_term.strip())
            # A search that reads real names is logged (never the words searched for).
            AccessLogEntry.record(request.user, AccessLogEntry.Action.SEARCH, ["real_name"])
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
