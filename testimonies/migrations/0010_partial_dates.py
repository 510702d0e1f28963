"""The events of a testimony and the date of a publication become partial dates (core.dates): EDTF text with the
earliest and latest day it can mean. A testimony's events_start/events_end/events_precision become one EDTF value at
that precision (2024-11-01..2024-11-30 at "month" is "2024-11"; "approximate" days get "~"); a publication's day
stays that day. Records and their history rows alike."""

import core.dates
from django.db import migrations, models

from core.date_migration import date_text, period_text
from core.dates import bounds

HELP = (
    "As the source gives it: 2022-11-05, 2022-11, 2022-23 (autumn), 2022, 2022-11~ (about), 2022? (uncertain), "
    "2022-11/2023-05 (a period), 2022-11/.. (open end), or “November 2022”."
)
EVENTS_HELP = (
    "As the source gives it: 2022-11-05 (a day), 2022-11 (a month), 2022-23 (autumn 2022; 21 spring, 22 summer, "
    "24 winter), 2022 (a year), 2022-11~ (about), 2022? (uncertain), 2022-11/2023-05 (a period, each end with its "
    "own precision), 2022-11/.. (still going on or end unknown). Words work too: “November 2022”, “autumn 2022”, "
    "“about November 2022”, “November 2022 to May 2023”."
)


def day(db_index=False):
    return models.DateField(blank=True, db_index=db_index, editable=False, null=True)


def convert(model, name, text_of):
    rows = []
    for row in model.objects.all():
        text = text_of(row)
        setattr(row, name, text)
        earliest, latest = bounds(text)
        setattr(row, f"{name}_earliest", earliest)
        setattr(row, f"{name}_latest", latest)
        rows.append(row)
    model.objects.bulk_update(rows, [name, f"{name}_earliest", f"{name}_latest"], 500)


def to_partial_dates(apps, schema_editor):
    for model_name in ("Testimony", "HistoricalTestimony"):
        convert(
            apps.get_model("testimonies", model_name),
            "events",
            lambda row: period_text(row.events_start, row.events_end, row.events_precision),
        )
    for model_name in ("Publication", "HistoricalPublication"):
        convert(
            apps.get_model("testimonies", model_name), "published_on", lambda row: date_text(row.published_on_date)
        )


def to_plain_dates(apps, schema_editor):
    """Back to plain dates: the earliest and latest day of each, at day precision."""
    for model_name in ("Testimony", "HistoricalTestimony"):
        model = apps.get_model("testimonies", model_name)
        for row in model.objects.all():
            row.events_start, row.events_end = row.events_earliest, row.events_latest
            row.save(update_fields=["events_start", "events_end"])
    for model_name in ("Publication", "HistoricalPublication"):
        model = apps.get_model("testimonies", model_name)
        for row in model.objects.all():
            row.published_on_date = row.published_on_earliest
            row.save(update_fields=["published_on_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("testimonies", "0009_restricted_fields_access_log"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="testimony", name="testimony_events_end_after_start"),
        migrations.RemoveIndex(model_name="testimony", name="testimony_events_start"),
        *(
            migrations.RenameField(model_name=model, old_name="published_on", new_name="published_on_date")
            for model in ("publication", "historicalpublication")
        ),
        *(
            operation
            for model in ("publication", "historicalpublication")
            for operation in (
                migrations.AddField(
                    model_name=model,
                    name="published_on",
                    field=core.dates.PartialDateField(
                        blank=True, help_text=HELP, max_length=64, verbose_name="date published"
                    ),
                ),
                migrations.AddField(model_name=model, name="published_on_earliest", field=day(db_index=True)),
                migrations.AddField(model_name=model, name="published_on_latest", field=day()),
            )
        ),
        *(
            operation
            for model in ("testimony", "historicaltestimony")
            for operation in (
                migrations.AddField(
                    model_name=model,
                    name="events",
                    field=core.dates.PartialDateField(
                        blank=True, help_text=EVENTS_HELP, max_length=64, verbose_name="date or period of the events"
                    ),
                ),
                migrations.AddField(model_name=model, name="events_earliest", field=day()),
                migrations.AddField(model_name=model, name="events_latest", field=day()),
            )
        ),
        migrations.RunPython(to_partial_dates, to_plain_dates),
        *(
            migrations.RemoveField(model_name=model, name=name)
            for model, names in (
                ("publication", ("published_on_date",)),
                ("historicalpublication", ("published_on_date",)),
                ("testimony", ("events_start", "events_end", "events_precision")),
                ("historicaltestimony", ("events_start", "events_end", "events_precision")),
            )
            for name in names
        ),
        migrations.AddIndex(
            model_name="testimony", index=models.Index(fields=["events_earliest"], name="testimony_events_earliest")
        ),
        migrations.AddIndex(
            model_name="testimony", index=models.Index(fields=["events_latest"], name="testimony_events_latest")
        ),
        migrations.AlterModelOptions(
            name="citation",
            options={
                "ordering": ["publication__published_on_earliest", "id"],
                "verbose_name": "citation",
                "verbose_name_plural": "citations",
            },
        ),
        migrations.AlterModelOptions(
            name="publication",
            options={
                "ordering": [models.OrderBy(models.F("published_on_earliest"), descending=True, nulls_last=True), "title"],
                "verbose_name": "publication",
                "verbose_name_plural": "publications",
            },
        ),
    ]
