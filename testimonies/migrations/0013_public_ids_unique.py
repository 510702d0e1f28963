"""Opaque public ids (core.public_ids), step 3 of 3: required, unique (and so indexed) on the records, indexed in
their history, and given by default to every new record."""

import core.public_ids
from django.db import migrations, models

HELP = "The record's id in public addresses, exports and the API; random, never changes."


def public_id_column(historical: bool):
    return models.CharField(
        default=core.public_ids.new_public_id,
        editable=False,
        help_text=HELP,
        max_length=12,
        verbose_name="public id",
        **({"db_index": True} if historical else {"unique": True}),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("testimonies", "0012_public_ids_given"),
    ]

    operations = [
        migrations.AlterField(
            model_name=model_name, name="public_id", field=public_id_column(model_name.startswith("historical"))
        )
        for model_name in ("testimony", "historicaltestimony", "evidenceimage", "historicalevidenceimage")
    ]
