"""Opaque public ids (core.public_ids), step 2 of 3: every existing testimony and evidence image gets a random
public id and keeps answering at its old numbered address (`has_numbered_url`); its history rows get the same id
(those of deleted records one of their own). Plain ORM writes in chunks: the same on SQLite and PostgreSQL."""

from django.db import migrations

from core.public_ids import new_public_id

CHUNK = 1000


def give_public_ids(apps, schema_editor):
    for model_name in ("Testimony", "EvidenceImage"):
        model = apps.get_model("testimonies", model_name)
        historical = apps.get_model("testimonies", f"Historical{model_name}")
        given: dict[int, str] = {}
        used: set[str] = set()

        def fresh():
            while True:
                value = new_public_id()
                if value not in used:
                    used.add(value)
                    return value

        pks = list(model._base_manager.filter(public_id__isnull=True).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), CHUNK):
            records = list(model._base_manager.filter(pk__in=pks[start : start + CHUNK]))
            for record in records:
                record.public_id = given[record.pk] = fresh()
                record.has_numbered_url = True
            model._base_manager.bulk_update(records, ["public_id", "has_numbered_url"])
        given.update(model._base_manager.exclude(pk__in=given).values_list("pk", "public_id"))

        rows = list(historical._base_manager.filter(public_id__isnull=True).values_list("history_id", "id"))
        for start in range(0, len(rows), CHUNK):
            chunk = dict(rows[start : start + CHUNK])
            versions = list(historical._base_manager.filter(history_id__in=chunk))
            for version in versions:
                if version.id not in given:  # a deleted record
                    given[version.id] = fresh()
                version.public_id = given[version.id]
                version.has_numbered_url = True
            historical._base_manager.bulk_update(versions, ["public_id", "has_numbered_url"])


class Migration(migrations.Migration):
    dependencies = [
        ("testimonies", "0011_public_ids_added"),
    ]

    operations = [migrations.RunPython(give_public_ids, migrations.RunPython.noop)]
