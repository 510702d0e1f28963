"""CSV import of testimonies.csv and sources.csv (the machinery and its rules are in core.csv_import)."""

from django.utils.translation import gettext as _

from core.csv_import import CsvImporter, chunks, register
from core.ids import is_record_id
from core.public_ids import is_public_id
from sites.models import Site
from units.models import Unit

from .exports import SOURCE_COLUMNS, TESTIMONY_COLUMNS
from .models import AbuseType, Citation, EvidenceImage, QuoteTranslation, Source, Testimony
from .reidentification import blocked_message, identifying_passages


@register
class SourceImporter(CsvImporter):
    kind = "sources"
    model = Source
    export_columns = SOURCE_COLUMNS


@register
class TestimonyImporter(CsvImporter):
    """Rows are matched by `id`, the public id (core.public_ids); a row without one creates a testimony, unless one
    with the same witness label and quote exists (so that importing the same new rows twice does not duplicate
    them)."""

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
    # Testimony's save() only fills the earliest/latest days of its dates (done for bulk inserts too) and a missing
    # public id (given by the field's default when the row's record is made, bulk inserts too), it has no signal
    # receivers, and its one unique field is that random public id: see CsvImporter.bulk_create.
    bulk_create = True

    # Exported as the public may see them (the month, under limited consent), imported as plain fields.
    DATE_FIELDS = ("given_on", "events")

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
                "events": record.public_events,
            }
            cells = {
                name: cell
                for name, cell in cells.items()
                if name not in public or cell.strip() != ("" if public[name] is None else str(public[name]))
            }
        super().plan_fields(plan, cells)

    def existing_records(self, keys):
        ids = [key for key in keys if is_public_id(key)]
        queryset = self.model.objects.defer(*Testimony.RESTRICTED_FIELDS, "search_vector")
        if self.locked:
            queryset = queryset.select_for_update()
        return {
            record.public_id: record
            for chunk in chunks(sorted(ids))
            for record in queryset.filter(public_id__in=chunk)
        }

    def prefetch(self, cells_by_row, records):
        """Also the testimonies that rows without an id could be (same witness label and quote), for all at once."""
        labels = sorted(
            {cells.get("witness_label", "") for _row, cells in cells_by_row if not cells[self.key].strip()}
        )
        self.same: dict[tuple, list] = {}
        for chunk in chunks(labels):
            same = Testimony.objects.filter(witness_label__in=chunk).order_by("pk")
            if self.locked:
                same = same.select_for_update()
            for testimony in same.defer(*Testimony.RESTRICTED_FIELDS, "search_vector"):
                self.same.setdefault((testimony.witness_label, testimony.quote), []).append(testimony)
        candidates = {f"same-{testimony.pk}": testimony for same in self.same.values() for testimony in same}
        super().prefetch(cells_by_row, {**records, **candidates})
        self.prefetch_checked_texts([record.pk for record in {**records, **candidates}.values()])

    def prefetch_checked_texts(self, pks) -> None:
        """What the re-identification check reads besides the row (the restricted fields, the citations' quoted
        passages, the evidence captions, the translations of the quote), for every matched testimony at once."""
        self.restricted = {}
        self.quoted_passages: dict[int, list] = {pk: [] for pk in pks}
        self.captions: dict[int, list] = {pk: [] for pk in pks}
        self.translations: dict[int, list] = {pk: [] for pk in pks}
        for chunk in chunks(sorted(pks)):
            for pk, *values in Testimony._base_manager.filter(pk__in=chunk).values_list("pk", "real_name", "contact"):
                self.restricted[pk] = tuple(value or "" for value in values)
            for pk, passage in Citation.objects.filter(testimony__in=chunk).values_list("testimony", "quoted_passage"):
                self.quoted_passages[pk].append(passage)
            for pk, caption in EvidenceImage.objects.filter(testimony__in=chunk).values_list("testimony", "caption"):
                self.captions[pk].append(caption)
            for pk, text in QuoteTranslation.objects.filter(testimony__in=chunk).values_list("testimony", "text"):
                self.translations[pk].append(text)

    def publish_blockers(self, plan):
        record = plan.record
        if record.pk not in self.restricted:
            return super().publish_blockers(plan)
        # Restricted fields are never imported: what was read is what they hold.
        findings = identifying_passages(
            record,
            captions=self.captions[record.pk],
            translations=self.translations[record.pk],
            quoted_passages=self.quoted_passages[record.pk],
            restricted=self.restricted[record.pk],
        )
        return [blocked_message(record, findings, self.user)] if findings else []

    def match(self, row, key, cells, records):
        if key:
            if is_record_id(key):
                self.refuse(
                    row,
                    "id",
                    _(
                        "“%(value)s” is an old record number: testimonies are matched by their public id now. "
                        "Export the file again."
                    )
                    % {"value": key},
                )
            elif not is_public_id(key):
                self.refuse(row, "id", _("“%(value)s” is not a testimony's public id.") % {"value": key})
            elif key not in records:
                self.refuse(
                    row, "id", _("No testimony has id %(id)s; leave the id empty to add a new one.") % {"id": key}
                )
            return records.get(key)
        matches = self.same.get((cells.get("witness_label", ""), cells.get("quote", "")), [])[:2]
        if len(matches) > 1:
            self.refuse(row, "id", _("Several testimonies have this witness label and quote; give the id."))
        return matches[0] if len(matches) == 1 else None

    def plan_relations(self, plan, cells):
        self.resolve_many(plan, cells)

    def unchecked_fields(self, plan):
        # Never loaded for an import (and so never written back by its save); and the public id, random and never
        # read from the file, whose uniqueness check would cost a query per row (the unique index stays the guard).
        return [*Testimony.RESTRICTED_FIELDS, "search_vector", "public_id"]
