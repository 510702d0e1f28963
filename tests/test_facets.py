"""Facets: each filter of a list says how many public records each choice would give under the other filters."""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation
from psycopg.adapt import PyFormat
from psycopg.types.array import ListBinaryDumper

from core.curation import PublicationStatus, set_status
from core.listing import EXACT_COUNT_UP_TO, about, filters_key
from core.lookups import BinaryArray
from testimonies.models import Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PublicationFactory,
    RegionFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def facet(response, name) -> dict[str, int]:
    entry = next(entry for entry in response.context["filter_fields"] if entry["field"].name == name)
    return {choice.value: choice.count for choice in entry["choices"]}


@pytest.fixture
def world():
    mine = SiteFactory(name="Coal mine", slug="mine", region="Donetsk")
    pit = SiteFactory(name="Pit", slug="pit", region="Luhansk")
    beating = AbuseTypeFactory(name="Beating", slug="beating")
    cold = AbuseTypeFactory(name="Cold water", slug="cold-water")
    brigade = UnitFactory(name="5th Brigade", slug="5th")
    TestimonyFactory(sites=[mine], abuse_types=[beating], units=[brigade])
    TestimonyFactory(sites=[mine], abuse_types=[beating, cold])
    TestimonyFactory(sites=[mine], abuse_types=[cold], witness_role=Testimony.WitnessRole.RELATIVE)
    TestimonyFactory(sites=[pit], abuse_types=[beating])
    return {"mine": mine, "pit": pit, "beating": beating, "cold": cold, "brigade": brigade}


def test_each_facet_counts_its_choices_most_frequent_first(client, world):
    response = client.get(reverse("testimonies:testimony_list"))
    assert list(facet(response, "site").items()) == [("mine", 3), ("pit", 1)]
    assert facet(response, "abuse_type") == {"beating": 3, "cold-water": 2}
    assert facet(response, "region") == {"donetsk": 3, "luhansk": 1}
    assert facet(response, "witness_role") == {"former_detainee": 3, "relative": 1}
    assert facet(response, "unit") == {"5th": 1}


def test_a_facet_counts_under_the_other_active_filters_but_not_its_own(client, world):
    response = client.get(reverse("testimonies:testimony_list"), {"abuse_type": "cold-water"})
    assert facet(response, "site") == {"mine": 2}
    assert facet(response, "abuse_type") == {"beating": 3, "cold-water": 2}
    assert facet(response, "witness_role") == {"former_detainee": 1, "relative": 1}
    response = client.get(reverse("testimonies:testimony_list"), {"site": "pit"})
    assert facet(response, "abuse_type") == {"beating": 1}
    assert response.context["result_count"] == 1


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_hidden_records_never_count_nor_appear_as_choices(client, world, status):
    hidden_site = SiteFactory(name="Hidden quarry", slug="hidden-quarry", region="Hiddenregion", status=status)
    hidden_source = SourceFactory(name="Hidden outlet", slug="hidden-outlet", status=status)
    TestimonyFactory(sites=[world["mine"], hidden_site], abuse_types=[world["beating"]], status=status)
    public = TestimonyFactory(sites=[hidden_site])
    CitationFactory(testimony=public, publication=PublicationFactory(source=hidden_source))
    response = client.get(reverse("testimonies:testimony_list"))
    assert facet(response, "site") == {"mine": 3, "pit": 1}
    assert facet(response, "abuse_type") == {"beating": 3, "cold-water": 2}
    assert "Hiddenregion" not in facet(response, "region")
    assert facet(response, "source") == {}
    html = response.content.decode()
    assert "hidden-quarry" not in html and "Hidden quarry" not in html and "Hidden outlet" not in html


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_a_hidden_region_of_a_public_site_is_never_a_choice(client, world, status):
    region = RegionFactory(name="Secretregion", slug="secretregion", status=status)
    TestimonyFactory(sites=[SiteFactory(name="Quarry", slug="quarry", region=region)])
    response = client.get(reverse("testimonies:testimony_list"))
    assert facet(response, "site")["quarry"] == 1
    assert facet(response, "region") == {"donetsk": 3, "luhansk": 1}
    assert "Secretregion" not in response.content.decode()


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_the_site_list_counts_public_sites_by_public_region_only(client, world, status):
    hidden = RegionFactory(name="Secretregion", slug="secretregion", status=status)
    SiteFactory(name="Quarry", slug="quarry", region=hidden)
    SiteFactory(name="Draft pit", slug="draft-pit", region=world["mine"].region, status=PublicationStatus.DRAFT)
    expected = {"donetsk": 1, "luhansk": 1}
    for url in (reverse("sites:site_list"), reverse("sites:site_map")):
        response = client.get(url)
        assert facet(response, "region") == expected
        assert "Secretregion" not in response.content.decode()


def test_counts_follow_a_withholding_at_the_next_request(client, world):
    url = reverse("testimonies:testimony_list")
    assert facet(client.get(url), "site")["mine"] == 3
    reviewer = UserFactory(is_superuser=True)
    first = Testimony.objects.filter(sites=world["mine"]).first()
    set_status(Testimony.objects.filter(pk=first.pk), PublicationStatus.WITHHELD, reviewer)
    response = client.get(url)
    assert facet(response, "site")["mine"] == 2
    assert response.context["result_count"] == 3


def test_large_vocabularies_are_a_text_box_with_the_most_frequent_choices_as_links(client):
    sites = [SiteFactory(name=f"Basement {number:02}", slug=f"basement-{number}") for number in range(12)]
    for number, site in enumerate(sites):
        for _ in range(number % 3 + 1):
            TestimonyFactory(sites=[site])
    response = client.get(reverse("testimonies:testimony_list"))
    html = response.content.decode()
    assert '<select name="site"' not in html
    assert 'data-suggest="site"' in html
    links = facet(response, "site")
    assert len(links) == 8 and set(links.values()) == {3, 2}
    assert 'href="?site=basement-2"' in html


def test_small_vocabularies_offer_only_choices_that_give_results_with_their_counts(client, world):
    html = client.get(reverse("testimonies:testimony_list"), {"site": "mine"}).content.decode()
    assert '<option value="beating">Beating (2)</option>' in html
    assert '<option value="cold-water">Cold water (2)</option>' in html
    assert 'value="verified"' not in html


def test_a_site_is_chosen_by_slug_or_by_a_name_typed_in_any_script(client, world):
    url = reverse("testimonies:testimony_list")
    by_slug = client.get(url, {"site": "mine"})
    assert by_slug.context["result_count"] == 3
    assert {"label": "Site", "value": "Coal mine"}.items() <= by_slug.context["active_filters"][0].items()
    assert client.get(url, {"site": "coal"}).context["result_count"] == 3
    assert client.get(url, {"site": "Pi"}).context["result_count"] == 1
    nothing = client.get(url, {"site": "no-such-site"})
    assert nothing.status_code == 200 and nothing.context["result_count"] == 0
    assert not nothing.context["filter_errors"]


def test_site_list_facets_count_sites_by_unit_region_and_kind(client, world):
    SiteUnitFactory(site=world["mine"], unit=world["brigade"])
    SiteUnitFactory(site=world["pit"], unit=world["brigade"])
    response = client.get(reverse("sites:site_list"), {"region": "Donetsk"})
    assert facet(response, "unit") == {"5th": 1}
    assert facet(response, "region") == {"donetsk": 1, "luhansk": 1}
    assert response.context["result_count"] == 1


def test_unit_list_facets_count_sub_units_by_public_parent(client):
    parent = UnitFactory(name="123rd Brigade", slug="123rd")
    UnitFactory(parent=parent, kind="battalion")
    UnitFactory(parent=parent, kind="battalion")
    UnitFactory(parent=UnitFactory(status=PublicationStatus.DRAFT, slug="draft-parent"))
    response = client.get(reverse("units:unit_list"))
    assert facet(response, "parent") == {"123rd": 2}
    assert facet(response, "kind") == {"brigade": 2, "battalion": 2}


def test_large_counts_are_shown_as_estimates_rounded_to_two_digits():
    assert about(34_127) == 34_000
    assert about(9_940) == 9_900
    assert about(87) == 87
    assert EXACT_COUNT_UP_TO == 10_000


def test_a_count_past_the_exact_bound_is_an_estimate_on_postgresql(client, world, monkeypatch):
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    response = client.get(reverse("testimonies:testimony_list"))
    estimated = connection.vendor == "postgresql"
    assert response.context["result_count_is_estimate"] is estimated
    assert bool(re.search(r"about [\d,]+ results", response.content.decode())) is estimated
    if not estimated:
        assert response.context["result_count"] == 4


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"abuse_type": "cold-water"},
        {"site": "mine", "abuse_type": "beating"},
        {"q": "mine", "witness_role": "relative"},
        {"region": "Donetsk", "unit": "5th", "abuse_type": "nonsense"},
        {"q": "coal", "region": "luhansk", "date_after": "2020-01-01", "sort": "-date"},
    ],
)
def test_facets_count_what_a_filter_set_without_the_facets_own_filter_lists(client, world, params):
    """The facets clean the page's form once and share the filters no facet owns (core.listing): each count is
    the one a filter set of the page's parameters minus the facet's own would give, built afresh per facet."""
    from core.facets import Sample
    from testimonies.filters import TestimonyFilter

    response = client.get(reverse("testimonies:testimony_list"), params)
    for declared in TestimonyFilter.facets:
        others = {key: value for key, value in params.items() if key != declared.name}
        records = TestimonyFilter(others or None, queryset=Testimony.objects.public()).qs
        expected = declared.choices(Sample(records, (declared.field,) if declared.field else ()))
        assert facet(response, declared.name) == {choice.value: choice.count for choice in expected}, declared.name


def test_past_the_sample_size_facets_count_the_records_added_last_and_say_so(client, world, monkeypatch):
    monkeypatch.setattr("core.facets.SAMPLE_SIZE", 3)
    hidden = SiteFactory(name="Hidden quarry", slug="hidden-quarry", status=PublicationStatus.DRAFT)
    TestimonyFactory(sites=[world["pit"], hidden], status=PublicationStatus.REVIEW)  # added last, never counted
    response = client.get(reverse("testimonies:testimony_list"))
    # The three public testimonies added last: the first one (the brigade's) is not counted.
    assert facet(response, "site") == {"mine": 2, "pit": 1}
    assert facet(response, "unit") == {}
    assert facet(response, "witness_role") == {"former_detainee": 2, "relative": 1}
    assert response.context["facet_sample"] == 3
    assert response.context["result_count"] == 4
    html = response.content.decode()
    assert "Where a filter has more results than 3, its counts are of the 3 added last." in html
    # A select still offers every choice: those the sample did not hold, without a count.
    assert '<option value="former_detainee">Former detainee (2)</option>' in html
    assert '<option value="volunteer">Volunteer</option>' in html
    assert "hidden-quarry" not in html


def test_up_to_the_sample_size_facets_count_every_record(client, world, monkeypatch):
    monkeypatch.setattr("core.facets.SAMPLE_SIZE", 4)
    response = client.get(reverse("testimonies:testimony_list"))
    assert facet(response, "site") == {"mine": 3, "pit": 1}
    assert facet(response, "unit") == {"5th": 1}
    assert response.context["facet_sample"] is None
    html = response.content.decode()
    assert "added last" not in html
    assert 'value="volunteer"' not in html


def test_a_sampled_facet_keeps_the_chosen_value_selected_without_a_count(client, world, monkeypatch):
    monkeypatch.setattr("core.facets.SAMPLE_SIZE", 1)
    response = client.get(reverse("testimonies:testimony_list"), {"witness_role": "volunteer"})
    html = response.content.decode()
    assert '<option value="volunteer" selected>Volunteer</option>' in html
    assert "Volunteer (0)" not in html
    assert response.context["result_count"] == 0


def test_facets_under_the_same_filters_share_their_records_and_read_them_once(world):
    from core.listing import records_per_facet
    from testimonies.filters import TestimonyFilter

    def distinct_records(params):
        filterset = TestimonyFilter(params, queryset=Testimony.objects.public())
        return len({id(records) for records in records_per_facet(filterset).values()})

    assert distinct_records({}) == 1
    assert distinct_records({"q": "mine", "page": "2"}) == 1
    # Each facet but the site's is counted under the site filter; the site's, without it.
    assert distinct_records({"site": "mine"}) == 2
    assert distinct_records({"site": "mine", "abuse_type": "beating"}) == 3


def test_records_among_keys_are_one_parameter_on_postgresql_and_the_same_records_everywhere(world):
    from django.test.utils import CaptureQueriesContext

    keys = list(Testimony.objects.order_by("pk").values_list("pk", flat=True))
    chosen = [keys[0], keys[2], 10**9]
    with CaptureQueriesContext(connection) as queries:
        found = list(Testimony.objects.filter(pk__any_of=chosen).values_list("pk", flat=True))
    assert sorted(found) == [keys[0], keys[2]]
    assert list(Testimony.objects.filter(pk__any_of=[])) == []
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]
        # Integers go as a binary array (core.lookups.BinaryArray); other values as psycopg writes a list.
        _sql, params = Testimony.objects.filter(pk__any_of=chosen).query.sql_with_params()
        assert type(params[-1]) is BinaryArray and params[-1] == chosen
        connection.ensure_connection()
        assert connection.connection.adapters.get_dumper(BinaryArray, PyFormat.AUTO) is ListBinaryDumper
        _sql, params = Testimony.objects.filter(witness_label__any_of=["a", "b"]).query.sql_with_params()
        assert type(params[-1]) is list
        assert list(Testimony.objects.filter(witness_label__any_of=["a"])) == []


def test_the_facets_read_the_records_once_and_take_their_keys_as_they_are(world):
    """One query reads the sample's keys with the records' own values the facets count (the witness role, the
    verification); each facet of related records reads its link rows by those keys, without looking each record
    up again, except the site facet, which reads their consent."""
    from django.test.utils import CaptureQueriesContext

    from core.facets import count_facets
    from core.listing import records_per_facet
    from testimonies.filters import TestimonyFilter

    filterset = TestimonyFilter({}, queryset=Testimony.objects.public())
    with CaptureQueriesContext(connection) as queries:
        facets = count_facets(TestimonyFilter.facets, records_per_facet(filterset))
    statements = [query["sql"] for query in queries]
    read_testimonies = [sql for sql in statements if 'FROM "testimonies_testimony" WHERE' in sql]
    assert len(read_testimonies) == 1 and '"witness_role"' in read_testimonies[0]
    assert not any('GROUP BY "testimonies_testimony"' in sql for sql in statements)
    unit_counts = next(sql for sql in statements if 'FROM "testimonies_testimony_units"' in sql)
    assert '"testimonies_testimony" ' not in unit_counts
    site_counts = next(sql for sql in statements if '"site__slug"' in sql)
    assert '"consent"' in site_counts
    assert {choice.value: choice.count for choice in facets["witness_role"].choices} == {
        "former_detainee": 3,
        "relative": 1,
    }
    assert {choice.value: choice.count for choice in facets["unit"].choices} == {"5th": 1}


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_a_sample_holds_public_records_only_whatever_it_was_given(world, status):
    """The facets take a sample's keys as they are, so the sample itself keeps to the public records."""
    from core.facets import Sample

    hidden = TestimonyFactory(sites=[world["mine"]], status=status)
    sample = Sample(Testimony.objects.all(), ("witness_role",))
    assert hidden.pk not in sample.keys and len(sample) == 4
    assert sample.values("witness_role").count("relative") == 1


def test_keys_are_taken_whole_and_through_a_foreign_key(world):
    from core.lookups import Keys

    keys = Keys(Testimony.objects.order_by("pk").values_list("pk", flat=True)[:2])
    assert keys.integers and len(keys) == 2
    assert sorted(Testimony.objects.filter(pk__any_of=keys).values_list("pk", flat=True)) == list(keys)
    links = Testimony.sites.through.objects.filter(testimony__any_of=keys)
    assert sorted({link.testimony_id for link in links}) == list(keys)
    assert not Keys(["a"]).integers


def test_a_list_that_matches_nothing_counts_no_facet(world):
    from django.test.utils import CaptureQueriesContext

    from core.facets import count_facets
    from core.listing import records_per_facet
    from testimonies.filters import TestimonyFilter

    def counted(params):
        filterset = TestimonyFilter(params, queryset=Testimony.objects.public())
        with CaptureQueriesContext(connection) as queries:
            facets = count_facets(TestimonyFilter.facets, records_per_facet(filterset))
        return facets, [query["sql"] for query in queries]

    facets, queries = counted({"q": "mine"})
    assert any("COUNT(" in sql for sql in queries)
    assert {choice.value: choice.count for choice in facets["site"].choices} == {"mine": 3}

    facets, queries = counted({"q": "nothing matches this"})
    # The sample only (one read per set of records), none found: no facet counts anything.
    assert queries and not any("COUNT(" in sql for sql in queries)
    assert all(counts.choices == [] and counts.sample is None for counts in facets.values())


def test_the_cache_key_of_a_filter_set_ignores_their_order_and_the_presentation_but_not_the_language():
    def key(query: str, language: str = "en") -> str:
        with translation.override(language):
            return filters_key(QueryDict(query), ignored=("page", "sort"))

    assert key("q=mine&region=donetsk&page=3") == key("region=donetsk&sort=name&q=mine")
    assert key("unit=a&unit=b") == key("unit=b&unit=a")
    assert len({key("q=mine"), key("q=mine", "ru"), key("q=mines"), key("")}) == 4
