"""CSV import of testimonies.csv and sources.csv (the machinery and its rules are in core.csv_import)."""

from django.utils.translation import gettext as _

from core.csv_import import CsvImporter, register
from sites.models import Site
from units.models import Unit

from .exports import SOURCE_COLUMNS, TESTIMONY_COLUMNS
from .models import AbuseType, Source, Testimony


@register
class SourceImporter(CsvImporter):
    kind = "sources"
    model = Source
    export_columns = SOURCE_COLUMNS


@register
class TestimonyImporter(CsvImporter):
    """Rows are matched by `id`; a row without one creates a testimony, unless one with the same witness label
    and quote exists (so that importing the same new rows twice does not duplicate them)."""

    kind = "testimonies"
    model = Testimony
    export_columns = TESTIMONY_COLUMNS
    key = "id"
    many_to_many = {
        "site_slugs": ("sites", Site, "slug"),
        "unit_slugs": ("units", Unit, "slug"),
        "abuse_type_slugs": ("abuse_types", AbuseType, "slug"),
    }
    relations = tuple(many_to_many)

    # Exported as the public may see them (the month, under limited consent), imported as plain fields.
    DATE_FIELDS = ("given_on", "events_start", "events_end", "events_precision")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = [*self.fields, *(name for name in self.DATE_FIELDS if name not in self.fields)]

    def plan_fields(self, plan, cells):
        # A limited-consent testimony's export shows its dates to the month only: a cell that still says what the
        # export said is no change, and must not overwrite the exact date kept for staff.
        record = plan.record
        if not plan.adding and record.is_limited:
            public = {
                "given_on": record.public_given_on,
                "events_start": record.public_events_start,
                "events_end": record.public_events_end,
                "events_precision": record.public_events_precision,
            }
            cells = {
                name: cell
                for name, cell in cells.items()
                if name not in public or cell.strip() != ("" if public[name] is None else str(public[name]))
            }
        super().plan_fields(plan, cells)

    def existing_records(self, keys):
        ids = [int(key) for key in keys if key.isdigit()]
        queryset = self.model.objects.defer(*Testimony.RESTRICTED_FIELDS, "search_vector")
        if self.locked:
            queryset = queryset.select_for_update()
        return {str(record.pk): record for record in queryset.filter(pk__in=ids)}

    def match(self, row, key, cells, records):
        if key:
            if not key.isdigit():
                self.refuse(row, "id", _("“%(value)s” is not a record number.") % {"value": key})
            elif key not in records:
                self.refuse(
                    row, "id", _("No testimony has id %(id)s; leave the id empty to add a new one.") % {"id": key}
                )
            return records.get(key)
        same = Testimony.objects.filter(witness_label=cells.get("witness_label", ""), quote=cells.get("quote", ""))
        if self.locked:
            same = same.select_for_update()
        matches = list(same.defer(*Testimony.RESTRICTED_FIELDS, "search_vector")[:2])
        if len(matches) > 1:
            self.refuse(row, "id", _("Several testimonies have this witness label and quote; give the id."))
        return matches[0] if len(matches) == 1 else None

    def plan_relations(self, plan, cells):
        self.resolve_many(plan, cells)

    def unchecked_fields(self, plan):
        # Never loaded for an import (and so never written back by its save).
        return [*Testimony.RESTRICTED_FIELDS, "search_vector"]
