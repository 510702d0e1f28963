"""Streaming CSV exports: the column registry, SQL aggregation of related values and formula neutralisation.

Every related value is aggregated in SQL (a correlated subquery per column, or one per kind of related record for the
columns `Packed` together), so an export is one query however many rows it has, and rows are streamed from a
server-side cursor as they are read.
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, transaction
from django.db.models.functions import Cast, JSONArray
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View

from .curation import RESTRICTED_FIELDS_PERMISSION
from .database import set_limits
from .security import ReadOnlyViewMixin
from .translations import LANGUAGE_NAMES, TranslationLanguage
from .xlsx_export import XLSX_CONTENT_TYPE, xlsx_chunks

MULTI_VALUE_SEPARATOR = "; "
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXPORT_CHUNK_SIZE = 2000
# How long an export's transaction may wait for its reader between two chunks (seconds; the web's own limit,
# DB_IDLE_IN_TRANSACTION_TIMEOUT, is a minute): a slow download must not lose its cursor, a vanished one must not keep
# its snapshot for ever.
EXPORT_IDLE_IN_TRANSACTION_TIMEOUT = 600
UTF8_BOM = "\ufeff"
# Fits both <public_id:public_id> and <slug:slug> URL patterns (core.public_ids); replaced by each row's key.
URL_PLACEHOLDER = "zzzzzzzzzzzz"


# What a spreadsheet may trim before it decides that a cell is a formula: whitespace of every kind (space, no-break
# space, ideographic space, ...), the byte-order mark and the zero-width characters.
IGNORABLE = r"[\s\ufeff\u200b\u200c\u200d\u2060\u180e]"
TRIGGER = "[" + "".join(re.escape(trigger) for trigger in FORMULA_TRIGGERS) + "]"
# After any apostrophes, a trigger at once or after the whole run of ignorable characters (possessive: a tab inside
# the run is trimmed with it, not taken for a trigger). One match per cell: the export tests every text cell.
FORMULA = re.compile(rf"'*+(?:{TRIGGER}|{IGNORABLE}++{TRIGGER})")


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could run `text` (after any apostrophes this module added) as a formula."""
    return FORMULA.match(text) is not None


def neutralise_formula(value):
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe (OWASP CSV injection),
    also when the trigger follows leading whitespace, a no-break space, a BOM or a zero-width character.

    Only text is touched: numbers and dates come from typed columns and are written as they are, so a
    negative longitude stays a number. Text that already begins with apostrophes before a trigger gets one
    more, so that `restore_formula` can undo exactly this on import.
    """
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def restore_formula(value: str) -> str:
    """Undo `neutralise_formula` for a cell read back from an export: drop the one apostrophe it added."""
    if value.startswith("'") and runs_as_formula(value):
        return value[1:]
    return value


class JoinedText(models.Func):
    """All values of a subquery's rows joined with "; " in a stable order (STRING_AGG / GROUP_CONCAT).

    It aggregates, but declares no aggregate so that Django adds no GROUP BY: inside `joined()` the whole
    filtered subquery collapses into one cell.
    """

    output_field = models.TextField()
    contains_aggregate = False

    def __init__(self, value, ordering=None, where: models.Q | None = None):
        # Ordering by a shared key (e.g. the slug) lines up the cells of related columns such as slugs and names.
        ordering = ordering or value
        if where is not None:
            # Only the rows that meet `where`: the others give null, which STRING_AGG and GROUP_CONCAT leave out, so
            # that one subquery (`Packed`) serves this cell beside cells of all the rows.
            value = models.Case(models.When(where, then=models.F(value) if isinstance(value, str) else value))
        super().__init__(value, ordering)

    def as_postgresql(self, compiler, connection, **extra_context):
        value_sql, value_params = compiler.compile(self.source_expressions[0])
        key_sql, key_params = compiler.compile(self.source_expressions[1])
        return (
            # The key in its own type: record numbers cast to text sorted 100 before 99.
            f"STRING_AGG(CAST({value_sql} AS TEXT), '{MULTI_VALUE_SEPARATOR}' ORDER BY {key_sql})",
            (*value_params, *key_params),
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite before 3.44 has no ORDER BY inside an aggregate; values come in the order the rows are read.
        value_sql, value_params = compiler.compile(self.source_expressions[0])
        return f"GROUP_CONCAT({value_sql}, '{MULTI_VALUE_SEPARATOR}')", value_params


def joined(related: models.QuerySet, value: str, ordering: str | None = None) -> models.Subquery:
    """One cell with every `value` of `related`, a `.public()` queryset filtered on `OuterRef("pk")`."""
    return models.Subquery(
        related.order_by().annotate(joined_value=JoinedText(value, ordering)).values("joined_value")[:1],
        output_field=models.TextField(),
    )


class Packed:
    """Cells that one correlated subquery computes together over the same related rows (`related`, filtered on
    `OuterRef("pk")`), each an aggregate such as `JoinedText` under the name of its column, sent as one JSON array.

    A subquery per cell looked the related rows up once per cell: the testimony export's query had 34 SELECTs, now
    15, and its SQL reads a third more rows a second. `empty_when`: a condition on the exported record under which
    every cell is empty and the subquery is not run (limited consent hides a testimony's sites)."""

    def __init__(self, name: str, related: models.QuerySet, cells: dict, empty_when: models.Q | None = None):
        self.key = f"csv_{name}"
        self.positions = {cell: position for position, cell in enumerate(cells)}
        expression = models.Subquery(
            related.order_by().annotate(packed_cells=JSONArray(*cells.values())).values("packed_cells")[:1],
            output_field=models.JSONField(),
        )
        if empty_when is not None:
            expression = models.Case(
                models.When(empty_when, then=models.Value(None, output_field=models.JSONField())),
                default=expression,
                output_field=models.JSONField(),
            )
        self.expression = expression

    def cell(self, name: str, row: dict):
        """The value of the cell `name` in `row` (None when it is empty)."""
        cells = row[self.key]
        return None if cells is None else cells[self.positions[name]]


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the SQL expression that fills it, and its entry in the data dictionary."""

    name: str
    description: str
    type: str = "text"
    expression: str | models.Expression | None = None
    # Some columns are built in Python from the row (public URLs need the request's host).
    python: Callable[[dict, "ExportContext"], object] | None = field(default=None, compare=False)
    # A column computed with others by one subquery: its cell of `packed`, by the column's name.
    packed: Packed | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """Name of the value in a row; annotations get a prefix so that they never clash with a model field."""
        return f"csv_{self.name}" if self.expression is not None else self.name

    @property
    def from_model_field(self) -> bool:
        """Whether the column is a field of the exported model as it is (what an import may write back)."""
        return self.expression is None and self.python is None and self.packed is None

    def value(self, row: dict, context: "ExportContext"):
        if self.python:
            return self.python(row, context)
        if self.packed:
            return self.packed.cell(self.name, row)
        return row[self.key]


@dataclass
class ExportContext:
    request: object
    url_patterns: dict[str, str]

    def url(self, viewname: str, value) -> str:
        before, _, after = self.url_patterns[viewname].rpartition(URL_PLACEHOLDER)
        return f"{before}{value}{after}"


def public_url(viewname: str, key: str) -> Column:
    return Column(
        "url",
        "Public page of the record.",
        "url",
        python=lambda row, context: context.url(viewname, row[key]),
    )


def packed_translations(name: str, translations: models.QuerySet, columns: dict[str, models.Q]) -> Packed:
    """The text, translator and machine mark of each translation among `translations` (filtered on
    `OuterRef("pk")`) that a condition of `columns` ({name of its text column: the translation's language, and
    field}) picks out, at most one each, in one subquery: the cells `name`, `name_translator` and `name_machine`."""
    cells = {}
    for column, condition in columns.items():
        cells[column] = JoinedText("text", where=condition)
        cells[f"{column}_translator"] = JoinedText("translator", where=condition)
        # As 1 or 0, the same text in both databases (PostgreSQL writes a boolean as true or false).
        cells[f"{column}_machine"] = JoinedText(Cast("machine", models.IntegerField()), where=condition)
    return Packed(name, translations, cells)


def translation_columns(name: str, language_name: str, packed: Packed, description: str, of: str = "") -> list[Column]:
    """The text, translator and machine mark of one translation (cells of `packed`, `packed_translations`) as the
    columns `name`, `name_translator` and `name_machine`, all empty when there is none."""

    def text(row: dict, context, column=name) -> str:
        # Empty, not null, without a translation: the GeoJSON's properties are strings, as the CSV's cells are.
        return packed.cell(column, row) or ""

    def machine(row: dict, context, column=f"{name}_machine") -> str:
        mark = packed.cell(column, row)
        return "" if mark is None else str(mark == "1").lower()

    return [
        Column(name, description, "text", packed=packed, python=text),
        Column(
            f"{name}_translator",
            f"Who made the {language_name} translation{of}, as shown to readers.",
            "text",
            packed=packed,
            python=lambda row, context: text(row, context, f"{name}_translator"),
        ),
        Column(
            f"{name}_machine",
            f"`true` when the {language_name} translation{of} is a machine translation, "
            "`false` when a person made it.",
            "boolean",
            packed=packed,
            python=machine,
        ),
    ]


def record_translation_columns(model: type[models.Model], fields: tuple[str, ...], noun: str) -> list[Column]:
    """A column per field and language for the translations of `fields` of the exported records
    (core.translations), each with its translator and machine mark; all read by one subquery."""
    translation_model = model._meta.get_field("translations").related_model
    languages = TranslationLanguage.values
    names = {(translated, language): f"{translated}_{language}" for translated in fields for language in languages}
    packed = packed_translations(
        "translations",
        translation_model.objects.filter(**{translation_model.PARENT_FIELD: models.OuterRef("pk")}),
        {name: models.Q(field=translated, language=language) for (translated, language), name in names.items()},
    )
    columns = []
    for (translated, language), name in names.items():
        language_name = LANGUAGE_NAMES[language]
        columns += translation_columns(
            name,
            language_name,
            packed,
            f"The {noun}'s {translated} translated into {language_name}; empty when there is no such translation "
            f"(`{translated}` is the original, in English).",
            of=f" of `{translated}`",
        )
    return columns


class Echo:
    """A file-like object whose write() hands the line back, for csv.writer inside a generator."""

    def write(self, value):
        return value


def csv_lines(columns: list[Column], rows: Iterable[dict], context: ExportContext, bom: bool) -> Iterator[str]:
    writer = csv.writer(Echo(), lineterminator="\r\n")
    header = writer.writerow([column.name for column in columns])
    yield (UTF8_BOM + header) if bom else header
    for row in rows:
        yield writer.writerow([neutralise_formula(column.value(row, context)) for column in columns])


def export_queryset(queryset: models.QuerySet, columns: list[Column]) -> models.QuerySet:
    """`queryset` as dicts of the SQL-backed columns: one query, every related value aggregated in SQL."""
    expressions = {column.key: column.expression for column in columns if column.expression is not None}
    for column in columns:
        if not column.packed:
            continue
        known = expressions.setdefault(column.packed.key, column.packed.expression)
        if known is not column.packed.expression:  # a second set of cells (or a column) would replace the first
            raise ImproperlyConfigured(f"Two sets of export cells are named {column.packed.key}.")
    fields = [column.key for column in columns if column.from_model_field]
    # The primary key too: a data release keeps which records it holds (archive.releases), whatever the id column.
    return queryset.annotate(**expressions).values("pk", *fields, *expressions)


def export_rows(queryset: models.QuerySet, columns: list[Column]) -> Iterator[dict]:
    """The export rows, read in chunks from a server-side cursor (PostgreSQL) as the response streams
    (`read_in_a_transaction`). The query is built here, before the response starts: a column that cannot be
    computed is an error page, not a download cut short."""
    rows = export_queryset(queryset, columns).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    return read_in_a_transaction(rows, queryset.db)


def read_in_a_transaction(rows: Iterator[dict], using: str) -> Iterator[dict]:
    """`rows` read within a transaction of their own: under autocommit, Django declares a server-side cursor WITH
    HOLD, and PostgreSQL then computes the whole result before it hands over the first row (the first byte of the
    full export waited 129 s at 1,000,000 testimonies, longer than a proxy waits). The transaction ends when the
    last row is read or the response is closed (a reader who goes away)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield from rows
        return
    with transaction.atomic(using=using):
        set_limits(
            connection,
            {"idle_in_transaction_session_timeout": EXPORT_IDLE_IN_TRANSACTION_TIMEOUT},
            transaction_only=True,
        )
        yield from rows


def invalid_filters_response(filterset) -> HttpResponseBadRequest | None:
    """An export exports all or nothing: filter values it cannot apply refuse the whole export (HTTP 400)."""
    if not filterset.is_bound or filterset.is_valid():
        return None
    problems = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.form.errors.items())
    return HttpResponseBadRequest(
        f"Invalid filter parameters; nothing was exported.\n{problems}\n", content_type="text/plain; charset=utf-8"
    )


def export_values(columns: list[Column], rows: Iterable[dict], context: ExportContext) -> Iterator[list]:
    """Each row's cells as typed values (numbers, dates, text), unneutralised: for formats that type their cells."""
    for row in rows:
        yield [column.value(row, context) for column in columns]


class CsvExportView(ReadOnlyViewMixin, View):
    """A public export: the same FilterSet as the list page, over the model's `.public()` records.

    `file_format` "csv" (the default) or "xlsx" (the same rows and columns as a typed spreadsheet with the data
    dictionary as a second sheet: core/xlsx_export.py); the URL map sets it per path.
    """

    cache_public_response = False  # streamed: never kept by the page cache, so not even looked up

    file_format = "csv"
    filterset_class = None
    queryset: models.QuerySet = None
    columns: list[Column] = []
    file_stem = "export"
    detail_viewname = ""
    detail_url_kwarg = ""

    def get_queryset(self):
        return self.queryset.all()

    def url_patterns(self) -> dict[str, str]:
        if not self.detail_viewname:
            return {}  # records without a page of their own (postings)
        path = reverse(self.detail_viewname, kwargs={self.detail_url_kwarg: URL_PLACEHOLDER})
        return {self.detail_viewname: self.request.build_absolute_uri(path)}

    def get(self, request, *args, **kwargs):
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        if refusal := invalid_filters_response(filterset):
            return refusal
        context = ExportContext(request=request, url_patterns=self.url_patterns())
        rows = export_rows(filterset.qs, self.columns)
        if self.file_format == "xlsx":
            about = f"Exported from {request.build_absolute_uri()} at {timezone.now():%Y-%m-%d %H:%M} UTC."
            content = xlsx_chunks(self.file_stem, self.columns, export_values(self.columns, rows, context), about)
            response = StreamingHttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        else:
            lines = csv_lines(self.columns, rows, context, bom=request.GET.get("bom") == "1")
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"{self.file_stem}-{timezone.localdate():%Y-%m-%d}.{self.file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def staff_export_response(queryset: models.QuerySet, user, file_stem: str) -> StreamingHttpResponse:
    """Every field of the selected records, public or not, for staff; restricted fields only with permission.

    Many-to-many values are joined like in the public exports. The selection is what a curator ticked on one
    changelist page, so prefetching per chunk is cheap here.
    """
    model = queryset.model
    hidden = () if user.has_perm(RESTRICTED_FIELDS_PERMISSION) else getattr(model, "RESTRICTED_FIELDS", ())
    hidden = (*hidden, "search_vector")  # an index, not data
    # A generated column (a site's coordinates as floats for the map) repeats a field that is exported.
    fields = [field for field in model._meta.concrete_fields if field.name not in hidden and not field.generated]
    many = [field for field in model._meta.many_to_many if field.name not in hidden]
    restricted = [name for name in getattr(model, "RESTRICTED_FIELDS", ()) if name not in hidden]
    if restricted and hasattr(model, "log_restricted_export"):
        # Who exported a witness's identity is logged (testimonies.AccessLogEntry), before anything is sent.
        model.log_restricted_export(user, queryset, restricted)

    def cell(record, field):
        value = getattr(record, field.attname)
        return value.isoformat() if hasattr(value, "isoformat") else value

    def lines():
        writer = csv.writer(Echo(), lineterminator="\r\n")
        yield writer.writerow([field.attname for field in fields] + [field.name for field in many])
        records = queryset.prefetch_related(*(field.name for field in many)).iterator(chunk_size=EXPORT_CHUNK_SIZE)
        for record in records:
            values = [cell(record, field) for field in fields]
            values += [
                MULTI_VALUE_SEPARATOR.join(str(related) for related in getattr(record, field.name).all())
                for field in many
            ]
            yield writer.writerow([neutralise_formula(value) for value in values])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_stem}-staff-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
