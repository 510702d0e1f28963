"""The evidence upload form, shared by the evidence admin and the evidence inlines of testimonies and sites."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from core.admin_base import CuratedAdminForm
from core.curation import RESTRICTED_FIELDS_PERMISSION, REVIEWER_STATUSES, PublicationStatus, may_publish
from core.ids import is_record_id

from .evidence import describe, process_upload, store_files
from .models import Consent, EvidenceImage, Testimony
from .reidentification import describe_findings, identifying_passages


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
        # The status as stored (the formset read the row from the database; a POST changes it only after clean).
        self.locked = (
            not self.instance._state.adding
            and self.instance.status in REVIEWER_STATUSES
            and not may_publish(self.current_user)
        )
        if self.locked:
            # A published or withheld image shows on a public page (or to the withheld record's readers): in the
            # inline of its testimony or site an editor sees its row read-only, as on the image's own page.
            # Disabled fields ignore whatever a POST sends for them.
            for field in self.fields.values():
                field.disabled = True

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
    """Refuses the same image twice in one submission (each form only sees what is already stored), and an
    editor's deletion of a published or withheld image."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if getattr(form, "locked", False):
                raise ValidationError(
                    _("Only reviewers can change or delete a published or withheld image (%(image)s).")
                    % {"image": form.instance},
                    code="needs_reviewer",
                )
        seen = set()
        for form in self.forms:
            processed = getattr(form, "processed", None)
            if processed is None or self._should_delete_form(form):
                continue
            if processed.sha256 in seen:
                raise ValidationError(_("The same image was uploaded twice."), code="duplicate")
            seen.add(processed.sha256)


def posted_captions(data, testimony) -> list[str] | None:
    """The evidence captions a submission of the testimony's page would leave (its inline rows over the stored
    ones), or None when the submission has no evidence inline."""
    stored = dict(testimony.evidence.values_list("pk", "caption")) if testimony.pk else {}
    return posted_inline_texts(data, "evidence", "caption", stored)


def posted_translations(data, testimony) -> list[str] | None:
    """The translations of the quote a submission would leave, or None when it has no translations inline."""
    stored = dict(testimony.translations.values_list("pk", "text")) if testimony.pk else {}
    return posted_inline_texts(data, "translations", "text", stored)


def posted_inline_texts(data, prefix: str, field: str, stored: dict) -> list[str] | None:
    """The values of `field` that the inline rows `prefix` of a submission would leave over the `stored` ones
    ({pk: value}), or None when the submission has no such inline."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", "")), 1000)
    except ValueError:
        return None
    stored = dict(stored)
    added = []
    for index in range(total):
        pk, value = data.get(f"{prefix}-{index}-id", ""), data.get(f"{prefix}-{index}-{field}")
        deleted = bool(data.get(f"{prefix}-{index}-DELETE"))
        if is_record_id(pk) and int(pk) in stored:
            if deleted:
                del stored[int(pk)]
            elif value is not None:
                stored[int(pk)] = value
        elif value and not deleted:
            added.append(value)
    return [*stored.values(), *added]


class TestimonyAdminForm(CuratedAdminForm):
    """Publishing runs the re-identification check on what the form would publish; a reviewer may publish
    despite its findings only with a written reason, which the history keeps (the change reason)."""

    publish_reason = forms.CharField(
        label=_("Publish despite the re-identification check, because"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the check blocks publishing and you are sure the passages it quotes do not identify the "
            "witness (e.g. the witness chose to go public). Kept in the record's history."
        ),
    )
    override_reason = ""

    def clean_consent(self):
        consent = self.cleaned_data.get("consent")
        stored = self.instance.consent if self.instance.pk else None
        if consent == Consent.WITHDRAWN and stored != Consent.WITHDRAWN:
            raise ValidationError(
                _(
                    "Withdraw consent with the action “Withdraw the witness's consent” of the testimony list, which "
                    "also erases the witness's data."
                ),
                code="withdraw_through_service",
            )
        if stored == Consent.WITHDRAWN and consent != Consent.WITHDRAWN:
            raise ValidationError(
                _(
                    "A withdrawn testimony is restored by a reviewer with a new consent record (the action “Restore a "
                    "withdrawn testimony with new consent”)."
                ),
                code="restore_through_service",
            )
        if stored == Consent.LIMITED and consent == Consent.GIVEN and not may_publish(self.current_user):
            raise ValidationError(_("Only reviewers can lift a limited consent."), code="needs_reviewer")
        return consent

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("status") != PublicationStatus.PUBLISHED or self.errors:
            return cleaned_data
        if self.instance.pk and self.initial.get("status") == PublicationStatus.PUBLISHED and not self.has_changed():
            return cleaned_data
        candidate = copy.copy(self.instance)
        for name in ("witness_label", "quote", "translation", "context", *Testimony.RESTRICTED_FIELDS):
            if name in cleaned_data:
                setattr(candidate, name, cleaned_data[name])
        findings = identifying_passages(
            candidate,
            captions=posted_captions(self.data, self.instance),
            translations=posted_translations(self.data, self.instance),
        )
        if not findings:
            return cleaned_data
        reason = (cleaned_data.get("publish_reason") or "").strip()
        if reason and may_publish(self.current_user):
            self.override_reason = reason
            return cleaned_data
        may_see = self.current_user is not None and self.current_user.has_perm(RESTRICTED_FIELDS_PERMISSION)
        raise ValidationError(
            _(
                "Not published: the public text may identify the witness. %(findings)s. Remove these passages, or "
                "give a written reason to publish it as it is."
            )
            % {"findings": describe_findings(findings, may_see)},
            code="reidentification",
        )
