import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A testimony's citations read from one index with every column the export reads (PostgreSQL); it replaces the
    foreign key's own index, which the new one begins with."""

    dependencies = [
        ("testimonies", "0019_public_sort_indexes_cover_the_public_keys"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="citation",
            index=models.Index(
                fields=["testimony", "publication", "locator"],
                include=("id", "confidence"),
                name="citation_by_testimony",
            ),
        ),
        migrations.AlterField(
            model_name="citation",
            name="testimony",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="citations",
                to="testimonies.testimony",
                verbose_name="testimony",
            ),
        ),
    ]
