"""Opaque public ids (core.public_ids), step 1 of 3: the columns, empty. 0012 fills them, 0013 makes them unique.

Three migrations, so that on PostgreSQL the rows are written in a transaction of their own, between the changes of
the tables' structure.
"""

from django.db import migrations, models

HELP = "The record's id in public addresses, exports and the API; random, never changes."


def public_id_column():
    return models.CharField(editable=False, help_text=HELP, max_length=12, null=True, verbose_name="public id")


def numbered_url_column():
    return models.BooleanField(default=False, editable=False, verbose_name="answers at its old numbered address")


class Migration(migrations.Migration):
    dependencies = [
        ("testimonies", "0010_partial_dates"),
    ]

    operations = [
        operation
        for model_name in ("testimony", "historicaltestimony", "evidenceimage", "historicalevidenceimage")
        for operation in (
            migrations.AddField(model_name=model_name, name="public_id", field=public_id_column()),
            migrations.AddField(model_name=model_name, name="has_numbered_url", field=numbered_url_column()),
        )
    ]
