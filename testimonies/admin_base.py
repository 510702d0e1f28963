"""Admin behaviour shared by every curated model: audit stamps, status actions and the audit fieldset."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .curation import PublicationStatus

AUDIT_FIELDS = ("status", "created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = (_("Publication and record history"), {"fields": AUDIT_FIELDS})


def _status_action(status: PublicationStatus):
    def action(modeladmin, request, queryset):
        changed = queryset.exclude(status=status).update(
            status=status, updated_by=request.user, updated_at=timezone.now()
        )
        modeladmin.message_user(
            request,
            ngettext("%(count)d record set to “%(status)s”.", "%(count)d records set to “%(status)s”.", changed)
            % {"count": changed, "status": status.label},
            messages.SUCCESS,
        )

    action.__name__ = f"mark_{status.value}"
    action.short_description = _("Set status of selected records to “%(status)s”") % {"status": status.label}
    action.allowed_permissions = ("change",)
    return action


class CuratedAdmin(admin.ModelAdmin):
    """Base admin for models with a publication status and audit fields."""

    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")
    list_per_page = 50
    save_on_top = True
    actions = [_status_action(status) for status in PublicationStatus]

    def save_model(self, request, obj, form, change):
        obj.record_editor(request.user)
        super().save_model(request, obj, form, change)
