"""Likely duplicates shown on an admin add or change form before it saves (core.duplicates): the editor either
changes the record or ticks "save anyway"."""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

SAVE_ANYWAY = "save_anyway"


class DuplicateWarningAdminMixin:
    """A model admin that defines `likely_duplicates(data, pk)` (raw form values, the record's own pk) gets the
    warning: on a POST that finds duplicates, the form is refused with links to them and a "save anyway" box."""

    def likely_duplicates(self, data, pk) -> list:
        raise NotImplementedError

    def duplicates_for(self, request, pk):
        cache = request.__dict__.setdefault("_likely_duplicates", {})
        if pk not in cache:
            cache[pk] = self.likely_duplicates(request.POST, pk) if request.method == "POST" else []
        return cache[pk]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.duplicates_for(request, obj.pk if obj else None):
            return ((_("Likely duplicates"), {"fields": (SAVE_ANYWAY,)}), *fieldsets)
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        fields = (
            kwargs["fields"]
            if kwargs.get("fields") is not None
            else flatten_fieldsets(self.get_fieldsets(request, obj))
        )
        # The box is the form's own field, not the model's (the admin passes the fieldsets' fields).
        kwargs["fields"] = [name for name in fields if name != SAVE_ANYWAY]
        form = super().get_form(request, obj, change=change, **kwargs)
        duplicates = self.duplicates_for(request, obj.pk if obj else None)
        opts = self.model._meta

        class DuplicateCheckedForm(form):
            save_anyway = forms.BooleanField(
                label=_("Not a duplicate: save anyway"),
                required=False,
                help_text=_("Tick this if the records listed above are different things."),
            )

            def clean(self):
                cleaned_data = super().clean()
                if duplicates and not cleaned_data.get(SAVE_ANYWAY):
                    links = format_html_join(
                        ", ",
                        '<a href="{}">{}</a> ({})',
                        (
                            (
                                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[d.record.pk]),
                                str(d.record),
                                d.reason,
                            )
                            for d in duplicates
                        ),
                    )
                    raise ValidationError(
                        format_html(
                            "{} {}",
                            _("This may be a record that exists already:"),
                            links,
                        ),
                        code="likely_duplicate",
                    )
                return cleaned_data

        return DuplicateCheckedForm
