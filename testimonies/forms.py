"""The evidence upload form, shared by the evidence admin and the evidence inlines of testimonies and sites."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from core.admin_base import CuratedAdminForm
from core.curation import may_publish

from .evidence import describe, process_upload, store_files
from .models import EvidenceImage


class EvidenceImageForm(CuratedAdminForm):
    """Checks and strips an uploaded image (testimonies.evidence) and refuses a duplicate on the same record.

    The file of a record never changes once stored; a different image is a new record with its own hash.
    """

    upload = forms.FileField(
        label=_("image file"),
        required=False,
        help_text=_("JPEG, PNG or WebP. Location (GPS), camera and every other metadata are removed."),
    )
    keep_original = forms.BooleanField(
        label=_("keep the original file"),
        required=False,
        help_text=_(
            "Reviewers only. The original keeps all its metadata (GPS, camera); it is stored outside public "
            "media and never served."
        ),
    )

    class Meta:
        model = EvidenceImage
        fields = ("testimony", "site", "caption", "status")

    processed = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields["upload"].required = True
        else:
            self.fields["upload"].disabled = self.fields["keep_original"].disabled = True

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload and self.instance._state.adding:
            self.processed = process_upload(upload)
        return upload

    def clean(self):
        cleaned_data = super().clean()
        # A form error, not a field error: editors are not shown the box, so a field error would not show either.
        if cleaned_data.get("keep_original") and not may_publish(self.current_user):
            raise ValidationError(_("Only reviewers can keep the original file."), code="needs_reviewer")
        if self.processed is not None:
            describe(self.instance, self.processed)
            # The hash is no form field, so the model's unique constraint is not checked by the form itself.
            for name in ("testimony", "site"):
                parent = cleaned_data.get(name)
                if parent is not None and parent.pk is not None:
                    duplicate = EvidenceImage.objects.filter(**{name: parent, "sha256": self.processed.sha256})
                    if duplicate.exists():
                        raise ValidationError(
                            _("This image is already attached to this %(record)s.")
                            % {"record": parent._meta.verbose_name},
                            code="duplicate",
                        )
        return cleaned_data

    def save(self, commit=True):
        instance = super().save(commit=False)
        if self.processed is not None:
            store_files(instance, self.processed, self.cleaned_data.get("keep_original", False), self.current_user)
        if commit:
            instance.save()
            self._save_m2m()
        return instance


class EvidenceInlineFormSet(BaseInlineFormSet):
    """Refuses the same image twice in one submission (each form only sees what is already stored)."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            processed = getattr(form, "processed", None)
            if processed is None or self._should_delete_form(form):
                continue
            if processed.sha256 in seen:
                raise ValidationError(_("The same image was uploaded twice."), code="duplicate")
            seen.add(processed.sha256)
