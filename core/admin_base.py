"""Admin behaviour shared by every curated model: audit stamps, the review workflow, history and locking."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import connections, models, transaction
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property, lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .csv_export import staff_export_response
from .curation import (
    REVIEWER_STATUSES,
    CuratedModel,
    PublicationStatus,
    SourcesMissing,
    link_locked_for,
    may_publish,
    may_set_status,
    publication_is_public,
    publish_together,
    record_key,
    refuse_source_gaps,
    related_model,
    set_status,
)
from .listing import BoundedCountPaginator, bounded_count
from .merge import merge_records
from .models import Redaction, ReviewComment
from .redaction import redact_history, redactable_fields
from .search import SearchableQuerySet
from .translations import TranslatableModel

AUDIT_FIELDS = (
    "status",
    "publish_cited",
    "review_thread",
    "review_comment",
    "send_back",
    "seen_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "published_at",
    "published_by",
)
# Shown after the inlines by admin/curated_change_form.html (its class marks it).
AUDIT_FIELDSET = (_("Publication and record history"), {"fields": AUDIT_FIELDS, "classes": ["record-history"]})


def object_page_url(model_admin, route: str, view, name: str):
    """An extra admin page of one record (`<object_id>/<route>/`), behind the admin's login, named
    `<app>_<model>_<name>` like the admin's own pages."""
    opts = model_admin.model._meta
    return path(
        f"<path:object_id>/{route}/",
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_{name}",
    )


class CuratedAdminForm(forms.ModelForm):
    """Refuses a status change the user may not make, and a save based on a version someone else replaced."""

    # The version the editor started from, sent back with the form.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Offered (made visible) when publishing was refused for want of a public publication (CuratedAdmin).
    publish_cited = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The record's review thread (core.models.ReviewComment): anyone may add to it; a reviewer may send it back.
    review_comment = forms.CharField(
        label=_("Add a comment to the review thread"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    send_back = forms.BooleanField(
        label=_("Send back to its editor with this comment (the record becomes a draft)"), required=False
    )
    current_user = None
    check_version = True
    source_refusal: SourcesMissing | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
            if not self.check_version and "status" in self.fields:
                # A history revert (CuratedAdmin.get_form) keeps the current status unless the reviewer chooses
                # another: the old version's status would silently publish or unpublish the record.
                stored = type(self.instance).objects.filter(pk=self.instance.pk).values_list("status", flat=True)
                self.initial["status"] = stored.first() or self.instance.status
        if not may_publish(self.current_user) or not self.instance.pk:
            self.fields["send_back"].widget = forms.HiddenInput()
        status = self.fields.get("status")
        if status is not None and not may_publish(self.current_user):
            # Editors are offered only the statuses they may set (clean_status refuses the others anyway).
            current = self.instance.status if self.instance.pk else None
            status.choices = [
                (value, label) for value, label in status.choices if may_set_status(self.current_user, current, value)
            ]
        refusal = self.source_refusal
        if refusal is not None and refusal.fixable and may_publish(self.current_user):
            field = self.fields["publish_cited"]
            field.widget = forms.CheckboxInput()
            field.label = _("Also publish what this needs: %(records)s") % {
                "records": "; ".join(publication_with_source(publication) for publication in refusal.publications)
            }

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
        if cleaned_data.get("send_back"):
            if not may_publish(self.current_user) or not self.instance.pk:
                raise ValidationError(_("Only reviewers can send a record back."), code="needs_reviewer")
            if not cleaned_data.get("review_comment", "").strip():
                raise ValidationError(
                    {"review_comment": _("Say why you send it back: the editor reads this comment.")},
                    code="required",
                )
        if self.source_refusal is not None:
            # The save of this very form was refused and rolled back (CuratedAdmin.changeform_view).
            raise self.source_refusal
        # Only a form that changes something can overwrite someone else's work (an inline row left as it was
        # is not refused because someone saved that row meanwhile).
        unchecked = {"seen_version", "publish_cited", "review_comment", "send_back"}
        if self.instance.pk and self.check_version and set(self.changed_data) - unchecked:
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


def publication_with_source(publication) -> str:
    return f"{publication.source} – {publication}"


class ReviewQueueFilter(admin.SimpleListFilter):
    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request, model_admin):
        return [(name, label) for name, (label, _condition) in review_queues(request.user, model_admin.model).items()]

    def queryset(self, request, queryset):
        queues = review_queues(request.user, queryset.model)
        if self.value() in queues:
            return queryset.filter(queues[self.value()][1])
        return queryset


RECENTLY_PUBLISHED_DAYS = 7


def review_queues(user, model) -> dict[str, tuple[str, Q]]:
    """The review queue of the admin index and the changelists' *workflow* filter: name → (label, condition)."""
    return {
        "awaiting_review": (_("Awaiting review"), Q(status=PublicationStatus.REVIEW)),
        "my_drafts": (_("My drafts"), Q(status=PublicationStatus.DRAFT, created_by=user)),
        "sent_back": (
            _("Sent back to me"),
            Q(status=PublicationStatus.DRAFT, pk__in=ReviewComment.sent_back_to(user, model)),
        ),
        "recently_published": (
            _("Recently published"),
            Q(
                status=PublicationStatus.PUBLISHED,
                published_at__gte=timezone.now() - timedelta(days=RECENTLY_PUBLISHED_DAYS),
            ),
        ),
    }


def review_queue_counts(admin_site, user) -> list[dict]:
    """For the admin index: per curated model the user may view, how many records are in each queue (one
    query per model)."""
    rows = []
    for model, model_admin in admin_site._registry.items():
        if not issubclass(model, CuratedModel) or not model_admin.has_view_permission(_UserRequest(user)):
            continue
        queues = review_queues(user, model)
        counts = model.objects.aggregate(
            **{name: Count("pk", filter=condition) for name, (_label, condition) in queues.items()}
        )
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        rows.append(
            {
                "name": opts.verbose_name_plural,
                "queues": [(queues[name][0], counts[name], f"{changelist}?workflow={name}") for name in queues],
            }
        )
    rows.sort(key=lambda row: str(row["name"]))
    return rows


class _UserRequest:
    """The little of a request that a model admin's permission checks read."""

    def __init__(self, user):
        self.user = user


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


def publish_confirmation(modeladmin, request, records, refusal: SourcesMissing | None, action: str, extra=None):
    """A page listing exactly what a publishing action makes public (the records, and the publications and
    sources they need), whose button posts the action again, confirmed."""
    publications = refusal.publications if refusal is not None else []
    sources = sorted(
        {publication.source for publication in publications if publication.source.status != "published"},
        key=lambda source: source.pk,
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Publish these records?"),
        "records": records,
        "described": [(record._meta.verbose_name, record) for record in records],
        "refusal": refusal,
        "publications": publications,
        "sources": sources,
        "action": action,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        **(extra or {}),
    }
    return TemplateResponse(request, "admin/publish_confirmation.html", context)


def _status_action(status: PublicationStatus):
    def action(modeladmin, request, queryset):
        try:
            changed = set_status(
                queryset, status, request.user, publish_cited=request.POST.get("publish_cited") == "yes"
            )
        except PermissionDenied as refusal:
            modeladmin.message_user(request, str(refusal), messages.ERROR)
            return
        except SourcesMissing as refusal:
            if refusal.fixable and may_publish(request.user):
                # Offer to publish what the records cite in the same step, showing exactly what goes public.
                records = list(queryset.exclude(status=status).select_related())
                return publish_confirmation(modeladmin, request, records, refusal, action.__name__)
            modeladmin.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return
        except ValidationError as refusal:
            for message in refusal.messages:
                modeladmin.message_user(request, message, messages.ERROR)
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


class EstimatedCountPaginator(BoundedCountPaginator):
    """On PostgreSQL, an unfiltered changelist of a big table shows the table's row estimate instead of counting
    every row, and a filtered one the planner's estimate past 30,000 rows (core.listing.bounded_count); smaller
    lists (and SQLite) are counted exactly. Deep pages (the admin links the last ones) are read by key, as the
    public lists' (core.listing.records_between)."""

    EXACT_BELOW = 10_000
    # The admin pages by number (its links are Django's): no cursor is made, and a page's records stay a queryset.
    links_by_cursor = False

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
        return bounded_count(queryset)[0]


def field_display(field, record, cleaned_data=None) -> str:
    """A field's value as a reviewer reads it (choices by their label, related records by name)."""
    if field.many_to_many:
        related = cleaned_data[field.name] if cleaned_data is not None else getattr(record, field.name).all()
        return ", ".join(sorted(str(item) for item in related))
    value = getattr(record, field.name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


class RedactionForm(forms.Form):
    versions = forms.MultipleChoiceField(label=_("Versions"), widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Why"), max_length=300)
    irreversible = forms.BooleanField(label=_("I understand that the values are removed for good."))

    def __init__(self, *args, versions, field_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["versions"].choices = [
            (
                str(version.history_id),
                f"{date_format(timezone.localtime(version.history_date), 'DATETIME_FORMAT')}, "
                f"{version.history_user or '–'}: {getattr(version, field_name) or '–'}",
            )
            for version in versions
        ]


class ReviewerRevertMixin:
    """Reverting to an earlier version (simple-history's revert form saves without asking the change
    permission) is for reviewers only; so is redacting a field in past versions (core.redaction)."""

    object_history_template = "admin/object_history_redactions.html"

    def get_urls(self):
        return [
            object_page_url(self, "history/redact", self.redact_view, "redact"),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, object_id)
        extra = {
            "redactions": list(Redaction.of(record)) if record is not None else [],
            "related_history": self.related_history(record) if record is not None else [],
        }
        if record is not None and self.has_publish_permission(request):
            opts = self.model._meta
            extra["redact_url"] = reverse(f"admin:{opts.app_label}_{opts.model_name}_redact", args=[record.pk])
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def related_history(self, record) -> list[tuple[str, list]]:
        """Histories of records that belong to this one, shown on its history page (subclasses add theirs)."""
        return translation_history(record)

    def redact_view(self, request, object_id):
        """Choose a field, then the versions to remove its value from, and say why (reviewers only)."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        record = self.get_object(request, object_id)
        if record is None:
            raise Http404
        fields = redactable_fields(self.model)
        field = next((field for field in fields if field.name == request.GET.get("field")), None)
        form = None
        if field is not None:
            versions = self.model.history.model.objects.filter(
                **{self.model._meta.pk.attname: record.pk}
            ).select_related("history_user")
            form = RedactionForm(
                request.POST if request.method == "POST" else None, versions=versions, field_name=field.name
            )
            if form.is_bound and form.is_valid():
                try:
                    redact_history(
                        record, field.name, form.cleaned_data["versions"], request.user, form.cleaned_data["reason"]
                    )
                except ValidationError as refusal:
                    form.add_error(None, refusal)
                else:
                    self.message_user(request, _("The values were redacted."), messages.SUCCESS)
                    opts = self.model._meta
                    return HttpResponseRedirect(
                        reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.pk])
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Redact a field in past versions of “%(record)s”") % {"record": record},
            "record": record,
            "fields": [(candidate.name, candidate.verbose_name) for candidate in fields],
            "field": field,
            "form": form,
        }
        return TemplateResponse(request, "admin/redact_history.html", context)

    def has_publish_permission(self, request) -> bool:
        return may_publish(request.user)

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not self.has_publish_permission(request)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        request.reverting_to_history = True
        if request.method == "POST" and "_confirm_revert" not in request.POST:
            confirmation = self.revert_confirmation(request, object_id, version_id)
            if confirmation is not None:
                return confirmation
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except SourcesMissing as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def revert_confirmation(self, request, object_id, version_id):
        """Before a revert is saved: a page listing every field it changes (the publication status included),
        current value beside the reverted one, whose button posts the same form again, confirmed. None when the
        form is invalid (the history form then shows its errors)."""
        current = self.get_object(request, object_id)
        historical = get_object_or_404(
            self.model.history.model, **{self.model._meta.pk.attname: object_id, "history_id": version_id}
        )
        if current is None:
            raise Http404
        form = self.get_form(request, historical.instance)(request.POST, request.FILES, instance=historical.instance)
        if not form.is_valid():
            return None
        changes = []
        for name in form.cleaned_data:
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            before, after = field_display(field, current), field_display(field, form.instance, form.cleaned_data)
            if before != after:
                changes.append((field.verbose_name, before, after))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Revert “%(record)s”?") % {"record": current},
            "record": current,
            "version": historical,
            "changes": changes,
            "posted": [(key, value) for key, values in request.POST.lists() for value in values],
        }
        return TemplateResponse(request, "admin/revert_confirmation.html", context)


# Inlines that a higher app adds to a lower app's admin page (the evidence of a site comes from testimonies):
# model → inline classes, filled by `add_inline` from the higher app's admin.py.
CONTRIBUTED_INLINES: dict[type, list] = {}


def add_inline(model, inline_class) -> None:
    """Show `inline_class` on the change page of `model`, after the model admin's own inlines."""
    CONTRIBUTED_INLINES.setdefault(model, []).append(inline_class)


def sent_back_note(comment) -> str:
    if not comment.sent_back:
        return ""
    return " (%s)" % (gettext("sent back to %(user)s") % {"user": comment.recipient or "–"})


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


class PreviewMixin:
    """ "View on site" for a record the public cannot see opens a staff-only preview of its public page, with a
    banner, instead of a 404: the page's view (`preview_view_class`, the app's public detail view) is given the
    record through `previewing()`, so only the record itself skips `.public()`; whatever it relates is still
    filtered as on the public page. The preview lives under the admin's login (and its two-factor check), is
    never cached (`Cache-Control: private, no-store`) and asks search engines not to index it."""

    preview_view_class = None

    def get_urls(self):
        return [
            object_page_url(self, "preview", self.preview_view, "preview"),
            *super().get_urls(),
        ]

    def get_view_on_site_url(self, obj=None):
        if obj is None or obj.pk is None:
            return None
        if type(obj).objects.public().filter(pk=obj.pk).exists():
            return super().get_view_on_site_url(obj)
        if self.preview_view_class is None:
            return None  # no public page to preview (a vocabulary term is a filter choice)
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_preview", args=[obj.pk])

    def preview_view(self, request, object_id):
        record = self.get_object(request, object_id)
        if record is None or self.preview_view_class is None:
            raise Http404
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        opts = self.model._meta
        queryset = self.model.objects.previewing().for_public_detail().filter(pk=record.pk)

        class Preview(self.preview_view_class):
            def get_object(self, queryset=None):
                return get_object_or_404(queryset if queryset is not None else self.get_queryset())

        view = Preview.as_view(
            queryset=queryset,
            extra_context={
                "preview": record,
                "preview_change_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]),
            },
        )
        response = view(request)
        if hasattr(response, "render"):
            response.render()
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


# A date hierarchy spanning more years than this (a typing error in one record) lists them the usual way.
MAX_DATE_PROBES = 60


def probed_dates(queryset, field_name: str, kind: str, order: str = "ASC") -> list:
    """`queryset.dates(field_name, kind)` for a DateField by years or months, without reading every row: the first
    and last dates (two steps into an index on the field), then for each year or month between them whether one
    record falls in it (an EXISTS that stops at the first). The same dates as Django's SELECT DISTINCT, which reads
    every record of the changelist (250 ms of the admin's 400 at 1,000,000 testimonies)."""
    bounds = queryset.aggregate(first=models.Min(field_name), last=models.Max(field_name))
    first, last = bounds["first"], bounds["last"]
    if first is None or last is None:
        return []
    starts = []
    start = first.replace(month=1 if kind == "year" else first.month, day=1)
    while start <= last and len(starts) <= MAX_DATE_PROBES:
        starts.append(start)
        start = start.replace(year=start.year + 1) if kind == "year" else (start + timedelta(days=32)).replace(day=1)
    if len(starts) > MAX_DATE_PROBES:
        return list(type(queryset).dates(queryset, field_name, kind, order))
    ends = [*starts[1:], start]
    found = [
        start
        for start, end in zip(starts, ends, strict=True)
        if queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end}).exists()
    ]
    return found if order == "ASC" else found[::-1]


class SearchResultsChangeList(ChangeList):
    """A changelist whose date hierarchy stands aside while a search is shown, until a date is picked: its list of
    years reads every match (a common word's run to tens of thousands), where the page itself stops at 50.

    The hierarchy's years and months (of a DateField) are found by probing the index (`probed_dates`) rather
    than by a DISTINCT over every record; its days, within one month, the usual way."""

    def __init__(self, request, model, list_display, links, list_filter, date_hierarchy, *args, **kwargs):
        searching = request.GET.get(SEARCH_VAR, "").strip()
        if searching and not any(name.startswith(f"{date_hierarchy}__") for name in request.GET):
            date_hierarchy = None
        super().__init__(request, model, list_display, links, list_filter, date_hierarchy, *args, **kwargs)
        if self.date_hierarchy:
            field = get_fields_from_path(model, self.date_hierarchy)[-1]
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                # Only the template tag `date_hierarchy` calls this queryset's own `dates` (a clone has Django's).
                queryset = self.queryset
                self.queryset.dates = lambda field_name, kind, order="ASC": (
                    probed_dates(queryset, field_name, kind, order)
                    if kind in ("year", "month")
                    else type(queryset).dates(queryset, field_name, kind, order)
                )


class CuratedAdmin(PreviewMixin, SafeRelatedFieldsMixin, StaffExportMixin, ReviewerRevertMixin, SimpleHistoryAdmin):
    """Base admin for models with a publication status, audit fields and history."""

    form = CuratedAdminForm
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SearchResultsChangeList

    readonly_fields = (
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "published_at",
        "published_by",
        "review_thread",
    )
    list_per_page = 50
    save_on_top = True
    actions = [_status_action(status) for status in PublicationStatus]
    change_form_template = "admin/curated_change_form.html"

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
            common = queryset.is_common(search_term)
            return queryset.filter(queryset.match_condition(search_term, common=common)), False
        return super().get_search_results(request, queryset, search_term)

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *CONTRIBUTED_INLINES.get(self.model, ())]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        form.check_version = not getattr(request, "reverting_to_history", False)
        form.source_refusal = getattr(request, "source_refusal", None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SourcesMissing as refusal:
            # The save (with its inlines) was rolled back: show the same form again, with the refusal and, for
            # a reviewer, the offer to publish the publications it cites in the same step.
            request.source_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("review thread"))
    def review_thread(self, obj):
        comments = list(ReviewComment.of(obj)) if obj is not None and obj.pk else []
        if not comments:
            return "–"
        return format_html(
            '<ol class="review-thread">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong>, {}{}: {}</li>",
                (
                    (
                        comment.author or "–",
                        date_format(timezone.localtime(comment.created_at), "DATETIME_FORMAT"),
                        sent_back_note(comment),
                        comment.text,
                    )
                    for comment in comments
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        comment = form.cleaned_data.get("review_comment", "").strip()
        sent_back = bool(form.cleaned_data.get("send_back")) and change
        recipient = (obj.updated_by or obj.created_by) if sent_back else None
        if sent_back:
            obj.status = PublicationStatus.DRAFT
            obj._change_reason = f"Sent back: {comment}"
        elif comment:
            obj._change_reason = f"Comment: {comment}"
        elif getattr(obj, "_change_reason", None) is None:
            # The history list shows the reason of every version: never "None".
            obj._change_reason = (
                "Reverted in the admin"
                if getattr(request, "reverting_to_history", False)
                else ("Changed in the admin" if change else "Added in the admin")
            )
        # Status and version from the database, not the form: a history revert's form starts from an old version.
        obj.stamp_save(request.user)
        super().save_model(request, obj, form, change)
        if comment:
            ReviewComment.objects.create(
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                author=request.user,
                text=comment,
                sent_back=sent_back,
                recipient=recipient,
            )
        # A revert has no inlines to wait for (save_related checks the change form); raising rolls it back.
        reverting = getattr(request, "reverting_to_history", False)
        if reverting and obj.status == PublicationStatus.PUBLISHED != obj.status_before_save:
            refuse_source_gaps([obj], request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Checked once the inlines are saved (a citation added with the publishing counts); raising rolls back.
        record = form.instance
        if record.status == PublicationStatus.PUBLISHED and record.status_before_save != PublicationStatus.PUBLISHED:
            refuse_source_gaps([record], request.user, publish_cited=form.cleaned_data.get("publish_cited", False))

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
                name: getattr(cleaned_data[name], "pk", None)
                for name in self._meta.model.REVIEWED_PARENTS
                if name in cleaned_data
            }
            # The stored parents come from `self.instance`, which the form changes only after clean().
            locked = link_locked_for(self.current_user, self.instance, **new_parents)
            if locked:
                raise ValidationError(locked_message(locked), code="needs_reviewer")
            self.refuse_public_link_without_source(cleaned_data)
        return cleaned_data

    def refuse_public_link_without_source(self, cleaned_data):
        """A site–unit link or posting between published records is public once saved: it must rest on a public
        publication (the records' own publishing checks the links they already have)."""
        model = self._meta.model
        if not getattr(model, "NEEDS_PUBLIC_PUBLICATION", False):
            return
        ends = [cleaned_data.get(name) for name in model.REVIEWED_PARENTS]
        if not all(
            end is not None
            and end.pk
            and type(end).objects.filter(pk=end.pk, status=PublicationStatus.PUBLISHED).exists()
            for end in ends
        ):
            return
        if not publication_is_public(cleaned_data.get("publication")):
            raise ValidationError(
                _(
                    "Both records of this link are published, so it would be public at once: name a public "
                    "publication (publish the publication and its source first)."
                ),
                code="needs_public_publication",
            )


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

    class Media:
        # A row of two autocompletes, a choice, a date and a confidence fits a 1,280 px window beside the admin's
        # navigation sidebar; at Django's default widths it ran 350 px past the window's edge.
        css = {"all": ["css/admin-inlines.css"]}

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


class RecordTranslationInline(ReviewedLinkInline):
    """The translations of a site's, unit's, source's or abuse type's name and description
    (core.translations.RecordTranslation), on its change page; their changes are on its history page."""

    fields = ("field", "language", "text", "translator", "machine")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}}


def translation_history(record) -> list[tuple[str, models.QuerySet]]:
    """The history of `record`'s translations (added, changed, deleted), when its model has them."""
    if not isinstance(record, TranslatableModel):
        return []
    translation_model = related_model(type(record), "translations")
    versions = translation_model.history.filter(**{f"{translation_model.PARENT_FIELD}_id": record.pk})
    return [(translation_model._meta.verbose_name_plural, versions.select_related("history_user")[:100])]


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


# --- One article's records on one page -----------------------------------------------------------------------------


class CitingRecordsAdminMixin:
    """On a publication's admin (whose model has `citing_records()`): a page listing every record that rests on
    it, to submit all for review or publish all (the publication and its source included) after a confirmation
    page that lists exactly what goes public."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/citing/",
                self.admin_site.admin_view(self.citing_view),
                name=f"{opts.app_label}_{opts.model_name}_citing",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("records citing it"))
    def citing_records_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        count = sum(queryset.distinct().count() for _model, queryset in obj.citing_records())
        opts = self.model._meta
        return format_html(
            '<a href="{}">{}</a>',
            reverse(f"admin:{opts.app_label}_{opts.model_name}_citing", args=[obj.pk]),
            ngettext(
                "%(count)d record: submit or publish them together",
                "%(count)d records: submit or publish them together",
                count,
            )
            % {"count": count},
        )

    def publish_querysets(self, publication):
        source = type(publication).objects.filter(pk=publication.pk).values("source")
        source_model = related_model(self.model, "source")
        return [
            source_model.objects.filter(pk__in=source),
            self.model.objects.filter(pk=publication.pk),
            *(queryset for _model, queryset in publication.citing_records()),
        ]

    def citing_view(self, request, object_id):
        publication = self.get_object(request, object_id)
        if publication is None or not self.has_view_permission(request, publication):
            raise Http404
        opts = self.model._meta
        here = reverse(f"admin:{opts.app_label}_{opts.model_name}_citing", args=[publication.pk])
        if request.method == "POST":
            if request.POST.get("do") == "submit":
                return self.submit_all(request, publication, here)
            if request.POST.get("do") == "publish":
                return self.publish_all(request, publication, here)
        groups = [
            (model._meta.verbose_name_plural, [admin_row(record) for record in queryset.distinct().order_by("pk")])
            for model, queryset in publication.citing_records()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Records citing “%(publication)s”") % {"publication": publication},
            "publication": publication,
            "publication_row": admin_row(publication),
            "groups": [(name, rows) for name, rows in groups if rows],
            "may_publish": may_publish(request.user),
        }
        return TemplateResponse(request, "admin/publication_citing.html", context)

    def submit_all(self, request, publication, here):
        submitted = 0
        try:
            with transaction.atomic():
                for _model, queryset in publication.citing_records():
                    drafts = queryset.filter(status=PublicationStatus.DRAFT).distinct()
                    submitted += set_status(drafts, PublicationStatus.REVIEW, request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(here)
        self.message_user(
            request,
            ngettext("%(count)d record submitted for review.", "%(count)d records submitted for review.", submitted)
            % {"count": submitted},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(here)

    def publish_all(self, request, publication, here):
        if not may_publish(request.user):
            raise PermissionDenied
        querysets = self.publish_querysets(publication)
        try:
            preview = publish_together(querysets, request.user, dry_run=True)
            expected = ",".join(f"{record._meta.label}:{record.pk}" for record in preview)
            if request.POST.get("confirm") == "yes" and request.POST.get("expected") == expected:
                with transaction.atomic():
                    published = publish_together(querysets, request.user)
                    if [record_key(record) for record in published] != [record_key(record) for record in preview]:
                        raise PermissionDenied(_("What would go public changed meanwhile: check the list again."))
                self.message_user(
                    request,
                    ngettext("%(count)d record published.", "%(count)d records published.", len(published))
                    % {"count": len(published)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(here)
        except (PermissionDenied, SourcesMissing) as refusal:
            self.message_user(request, " ".join(getattr(refusal, "messages", [str(refusal)])), messages.ERROR)
            return HttpResponseRedirect(here)
        if not preview:
            self.message_user(request, _("Nothing to publish: every record is already public or withheld."))
            return HttpResponseRedirect(here)
        return publish_confirmation(
            self,
            request,
            preview,
            None,
            "",
            {"form_action": here, "expected": expected, "cancel_url": here},
        )


def admin_row(record) -> dict:
    opts = record._meta
    return {
        "kind": opts.verbose_name,
        "record": record,
        "status": record.get_status_display(),
        "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk]),
    }
