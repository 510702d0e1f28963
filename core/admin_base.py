"""Admin behaviour shared by every curated model: audit stamps, the review workflow, history and locking."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, models
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .csv_export import staff_export_response
from .curation import (
    REVIEWER_STATUSES,
    CuratedModel,
    PublicationStatus,
    link_locked_for,
    may_publish,
    may_set_status,
    set_status,
)
from .merge import merge_records
from .search import SearchableQuerySet

AUDIT_FIELDS = (
    "status",
    "seen_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "published_at",
    "published_by",
)
AUDIT_FIELDSET = (_("Publication and record history"), {"fields": AUDIT_FIELDS})


class CuratedAdminForm(forms.ModelForm):
    """Refuses a status change the user may not make, and a save based on a version someone else replaced."""

    # The version the editor started from, sent back with the form.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    current_user = None
    check_version = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean_status(self):
        status = self.cleaned_data["status"]
        current = self.initial.get("status") if self.instance.pk else None
        if not may_set_status(self.current_user, current, status):
            raise ValidationError(
                _("Only reviewers can publish or withhold a record, or take it back from that state."),
                code="needs_reviewer",
            )
        return status

    def clean(self):
        cleaned_data = super().clean()
        # Only a form that changes something can overwrite someone else's work (an inline row left as it was
        # is not refused because someone saved that row meanwhile).
        if self.instance.pk and self.check_version and set(self.changed_data) - {"seen_version"}:
            self.refuse_stale_edit(cleaned_data.get("seen_version"))
        return cleaned_data

    def refuse_stale_edit(self, seen_version):
        # The admin saves inside a transaction: stale_edit() locks the row until the save is done.
        stale = self.instance.stale_edit(seen_version)
        if stale is None:
            return
        raise ValidationError(
            _(
                "%(user)s saved this record after you opened it, so your changes were not saved. "
                "Changed since you opened it: %(fields)s. Open the record again to see the new values, then "
                "make your changes again."
            )
            % {
                "user": stale.saved_by or _("Someone else"),
                "fields": ", ".join(stale.changed_fields) or _("unknown fields"),
            },
            code="stale",
        )


class ReviewQueueFilter(admin.SimpleListFilter):
    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        return [("awaiting_review", _("Awaiting review")), ("my_drafts", _("My drafts"))]

    def queryset(self, request, queryset):
        if self.value() == "awaiting_review":
            return queryset.filter(status=PublicationStatus.REVIEW)
        if self.value() == "my_drafts":
            return queryset.filter(status=PublicationStatus.DRAFT, created_by=request.user)
        return queryset


@admin.action(description=_("Export selected as CSV (staff: includes non-public records)"))
def export_selected_as_csv(modeladmin, request, queryset):
    return staff_export_response(queryset, request.user, modeladmin.model._meta.model_name)


class StaffExportMixin:
    """Gives a changelist the staff CSV export action, next to its other actions."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_or_change_permission(request):
            actions["export_selected_as_csv"] = self.get_action(export_selected_as_csv)
        return actions


def _status_action(status: PublicationStatus):
    def action(modeladmin, request, queryset):
        try:
            changed = set_status(queryset, status, request.user)
        except PermissionDenied as refusal:
            modeladmin.message_user(request, str(refusal), messages.ERROR)
            return
        modeladmin.message_user(
            request,
            ngettext("%(count)d record set to “%(status)s”.", "%(count)d records set to “%(status)s”.", changed)
            % {"count": changed, "status": status.label},
            messages.SUCCESS,
        )

    action.__name__ = f"mark_{status.value}"
    # Lazy, so that the label follows each request's language rather than the one active at import time.
    action.short_description = lazy(
        lambda: gettext("Set status of selected records to “%(status)s”") % {"status": status.label}, str
    )()
    action.allowed_permissions = ("publish",) if status in REVIEWER_STATUSES else ("change",)
    return action


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, an unfiltered changelist of a big table shows the planner's row estimate instead of
    counting every row; filtered lists (and small tables, and SQLite) are counted exactly."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if connections[queryset.db].vendor == "postgresql" and not queryset.query.where:
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] >= self.EXACT_BELOW:
                return int(row[0])
        return super().count


class ReviewerRevertMixin:
    """Reverting to an earlier version (simple-history's revert form saves without asking the change
    permission) is for reviewers only."""

    def has_publish_permission(self, request) -> bool:
        return may_publish(request.user)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not self.has_publish_permission(request)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        request.reverting_to_history = True
        return super().history_form_view(request, object_id, version_id, extra_context)


# Inlines that a higher app adds to a lower app's admin page (the evidence of a site comes from testimonies):
# model → inline classes, filled by `add_inline` from the higher app's admin.py.
CONTRIBUTED_INLINES: dict[type, list] = {}


def add_inline(model, inline_class) -> None:
    """Show `inline_class` on the change page of `model`, after the model admin's own inlines."""
    CONTRIBUTED_INLINES.setdefault(model, []).append(inline_class)


def usable_key(target, value, using=None) -> bool:
    """Whether `value` can be looked up as a value of the model field `target` (a primary key, mostly).

    The admin's autocomplete widget renders a form again by querying the submitted ids, and a multiple-choice
    field checks them with an `__in` query: a value that is no number ("abc") or beyond the column's range
    (SQLite raises OverflowError) would fail those queries with a 500 instead of a form error."""
    try:
        key = target.to_python(value)
    except ValidationError:
        return False
    if key is not None and isinstance(target, models.IntegerField | models.AutoField):
        low, high = connections[using or "default"].ops.integer_field_range(target.get_internal_type())
        return (low is None or key >= low) and (high is None or key <= high)
    return True


def usable_keys(field, values, using=None) -> list:
    return [value for value in values if usable_key(field.target_field, value, using)]


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        opts = self.queryset.model._meta
        target = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        try:
            values = list(value)
        except TypeError:
            return super()._check_values(value)
        for pk in values:
            if not isinstance(pk, str | int) or not usable_key(target, pk, self.queryset.db):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SafeAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, usable_keys(self.field, value, self.db), attr)


class SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, usable_keys(self.field, value, self.db), attr)


class SafeRelatedFieldsMixin:
    """Admins and inlines whose related-record fields take any submitted value without a 500: autocomplete
    widgets render only usable ids again (the form says the rest is not a valid choice), and a choice field is
    not queried with an id beyond the column's range."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CuratedAdmin(SafeRelatedFieldsMixin, StaffExportMixin, ReviewerRevertMixin, SimpleHistoryAdmin):
    """Base admin for models with a publication status, audit fields and history."""

    form = CuratedAdminForm
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by", "published_at", "published_by")
    list_per_page = 50
    save_on_top = True
    actions = [_status_action(status) for status in PublicationStatus]

    def has_change_permission(self, request, obj=None):
        # A change to a published or withheld record would reach the public (or the withheld record's
        # readers) without review, so editors see those records read-only; a reviewer moves one back to draft.
        if obj is not None and obj.status in REVIEWER_STATUSES and not self.has_publish_permission(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting removes a record from the public record for good: reviewers only (history keeps a copy).
        return super().has_delete_permission(request, obj) and self.has_publish_permission(request)

    def get_list_filter(self, request):
        return (ReviewQueueFilter, *super().get_list_filter(request))

    def get_search_results(self, request, queryset, search_term):
        # The public search's matching (core.search): names and aliases in every script, full text on PostgreSQL.
        # The autocomplete of related records uses it too.
        if isinstance(queryset, SearchableQuerySet):
            if not search_term.strip():
                return queryset, False
            return queryset.filter(queryset.match_condition(search_term)), False
        return super().get_search_results(request, queryset, search_term)

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *CONTRIBUTED_INLINES.get(self.model, ())]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        form.check_version = not getattr(request, "reverting_to_history", False)
        return form

    def save_model(self, request, obj, form, change):
        # Status and version from the database, not the form: a history revert's form starts from an old version.
        obj.stamp_save(request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Inline records with a publication status (evidence images) get the same stamps and history user."""
        if not issubclass(formset.model, CuratedModel):
            return super().save_formset(request, form, formset, change)
        for record in formset.save(commit=False):
            record.stamp_save(request.user)
            record._history_user = request.user
            record.save()
        for record in formset.deleted_objects:
            record._history_user = request.user
            record.delete()
        formset.save_m2m()


# --- Links that state a fact about published records ----------------------------------------------------------------
#
# A citation, a site–unit link, a posting or an alias is shown on its parent records' public pages, so a change to
# one whose parent is published or withheld reaches the public without review. Those links are read-only for
# editors wherever they can be reached: their own admin, the inlines of their parents and the history revert.


def locked_message(locked) -> str:
    return _(
        "Only reviewers can add, change or delete a link of a published or withheld record (%(records)s). "
        "Ask a reviewer, or have the record moved back to draft first."
    ) % {"records": ", ".join(f"{record._meta.verbose_name} “{record}”" for record in locked)}


class ReviewedLinkForm(forms.ModelForm):
    """Refuses a new or changed link that touches a published or withheld parent, unless a reviewer saves it."""

    current_user = None

    def clean(self):
        cleaned_data = super().clean()
        # DeleteProtectedModelForm (inlines) reports an existing row the user may not change as unchanged.
        if self.instance._state.adding or self.has_changed():
            new_parents = {
                name: getattr(cleaned_data.get(name), "pk", None) for name in self._meta.model.REVIEWED_PARENTS
            }
            # The stored parents come from `self.instance`, which the form changes only after clean().
            locked = link_locked_for(self.current_user, self.instance, **new_parents)
            if locked:
                raise ValidationError(locked_message(locked), code="needs_reviewer")
        return cleaned_data


class ReviewedLinkFormSet(BaseInlineFormSet):
    """Also refuses deleting such a link (the errors of a form marked for deletion are otherwise ignored)."""

    current_user = None

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if not form.instance._state.adding:
                locked = link_locked_for(self.current_user, form.instance)
                if locked:
                    raise ValidationError(locked_message(locked), code="needs_reviewer")


class ReviewedLinkPermissions:
    """Permissions of a link admin or inline, given the link (`obj` of a link admin) or its parent (`obj` of an
    inline): nothing may be added, changed or deleted there by an editor when a parent is published or withheld."""

    def locked_for(self, request, obj) -> bool:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.locked_for(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.locked_for(request, obj)


class ReviewedLinkAdmin(
    SafeRelatedFieldsMixin, ReviewedLinkPermissions, StaffExportMixin, ReviewerRevertMixin, SimpleHistoryAdmin
):
    """The standalone admin of a link model with `REVIEWED_PARENTS` (Citation, SiteUnit, Posting, aliases...)."""

    form = ReviewedLinkForm

    def locked_for(self, request, obj) -> bool:
        return obj is not None and bool(link_locked_for(request.user, obj))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        return form


class ReviewedLinkInline(SafeRelatedFieldsMixin, ReviewedLinkPermissions, admin.TabularInline):
    """The inline of such links on the change page of one of their parents."""

    form = ReviewedLinkForm
    formset = ReviewedLinkFormSet
    extra = 0

    def locked_for(self, request, obj) -> bool:
        # `obj` is the parent record of the page, as stored: a form may have changed its status in memory.
        if obj is None or obj.pk is None or may_publish(request.user):
            return False
        return type(obj).objects.filter(pk=obj.pk, status__in=REVIEWER_STATUSES).exists()

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and not self.locked_for(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.current_user = formset.form.current_user = request.user
        return formset


class AliasInline(ReviewedLinkInline):
    """The other names of a site, unit, source or person (core.names.AliasModel), on its change page."""

    fields = ("name", "language", "kind")


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Keep"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Why these are one record"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (str(record.pk), f"{record} ({getattr(record, 'slug', record.pk)})") for record in records
        ]


@admin.action(description=_("Merge the two selected records into one…"), permissions=["publish"])
def merge_selected(modeladmin, request, queryset):
    """A reviewer merges two records that turn out to be one (core.merge): a confirmation page first."""
    records = list(queryset.order_by("pk")[:3])
    if len(records) != 2:
        modeladmin.message_user(request, _("Select exactly two records to merge."), messages.ERROR)
        return None
    form = MergeForm(request.POST if "confirm_merge" in request.POST else None, records=records)
    if form.is_bound and form.is_valid():
        kept = next(record for record in records if str(record.pk) == form.cleaned_data["keep"])
        merged = next(record for record in records if record is not kept)
        try:
            merge_records(kept, merged, request.user, form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as refusal:
            modeladmin.message_user(request, " ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
            return None
        modeladmin.message_user(
            request, _("Merged “%(merged)s” into “%(kept)s”.") % {"merged": merged, "kept": kept}, messages.SUCCESS
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Merge two records"),
        "records": records,
        "form": form,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/merge_confirmation.html", context)


class MergeAdminMixin:
    """Gives reviewers the merge action on a changelist (persons, sites, units, sources, publications)."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_publish_permission(request):
            actions["merge_selected"] = self.get_action(merge_selected)
        return actions
