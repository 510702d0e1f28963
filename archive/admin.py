"""Data releases in the admin: read-only records, and a button for reviewers that writes a new release."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.curation import may_publish

from .models import DataRelease
from .releases import ReleaseError, make_release


class ReleaseForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What this release is for; shown on its public page and kept in its manifest."),
    )


@admin.register(DataRelease)
class DataReleaseAdmin(admin.ModelAdmin):
    list_display = ("number", "state", "created_at", "created_by", "size", "sha256", "amended_at", "amended_rows")
    list_filter = ("state",)
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in DataRelease._meta.fields]

    def has_add_permission(self, request):
        return False  # releases are made by the button (or `manage.py release_data`), never typed in

    def has_change_permission(self, request, obj=None):
        return False  # immutable

    def has_delete_permission(self, request, obj=None):
        return False  # a citation must keep working

    def get_urls(self):
        return [
            path("make/", self.admin_site.admin_view(self.make_release_view), name="archive_datarelease_make"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_make_release": may_publish(request.user)}
        return super().changelist_view(request, extra_context)

    def make_release_view(self, request):
        """Reviewers only: a form for the notes, then the release is written (it takes a while on big data)."""
        if not may_publish(request.user):
            messages.error(request, _("Only reviewers can make a data release."))
            return redirect(reverse("admin:archive_datarelease_changelist"))
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                release = make_release(notes=form.cleaned_data["notes"], user=request.user)
            except ReleaseError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Release %(number)s was written: SHA-256 %(sha256)s.") % vars(release))
            return redirect(reverse("admin:archive_datarelease_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Make a data release"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/make_release.html", context)
