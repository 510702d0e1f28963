"""Safety before immutability: a record in a data release that stops being public is taken out of it."""

from functools import partial

from django.db import transaction

from .models import ReleasedRecord
from .open_data import EXPORT_FILES


def amend_when_no_longer_public(sender, instance, **kwargs):
    resource = next(export.name for export in EXPORT_FILES if export.model is sender)
    if not ReleasedRecord.objects.filter(resource=resource, record_id=instance.pk).exists():
        return
    from .releases import amend_releases  # the writer imports the exports of every app

    transaction.on_commit(partial(amend_releases, resource, [instance.pk]))
