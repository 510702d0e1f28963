"""First and last reported dates of sites, and the periods of site–unit links, become partial dates (core.dates):
EDTF text with the earliest and latest day it can mean. Every existing day is kept as that day ("2024-05-01"),
in the records and in their history rows alike."""

import core.dates
from django.db import migrations, models

from core.date_migration import date_text, period_text
from core.dates import bounds

HELP = (
    "As the source gives it: 2022-11-05, 2022-11, 2022-23 (autumn), 2022, 2022-11~ (about), 2022? (uncertain), "
    "2022-11/2023-05 (a period), 2022-11/.. (open end), or “November 2022”."
)


def partial(verbose_name):
    return core.dates.PartialDateField(blank=True, help_text=HELP, max_length=64, verbose_name=verbose_name)


def day(db_index=False):
    return models.DateField(blank=True, db_index=db_index, editable=False, null=True)


def with_bounds(values: dict, name: str) -> dict:
    values[f"{name}_earliest"], values[f"{name}_latest"] = bounds(values[name])
    return values


def to_partial_dates(apps, schema_editor):
    for model_name in ("Site", "HistoricalSite"):
        model = apps.get_model("sites", model_name)
        rows = []
        for row in model.objects.all():
            values = {
                "first_reported": date_text(row.first_reported_date),
                "last_reported": date_text(row.last_reported_date),
            }
            for name in values.copy():
                with_bounds(values, name)
            for name, value in values.items():
                setattr(row, name, value)
            rows.append(row)
        model.objects.bulk_update(rows, [*values_names("first_reported"), *values_names("last_reported")], 500)
    for model_name in ("SiteUnit", "HistoricalSiteUnit"):
        model = apps.get_model("sites", model_name)
        rows = []
        for row in model.objects.all():
            values = with_bounds({"period": period_text(row.period_start, row.period_end)}, "period")
            for name, value in values.items():
                setattr(row, name, value)
            rows.append(row)
        model.objects.bulk_update(rows, values_names("period"), 500)


def values_names(name):
    return [name, f"{name}_earliest", f"{name}_latest"]


def to_plain_dates(apps, schema_editor):
    """Back to plain dates: the earliest day of each (a month becomes its first day)."""
    for model_name in ("Site", "HistoricalSite"):
        model = apps.get_model("sites", model_name)
        for row in model.objects.all():
            row.first_reported_date = row.first_reported_earliest
            row.last_reported_date = row.last_reported_latest
            row.save(update_fields=["first_reported_date", "last_reported_date"])
    for model_name in ("SiteUnit", "HistoricalSiteUnit"):
        model = apps.get_model("sites", model_name)
        for row in model.objects.all():
            row.period_start, row.period_end = row.period_earliest, row.period_latest
            row.save(update_fields=["period_start", "period_end"])


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0005_site_aliases"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="site", name="site_last_reported_after_first"),
        migrations.RemoveConstraint(model_name="siteunit", name="siteunit_period_end_after_start"),
        *(
            migrations.RenameField(model_name=model, old_name=name, new_name=f"{name}_date")
            for model in ("site", "historicalsite")
            for name in ("first_reported", "last_reported")
        ),
        *(
            operation
            for model in ("site", "historicalsite")
            for operation in (
                migrations.AddField(model_name=model, name="first_reported", field=partial("first reported")),
                migrations.AddField(model_name=model, name="first_reported_earliest", field=day(db_index=True)),
                migrations.AddField(model_name=model, name="first_reported_latest", field=day()),
                migrations.AddField(model_name=model, name="last_reported", field=partial("last reported")),
                migrations.AddField(model_name=model, name="last_reported_earliest", field=day()),
                migrations.AddField(model_name=model, name="last_reported_latest", field=day()),
            )
        ),
        *(
            operation
            for model in ("siteunit", "historicalsiteunit")
            for operation in (
                migrations.AddField(model_name=model, name="period", field=partial("period")),
                migrations.AddField(model_name=model, name="period_earliest", field=day(db_index=True)),
                migrations.AddField(model_name=model, name="period_latest", field=day(db_index=True)),
            )
        ),
        migrations.RunPython(to_partial_dates, to_plain_dates),
        *(
            migrations.RemoveField(model_name=model, name=name)
            for model, names in (
                ("site", ("first_reported_date", "last_reported_date")),
                ("historicalsite", ("first_reported_date", "last_reported_date")),
                ("siteunit", ("period_start", "period_end")),
                ("historicalsiteunit", ("period_start", "period_end")),
            )
            for name in names
        ),
        migrations.AddConstraint(
            model_name="site",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("first_reported_earliest__isnull", True),
                    ("last_reported_latest__isnull", True),
                    ("last_reported_latest__gte", models.F("first_reported_earliest")),
                    _connector="OR",
                ),
                name="site_last_reported_after_first",
                violation_error_message="The site cannot be last reported before it was first reported.",
            ),
        ),
    ]
