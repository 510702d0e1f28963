"""Public XLSX exports: the CSV exports' records and columns as typed cells, the data dictionary beside them, the
header frozen and filterable, nothing evaluated as a formula; and the CSV links that spreadsheets open right."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.csv_export import restore_formula
from core.xlsx_export import CELL_TEXT_LIMIT, LINKS_PER_SHEET, TRUNCATION_MARK, SheetWriter, write_workbook
from testimonies.exports import TESTIMONY_COLUMNS
from testimonies.models import Consent
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)
from tests.public_crawl import EXPORTS, XLSX_CONTENT_TYPE, XLSX_EXPORTS, xlsx_sheets, xlsx_value

pytestmark = pytest.mark.django_db

# What the data dictionary's hostile-cell rule is about, and what spreadsheets garble: = + - @ at the start, tab,
# CR, LF, leading spaces, curly quotes, Cyrillic, a multi-line quote, XML's forbidden control characters and text
# that looks like Excel's own escapes.
HOSTILE_TEXTS = [
    '=HYPERLINK("http://x","click")',
    "+7 900 000-00-00",
    "-2+3",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
    "\n=cmd|' /C calc'!A0",
    "  =1+1",
    "There’s “nothing” here",
    "Петровская шахта, «подвал»",
    "He said: “no”,\nand then — silence;\r\nend.",
    "bell\x07 and _x0041_ literally",
]


def download(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content if not response.streaming else ""
    assert response.streaming and response["Content-Type"] == XLSX_CONTENT_TYPE
    return response, b"".join(response.streaming_content)


def csv_rows(client, name, **params) -> list[dict]:
    body = b"".join(client.get(reverse(name), params).streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


def data_rows(body: bytes) -> list[dict]:
    header, *rows = next(iter(xlsx_sheets(body).values()))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def records():
    beating = AbuseTypeFactory(slug="beating", name="Beating")
    astra = SourceFactory(slug="astra", name="ASTRA", website="https://astra.example/")
    publication = PublicationFactory(source=astra, url="https://astra.example/a")
    brigade = UnitFactory(slug="brigade", name="5th brigade")
    unit = UnitFactory(slug="battalion", parent=brigade, unit_number="040463")
    mine = SiteFactory(slug="mine", latitude=Decimal("48.015900"), longitude=Decimal("-37.802800"), region="Donetsk")
    pit = SiteFactory(slug="pit", first_reported="2022-11", region="Luhansk")
    SiteUnitFactory(site=mine, unit=unit)
    first = TestimonyFactory(
        sites=[mine, pit],
        units=[unit],
        abuse_types=[beating],
        given_on=datetime.date(2024, 11, 1),
        events="2022-11",
        witness_label=HOSTILE_TEXTS[0],
        quote=HOSTILE_TEXTS[10],
    )
    CitationFactory(testimony=first, publication=publication)
    limited = TestimonyFactory(sites=[pit], given_on=datetime.date(2019, 3, 17), consent=Consent.LIMITED)
    person = PersonFactory(slug="korchagin", name="Alexei Korchagin", date_of_birth="1980")
    PostingFactory(person=person, unit=unit)
    return locals()


def same_cell(xlsx, text: str, column_type: str) -> bool:
    """Whether a typed XLSX cell says what the CSV cell (as the import reads it) says."""
    if xlsx is None:
        return text == ""
    if column_type in ("integer", "decimal"):
        return isinstance(xlsx, int | float) and Decimal(text) == Decimal(str(xlsx))
    if column_type == "date (ISO 8601)":
        return isinstance(xlsx, datetime.datetime) and xlsx.date().isoformat() == text
    return isinstance(xlsx, str) and xlsx == restore_formula(text)


@pytest.mark.parametrize(
    ("csv_name", "params"),
    [
        ("testimonies:testimony_export", {}),
        ("testimonies:testimony_export", {"site": "mine"}),
        ("testimonies:testimony_export", {"site": "pit", "sort": "-id"}),
        ("sites:site_export", {"unit": "battalion"}),
        ("sites:site_export", {}),
        ("units:unit_export", {}),
        ("testimonies:source_export", {}),
        ("units:person_export", {}),
        ("units:posting_export", {}),
    ],
)
def test_every_cell_says_what_the_csv_says(client, records, csv_name, params):
    from django.urls import resolve

    columns = resolve(reverse(csv_name)).func.view_class.columns
    expected = csv_rows(client, csv_name, **params)
    _, body = download(client, f"{csv_name}_xlsx", **params)
    rows = data_rows(body)
    assert expected and len(rows) == len(expected)
    assert list(rows[0]) == list(expected[0]) == [column.name for column in columns]
    for got, want in zip(rows, expected, strict=True):
        for column in columns:
            assert same_cell(got[column.name], want[column.name], column.type), (column.name, got, want)


def test_cells_are_typed_and_nothing_is_a_formula(client, records):
    _, body = download(client, "testimonies:testimony_export_xlsx")
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    first = {name: cell for name, cell in zip(header, sheet[2], strict=True)}  # newest first
    assert first["id"].data_type == "s" and first["id"].value == records["first"].public_id
    assert first["given_on"].is_date and first["given_on"].number_format == "yyyy-mm-dd"
    assert first["given_on"].value == datetime.datetime(2024, 11, 1)
    assert first["events_earliest"].is_date and first["events_latest"].value == datetime.datetime(2022, 11, 30)
    assert first["events"].data_type == "s" and first["events"].value == "2022-11", "a partial date stays text"
    assert (
        first["url"].hyperlink.target
        == first["url"].value
        == f"http://testserver/testimonies/{records['first'].public_id}/"
    )
    assert first["witness_label"].value == HOSTILE_TEXTS[0], "no apostrophe is added in XLSX"
    assert first["citation_urls"].hyperlink is None, "a list of addresses is text"
    limited = {name: cell.value for name, cell in zip(header, sheet[3], strict=True)}
    assert limited["given_on"] == datetime.datetime(2019, 3, 1), "limited consent: the month, as in the CSV"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    units = load_workbook(io.BytesIO(download(client, "units:unit_export_xlsx")[1])).worksheets[0]
    numbers = {cell.value for cell in units["F"]}
    assert "040463" in numbers, "a unit number is text: its leading zero stays"


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_reads_back_exactly_as_text(client, text):
    TestimonyFactory(witness_label=text, quote=text, context=text)
    _, body = download(client, "testimonies:testimony_export_xlsx")
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for name in ("witness_label", "quote", "context"):
        cell = sheet.cell(row=2, column=header.index(name) + 1)
        assert cell.data_type == "s" and xlsx_value(cell.value) == text, name


def test_header_is_frozen_and_filterable_and_the_dictionary_is_the_second_sheet(client, records):
    _, body = download(client, "testimonies:testimony_export_xlsx", sort="-id")
    workbook = load_workbook(io.BytesIO(body))
    data, dictionary = workbook.worksheets
    assert (data.title, dictionary.title) == ("testimonies", "data dictionary")
    assert data.freeze_panes == "A2" and dictionary.freeze_panes == "A2"
    assert data.auto_filter.ref == f"A1:{data.cell(row=1, column=len(TESTIMONY_COLUMNS)).column_letter}3"
    rows = list(dictionary.iter_rows(values_only=True))
    assert rows[0] == ("column", "type", "meaning")
    assert rows[1 : len(TESTIMONY_COLUMNS) + 1] == [
        (column.name, column.type, column.description) for column in TESTIMONY_COLUMNS
    ]
    assert rows[-1][0].startswith("Exported from http://testserver/export/testimonies.xlsx?sort=-id at ")


def test_an_empty_export_is_a_header_and_its_dictionary(client):
    _, body = download(client, "testimonies:testimony_export_xlsx")
    sheets = xlsx_sheets(body)
    assert list(sheets["testimonies"]) == [tuple(column.name for column in TESTIMONY_COLUMNS)]
    assert len(sheets["data dictionary"]) > len(TESTIMONY_COLUMNS)


def test_file_name_and_headers(client, records):
    response, _ = download(client, "sites:site_export_xlsx")
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="sites-{today}.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_text_beyond_excels_cell_limit_is_cut_with_a_mark(client):
    TestimonyFactory(quote="x" * (CELL_TEXT_LIMIT + 10))
    _, body = download(client, "testimonies:testimony_export_xlsx")
    (row,) = data_rows(body)
    assert len(row["quote"]) == CELL_TEXT_LIMIT and row["quote"].endswith(TRUNCATION_MARK)


def test_only_web_addresses_become_links_and_their_number_is_bounded():
    from core.csv_export import Column

    columns = [Column("url", "", "url")]
    output = io.BytesIO()
    addresses = ["javascript:alert(1)", "https://a.example/x y", "https://a.example/ok"]
    addresses += [f"https://a.example/{number}" for number in range(LINKS_PER_SHEET)]
    write_workbook(output, "links", columns, ([address] for address in addresses))
    # The values in openpyxl's read-only mode and the links from the sheet's XML: a full load of 20,000 links
    # takes openpyxl a minute.
    sheet = load_workbook(io.BytesIO(output.getvalue()), read_only=True).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == addresses, "every address is there"
    with zipfile.ZipFile(output) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    linked_rows = [int(row) for row in re.findall(r'<hyperlink ref="A(\d+)"', sheet_xml)]
    # Row 1 is the header; the two addresses that are not web addresses (rows 2 and 3) are text, then the links
    # stop at the bound, one row before the last address.
    assert linked_rows == list(range(4, 4 + LINKS_PER_SHEET))
    assert len(addresses) + 1 > linked_rows[-1]


def test_a_date_column_holding_something_else_stays_text():
    from core.csv_export import Column

    class Sheet:
        def __init__(self):
            self.written = []

        def __getattr__(self, name):
            return lambda *args, **kwargs: self.written.append((name, args[2]))

    writer = SheetWriter.__new__(SheetWriter)
    writer.sheet, writer.date_format, writer.links, writer.rows = Sheet(), None, 0, 0
    writer.columns = [Column("day", "", "date (ISO 8601)")] * 4
    writer.write(["2024-02-30", "2024-02", datetime.date(2024, 2, 1), "2024-02-29"])
    assert writer.sheet.written == [
        ("write_string", "2024-02-30"),
        ("write_string", "2024-02"),
        ("write_datetime", datetime.date(2024, 2, 1)),
        ("write_datetime", datetime.date(2024, 2, 29)),
    ]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("testimonies:testimony_export_xlsx", {"witness_role": "nope"}),
        ("testimonies:testimony_export_xlsx", {"date_after": "someday"}),
        ("sites:site_export_xlsx", {"kind": "castle"}),
        ("units:unit_export_xlsx", {"kind": "ghost"}),
        ("testimonies:source_export_xlsx", {"kind": "oracle"}),
    ],
)
def test_invalid_filters_give_the_csv_exports_400(client, records, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 400
    assert response.content.decode().startswith("Invalid filter parameters; nothing was exported.")


@pytest.mark.parametrize(
    "path", ["/export/witnesses.xlsx", "/export/testimonies.ods", "/export/testimonies.xls", "/export/.xlsx"]
)
def test_unknown_types_and_formats_are_404(client, path):
    assert client.get(path).status_code == 404


def test_every_csv_export_has_its_xlsx_sibling():
    for csv_name, xlsx_name in zip(EXPORTS, XLSX_EXPORTS, strict=True):
        assert reverse(xlsx_name) == reverse(csv_name).removesuffix(".csv") + ".xlsx"


def test_one_query_however_many_rows(client, django_assert_num_queries):
    for count in (1, 12):
        TestimonyFactory.create_batch(count, sites=[SiteFactory()], units=[UnitFactory()])
        with django_assert_num_queries(1):
            download(client, "testimonies:testimony_export_xlsx")


# --- The links on the list pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("list_name", "csv_path", "xlsx_path"),
    [
        ("testimonies:testimony_list", "/export/testimonies.csv", "/export/testimonies.xlsx"),
        ("sites:site_list", "/export/sites.csv", "/export/sites.xlsx"),
        ("sites:site_map", "/export/sites.csv", "/export/sites.xlsx"),
        ("units:unit_list", "/export/units.csv", "/export/units.xlsx"),
        ("testimonies:source_list", "/export/sources.csv", "/export/sources.xlsx"),
        ("units:person_list", "/export/persons.csv", "/export/persons.xlsx"),
    ],
)
def test_list_pages_offer_csv_with_a_bom_and_xlsx_with_their_filters(client, records, list_name, csv_path, xlsx_path):
    response = client.get(reverse(list_name), {"q": "a", "page": "1", "per_page": "10", "bom": "0"})
    assert response.context["export_url"] == f"{csv_path}?q=a&bom=1"
    assert response.context["xlsx_export_url"] == f"{xlsx_path}?q=a"
    html = response.content.decode()
    assert f'href="{csv_path}?q=a&amp;bom=1">CSV</a>' in html
    assert f'href="{xlsx_path}?q=a">Excel (XLSX)</a>' in html
    assert client.get(response.context["xlsx_export_url"]).status_code == 200


def test_the_csv_the_pages_link_reads_the_same_with_and_without_the_bom_in_python(client, records):
    """The data dictionary's advice: `utf-8-sig` reads both files with no stray character in the first name."""
    linked = client.get(reverse("testimonies:testimony_list")).context["export_url"]
    with_bom = b"".join(client.get(linked).streaming_content)
    without = b"".join(client.get(reverse("testimonies:testimony_export")).streaming_content)
    assert with_bom == b"\xef\xbb\xbf" + without
    for body in (with_bom, without):
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert list(rows[0])[0] == "id" and len(rows) == 2
