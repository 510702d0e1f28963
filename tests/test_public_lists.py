"""Public list pages: each filter narrows, bad input never fails, pagination and page sizes stay in bounds."""

import datetime
import html
import re
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.curation import PublicationStatus
from sites.models import Site
from testimonies.models import Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PublicationFactory,
    SiteFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brigade = UnitFactory(name="5th Brigade", slug="fifth", kind=Unit.Kind.BRIGADE)
    battalion = UnitFactory(name="1st Battalion", slug="first-bn", kind=Unit.Kind.BATTALION, parent=brigade)
    mine = SiteFactory(
        name="Coal mine", slug="mine", region="Donetsk", kind=Site.Kind.COAL_MINE, territory="occupied_ukraine"
    )
    store = SiteFactory(
        name="Weapons store", slug="store", region="Nizhny Novgorod", kind=Site.Kind.WEAPONS_STORE, territory="russia"
    )
    beating = AbuseTypeFactory(name="Beating", slug="beating")
    starvation = AbuseTypeFactory(name="Starvation", slug="starvation")
    astra = SourceFactory(name="ASTRA", slug="astra")
    raam = SourceFactory(name="Platform Raam", slug="raam", kind="platform")
    chained = TestimonyFactory(
        witness_label="Former detainee A",
        quote="They hung us from the ceiling by chains.",
        translation="",
        sites=[mine],
        units=[brigade],
        abuse_types=[beating],
        events="2024-01-01/2024-02-01",
        given_on=datetime.date(2025, 1, 10),
    )
    relative = TestimonyFactory(
        witness_label="Family of a soldier",
        witness_role=Testimony.WitnessRole.RELATIVE,
        quote="Его держали в яме.",
        quote_language="ru",
        translation="They kept him in a pit.",
        sites=[store],
        units=[battalion],
        abuse_types=[starvation],
        events="2022-05-01",
        given_on=datetime.date(2025, 3, 1),
        verification=Testimony.Verification.CORROBORATED,
    )
    CitationFactory(testimony=chained, publication=PublicationFactory(source=astra))
    CitationFactory(testimony=relative, publication=PublicationFactory(source=raam))
    return {
        "chained": chained,
        "relative": relative,
        "mine": mine,
        "store": store,
        "brigade": brigade,
        "battalion": battalion,
        "astra": astra,
        "raam": raam,
    }


def listed(client, url_name, **params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response, list(response.context["object_list"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"chained", "relative"}),
        ({"site": "mine"}, {"chained"}),
        ({"unit": "first-bn"}, {"relative"}),
        ({"source": "astra"}, {"chained"}),
        ({"abuse_type": "starvation"}, {"relative"}),
        ({"region": "Nizhny Novgorod"}, {"relative"}),
        ({"witness_role": "relative"}, {"relative"}),
        ({"verification": "corroborated"}, {"relative"}),
        ({"date_after": "2023-06-01"}, {"chained"}),
        ({"date_before": "2023-01-01"}, {"relative"}),
        ({"date_after": "2024-01-15", "date_before": "2024-01-20"}, {"chained"}),
        ({"q": "ceiling"}, {"chained"}),
        ({"q": "pit"}, {"relative"}),
        ({"q": "яме"}, {"relative"}),
        ({"q": "family"}, {"relative"}),
        ({"site": "mine", "abuse_type": "starvation"}, set()),
    ],
)
def test_testimony_filters_narrow(client, world, params, expected):
    _, testimonies = listed(client, "testimonies:testimony_list", **params)
    assert {t.pk for t in testimonies} == {world[name].pk for name in expected}


def test_testimony_sorting(client, world):
    _, oldest_first = listed(client, "testimonies:testimony_list", sort="date")
    _, newest_first = listed(client, "testimonies:testimony_list", sort="-date")
    assert [t.pk for t in oldest_first] == [world["chained"].pk, world["relative"].pk]
    assert [t.pk for t in newest_first] == [world["relative"].pk, world["chained"].pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "Donetsk"}, {"mine"}),
        ({"territory": "russia"}, {"store"}),
        ({"kind": "coal_mine"}, {"mine"}),
        ({"q": "weapons"}, {"store"}),
    ],
)
def test_site_filters_narrow(client, world, params, expected):
    _, sites = listed(client, "sites:site_list", **params)
    assert {s.pk for s in sites} == {world[name].pk for name in expected}


def test_site_filter_by_unit(client, world):
    from tests.factories import SiteUnitFactory

    SiteUnitFactory(site=world["store"], unit=world["battalion"])
    _, sites = listed(client, "sites:site_list", unit="first-bn")
    assert sites == [world["store"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"kind": "battalion"}, {"battalion"}), ({"parent": "fifth"}, {"battalion"}), ({"q": "5th"}, {"brigade"})],
)
def test_unit_filters_narrow(client, world, params, expected):
    _, units = listed(client, "units:unit_list", **params)
    assert {u.pk for u in units} == {world[name].pk for name in expected}


def test_source_filter_by_kind(client, world):
    _, sources = listed(client, "testimonies:source_list", kind="platform")
    assert sources == [world["raam"]]


GARBAGE = [
    {"site": "no-such-site"},
    {"site": "' OR 1=1 --"},
    {"unit": "999999"},
    {"source": "<script>"},
    {"abuse_type": "x" * 500},
    {"region": "Atlantis"},
    {"witness_role": "king"},
    {"date_after": "yesterday"},
    {"date_before": "2024-13-45"},
    {"sort": "real_name"},
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999"},
    {"per_page": "lots"},
    {"per_page": "-5"},
    {"q": "\x00"},
]


@pytest.mark.parametrize(
    "url_name",
    ["testimonies:testimony_list", "sites:site_list", "units:unit_list", "testimonies:source_list", "sites:site_map"],
)
@pytest.mark.parametrize("params", GARBAGE)
def test_bad_parameters_give_a_normal_page(client, world, url_name, params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200


def test_invalid_filter_is_named_in_a_message_and_the_valid_ones_still_apply(client, world):
    response, testimonies = listed(client, "testimonies:testimony_list", witness_role="emperor", abuse_type="beating")
    assert testimonies == [world["chained"]]
    assert "“Witness role” was ignored" in response.content.decode()


def test_active_filters_are_shown_with_a_link_that_removes_them(client, world):
    response, _ = listed(client, "testimonies:testimony_list", site="mine", abuse_type="beating")
    chips = response.context["active_filters"]
    assert {chip["label"] for chip in chips} == {"Site", "Abuse"}
    site_chip = next(chip for chip in chips if chip["label"] == "Site")
    assert site_chip["remove_query"] == "abuse_type=beating"


def test_pagination_clamps_to_the_nearest_valid_page(client):
    TestimonyFactory.create_batch(30)
    response, page_one = listed(client, "testimonies:testimony_list", page="abc")
    assert response.context["page_obj"].number == 1 and len(page_one) == 25
    response, last = listed(client, "testimonies:testimony_list", page="999")
    assert response.context["page_obj"].number == 2 and len(last) == 5
    response, _ = listed(client, "testimonies:testimony_list", per_page="1000")
    assert response.context["paginator"].per_page == 100
    response, ten = listed(client, "testimonies:testimony_list", per_page="10", page="3")
    assert len(ten) == 10 and response.context["result_count"] == 30


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("testimonies:testimony_list", {}),
        ("testimonies:testimony_list", {"q": "underground"}),  # ranked by the search
        ("testimonies:testimony_list", {"sort": "witness"}),
        ("sites:site_list", {}),
        ("units:unit_list", {}),
    ],
)
def test_a_deep_page_reads_its_keys_first_and_lists_what_the_plain_slice_would(client, monkeypatch, url_name, params):
    factory = {"testimonies": TestimonyFactory, "sites": SiteFactory, "units": UnitFactory}[url_name.split(":")[0]]
    factory.create_batch(12)
    whole = [record.pk for record in listed(client, url_name, per_page="100", **params)[1]]
    monkeypatch.setattr("core.listing.KEYS_FIRST_FROM", 5)
    _, third = listed(client, url_name, per_page="5", page="3", **params)
    with CaptureQueriesContext(connection) as queries:
        _, second = listed(client, url_name, per_page="5", page="2", **params)
    assert len(whole) == 12 and [record.pk for record in second + third] == whole[5:]
    # The page's keys alone (one column), then its records by key: the skipped records are never built.
    table = factory._meta.model._meta.db_table
    pages = [query["sql"] for query in queries if "OFFSET 5" in query["sql"]]
    assert len(pages) == 1 and pages[0].startswith(f'SELECT "{table}"."id" AS "pk" FROM')


def test_a_lists_count_is_counted_once_per_publication_generation():
    from core.listing import bounded_count

    first, withheld = TestimonyFactory.create_batch(2)
    TestimonyFactory()
    with CaptureQueriesContext(connection) as counted:
        assert bounded_count(Testimony.objects.public()) == (3, False)
    with CaptureQueriesContext(connection) as read_again:
        assert bounded_count(Testimony.objects.public()) == (3, False)
    assert any("COUNT(" in query["sql"] for query in counted)
    assert not any("COUNT(" in query["sql"] for query in read_again)
    # Any write moves the generation on: the next reader counts again, never a number from before the write.
    Testimony.objects.filter(pk=withheld.pk).update(status=PublicationStatus.WITHHELD)
    assert bounded_count(Testimony.objects.public()) == (2, False)
    assert bounded_count(Testimony.objects.public().filter(pk=first.pk)) == (1, False)
    assert bounded_count(Testimony.objects.public().none()) == (0, False)


def test_an_estimated_count_shows_about_how_many_pages_and_no_last_page(client, monkeypatch):
    # What PostgreSQL's planner says of a list of 1,000,000 testimonies: the list says "about", and does not link
    # a last page that rests on an estimate (it may not exist).
    TestimonyFactory.create_batch(30)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: 849_953)
    html = client.get(reverse("testimonies:testimony_list")).content.decode()
    assert "Page 1 of about 34,000" in html or "Page 1 of about 34000" in html
    assert ">Last<" not in html and 'rel="next"' in html
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: None)
    html = client.get(reverse("testimonies:testimony_list"), {"per_page": "10"}).content.decode()
    assert "Page 1 of 3" in html and 'page=3">Last<' in html


def next_link(response) -> dict[str, str] | None:
    """The query of the page's Next link, if it has one."""
    found = re.search(r'<a href="\?([^"]*)" rel="next">', response.content.decode())
    return dict(parse_qsl(html.unescape(found.group(1)))) if found else None


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("testimonies:testimony_list", {}),
        ("testimonies:testimony_list", {"sort": "-witness", "q": "underground"}),
        ("sites:site_list", {}),
        ("units:unit_list", {}),
    ],
)
def test_past_the_exact_count_next_is_a_cursor_and_following_it_lists_every_record_once(
    client, monkeypatch, url_name, params
):
    factory = {"testimonies": TestimonyFactory, "sites": SiteFactory, "units": UnitFactory}[url_name.split(":")[0]]
    factory.create_batch(11)
    whole = [record.pk for record in listed(client, url_name, per_page="100", **params)[1]]
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 5)
    first = client.get(reverse(url_name), {**params, "per_page": "3"})
    assert next_link(first) == {**params, "per_page": "3", "page": "2"}  # records 1-3: within the exact count
    second = client.get(reverse(url_name), next_link(first))
    query = next_link(second)  # records 4-6 pass the fifth: the next page is read from the sixth by cursor
    assert set(query) == {*params, "per_page", "after"}
    seen = [record.pk for page in (first, second) for record in page.context["object_list"]]
    numbers = []
    while query:
        page = client.get(reverse(url_name), query)
        assert page.context["page_obj"].by_cursor and not page.context["page_obj"].has_previous()
        seen += [record.pk for record in page.context["object_list"]]
        numbers.append(page.context["page_obj"].number)
        query = next_link(page)
    assert seen == whole and numbers == [3, 4]
    last = page.content.decode()
    # Past the exact count PostgreSQL's is an estimate: "Page 4 of about ...".
    assert re.search(r"Page 4 of (about )?\d+", last) and ">First<" in last
    assert 'rel="prev"' not in last and ">Last<" not in last


def test_a_cursor_this_list_did_not_make_shows_the_first_page_with_a_notice(client, monkeypatch):
    TestimonyFactory.create_batch(8)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    url = reverse("testimonies:testimony_list")
    cursor = next_link(client.get(url, {"per_page": "3"}))["after"]
    notice = "The link to a later page was not made by this list with this order: here is the first page."
    for query in (
        {"after": "not-a-cursor"},
        {"after": cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")},  # a forged signature
        {"after": cursor, "sort": "witness"},  # made for another order
        {"after": cursor, "per_page": "2", "page": "x"},
    ):
        response = client.get(url, query)
        assert response.status_code == 200
        if query.get("per_page") == "2":
            # Another page size keeps the cursor's order: the records after it, as many as asked for, on a page
            # without a number (its number was of pages of three).
            assert response.context["page_obj"].by_cursor and len(response.context["object_list"]) == 2
            assert response.context["page_obj"].number is None
            assert "A later page" in response.content.decode()
            continue
        assert response.context["page_obj"].number == 1, query
        assert notice in response.content.decode(), query


def test_links_that_change_the_filters_drop_the_cursor(client, monkeypatch):
    TestimonyFactory.create_batch(8, abuse_types=[AbuseTypeFactory(slug="beating", name="Beating")])
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    url = reverse("testimonies:testimony_list")
    cursor = next_link(client.get(url, {"abuse_type": "beating", "per_page": "3"}))["after"]
    response = client.get(url, {"abuse_type": "beating", "per_page": "3", "after": cursor})
    page = response.content.decode()
    chip = response.context["active_filters"][0]["remove_query"]
    assert "after" not in chip and "after=" not in response.context["export_url"]
    links = re.findall(r'<a href="\?([^"]*)"([^>]*)>', html.unescape(page))
    assert links and cursor not in html.unescape(page)
    # The facets' links, the chips' and First start the list again; only Next carries a cursor, its own.
    assert [attributes for query, attributes in links if "after=" in query] == [' rel="next"']


def test_pagination_links_keep_the_filters(client):
    TestimonyFactory.create_batch(12, abuse_types=[AbuseTypeFactory(slug="beating", name="Beating")])
    response = client.get(reverse("testimonies:testimony_list"), {"abuse_type": "beating", "per_page": "10"})
    assert "?abuse_type=beating&amp;per_page=10&amp;page=2" in response.content.decode()


def test_list_page_links_to_the_export_with_the_same_filters(client, world):
    response = client.get(reverse("testimonies:testimony_list"), {"site": "mine", "page": "1", "per_page": "10"})
    assert response.context["export_url"] == "/export/testimonies.csv?site=mine&bom=1"


def test_export_link_leaves_out_the_filters_the_page_ignored(client, world):
    response = client.get(reverse("testimonies:testimony_list"), {"witness_role": "emperor", "abuse_type": "beating"})
    assert response.context["export_url"] == "/export/testimonies.csv?abuse_type=beating&bom=1"
    assert client.get(response.context["export_url"]).status_code == 200


def test_filter_choices_are_escaped_and_keep_the_selection(client):
    TestimonyFactory(sites=[SiteFactory(name='<script>alert("x")</script>', slug="xss-site", region='<b>"R"</b>')])
    TestimonyFactory(sites=[SiteFactory(name="Mine & pit", slug="mine-pit", region="Mine & pit region")])
    html = client.get(reverse("testimonies:testimony_list"), {"region": "Mine & pit region"}).content.decode()
    assert "<script>alert" not in html and "<b>" not in html
    # Regions are chosen by slug; a region's name, as older links give it, selects it too.
    assert '<option value="brb">&lt;b&gt;&quot;R&quot;&lt;/b&gt; (1)</option>' in html
    assert '<option value="mine-pit-region" selected>Mine &amp; pit region (1)</option>' in html
    html = client.get(reverse("testimonies:testimony_list")).content.decode()
    assert "<script>alert" not in html
    assert '<a href="?site=xss-site">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>' in html


@pytest.mark.parametrize("slug", ["hidden-kind", "no-such-kind"])
def test_an_abuse_type_the_public_cannot_see_lists_nothing(client, slug):
    from tests.factories import AbuseTypeFactory

    hidden = AbuseTypeFactory(slug="hidden-kind", status=PublicationStatus.DRAFT)
    TestimonyFactory(abuse_types=[hidden], witness_label="Witness of a hidden kind")
    response = client.get(reverse("testimonies:testimony_list"), {"abuse_type": slug})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert response.context["paginator"].count == 0
    assert b"Witness of a hidden kind" not in response.content
