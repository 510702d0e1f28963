"""History redaction: a reviewer removes a field's value from chosen historical versions of a record.

Personal data typed into public text and removed afterwards stays readable in the older versions of the
record's history. Redaction overwrites that field in those versions with "[redacted by <user>, <when>, <why>]"
(the history table is updated in place, so it adds no version that could itself be reverted to), and records the
act in `core.Redaction`, which is never changed or deleted: a redaction cannot be undone.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .curation import may_publish
from .models import Redaction


def redactable_fields(model) -> list[models.Field]:
    """The free-text fields of `model` kept in its history (restricted witness fields never are)."""
    history_fields = {field.name for field in model.history.model._meta.fields}
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and field.editable
        and field.name in history_fields
        and not isinstance(field, models.SlugField)
    ]


def redaction_note(user, when, reason: str) -> str:
    # Stored data, so in one language whatever the reviewer's interface language.
    return f"[redacted by {user}, {timezone.localtime(when):%Y-%m-%d %H:%M}, {reason}]"


@transaction.atomic
def redact_history(record, field_name: str, history_ids, user, reason: str) -> Redaction:
    """Overwrite `field_name` in the historical versions `history_ids` of `record`; reviewers only."""
    if not may_publish(user):
        raise PermissionDenied(_("Only reviewers can redact history."))
    model = type(record)
    field = next((field for field in redactable_fields(model) if field.name == field_name), None)
    if field is None:
        raise ValidationError(_("This field cannot be redacted."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the values are redacted."))
    history_ids = sorted({int(history_id) for history_id in history_ids})
    versions = model.history.model.objects.filter(
        **{model._meta.pk.attname: record.pk}, history_id__in=history_ids
    ).select_for_update()
    if not history_ids or sorted(versions.values_list("history_id", flat=True)) != history_ids:
        raise ValidationError(_("Choose versions of this record."))
    now = timezone.now()
    note = redaction_note(user, now, reason)
    if field.max_length:
        note = note[: field.max_length]
    versions.update(**{field_name: note})
    return Redaction.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        field=field_name,
        versions=history_ids,
        redacted_by=user,
        reason=reason,
    )
