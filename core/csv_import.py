"""Bulk import from CSV files in the format of the public exports: the machinery each app's importers.py uses.

An exported file can be edited and imported again: records are matched by `slug` (sites, units, sources) or
`id` (testimonies), new ones are created, related records are found by their slugs, and the computed columns
(`url`, names, counts of other files) are ignored. The rules:

- **All or nothing.** Every row is checked, every error is reported with its row (the header is row 1) and
  column, and the import is applied in one transaction only when there is no error at all. A dry run (the
  admin's preview) checks every row the same way but only reads, outside any transaction, so it locks nothing;
  what only the database can refuse (two new rows with the same unit number) is reported by the apply.
- **No change, no write.** A row whose values equal the stored ones is left alone: re-importing a file, or
  importing an export unchanged, writes no history, bumps no version and changes no `updated_at`.
- **Publication rules.** New records are drafts. An optional `status` column is honoured only as far as
  `may_set_status` allows, so an editor can never publish or withhold through an import. Changing a record
  that is published or withheld needs a reviewer, as in the admin; so does changing a site–unit link that
  touches one (core.curation.link_locked_for).
- **Only public columns.** Restricted witness fields are refused as columns and never touched.
- **What the export leaves out is kept.** An export lists only public related records; a relation to a record
  that is not public (a draft site of a testimony, a withheld parent unit) is kept when the file is imported,
  never removed because the file could not show it.
- **Not lost to someone else.** Matched records are locked for the transaction (select_for_update), and an
  optional `version` column refuses a row whose record was saved by someone after the file was made.
- Every write goes through `save()` or `delete()`, so history records it, with the importing user and the
  change reason "Imported from CSV", and the audit stamps are set as in the admin.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .csv_export import MULTI_VALUE_SEPARATOR, restore_formula
from .curation import (
    REVIEWER_STATUSES,
    CuratedModel,
    PublicationStatus,
    may_publish,
    may_set_status,
    refuse_source_gaps,
)
from .database import mark_import_running
from .dates import PartialDateField, PartialDatesModel
from .ids import is_record_id

CHANGE_REASON = "Imported from CSV"
# Columns an import understands beyond those of the public export.
STATUS, VERSION = "status", "version"
WHOLE_ROW = ""
MAX_IMPORT_BYTES = 50 * 1024 * 1024


@dataclass
class Problem:
    row: int  # 1 is the header; 0 is the file as a whole
    column: str
    message: str

    def __str__(self):
        where = _("row %(row)d") % {"row": self.row} if self.row else _("file")
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Outcome:
    row: int
    record: str
    action: str  # "create", "update" or "unchanged"
    columns: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.problems

    @property
    def counts(self) -> Counter:
        return Counter(outcome.action for outcome in self.outcomes)

    def summary(self) -> str:
        counts = self.counts
        return _("%(rows)d rows: %(create)d to create, %(update)d to update, %(unchanged)d unchanged.") % {
            "rows": len(self.outcomes),
            "create": counts["create"],
            "update": counts["update"],
            "unchanged": counts["unchanged"],
        }


class RowRefused(Exception):
    """Raised inside the transaction so that nothing is written; the problems are in the result."""


@dataclass
class Plan:
    """What one row will do to its record."""

    row: int
    record: models.Model
    adding: bool
    changed: list[str] = field(default_factory=list)  # columns (fields and relations) that differ from the stored
    stored_status: str | None = None
    invalid: list[str] = field(default_factory=list)  # fields whose cell could not be read
    many: dict[str, set] = field(default_factory=dict)  # m2m field → final primary keys
    stored_many: dict[str, set] = field(default_factory=dict)  # m2m field → primary keys linked now
    stored_version: int | None = None
    extra: dict = field(default_factory=dict)  # kind-specific relations, applied after the save


class CsvImporter:
    """Shared machinery; one subclass per exported file. Columns of the export that are plain model fields are
    imported as such; `relations` are the columns a subclass resolves; every other export column is ignored."""

    kind: str  # the export file, without .csv
    model: type[models.Model]
    export_columns: list
    key: str = "slug"
    relations: tuple[str, ...] = ()
    # Export columns that look importable but belong to another file or are derived.
    derived: tuple[str, ...] = ()
    # New records are inserted together (bulk_create_with_history: the same history rows, with the importing user
    # and reason, in two statements for the whole file) instead of one save() each. Only for a model whose save()
    # and signals do nothing more, and whose only database-level checks are also checked while planning (a
    # refusal by the database would name no row).
    bulk_create = False

    def __init__(self, user, check_permissions: bool = True):
        self.user = user
        self.check_permissions = check_permissions
        self.problems: list[Problem] = []
        self.plans: list[Plan] = []
        self.locked = False
        # Check constraints already passed by rows with the same values in the fields they read (each check is a
        # query, and most rows of a file repeat the same few values there).
        self.passed_checks: set = set()
        model_fields = {f.name for f in self.model._meta.concrete_fields}
        self.fields = [
            column.name
            for column in self.export_columns
            if column.from_model_field
            and column.name in model_fields
            and self.model._meta.get_field(column.name).editable  # not the earliest/latest days of a partial date
            and column.name not in {"id", *self.derived}
        ]
        self.known = {column.name for column in self.export_columns} | {STATUS, VERSION}

    # --- Entry point ---------------------------------------------------------------------------------------------

    def run(self, text: str, dry_run: bool = False) -> ImportResult:
        self.locked = self.writing = not dry_run
        result = ImportResult(kind=self.kind, dry_run=dry_run)
        self.result = result
        if dry_run:
            # A preview only reads, outside any transaction: it takes no lock (on SQLite a transaction takes the
            # write lock at its start, and held every staff save back for the whole preview).
            self.load(text)
        else:
            try:
                with transaction.atomic():
                    mark_import_running()
                    self.load(text)
                    if self.problems:
                        raise RowRefused
            except RowRefused:
                pass
        result.problems = sorted(self.problems, key=lambda problem: (problem.row, problem.column))
        return result

    def refuse(self, row: int, column: str, message) -> None:
        self.problems.append(Problem(row, column, str(message)))

    # --- Reading -------------------------------------------------------------------------------------------------

    def load(self, text: str) -> None:
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows or not any(rows[0]):
            self.refuse(0, WHOLE_ROW, _("The file is empty; the first row must name the columns."))
            return
        header = [name.strip() for name in rows[0]]
        if not self.check_header(header):
            return
        cells_by_row = []
        for index, cells in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                self.refuse(
                    index,
                    WHOLE_ROW,
                    _("This row has %(cells)d cells; the header has %(columns)d.")
                    % {"cells": len(cells), "columns": len(header)},
                )
                continue
            cells_by_row.append(
                (index, {name: restore_formula(cell) for name, cell in zip(header, cells, strict=True)})
            )
        self.plan_rows(cells_by_row)
        self.check_together()
        if not self.problems:
            self.write()

    def check_header(self, header: list[str]) -> bool:
        problems_before = len(self.problems)
        duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
        if duplicates:
            self.refuse(1, ", ".join(duplicates), _("This column appears more than once."))
        if self.key not in header:
            self.refuse(1, self.key, _("The file needs this column to match rows with records."))
        restricted = sorted(set(header) & set(getattr(self.model, "RESTRICTED_FIELDS", ())))
        if restricted:
            self.refuse(
                1, ", ".join(restricted), _("Restricted witness fields are never imported; remove these columns.")
            )
        unknown = sorted(set(header) - self.known - set(restricted))
        if unknown:
            self.refuse(
                1,
                ", ".join(unknown),
                _("Unknown column. The columns of %(file)s are: %(columns)s.")
                % {"file": f"{self.kind}.csv", "columns": ", ".join(sorted(self.known))},
            )
        used = {self.key, *self.fields, *self.relations, STATUS, VERSION}
        self.result.ignored_columns = [name for name in header if name in self.known and name not in used]
        return len(self.problems) == problems_before

    # --- Planning: check every row without writing -------------------------------------------------------------

    def plan_rows(self, cells_by_row) -> None:
        records = self.existing_records([cells.get(self.key, "").strip() for _row, cells in cells_by_row])
        self.prefetch(cells_by_row, records)
        seen = {}
        for row, cells in cells_by_row:
            key = cells[self.key].strip()
            if key and key in seen:
                self.refuse(row, self.key, _("The same record is already in row %(row)d.") % {"row": seen[key]})
                continue
            if key:
                seen[key] = row
            problems_before = len(self.problems)
            record = self.match(row, key, cells, records)
            if len(self.problems) > problems_before:
                continue
            plan = Plan(row=row, record=record or self.model(), adding=record is None)
            if not plan.adding:
                plan.stored_status, plan.stored_version = plan.record.status, plan.record.version
            self.plan_fields(plan, cells)
            self.plan_status_and_version(plan, cells)
            self.plan_relations(plan, cells)
            self.check_record(plan)
            self.plans.append(plan)

    def existing_records(self, keys: list[str]) -> dict:
        queryset = self.model.objects.all()
        if self.locked:
            queryset = queryset.select_for_update()
        return {str(getattr(record, self.key)): record for record in queryset.filter(**{f"{self.key}__in": keys})}

    def match(self, row: int, key: str, cells: dict, records: dict):
        return records.get(key)

    def plan_fields(self, plan: Plan, cells: dict) -> None:
        for name in self.fields:
            if name not in cells:
                continue
            model_field = self.model._meta.get_field(name)
            raw = cells[name]
            if model_field.choices or name == self.key:
                raw = raw.strip()
            if raw == "":
                value = None if model_field.null else ""
            else:
                try:
                    value = model_field.to_python(raw)
                except ValidationError as error:
                    self.refuse(plan.row, name, " ".join(error.messages))
                    plan.invalid.append(name)
                    continue
            if plan.adding or getattr(plan.record, name) != value:
                setattr(plan.record, name, value)
                if not plan.adding:
                    plan.changed.append(name)

    def plan_status_and_version(self, plan: Plan, cells: dict) -> None:
        stored_status = plan.stored_status
        new_status = cells.get(STATUS, "").strip()
        if new_status:
            if new_status not in PublicationStatus.values:
                self.refuse(
                    plan.row,
                    STATUS,
                    _("“%(value)s” is not a status; use one of %(choices)s.")
                    % {"value": new_status, "choices": ", ".join(PublicationStatus.values)},
                )
                return
            if not may_set_status(self.user, stored_status, new_status):
                self.refuse(plan.row, STATUS, _("Only reviewers can import a record as published or withheld."))
                return
            if new_status != stored_status:
                plan.record.status = new_status
                if not plan.adding:
                    plan.changed.append(STATUS)
        elif plan.adding:
            plan.record.status = PublicationStatus.DRAFT
        seen_version = cells.get(VERSION, "").strip()
        if not seen_version or plan.adding:
            return
        if not is_record_id(seen_version):
            self.refuse(plan.row, VERSION, _("“%(value)s” is not a version number.") % {"value": seen_version})
            return
        # Matched records are locked already when the import writes (existing_records), and their version was read
        # then: only a different one needs the history to explain it.
        stale = None if int(seen_version) == plan.stored_version else plan.record.stale_edit(int(seen_version), False)
        if stale is not None:
            self.refuse(
                plan.row,
                VERSION,
                _(
                    "The record was saved after your file was made (it is at version %(now)s, the file has "
                    "%(seen)s). Export it again and redo your change."
                )
                % {"now": stale.current_version, "seen": seen_version},
            )

    def plan_relations(self, plan: Plan, cells: dict) -> None:
        """Resolve the relation columns present in `cells` (subclasses)."""

    def check_record(self, plan: Plan) -> None:
        """Permissions, the reviewer rule and the model's own validation of a new or changed row (the cells that
        could not be read are left out, so that every other error of the row is reported too)."""
        action = "add" if plan.adding else "change"
        if not plan.adding and not plan.changed:
            return
        opts = self.model._meta
        if self.check_permissions and not self.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            self.refuse(
                plan.row,
                WHOLE_ROW,
                _("You may not %(action)s %(records)s.")
                % {
                    "action": _("add") if plan.adding else _("change"),
                    "records": opts.verbose_name_plural,
                },
            )
            return
        if plan.stored_status in REVIEWER_STATUSES and not may_publish(self.user):
            self.refuse(
                plan.row,
                WHOLE_ROW,
                _("This record is %(status)s: only reviewers can change it (%(columns)s).")
                % {"status": PublicationStatus(plan.stored_status).label.lower(), "columns": ", ".join(plan.changed)},
            )
            return
        if plan.record.status == PublicationStatus.PUBLISHED and isinstance(plan.record, CuratedModel):
            # What goes public through this row is checked as in the admin; an import has no room for the
            # reviewer's written override, which the record's own form offers.
            for message in self.publish_blockers(plan):
                self.refuse(plan.row, WHOLE_ROW, message)
        exclude = {*plan.invalid, *self.unchecked_fields(plan)}
        try:
            plan.record.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = WHOLE_ROW if name == NON_FIELD_ERRORS else name
                for message in messages:
                    self.refuse(plan.row, column, message)
        # One constraint at a time, so that each error names the columns its constraint is about.
        for constraint in self.model._meta.constraints:
            key = check_key(constraint, plan.record, exclude)
            if key is not None and key in self.passed_checks:
                continue
            try:
                constraint.validate(self.model, plan.record, exclude=exclude)
            except ValidationError as error:
                for message in error.messages:
                    self.refuse(plan.row, ", ".join(constraint_fields(constraint)), message)
            else:
                if key is not None:
                    self.passed_checks.add(key)

    def publish_blockers(self, plan: Plan) -> list[str]:
        """What keeps the row's record from going public (CuratedModel.publish_blockers; subclasses may answer from
        what they read for the whole file)."""
        return plan.record.publish_blockers(self.user)

    def unchecked_fields(self, plan: Plan) -> list[str]:
        return []

    def check_together(self) -> None:
        """Checks across rows, once each row is planned (subclasses)."""

    # --- Writing: only when every row passed ---------------------------------------------------------------------

    def write(self) -> None:
        together = []
        for plan in self.ordered(self.plans):
            action = "create" if plan.adding else "update" if plan.changed else "unchanged"
            self.result.outcomes.append(Outcome(plan.row, str(plan.record), action, plan.changed))
            if action == "unchanged" or not self.writing:
                continue
            if self.bulk_create:
                together.append(plan)
                continue
            try:
                with transaction.atomic():
                    self.before_save(plan)
                    self.save(plan.record, plan.adding, plan)
                    self.apply_relations(plan)
                    if plan.record.status == PublicationStatus.PUBLISHED != plan.stored_status:
                        # As in the admin: a statement goes public only with a public publication to rest on.
                        refuse_source_gaps([plan.record], self.user)
            except (DatabaseError, ValidationError) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                for message in messages:
                    self.refuse(plan.row, WHOLE_ROW, message)
        if together:
            try:
                with transaction.atomic():
                    self.create_together([plan for plan in together if plan.adding])
                    self.update_together([plan for plan in together if not plan.adding])
            except DatabaseError as error:
                self.refuse(together[0].row, WHOLE_ROW, str(error))
        self.result.outcomes.sort(key=lambda outcome: outcome.row)

    def create_together(self, plans: list[Plan]) -> None:
        """Insert new records, their history and their many-to-many links in a few statements for all of them."""
        user = self.user if self.user is not None and self.user.is_authenticated else None
        for plan in plans:
            plan.record.stamp_save(self.user)
            if isinstance(plan.record, PartialDatesModel):
                plan.record.set_date_bounds()  # what save() would do (core.dates)
        records = bulk_create_with_history(
            [plan.record for plan in plans],
            self.model,
            batch_size=500,
            default_user=user,
            default_change_reason=CHANGE_REASON,
        )
        for plan, record in zip(plans, records, strict=True):
            plan.record = record
        for name in self.many_to_many_fields():
            model_field = self.model._meta.get_field(name)
            through = model_field.remote_field.through
            source, target = model_field.m2m_column_name(), model_field.m2m_reverse_name()
            through.objects.bulk_create(
                [
                    through(**{source: plan.record.pk, target: pk})
                    for plan in plans
                    for pk in sorted(plan.many.get(name, ()))
                ],
                batch_size=1000,
            )

    def update_together(self, plans: list[Plan]) -> None:
        """Save changed records, their history rows and their link changes in a few statements for all of them
        (as create_together), then refuse the rows that would publish a statement without a public source."""
        if not plans:
            return
        user = self.user if self.user is not None and self.user.is_authenticated else None
        groups: dict[frozenset, list] = {}
        now = timezone.now()
        for plan in plans:
            record = plan.record
            record.stamp_save(self.user, stored=(plan.stored_status, plan.stored_version))
            for model_field in self.model._meta.concrete_fields:
                if getattr(model_field, "auto_now", False):  # what save() would set; bulk_update does not
                    setattr(record, model_field.attname, now)
            if isinstance(record, PartialDatesModel):
                record.set_date_bounds()
            groups.setdefault(self.changed_fields(plan), []).append(record)
        for fields, records in groups.items():
            # A value that every record gets (the stamps, a status, often the version) is one plain UPDATE;
            # Django's bulk_update writes a CASE with a branch per record for each field, which costs most of the
            # time, so only the fields whose values differ go through it.
            shared = {
                name: getattr(records[0], name)
                for name in fields
                if all(getattr(record, name) == getattr(records[0], name) for record in records)
            }
            if shared:
                for chunk in chunks([record.pk for record in records]):
                    self.model._base_manager.filter(pk__in=chunk).update(**shared)
            bulk_update_with_history(
                records,
                self.model,
                sorted(fields - shared.keys()),
                batch_size=500,
                default_user=user,
                default_change_reason=CHANGE_REASON,
            )
        self.update_links_together(plans)
        for plan in plans:
            if plan.record.status == PublicationStatus.PUBLISHED != plan.stored_status:
                try:
                    refuse_source_gaps([plan.record], self.user)
                except ValidationError as error:
                    for message in error.messages:
                        self.refuse(plan.row, WHOLE_ROW, message)

    def changed_fields(self, plan: Plan) -> frozenset:
        """The columns an update of `plan` writes: the fields its row changed (with their earliest and latest days,
        for a partial date) and the stamps. Fewer columns make Django's bulk_update many times faster."""
        names = set(getattr(self.model, "STAMPED_FIELDS", ()))
        for name in plan.changed:
            try:
                model_field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue  # a relation column (site_slugs), written by update_links_together
            if model_field.concrete and not model_field.many_to_many:
                names.add(name)
                if isinstance(model_field, PartialDateField):
                    names |= {f"{name}_earliest", f"{name}_latest"}
        return frozenset(self.model._meta.get_field(name).attname for name in names)

    def update_links_together(self, plans: list[Plan]) -> None:
        """What apply_relations does row by row: one delete and one insert per relation for the whole file."""
        for name in self.many_to_many_fields():
            model_field = self.model._meta.get_field(name)
            through = model_field.remote_field.through
            source, target = model_field.m2m_column_name(), model_field.m2m_reverse_name()
            removed, added = Q(), []
            for plan in plans:
                if name not in plan.many:
                    continue
                wanted, stored = set(plan.many[name]), set(plan.stored_many.get(name, ()))
                if stored - wanted:
                    removed |= Q(**{source: plan.record.pk, f"{target}__in": sorted(stored - wanted)})
                added += [through(**{source: plan.record.pk, target: pk}) for pk in sorted(wanted - stored)]
            if removed:
                through.objects.filter(removed).delete()
            through.objects.bulk_create(added, batch_size=1000)

    def many_to_many_fields(self) -> list[str]:
        return [name for name, _target, _lookup in self.many_to_many.values()]

    def ordered(self, plans: list[Plan]) -> list[Plan]:
        return plans

    def save(self, record, adding: bool, plan: Plan | None = None) -> None:
        # The stored status and version were read from the row this import holds locked.
        stored = None if adding or plan is None else (plan.stored_status, plan.stored_version)
        record.stamp_save(self.user, stored=stored)
        record._history_user = self.user if self.user is not None and self.user.is_authenticated else None
        record._change_reason = CHANGE_REASON
        record.save()

    def before_save(self, plan: Plan) -> None:
        """Set what could only be known once the rows before were saved (subclasses)."""

    def apply_relations(self, plan: Plan) -> None:
        for name, pks in plan.many.items():
            if plan.adding or plan.stored_many.get(name) != pks:
                getattr(plan.record, name).set(pks)

    # --- Relations by slug -----------------------------------------------------------------------------------------

    many_to_many: dict[str, tuple] = {}  # column → (m2m field, target model, lookup)

    def prefetch(self, cells_by_row, records: dict) -> None:
        """Read what the many-to-many columns refer to, for the whole file at once: the records named (by column),
        the links the matched records have now, and which of the linked records are public."""
        self.named: dict[str, dict[str, int]] = {}
        self.linked: dict[str, dict[int, set]] = {}
        self.public_linked: dict[str, set] = {}
        record_pks = [record.pk for record in records.values()]
        for column, (name, target, lookup) in self.many_to_many.items():
            values = {value for _row, cells in cells_by_row for value in split_list(cells.get(column, ""))}
            if lookup == "pk":
                values = {value for value in values if is_record_id(value)}
            self.named[column] = {
                str(key): pk
                for chunk in chunks(sorted(values))
                for key, pk in target.objects.filter(**{f"{lookup}__in": chunk}).values_list(lookup, "pk")
            }
            model_field = self.model._meta.get_field(name)
            through = model_field.remote_field.through
            source, target_column = model_field.m2m_column_name(), model_field.m2m_reverse_name()
            linked = self.linked[name] = {}
            for chunk in chunks(record_pks):
                for record_pk, target_pk in through.objects.filter(**{f"{source}__in": chunk}).values_list(
                    source, target_column
                ):
                    linked.setdefault(record_pk, set()).add(target_pk)
            targets = sorted({pk for pks in linked.values() for pk in pks})
            self.public_linked[name] = {
                pk
                for chunk in chunks(targets)
                for pk in target.objects.public().filter(pk__in=chunk).values_list("pk", flat=True)
            }

    def resolve_many(self, plan: Plan, cells: dict) -> None:
        """Many-to-many columns: the file gives the public related records; links to records that are not public
        are kept (the export could not show them)."""
        for column, (name, target, lookup) in self.many_to_many.items():
            if column not in cells:
                continue
            wanted = split_list(cells[column])
            if lookup == "pk" and not all(is_record_id(value) for value in wanted):
                self.refuse(plan.row, column, _("Give record numbers separated by “; ”."))
                continue
            named = self.named[column]
            missing = [value for value in wanted if value not in named]
            if missing:
                self.refuse(
                    plan.row,
                    column,
                    _("No %(record)s with %(lookup)s %(values)s.")
                    % {"record": target._meta.verbose_name, "lookup": lookup, "values": ", ".join(missing)},
                )
                continue
            stored = set() if plan.adding else self.linked[name].get(plan.record.pk, set())
            kept = stored - self.public_linked[name]
            plan.stored_many[name] = stored
            plan.many[name] = {named[value] for value in wanted} | kept
            if not plan.adding and stored != plan.many[name]:
                plan.changed.append(column)


def check_key(constraint, record, exclude) -> tuple | None:
    """What a check constraint's verdict on `record` depends on: its name and the values of the fields its
    condition reads. None for other constraints (a unique constraint depends on the other rows too)."""
    if not isinstance(constraint, models.CheckConstraint):
        return None
    try:
        names = sorted(constraint.condition.referenced_base_fields)
        key = (
            constraint.name,
            tuple(name in exclude for name in names),
            tuple(getattr(record, attname(record, name)) for name in names),
        )
        hash(key)
    except (AttributeError, TypeError):
        return None
    return key


def attname(record, name: str) -> str:
    return record._meta.pk.attname if name == "pk" else record._meta.get_field(name).attname


def constraint_fields(constraint) -> list[str]:
    """The fields a unique or check constraint is about, in the order it names them."""
    if getattr(constraint, "fields", None):
        return list(constraint.fields)
    names = []

    def walk(node):
        for child in node.children:
            if isinstance(child, models.Q):
                walk(child)
            else:
                name = child[0].split(LOOKUP_SEP)[0]
                if name not in names:
                    names.append(name)

    walk(constraint.condition)
    return names


def chunks(values: list, size: int = 500):
    """`values` in slices small enough for one `IN (...)` on any database (SQLite limits the parameters)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def split_list(cell: str) -> list[str]:
    return [value.strip() for value in cell.split(MULTI_VALUE_SEPARATOR.strip()) if value.strip()]


# The importer of each exported file, by kind ("sites" reads sites.csv). Filled by each app's importers.py through
# `register`; core.apps loads those modules at start-up.
IMPORTERS: dict[str, type[CsvImporter]] = {}


def register(importer_class: type[CsvImporter]) -> type[CsvImporter]:
    """Class decorator: make `importer_class` the importer of its `kind`."""
    IMPORTERS[importer_class.kind] = importer_class
    return importer_class


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8, with or without the byte-order mark the export adds for Excel."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 50 MB; split it."), code="too_large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The file is not UTF-8 text (byte %(position)d). Save it as “CSV UTF-8”.") % {"position": error.start},
            code="encoding",
        ) from None


def import_csv(kind: str, text: str, user, dry_run: bool = False, check_permissions: bool = True) -> ImportResult:
    """Import `text` (a CSV file in the format of `<kind>.csv`) as `user`; see the module's documentation.

    `check_permissions=False` is for `manage.py import_csv` without `--user` (shell access): the model
    permissions are not asked, but the publication rules still treat the import as an editor's.
    """
    try:
        importer_class = IMPORTERS[kind]
    except KeyError:
        raise ObjectDoesNotExist(f"Unknown kind {kind!r}; one of {', '.join(IMPORTERS)}") from None
    return importer_class(user, check_permissions).run(text, dry_run=dry_run)
