"""Safety before immutability: a record in a data release that stops being public is taken out of it."""

from functools import partial

from django.db import transaction

from .models import ReleasedRecord


def amend_when_no_longer_public(sender, instance, **kwargs):
    from .releases import amend_releases, released_models  # the writer imports the exports of every app

    resource = next(name for name, model in released_models().items() if model is sender)
    if not ReleasedRecord.objects.filter(resource=resource, record_id=instance.pk).exists():
        return

    transaction.on_commit(partial(amend_releases, resource, [instance.pk]))
