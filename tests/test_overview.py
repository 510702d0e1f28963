"""The archive at a glance (/overview/, archive/overview.py): every chart's numbers against numbers counted by hand,
the filters of the testimony list, their errors, date precision, limited consent, hidden records, and the same
numbers in the page's tables, the CSV and the JSON."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.curation import PublicationStatus
from testimonies.models import Consent, Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PublicationFactory,
    RegionFactory,
    SiteFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

URL = "/overview/"
MARK = "Zqxhidden"
HIDDEN_STATUSES = [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD]


@pytest.fixture
def world():
    """Nine public testimonies whose numbers are counted by hand in the tests below."""
    mine = SiteFactory(name="Coal mine", slug="mine", region="Donetsk", kind="coal_mine")
    basement = SiteFactory(name="Basement", slug="basement", region="Kharkiv", kind="basement")
    store = SiteFactory(
        name="Weapons store", slug="store", region="Nizhny Novgorod", kind="weapons_store", territory="russia"
    )
    fifth, tenth = UnitFactory(name="5th Brigade", slug="fifth"), UnitFactory(name="10th Brigade", slug="tenth")
    beating = AbuseTypeFactory(name="Beating", slug="beating")
    starvation = AbuseTypeFactory(name="Starvation", slug="starvation")
    astra, raam = SourceFactory(slug="astra"), SourceFactory(slug="raam")
    t1 = TestimonyFactory(events="2024-03-05", sites=[mine], units=[fifth], abuse_types=[beating])
    CitationFactory(testimony=t1, publication=PublicationFactory(source=astra))
    t2 = TestimonyFactory(
        events="2024-03",
        sites=[mine, basement],
        units=[fifth, tenth],
        abuse_types=[beating, starvation],
        witness_role=Testimony.WitnessRole.RELATIVE,
        verification=Testimony.Verification.CORROBORATED,
    )
    CitationFactory(testimony=t2, publication=PublicationFactory(source=astra))
    CitationFactory(testimony=t2, publication=PublicationFactory(source=raam))
    TestimonyFactory(events="2024", sites=[basement], units=[tenth], witness_role=Testimony.WitnessRole.FELLOW_SOLDIER)
    TestimonyFactory(events="2023-11/2024-02", sites=[store], verification=Testimony.Verification.VERIFIED)
    TestimonyFactory(events="")
    TestimonyFactory(events="2024-05-01/2024-05-20")
    TestimonyFactory(events="2024-21")  # spring 2024: March to May, no single month
    limited = TestimonyFactory(events="2024-06-14", sites=[mine], consent=Consent.LIMITED)
    TestimonyFactory(events="2022-11/..")
    return {"mine": mine, "basement": basement, "store": store, "fifth": fifth, "limited": limited}


def numbers(client, query="") -> dict:
    """{chart id: {key: count}} and the total, from the JSON."""
    response = client.get(f"{URL}?format=json{'&' + query if query else ''}")
    assert response.status_code == 200, response.content
    data = response.json()
    counted = {chart["id"]: {row["key"]: row["count"] for row in chart["rows"]} for chart in data["charts"]}
    return {"total": data["total"], **counted}


def test_every_chart_counts_what_was_counted_by_hand(client, world):
    mine, basement, store = world["mine"], world["basement"], world["store"]
    counted = numbers(client)
    assert counted["total"] == 9
    # A month only for events within it; a year, a season or months of one year in the year's band; the rest apart.
    assert counted["months"] == {
        "2024-03": 2,
        "2024-05": 1,
        "2024-06": 1,
        "2024": 2,
        "across_years": 1,
        "open": 1,
        "undated": 1,
    }
    assert counted["regions"] == {mine.region.slug: 3, basement.region.slug: 2, store.region.slug: 1}
    # The limited-consent testimony is counted in its region, never at its site.
    assert counted["sites"] == {"mine": 2, "basement": 2, "store": 1}
    assert counted["units"] == {"fifth": 2, "tenth": 2}
    assert counted["abuse_types"] == {"beating": 2, "starvation": 1}
    assert counted["witness_roles"] == {
        "former_detainee": 7,
        "relative": 1,
        "fellow_soldier": 1,
        "volunteer": 0,
        "unit_insider": 0,
        "reporter": 0,
        "other": 0,
    }
    assert counted["verification"] == {"unverified": 0, "single_source": 7, "corroborated": 1, "verified": 1}
    assert counted["sources"] == {"1": 2, "2": 1}
    assert counted["site_kinds"] == {
        "occupied_ukraine/coal_mine": 1,
        "occupied_ukraine/basement": 1,
        "russia/weapons_store": 1,
    }


def test_the_filters_of_the_testimony_list_apply(client, world):
    region = world["mine"].region.slug
    counted = numbers(client, f"region={region}")
    assert counted["total"] == 3
    assert counted["months"] == {"2024-03": 2, "2024-06": 1}
    # The sites of the matching testimonies, never found through the one under limited consent.
    assert counted["site_kinds"] == {"occupied_ukraine/coal_mine": 1, "occupied_ukraine/basement": 1}
    assert numbers(client, "abuse_type=beating")["total"] == 2
    assert numbers(client, "unit=fifth")["units"] == {"fifth": 2, "tenth": 1}
    # The events may overlap March 2024: the two in March, the year 2024, spring 2024 and the open period.
    assert numbers(client, "date_after=2024-03-01&date_before=2024-03-31")["total"] == 5
    assert numbers(client, "min_sources=2")["total"] == 1
    assert numbers(client, "q=Witness&sort=-date")["total"] == 9
    # The list shows the same records.
    list_count = client.get(reverse("testimonies:testimony_list"), {"region": region}).context["result_count"]
    assert list_count == 3


def test_each_bar_links_to_the_list_of_what_it_counts(client, world):
    charts = {chart.slug: chart for chart in client.get(URL, {"unit": "fifth"}).context["charts"]}
    for slug in ("regions", "sites", "units", "abuse_types", "witness_roles", "verification", "sources"):
        for bar in charts[slug].bars:
            if slug == "units" and bar.key != "fifth":
                # Testimonies naming both units: no list shows them, so the bar has no link.
                assert bar.url == "" and bar.count == 1
                continue
            assert bar.url.startswith("/testimonies/?") and "unit=fifth" in bar.url, bar
            if slug in ("sites", "units", "abuse_types") and bar.count:
                response = client.get(bar.url)
                assert response.context["result_count"] == bar.count, bar
    [march] = charts["months"].bars
    assert "date_after=2024-03-01" in march.url and "date_before=2024-03-31" in march.url
    kinds = {bar.key: bar for bar in charts["site_kinds"].bars}
    assert set(kinds) == {"occupied_ukraine/coal_mine", "occupied_ukraine/basement"}
    kind = kinds["occupied_ukraine/coal_mine"]
    assert kind.url == "/sites/?territory=occupied_ukraine&kind=coal_mine"
    assert client.get(kind.url).context["result_count"] == kind.count


def test_the_page_draws_charts_with_titles_summaries_and_tables(client, world):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="chart-svg') == 9
    assert html.count('<table class="chart-table">') == 9
    assert "Testimonies per month of the events" in html and "Year only" in html
    assert "The longest bar: 5th Brigade, 2 of 9 testimonies." in html or "The longest bar: 10th Brigade" in html
    assert "2 of 9 testimonies are dated to a month or a year" not in html
    assert "6 of 9 testimonies are dated to a month or a year, from 2024 to 2024." in html
    # No style attribute anywhere (the policy forbids them), and no script.
    assert not re.search(r"\sstyle=", html) and "<style" not in html
    # The year band is drawn across the year, never as a month: one band, three months drawn.
    assert html.count('class="chart-band"') == 1
    assert (
        html.count('<rect class="chart-bar" x=') - sum(len(chart.bars) for chart in response.context["charts"][1:])
        == 3
    )


def test_labels_and_numbers_follow_the_interface_language(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get(URL).content.decode()
    assert "Донецк" in html and "Март 2024" in html
    counted = client.get(f"{URL}?format=json").json()
    regions = next(chart for chart in counted["charts"] if chart["id"] == "regions")
    assert regions["rows"][0]["label"].startswith("Донецк")


def test_large_numbers_are_formatted_for_the_reader(client, world):
    from django.utils import translation

    from archive.overview import number

    with translation.override("en"):
        assert number(12345) == "12,345"
    with translation.override("ru"):
        assert number(12345) == "12\xa0345"
    with translation.override("nl"):
        assert number(12345) == "12.345"


def test_a_bad_filter_is_explained_and_never_a_500(client, world):
    response = client.get(URL, {"witness_role": "nonsense", "unit": "fifth"})
    assert response.status_code == 200
    assert response.context["filter_errors"] and "Witness role" in response.context["filter_errors"][0]
    assert response.context["total"] == 2  # the valid filter still applies, as on the list
    csv_response = client.get(URL, {"format": "csv", "witness_role": "nonsense"})
    assert csv_response.status_code == 400 and b"witness_role" in csv_response.content
    json_response = client.get(URL, {"format": "json", "witness_role": "nonsense"})
    assert json_response.status_code == 400 and "witness_role" in json_response.json()["errors"]
    for query in (
        {"date_after": "2024-13-45"},
        {"min_sources": "many"},
        {"format": "xml"},
        {"format": "json", "page": "x"},
    ):
        assert client.get(URL, query).status_code in (200, 400), query
    assert client.get(URL, {"format": "xml"}).status_code == 400


def test_an_empty_result_says_so_instead_of_drawing_empty_axes(client, world):
    response = client.get(URL, {"q": "zzzznothing"})
    html = response.content.decode()
    assert response.status_code == 200 and "No public testimonies match these filters." in html
    assert "<svg" not in html
    assert numbers(client, "q=zzzznothing")["total"] == 0
    # A filter that can match nothing at all (an unknown site) is one too.
    assert numbers(client, "site=no-such-site&unit=no-such-unit")["total"] == 0


def test_the_csv_and_the_json_hold_the_numbers_of_the_tables(client, world):
    charts = client.get(URL).context["charts"]
    shown = {(chart.slug, row["key"]): row["count"] for chart in charts for row in chart.rows()}
    response = client.get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0] == {"chart": "total", "key": "", "label": "Public testimonies", "count": "9", "url": ""}
    assert {(row["chart"], row["key"]): int(row["count"]) for row in rows[1:]} == shown
    assert all(row["url"].startswith("http://testserver/") for row in rows[1:] if row["chart"] != "months")
    data = client.get(URL, {"format": "json"}).json()
    assert {(chart["id"], row["key"]): row["count"] for chart in data["charts"] for row in chart["rows"]} == shown
    assert data["total"] == 9 and data["filters"] == {}
    filtered = client.get(
        URL, {"format": "json", "unit": "fifth", "sort": "date", "utm": "x", "date_after": "2024-01-01"}
    )
    assert filtered.json()["filters"] == {"unit": "fifth", "date_after": "2024-01-01"}


def test_csv_cells_cannot_run_as_formulas(client, world):
    SiteFactory(name="=HYPERLINK(1)", slug="formula", region="Donetsk")
    TestimonyFactory(sites=[SiteFactory._meta.model.objects.get(slug="formula")])
    text = client.get(URL, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_hidden_records_never_change_a_count_a_bar_or_a_label(client, world, status):
    before_json = client.get(URL, {"format": "json"}).json()
    before_csv = client.get(URL, {"format": "csv"}).content
    mine = world["mine"]
    hidden_region = RegionFactory(name=f"{MARK} region", slug="zqxhidden-region", status=status)
    hidden_site = SiteFactory(name=f"{MARK} site", slug="zqxhidden-site", status=status, region="Donetsk")
    public_site_of_a_hidden_region = SiteFactory(name="Elsewhere", slug="elsewhere", region=f"{MARK} region")
    hidden_region.status = status
    hidden_region.save()
    hidden_unit = UnitFactory(name=f"{MARK} unit", slug="zqxhidden-unit", status=status)
    hidden_abuse = AbuseTypeFactory(name=f"{MARK} abuse", slug="zqxhidden-abuse", status=status)
    hidden_source = SourceFactory(name=f"{MARK} source", slug="zqxhidden-source", status=status)
    hidden_site.units.add(world["fifth"], through_defaults={"role": "operated"})
    first = Testimony.objects.public().get(events="2024-03-05")
    first.sites.add(hidden_site, public_site_of_a_hidden_region)
    first.units.add(hidden_unit)
    first.abuse_types.add(hidden_abuse)
    CitationFactory(testimony=first, publication=PublicationFactory(source=hidden_source))
    TestimonyFactory(
        status=status, events="2021-01", sites=[mine], units=[world["fifth"]], witness_label=f"{MARK} witness"
    )
    TestimonyFactory(events="2021-02", sites=[mine], consent=Consent.WITHDRAWN)
    after_json = client.get(URL, {"format": "json"}).json()
    # The one public change: the public site in a hidden region is a public site (of unknown region in the charts).
    kinds_before = next(chart for chart in before_json["charts"] if chart["id"] == "site_kinds")
    kinds_after = next(chart for chart in after_json["charts"] if chart["id"] == "site_kinds")
    assert sum(row["count"] for row in kinds_after["rows"]) == sum(row["count"] for row in kinds_before["rows"]) + 1
    for data in (before_json, after_json):
        data["charts"] = [chart for chart in data["charts"] if chart["id"] not in ("site_kinds",)]
    after_sites = next(chart for chart in after_json["charts"] if chart["id"] == "sites")
    after_sites["rows"] = [row for row in after_sites["rows"] if row["key"] != "elsewhere"]
    after_sites["summary"] = next(c for c in before_json["charts"] if c["id"] == "sites")["summary"]
    assert after_json == before_json
    html = client.get(URL).content.decode()
    text = html + client.get(URL, {"format": "csv"}).content.decode() + str(after_json)
    assert MARK not in text and MARK.lower() not in text
    assert before_csv.count(b"\n") + 1 == client.get(URL, {"format": "csv"}).content.count(b"\n")


def test_the_lists_and_the_home_page_link_to_the_charts(client, world):
    home = client.get("/").content.decode()
    assert 'href="/overview/"' in home
    listed = client.get(reverse("testimonies:testimony_list"), {"unit": "fifth", "page": "1"}).content.decode()
    assert 'href="/overview/?unit=fifth"' in listed and "See as charts" in listed
    sites = client.get(reverse("sites:site_list"), {"region": "donetsk", "kind": "basement"}).context
    assert sites["charts_url"] == "/overview/?region=donetsk"
    for name in ("units:unit_list", "testimonies:source_list", "units:person_list"):
        assert client.get(reverse(name)).context["charts_url"].startswith("/overview/")
    overview = client.get(URL, {"unit": "fifth"}).context
    assert overview["testimony_list_url"] == "/testimonies/?unit=fifth"
    assert overview["export_url"] == "/overview/?unit=fifth&format=csv&bom=1"


def build(size: int) -> None:
    """Testimonies of `size` sites, units, abuse types, months and sources."""
    for index in range(size):
        site = SiteFactory(region="Donetsk" if index % 2 else "Kharkiv")
        unit = UnitFactory()
        testimony = TestimonyFactory(
            events=f"{2020 + index % 5}-{1 + index % 12:02d}",
            sites=[site],
            units=[unit],
            abuse_types=[AbuseTypeFactory()],
        )
        CitationFactory(testimony=testimony)
        TestimonyFactory(events=f"{2020 + index % 5}", sites=[site], consent=Consent.LIMITED)


@pytest.mark.parametrize(
    "query", ["", "?region=donetsk&date_after=2021-01-01", "?format=csv", "?format=json&q=Witness"]
)
def test_the_query_count_does_not_grow_with_the_rows(client, query, django_assert_num_queries):
    from django.core.cache import cache

    build(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{URL}{query}").status_code == 200
    build(30)
    cache.clear()
    with django_assert_num_queries(len(small)):
        assert client.get(f"{URL}{query}").status_code == 200


def test_hostile_values_in_every_parameter_never_fail(client, world):
    from tests.test_security import HOSTILE_VALUES, MOST_HOSTILE, parameters

    names = parameters("archive:overview")
    queries = [dict.fromkeys(names, value) for value in HOSTILE_VALUES]
    queries += [{name: value} for value in MOST_HOSTILE for name in names]
    # The CSV checks the filters as the JSON does (archive.views.OverviewView.get).
    for output in ("html", "json"):
        for query in queries:
            response = client.get(URL, {**query, "format": output})
            expected = (200,) if output == "html" else (200, 400)
            assert response.status_code in expected, (output, query, response.status_code)
    for value in MOST_HOSTILE:
        assert client.get(URL, {"format": value}).status_code == 400


def test_site_unit_and_person_pages_show_when_their_testimonies_happened(client, world):
    from tests.factories import PersonFactory, TestimonyPersonFactory

    person = PersonFactory(slug="korchagin")
    TestimonyPersonFactory(testimony=world["limited"], person=person)
    TestimonyPersonFactory(testimony=Testimony.objects.get(events="2024"), person=person)
    mine = client.get(world["mine"].get_absolute_url())
    html = mine.content.decode()
    # Two testimonies in March 2024 at the mine; the one under limited consent is not shown at its site.
    assert "When the events of its testimonies happened" in html
    assert html.count('<rect class="chart-bar"') == 1 and "March 2024: 2" in html and "June 2024" not in html
    assert 'href="/testimonies/?site=mine&amp;date_after=2024-03-01&amp;date_before=2024-03-31"' in html
    fifth = client.get(world["fifth"].get_absolute_url()).content.decode()
    assert "March 2024: 2" in fifth and 'href="/testimonies/?unit=fifth&amp;date_after=2024-03-01' in fifth
    # A person named in a testimony under limited consent: by the month, never the day.
    named = client.get(person.get_absolute_url()).content.decode()
    assert "June 2024: 1" in named and "2024, month not known or several months: 1" in named
    assert "2024-06-14" not in named and "June 14" not in named
    # The periods of its site–unit links and postings, on the same time axis, in the table with their pages.
    from tests.factories import PostingFactory, SiteUnitFactory

    mine, fifth = world["mine"], world["fifth"]
    SiteUnitFactory(site=mine, unit=fifth, period="2023-05/2024-02", publication=PublicationFactory())
    PostingFactory(person=person, unit=world["fifth"], period="2024-01/..", publication=PublicationFactory())
    SiteUnitFactory(site=world["mine"], unit=UnitFactory(name="Undated"), publication=PublicationFactory())
    html = client.get(world["mine"].get_absolute_url()).content.decode()
    assert "Its testimonies and periods over time" in html
    assert '<rect class="chart-span" ' in html and "5th Brigade (operated the site): May 2023" in html
    assert html.count('class="chart-span') == 1  # the undated link is in the table only
    assert "Undated (operated the site)" in html and "period not recorded" in html
    named = client.get(person.get_absolute_url()).content.decode()
    assert 'class="chart-span chart-span-open"' in named  # an open end runs to the edge, dashed
    unit_page = client.get(world["fifth"].get_absolute_url()).content.decode()
    assert "Coal mine (operated the site)" in unit_page and named.count('class="chart-span') == 1
    assert unit_page.count('class="chart-span') == 2

    # Nothing to draw (a period across the end of a year only, or no testimony): no chart.
    assert "When the events" not in client.get(world["store"].get_absolute_url()).content.decode()
    assert "When the events" not in client.get(UnitFactory(slug="quiet").get_absolute_url()).content.decode()
