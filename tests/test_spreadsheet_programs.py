"""A real spreadsheet program opens the exports: LibreOffice Calc, headless, loads the CSV and the XLSX of an export
full of Cyrillic, curly quotes, multi-line quotes and hostile cells, saves them as XLSX, and every cell is read
back: each says exactly what the record says, and none is a formula.

Needs Debian's `libreoffice-calc-nogui`; skipped with the reason without it, except in CI (REQUIRE_SYSTEM_TOOLS),
where .ci/run installs it.
"""

import datetime
import os
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.csv_export import restore_formula
from testimonies.exports import TESTIMONY_COLUMNS
from tests.factories import SiteFactory, TestimonyFactory, UnitFactory
from tests.public_crawl import xlsx_sheets
from tests.test_xlsx_export import HOSTILE_TEXTS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.skipif(
        SOFFICE is None and not os.environ.get("REQUIRE_SYSTEM_TOOLS"),
        reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui); .ci/run installs it for CI",
    ),
    pytest.mark.django_db,
]

# Calc's CSV filter options: comma, double quote, character set 76 (UTF-8), from line 1, then a column format per
# column (2 = text), as an analyst sets them in the import dialog; without column formats Calc guesses types.
CSV_UTF8 = "44,34,76,1"
TEXT_FIELDS = ("witness_label", "quote", "context")
# Leading and trailing spaces count too. Control characters are left out here: both programs write them as
# Excel's _xHHHH_ escapes, which openpyxl, reading Calc's shared strings back, does not decode (they are checked
# against the export itself in test_xlsx_export).
HOSTILE = [text for text in HOSTILE_TEXTS if "\x07" not in text]
HOSTILE += ["_x0041_ is no escape", " leading space", "trailing space ", "'apostrophe first"]


@pytest.fixture
def hostile_export(client):
    site = SiteFactory(slug="petrovskaya", name="Петровская шахта", region="Донецкая область")
    unit = UnitFactory(slug="first-slavic", name="1-я Славянская бригада", unit_number="040463")
    for number, text in enumerate(HOSTILE):
        TestimonyFactory(
            witness_label=text,
            quote=HOSTILE[-number - 1],
            context=f"“{text}”\n— {number}",
            sites=[site],
            units=[unit],
            given_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=number),
            events="2022-11" if number % 2 else "2022-23",
        )
    csv_link = client.get(reverse("testimonies:testimony_list")).context["export_url"]
    csv_body = b"".join(client.get(csv_link).streaming_content)
    xlsx_body = b"".join(client.get(reverse("testimonies:testimony_export_xlsx")).streaming_content)
    return csv_body, xlsx_body


def calc(source, tmp_path, infilter: str | None = None):
    """The workbook LibreOffice Calc makes of `source` (loaded, then saved as XLSX)."""
    out = tmp_path / f"calc-{source.stem}-{source.suffix[1:]}-{len(infilter or '')}"
    command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)  # noqa: S603 (LibreOffice, our own files)
    return load_workbook(out / f"{source.stem}.xlsx")


def line_breaks_as_lf(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def records_by_label() -> dict:
    from testimonies.models import Testimony

    return {testimony.witness_label: testimony for testimony in Testimony.objects.all()}


def assert_no_formula(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_calc_reads_the_xlsx_export_exactly(hostile_export, tmp_path):
    _, body = hostile_export
    (tmp_path / "testimonies.xlsx").write_bytes(body)
    workbook = calc(tmp_path / "testimonies.xlsx", tmp_path)
    assert_no_formula(workbook)
    # Calc writes shared strings, which openpyxl decodes itself (xlsx_value is for our inline strings).
    header, *rows = [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]
    assert header == [column.name for column in TESTIMONY_COLUMNS]
    # Calc keeps every line break inside a cell, but turns CR LF and CR into LF when the text has several lines.
    records = {line_breaks_as_lf(label): record for label, record in records_by_label().items()}
    assert len(rows) == len(HOSTILE) == len(records)
    for values in rows:
        row = dict(zip(header, values, strict=True))
        record = records[line_breaks_as_lf(row["witness_label"])]
        for field in TEXT_FIELDS:
            assert line_breaks_as_lf(row[field]) == line_breaks_as_lf(getattr(record, field)), field
        assert row["id"] == record.public_id
        assert row["given_on"] == datetime.datetime.combine(record.given_on, datetime.time())
        assert row["events"] == record.events and row["unit_names"] == "1-я Славянская бригада"
        # The Cyrillic spelling typed on the site is an alias in the region vocabulary; exports give its name.
        assert row["site_regions"] == "Donetsk Oblast"
    # Every other cell is what the file said, with its type: Calc evaluated and converted nothing.
    ours = xlsx_sheets(body)
    assert [[line_breaks_as_lf(value) for value in row] for row in ours["testimonies"]] == [
        [line_breaks_as_lf(value) for value in row] for row in (header, *rows)
    ]
    dictionary = [[cell.value for cell in row] for row in workbook["data dictionary"].iter_rows()]
    assert [[value for value in row if value is not None] for row in dictionary] == [
        [value for value in row if value is not None] for row in ours["data dictionary"]
    ]
    links = [row[1].hyperlink.target for row in workbook.worksheets[0].iter_rows(min_row=2)]
    assert links == [row[1] for row in rows], "the public URLs are links"


def test_calc_reads_the_linked_csv_with_its_text_and_runs_no_formula(hostile_export, tmp_path):
    body, _ = hostile_export
    assert body.startswith(b"\xef\xbb\xbf"), "the page links the CSV with a byte-order mark"
    (tmp_path / "testimonies.csv").write_bytes(body)
    columns = len(TESTIMONY_COLUMNS)
    as_text = "/".join(f"{number}/2" for number in range(1, columns + 1))
    workbook = calc(tmp_path / "testimonies.csv", tmp_path, f"CSV:{CSV_UTF8},{as_text}")
    assert_no_formula(workbook)
    header, *rows = [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]
    assert header == [column.name for column in TESTIMONY_COLUMNS], "no stray byte-order mark in the first name"
    records = {record.public_id: record for record in records_by_label().values()}
    assert len(rows) == len(records)
    for values in rows:
        row = dict(zip(header, ["" if value is None else value for value in values], strict=True))
        record = records[row["id"]]
        for field in TEXT_FIELDS:
            # The `'` that the CSV adds before a formula stays visible in the cell; the import removes it. Calc
            # reads a carriage return inside a quoted field as a line feed.
            expected = getattr(record, field).replace("\r\n", "\n").replace("\r", "\n")
            assert restore_formula(row[field]) == expected, field
        assert row["given_on"] == record.given_on.isoformat() and row["unit_slugs"] == "first-slavic"

    # With Calc's default column types it guesses numbers and dates, and still runs nothing.
    guessed = calc(tmp_path / "testimonies.csv", tmp_path, f"CSV:{CSV_UTF8}")
    assert_no_formula(guessed)
    text = "\n".join(str(cell.value) for row in guessed.worksheets[0].iter_rows() for cell in row)
    assert "Петровская шахта" in text and "There’s “nothing” here" in text
