"""XLSX exports: the rows and columns of a CSV export as a typed spreadsheet, written with constant memory.

XlsxWriter in constant-memory mode writes each row to a temporary file as it comes, with its strings inline (no
shared-string table growing with the data), and assembles the workbook at the end; the finished file is then
streamed to the client in chunks. openpyxl's write-only mode was measured against it and was slower and larger in
memory (bench/xlsx_writers.py, bench/RESULTS.md).

Cells are typed from the column's type in the data dictionary: every text cell is written as a string, so a
spreadsheet never evaluates it (a cell "=1+1" is the text "=1+1", with no `'` prefix as in CSV); numbers are
numbers, days are dates, web addresses are links, and partial dates (EDTF) stay text.
"""

import datetime
import decimal
import re
import tempfile
from collections.abc import Iterable, Iterator

import xlsxwriter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limits: characters in a cell, characters in a link.
CELL_TEXT_LIMIT = 32_767
URL_LENGTH_LIMIT = 2_079
# Each link is kept in memory until the workbook is assembled (about 0.8 KB each, bench/RESULTS.md); past this many
# links in a sheet, web addresses are written as plain text so that memory stays flat (Excel allows 65,530).
LINKS_PER_SHEET = 20_000
TRUNCATION_MARK = "…"
STREAM_CHUNK_SIZE = 64 * 1024
NUMBER_TYPES = ("integer", "decimal")
DATE_TYPE = "date (ISO 8601)"
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Column widths in characters, by type; text columns not listed get the default.
WIDTHS = {"integer": 9, "decimal": 11, "code": 16, DATE_TYPE: 11, "date (EDTF)": 14, "url": 45, "list": 30}
DEFAULT_WIDTH = 28


def cell_text(value) -> str:
    """Text for a string cell, cut to Excel's limit with a visible mark (the CSV has it whole)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > CELL_TEXT_LIMIT:
        return text[: CELL_TEXT_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return text


def as_day(value) -> datetime.date | None:
    """A full calendar day, or None for anything else (a partial date, a period, an empty cell)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and ISO_DAY.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def is_link(value) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and len(value) <= URL_LENGTH_LIMIT
        and not any(character.isspace() for character in value)
    )


class SheetWriter:
    """Writes typed rows into one worksheet of a constant-memory workbook."""

    def __init__(self, workbook, name: str, columns):
        self.sheet = workbook.add_worksheet(name)
        self.columns = columns
        self.date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.links = 0
        header = workbook.add_format({"bold": True})
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, WIDTHS.get(column.type, DEFAULT_WIDTH))
        for index, column in enumerate(columns):
            self.sheet.write_string(0, index, column.name, header)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def write(self, values: list) -> None:
        self.rows += 1
        for index, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            self.write_cell(self.rows, index, column.type, value)

    def write_cell(self, row: int, col: int, kind: str, value) -> None:
        if value is None or value == "":
            return
        if kind in NUMBER_TYPES and isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
            self.sheet.write_number(row, col, float(value) if isinstance(value, decimal.Decimal) else value)
        elif kind == DATE_TYPE and (day := as_day(value)) is not None:
            self.sheet.write_datetime(row, col, day, self.date_format)
        elif kind == "url" and self.links < LINKS_PER_SHEET and is_link(value):
            self.links += 1
            self.sheet.write_url(row, col, value, string=value)
        else:
            self.sheet.write_string(row, col, cell_text(value))

    def finish(self) -> None:
        """The header row as a filter over every written row."""
        self.sheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)


def write_workbook(output, sheet_name: str, columns, rows: Iterable[list], about: str = "") -> int:
    """Write `rows` (lists of values in the order of `columns`) and the columns' data dictionary to `output` (a
    path or a binary file). Returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            # Never guess: every cell is written with a typed method, and these keep write() from guessing too.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": sheet_name, "comments": about})
    data = SheetWriter(workbook, sheet_name[:31], columns)
    for values in rows:
        data.write(values)
    data.finish()

    dictionary = workbook.add_worksheet("data dictionary")
    bold = workbook.add_format({"bold": True})
    dictionary.set_column(0, 0, 26)
    dictionary.set_column(1, 1, 16)
    dictionary.set_column(2, 2, 100)
    for col, title in enumerate(("column", "type", "meaning")):
        dictionary.write_string(0, col, title, bold)
    for row, column in enumerate(columns, start=1):
        dictionary.write_string(row, 0, column.name)
        dictionary.write_string(row, 1, column.type)
        dictionary.write_string(row, 2, column.description)
    if about:
        dictionary.write_string(len(columns) + 2, 0, cell_text(about))
    dictionary.freeze_panes(1, 0)
    workbook.close()
    return data.rows


def xlsx_chunks(sheet_name: str, columns, rows: Iterable[list], about: str = "") -> Iterator[bytes]:
    """The workbook's bytes for a streaming response: rows are read and written to a temporary file as the
    response starts, then the file is sent in chunks; memory does not grow with the number of rows."""
    with tempfile.TemporaryFile() as output:
        write_workbook(output, sheet_name, columns, rows, about)
        output.seek(0)
        while chunk := output.read(STREAM_CHUNK_SIZE):
            yield chunk
