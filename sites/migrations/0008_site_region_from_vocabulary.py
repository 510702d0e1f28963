"""A site's region becomes a term of the region vocabulary (sites.Region) instead of free text.

The free text is read as the vocabulary reads it (sites.regions: "Donetsk region", "Donetsk", "Donetsk oblast" and
"ДНР" are all Donetsk Oblast). Text that names no region, or a name two regions share ("Moscow": the city or the
oblast?), is kept in `unmatched_region`, which the admin shows and filters by, until a curator chooses the region:
nothing is dropped silently. History rows are mapped the same way.
"""

import django.db.models.deletion
from django.db import migrations, models

from sites.regions import REGIONS, region_index, region_key, region_names

# Written out here rather than imported, so that the migration stays as it was when later code changes: the text
# search no longer reads the region column (the region's names are searched through the region).
SEARCH_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS sites_site_search_vector ON sites_site;
CREATE OR REPLACE FUNCTION sites_site_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('simple', unaccent(coalesce(NEW.name, ''))), 'A') ||
        setweight(to_tsvector('simple', unaccent(coalesce(NEW.settlement, ''))), 'B') ||
        setweight(to_tsvector('english', unaccent(coalesce(NEW.description, ''))), 'B') ||
        setweight(to_tsvector('russian', unaccent(coalesce(NEW.description, ''))), 'B') ||
        setweight(to_tsvector('simple', unaccent(coalesce(NEW.description, ''))), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER sites_site_search_vector
    BEFORE INSERT OR UPDATE OF name, settlement, description ON sites_site
    FOR EACH ROW EXECUTE FUNCTION sites_site_search_vector_update();
"""


def replace_search_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_TRIGGER_SQL)


def map_free_text(apps, schema_editor):
    Region = apps.get_model("sites", "Region")
    names_by_code = {row[1]: region_names(row) for row in REGIONS}
    index = region_index(
        (region.pk, [region.name, region.name_ru, region.name_uk, *names_by_code.get(region.code, [])])
        for region in Region.objects.all()
    )
    for model_name in ("Site", "HistoricalSite"):
        model = apps.get_model("sites", model_name)
        for row in model.objects.exclude(region_text="").only("pk", "region_text").iterator():
            region_id = index.get(region_key(row.region_text))
            if region_id is not None:
                model.objects.filter(pk=row.pk).update(region_id=region_id)
            else:
                model.objects.filter(pk=row.pk).update(unmatched_region=row.region_text[:100])
    if schema_editor.connection.vendor == "postgresql":
        # The rows updated above leave deferred foreign-key checks pending, which ALTER TABLE refuses to run after.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def back_to_free_text(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    for site in Site.objects.select_related("region"):
        Site.objects.filter(pk=site.pk).update(region_text=site.region.name if site.region else site.unmatched_region)


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0007_region_vocabulary"),
    ]

    operations = [
        migrations.RunPython(replace_search_trigger, migrations.RunPython.noop),
        migrations.AddField(
            model_name="historicalsite",
            name="unmatched_region",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The region typed before regions were a vocabulary, when it matched no region: choose one.",
                max_length=100,
                verbose_name="region as first recorded",
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="unmatched_region",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The region typed before regions were a vocabulary, when it matched no region: choose one.",
                max_length=100,
                verbose_name="region as first recorded",
            ),
        ),
        migrations.RenameField(model_name="site", old_name="region", new_name="region_text"),
        migrations.RenameField(model_name="historicalsite", old_name="region", new_name="region_text"),
        migrations.AlterField(
            model_name="site", name="region_text", field=models.CharField(blank=True, default="", max_length=100)
        ),
        migrations.AlterField(
            model_name="historicalsite",
            name="region_text",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="historicalsite",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="sites.region",
                verbose_name="region",
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sites",
                to="sites.region",
                verbose_name="region",
            ),
        ),
        migrations.RunPython(map_free_text, back_to_free_text),
        migrations.RemoveField(model_name="historicalsite", name="region_text"),
        migrations.RemoveField(model_name="site", name="region_text"),
    ]
