"""Public CSV exports: same records as the list pages, joinable columns, safe cells, streamed."""

import csv
import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.csv_export import FORMULA_TRIGGERS, MULTI_VALUE_SEPARATOR, neutralise_formula, runs_as_formula
from sites.models import Site
from testimonies.exports import TESTIMONY_COLUMNS
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def export(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, body, list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def records():
    beating = AbuseTypeFactory(slug="beating", name="Beating")
    cold = AbuseTypeFactory(slug="cold-water", name="Cold water")
    astra = SourceFactory(slug="astra", name="ASTRA")
    publication = PublicationFactory(source=astra, url="https://astra.example/a")
    parent = UnitFactory(slug="brigade")
    unit = UnitFactory(slug="battalion", parent=parent, unit_number="40463")
    mine = SiteFactory(slug="mine", latitude=Decimal("48.015900"), longitude=Decimal("-37.802800"))
    pit = SiteFactory(slug="pit")
    SiteUnitFactory(site=mine, unit=unit)
    first = TestimonyFactory(sites=[mine, pit], units=[unit], abuse_types=[beating, cold])
    CitationFactory(testimony=first, publication=publication)
    second = TestimonyFactory(sites=[pit])
    return locals()


@pytest.mark.parametrize(
    ("list_name", "export_name", "params"),
    [
        ("testimonies:testimony_list", "testimonies:testimony_export", {}),
        ("testimonies:testimony_list", "testimonies:testimony_export", {"site": "mine"}),
        ("testimonies:testimony_list", "testimonies:testimony_export", {"site": "pit", "sort": "-id"}),
        ("testimonies:testimony_list", "testimonies:testimony_export", {"abuse_type": "beating"}),
        ("sites:site_list", "sites:site_export", {"unit": "battalion"}),
        ("units:unit_list", "units:unit_export", {"parent": "brigade"}),
        ("testimonies:source_list", "testimonies:source_export", {}),
    ],
)
def test_export_rows_are_the_records_of_the_list_page(client, records, list_name, export_name, params):
    listed = client.get(reverse(list_name), {**params, "per_page": 100}).context["object_list"]
    _, _, rows = export(client, export_name, **params)
    assert [row["id"] for row in rows] == [str(getattr(record, "public_id", record.pk)) for record in listed]


def test_testimony_row_joins_related_records(client, records):
    _, _, rows = export(client, "testimonies:testimony_export", site="mine")
    (row,) = rows
    assert set(row["site_slugs"].split(MULTI_VALUE_SEPARATOR)) == {"mine", "pit"}
    assert row["unit_slugs"] == "battalion"
    assert set(row["abuse_type_slugs"].split(MULTI_VALUE_SEPARATOR)) == {"beating", "cold-water"}
    assert row["source_slugs"] == "astra"
    assert row["citation_urls"] == "https://astra.example/a"
    assert row["id"] == records["first"].public_id
    assert row["url"] == f"http://testserver/testimonies/{records['first'].public_id}/"
    assert row["given_on"] == records["first"].given_on.isoformat()
    assert list(row) == [column.name for column in TESTIMONY_COLUMNS]


def test_site_and_unit_rows(client, records):
    _, _, sites = export(client, "sites:site_export", q="")
    mine = next(row for row in sites if row["slug"] == "mine")
    assert mine["longitude"] == "-37.802800", "a negative number is not neutralised"
    assert mine["unit_roles"] == "battalion:operated"
    _, _, units = export(client, "units:unit_export")
    battalion = next(row for row in units if row["slug"] == "battalion")
    assert battalion["parent_slug"] == "brigade" and battalion["unit_number"] == "40463"
    assert battalion["site_slugs"] == "mine"


def test_tricky_text_round_trips_exactly(client):
    quote = 'He said: "no, never",\nand then — silence;\r\nend. Кириллица too.'
    TestimonyFactory(quote=quote, context="")
    _, _, rows = export(client, "testimonies:testimony_export")
    assert rows[0]["quote"] == quote


# Every trigger of the data dictionary's formula rule: = + - @, tab, carriage return and line feed; and the same
# behind what spreadsheets that trim before evaluating drop (issue 18, item 6): whitespace, no-break and
# ideographic spaces, the BOM and zero-width characters.
FORMULA_STARTS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "\n=cmd|' /C calc'!A0"] + [
    " =1+1",
    "  \t-2+3",
    "\u00a0=cmd()",
    "\u3000=x",
    "\ufeff@SUM(A1)",
    "\u200b+1",
    "\u2060\u200d=x",
    "' =1",
]


@pytest.mark.parametrize("dangerous", FORMULA_STARTS)
def test_formula_cells_are_neutralised(client, dangerous):
    TestimonyFactory(witness_label=dangerous, quote=dangerous)
    _, _, rows = export(client, "testimonies:testimony_export")
    assert rows[0]["witness_label"] == rows[0]["quote"] == "'" + dangerous


def test_the_formula_rule_is_the_one_the_data_dictionary_states():
    dictionary = " ".join((Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md").read_text().split())
    assert "begin with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed" in dictionary
    for start in ("=", "+", "-", "@", "\t", "\r", "\n"):
        assert neutralise_formula(start + "x") == "'" + start + "x", repr(start)


def test_neutralise_adds_exactly_one_apostrophe_and_looks_only_past_leading_apostrophes():
    # (Survivors of `make mutate`: rstrip for lstrip, and other characters stripped before the check.)
    assert neutralise_formula("'=1+1") == "''=1+1"
    assert neutralise_formula("X=1") == "X=1" and neutralise_formula("=1'") == "'=1'"


def trimmed_then_trigger(text: str) -> bool:
    """The rule spelled out step by step: past the apostrophes, a trigger at once or once every leading
    ignorable character is trimmed."""
    text = text.lstrip("'")
    trimmed = re.sub(r"^[\s\ufeff\u200b\u200c\u200d\u2060\u180e]+", "", text)
    return text.startswith(FORMULA_TRIGGERS) or trimmed.startswith(FORMULA_TRIGGERS)


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r\n \u00a0\u3000\ufeff\u200bx1"), max_size=8))
def test_the_one_pattern_follows_the_rule_step_by_step(text):
    # The export tests every text cell with one match (core.csv_export.FORMULA); " \tx" is plain text, "\tx" not.
    assert runs_as_formula(text) == trimmed_then_trigger(text), repr(text)


def test_neutralise_leaves_numbers_and_plain_text_alone():
    assert neutralise_formula(Decimal("-37.5")) == Decimal("-37.5")
    assert neutralise_formula(-3) == -3
    assert neutralise_formula("plain - text") == "plain - text"
    assert neutralise_formula(" plain") == " plain" and neutralise_formula("\u00a0x = 1") == "\u00a0x = 1"
    assert neutralise_formula(None) is None


def test_headers_bom_and_file_name(client, records):
    response, body, _ = export(client, "testimonies:testimony_export")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="testimonies-{today}.csv"'
    assert not body.startswith("\ufeff") and "\r\n" in body
    _, bom_body, rows = export(client, "testimonies:testimony_export", bom="1")
    assert bom_body.startswith("\ufeffid,") and len(rows) == 2


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("testimonies:testimony_export", {"witness_role": "nope"}),
        ("testimonies:testimony_export", {"date_after": "someday"}),
        ("sites:site_export", {"kind": "castle"}),
        ("units:unit_export", {"kind": "ghost"}),
        ("testimonies:source_export", {"kind": "oracle"}),
    ],
)
def test_invalid_filters_give_a_clear_400(client, records, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 400
    assert "Invalid filter parameters; nothing was exported." in response.content.decode()
    # The refusal names each filter it could not apply, one per line (a date range by the range's name).
    name, reason = response.content.decode().splitlines()[1].split(": ", 1)
    assert next(iter(params)).startswith(name) and reason


def test_unknown_parameters_and_paging_are_ignored(client, records):
    _, _, rows = export(client, "testimonies:testimony_export", page="7", per_page="1", utm_source="x")
    assert len(rows) == 2


def test_non_public_related_records_are_left_out_of_cells(client, records):
    SiteFactory(slug="draft-site", status="draft").testimonies.add(records["first"])
    hidden_source = SourceFactory(slug="hidden-source", status="withheld")
    CitationFactory(testimony=records["first"], publication=PublicationFactory(source=hidden_source))
    _, body, _ = export(client, "testimonies:testimony_export")
    assert "draft-site" not in body and "hidden-source" not in body


def test_data_dictionary_documents_every_column_and_is_current():
    from pathlib import Path

    from archive.management.commands.data_dictionary import EXPORTS, data_dictionary

    committed = (Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md").read_text()
    assert committed == data_dictionary(), "run: python manage.py data_dictionary > docs/data-dictionary.md"
    for file_name, _, _, columns in EXPORTS:
        section = committed.split(f"## {file_name}")[1].split("\n## ")[0]
        for column in columns:
            assert f"| `{column.name}` |" in section
            assert column.description


def test_a_unit_with_two_roles_at_a_site_is_listed_once(client, records):
    SiteUnitFactory(site=records["mine"], unit=records["unit"], role="held_soldiers_of")
    _, _, sites = export(client, "sites:site_export")
    mine = next(row for row in sites if row["slug"] == "mine")
    assert mine["unit_slugs"] == "battalion"
    assert set(mine["unit_roles"].split(MULTI_VALUE_SEPARATOR)) == {"battalion:operated", "battalion:held_soldiers_of"}
    _, _, units = export(client, "units:unit_export")
    assert next(row for row in units if row["slug"] == "battalion")["site_slugs"] == "mine"


def test_names_line_up_with_slugs(client, records):
    records["first"].sites.add(SiteFactory(slug="aaa-first", name="Zulu basement"))
    _, _, rows = export(client, "testimonies:testimony_export", site="mine")
    slugs, names = (
        rows[0]["site_slugs"].split(MULTI_VALUE_SEPARATOR),
        rows[0]["site_names"].split(MULTI_VALUE_SEPARATOR),
    )
    site_names = dict(Site.objects.values_list("slug", "name"))
    assert names == [site_names[slug] for slug in slugs]


@pytest.mark.django_db(transaction=True)
def test_an_export_reads_its_rows_in_a_transaction_of_its_own_that_ends_with_the_response():
    """On PostgreSQL a server-side cursor outside a transaction is declared WITH HOLD, and the whole result is then
    computed before the first row (core.csv_export.export_rows): the rows are read within a transaction, which a
    reader who goes away ends too."""
    from django.db import connection
    from django.test import Client

    TestimonyFactory.create_batch(3)
    on_postgresql = connection.vendor == "postgresql"
    for read_to_the_end in (True, False):
        response = Client().get(reverse("testimonies:testimony_export"))
        lines = iter(response.streaming_content)
        next(lines)  # the header, before any row is read
        next(lines)
        assert connection.in_atomic_block is on_postgresql
        if on_postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW idle_in_transaction_session_timeout")
                assert cursor.fetchone()[0] == "10min"
        if read_to_the_end:
            assert len(list(lines)) == 2
        response.close()
        assert not connection.in_atomic_block


def test_an_export_whose_query_cannot_be_built_fails_before_it_streams(client, monkeypatch):
    """The query is built in the view (core.csv_export.export_rows), so a column that cannot be computed is an error
    page (500), not a download of a header and nothing after a 200."""
    from django.core.exceptions import FieldError
    from django.db.models import F

    from core.csv_export import Column
    from testimonies.views import TestimonyExportView

    broken = [*TESTIMONY_COLUMNS, Column("broken", "A column of no field.", expression=F("no_such_field"))]
    monkeypatch.setattr(TestimonyExportView, "columns", broken)
    with pytest.raises(FieldError):
        client.get(reverse("testimonies:testimony_export"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")
def test_the_export_reads_a_testimonys_citations_from_one_index_alone(records):
    """Every cell of a testimony's citations comes from the index of its citations by testimony, which holds the
    columns they need: at 1,000,000 testimonies, reading the citations' table for them made a third of the export's
    reads from outside PostgreSQL's buffers (bench/RESULTS.md)."""
    from django.test import RequestFactory

    from core.csv_export import export_queryset
    from testimonies.models import Citation, Testimony
    from testimonies.views import TestimonyExportView

    # As in an archive, a publication is cited by many testimonies and a testimony cites few: a table of a few rows
    # leaves the planner to choose between the citations' indexes by chance (it took the one by publication in CI).
    citing = Testimony.objects.bulk_create(TestimonyFactory.build_batch(500))
    Citation.objects.bulk_create(
        Citation(testimony=testimony, publication=records["publication"], locator="p. 1") for testimony in citing
    )
    view = TestimonyExportView()
    view.setup(RequestFactory().get(reverse("testimonies:testimony_export")))
    rows = export_queryset(view.get_queryset(), TESTIMONY_COLUMNS)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE testimonies_citation")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few hundred rows would still be read from the table
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
    scans = [line.strip() for line in plan if re.search(r"Scan.* on testimonies_citation\b", line)]
    assert scans and all("Index Only Scan using citation_by_testimony on" in scan for scan in scans), scans


def test_record_numbers_in_a_cell_are_in_numeric_order(client):
    # 999999 before 1000000, which sort the other way as text.
    testimony = TestimonyFactory()
    smaller, larger = PublicationFactory(pk=999_999), PublicationFactory(pk=1_000_000)
    CitationFactory(pk=1_000_000, testimony=testimony, publication=smaller, locator="p. 1")
    CitationFactory(pk=999_999, testimony=testimony, publication=larger, locator="p. 2")
    _, _, (row,) = export(client, "testimonies:testimony_export")
    assert row["publication_ids"] == "999999; 1000000"
    # One item per citation, in the same order in each of their columns: by citation on PostgreSQL (SQLite joins
    # values in the order it reads the rows).
    ids, locators = row["citation_publication_ids"].split("; "), row["citation_locators"].split("; ")
    citations = list(zip(ids, locators, strict=True))
    assert sorted(citations) == [("1000000", "p. 2"), ("999999", "p. 1")]
    if connection.vendor == "postgresql":
        assert citations == [("1000000", "p. 2"), ("999999", "p. 1")]


@pytest.mark.parametrize(
    ("view_path", "translation_tables"),
    [
        ("testimonies.views.TestimonyExportView", ["testimonies_quotetranslation"]),
        ("sites.views.SiteExportView", ["sites_sitetranslation"]),
        ("units.views.UnitExportView", ["units_unittranslation"]),
        ("testimonies.views.SourceExportView", ["testimonies_sourcetranslation"]),
    ],
)
def test_an_export_reads_each_records_translations_once_per_row(view_path, translation_tables):
    """All languages, translators and machine marks of a record come from one subquery (core.csv_export.Packed):
    the testimony export's query had 34 SELECTs, one per cell, and has 15."""
    from django.utils.module_loading import import_string

    from core.csv_export import export_queryset

    view = import_string(view_path)
    sql = str(export_queryset(view.queryset.all(), view.columns).query)
    for table in translation_tables:
        assert sql.count(f'FROM "{table}"') == 1, table


def test_packed_cells_are_empty_without_related_records_and_under_limited_consent(client, records):
    """A testimony without units, citations or translations has empty cells, not the text of a neighbour's; one with
    limited consent shows its regions but no site, and a publication without a web address leaves no URL."""
    from testimonies.models import Consent

    limited = TestimonyFactory(sites=[records["mine"]], consent=Consent.LIMITED)
    CitationFactory(testimony=limited, publication=PublicationFactory(url=""))
    _, _, rows = export(client, "testimonies:testimony_export")
    by_id = {row["id"]: row for row in rows}
    second, limited_row = by_id[records["second"].public_id], by_id[limited.public_id]
    assert [second[name] for name in ("unit_slugs", "citation_locators", "quote_nl", "quote_nl_machine")] == [""] * 4
    assert second["site_slugs"] == "pit"
    assert (limited_row["site_slugs"], limited_row["site_names"]) == ("", "")
    assert limited_row["site_regions"] == records["mine"].region.name
    assert limited_row["publication_ids"] and limited_row["citation_urls"] == ""


def test_two_sets_of_cells_of_one_name_are_refused():
    # The second would silently replace the first in the query, and the first's columns show its cells.
    from django.core.exceptions import ImproperlyConfigured
    from django.db.models import OuterRef

    from core.csv_export import Column, JoinedText, Packed, export_queryset
    from testimonies.models import Testimony
    from units.models import Unit

    sites = Packed("links", Site.objects.filter(testimonies=OuterRef("pk")), {"site_slugs": JoinedText("slug")})
    units = Packed("links", Unit.objects.filter(testimonies=OuterRef("pk")), {"unit_slugs": JoinedText("slug")})
    columns = [
        Column("site_slugs", "Sites.", "list", packed=sites),
        Column("unit_slugs", "Units.", "list", packed=units),
    ]
    with pytest.raises(ImproperlyConfigured, match="csv_links"):
        export_queryset(Testimony.objects.all(), columns)
    assert export_queryset(Testimony.objects.all(), columns[:1]).query.annotations.keys() == {"csv_links"}
