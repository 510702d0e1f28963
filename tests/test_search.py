"""Text search: full-text with stemming and ranking on PostgreSQL, `icontains` on SQLite, kept current."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.curation import PublicationStatus, set_status
from core.search import RANKED_MATCHES
from testimonies.models import Testimony
from tests.admin_forms import admin_url, form_data
from tests.factories import CitationFactory, SiteFactory, TestimonyFactory, UnitFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


def found(client, **params):
    response = client.get(reverse("testimonies:testimony_list"), params)
    return [testimony.pk for testimony in response.context["object_list"]]


@pytest.fixture
def accounts():
    return {
        "pit": TestimonyFactory(
            quote="Нас держали в яме три дня.",
            quote_language="ru",
            translation="They kept us in a pit for three days.",
        ),
        "mine": TestimonyFactory(quote="In the coal mine they hung us from the ceiling by chains."),
    }


@pytest.mark.parametrize(("word", "expected"), [("pit", "pit"), ("яме", "pit"), ("ceiling", "mine")])
def test_search_finds_a_word_of_the_quote_or_translation(client, accounts, word, expected):
    assert found(client, q=word) == [accounts[expected].pk]


def test_search_never_finds_a_non_public_testimony(client, accounts):
    TestimonyFactory(status=PublicationStatus.DRAFT, quote="ceiling of the draft")
    assert found(client, q="ceiling") == [accounts["mine"].pk]


@postgresql_only
def test_full_text_search_stems_russian_and_english(client, accounts):
    assert found(client, q="яма") == [accounts["pit"].pk]
    assert found(client, q="chain") == [accounts["mine"].pk]


@postgresql_only
def test_exact_phrase_ranks_first(client):
    scattered = TestimonyFactory(quote="Chains everywhere. They hung lamps from the ceiling, and us from hooks.")
    exact = TestimonyFactory(quote="They hung us from the ceiling by chains.")
    assert found(client, q="hung us from the ceiling")[:2] == [exact.pk, scattered.pk]


def test_site_and_unit_lists_search_names(client):
    SiteFactory(name="Petrovskaya coal mine", slug="petrovskaya")
    UnitFactory(name="272nd Motorized Rifle Regiment", slug="272nd")
    sites = client.get(reverse("sites:site_list"), {"q": "Petrovskaya"}).context["object_list"]
    units = client.get(reverse("units:unit_list"), {"q": "Regiment"}).context["object_list"]
    assert [site.slug for site in sites] == ["petrovskaya"] and [unit.slug for unit in units] == ["272nd"]


def test_search_vector_stays_current_after_an_admin_edit(client, superuser):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT, quote="Obsolete wording only.")
    CitationFactory(testimony=testimony)  # publishing needs a public publication
    client.force_login(superuser)
    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    data["quote"] = ["They soaked us with cold water every night."]
    data["status"] = ["published"]
    assert client.post(url, data).status_code == 302
    assert found(client, q="soaked") == [testimony.pk]
    assert found(client, q="Obsolete") == []


def test_search_vector_stays_current_after_a_bulk_status_change(client, superuser):
    draft = TestimonyFactory(status=PublicationStatus.DRAFT, quote="Electric wires on the field telephone.")
    CitationFactory(testimony=draft)
    set_status(Testimony.objects.filter(pk=draft.pk), PublicationStatus.PUBLISHED, superuser)
    assert found(client, q="telephone") == [draft.pk]


def test_bulk_created_records_are_searchable(client):
    Testimony.objects.bulk_create(
        [
            Testimony(
                witness_label="Bulk",
                witness_role="other",
                quote="Imported about a basement in Horlivka.",
                status=PublicationStatus.PUBLISHED,
            )
        ]
    )
    assert len(found(client, q="Horlivka")) == 1


def test_admin_search_uses_the_same_search(client, superuser, accounts):
    client.force_login(superuser)
    response = client.get(admin_url(Testimony, "changelist"), {"q": "ceiling"})
    assert [t.pk for t in response.context["cl"].result_list] == [accounts["mine"].pk]


@pytest.fixture
def kettle_archive():
    """Testimonies that the word "kettle" finds in every way a testimony can be found, and some it must not find."""
    from testimonies.models import Consent
    from tests.factories import PersonFactory, SourceFactory, TestimonyPersonFactory

    draft = PublicationStatus.DRAFT
    found_by = {
        "own text": TestimonyFactory(quote="They called the cellar the kettle."),
        "site": TestimonyFactory(sites=[SiteFactory(name="Kettle basement")]),
        "unit": TestimonyFactory(units=[UnitFactory(name="Kettle battalion")]),
        "source": CitationFactory(publication__source=SourceFactory(name="Kettle Weekly")).testimony,
        "person": TestimonyPersonFactory(person=PersonFactory(name="Ivan Kettle")).testimony,
    }
    missed_by = {
        "a draft site": TestimonyFactory(sites=[SiteFactory(name="Kettle pit", status=draft)]),
        "a draft unit": TestimonyFactory(units=[UnitFactory(name="Kettle company", status=draft)]),
        "a draft source": CitationFactory(
            publication__source=SourceFactory(name="Kettle News", status=draft)
        ).testimony,
        "a draft person": TestimonyPersonFactory(person=PersonFactory(name="Petr Kettle", status=draft)).testimony,
        "a limited consent's site": TestimonyFactory(
            consent=Consent.LIMITED, sites=[SiteFactory(name="Kettle cellar")]
        ),
        "a draft testimony": TestimonyFactory(quote="The kettle again.", status=draft),
        "another word": TestimonyFactory(quote="A cellar under the school."),
    }
    return found_by, missed_by


def test_a_common_word_finds_the_same_testimonies_row_by_row(kettle_archive, monkeypatch):
    """A word found in much of the archive is tested row by row (`common`) instead of listed first; both forms
    find exactly the same public testimonies, and neither finds one through a hidden record's name."""
    import core.search

    found_by, missed_by = kettle_archive
    public = Testimony.objects.public()
    expected = {testimony.pk for testimony in found_by.values()}
    listed = set(public.filter(public.match_condition("kettle")).values_list("pk", flat=True))
    row_by_row = set(public.filter(public.match_condition("kettle", common=True)).values_list("pk", flat=True))
    assert listed == row_by_row == expected
    # search() takes the row-by-row form for a common word (by PostgreSQL's estimates; never on SQLite).
    monkeypatch.setattr(core.search, "COMMON_MATCHES", 0)
    monkeypatch.setattr(core.search, "COMMON_SHARE", 0)
    assert set(public.search("kettle").values_list("pk", flat=True)) == expected
    assert not expected & {testimony.pk for testimony in missed_by.values()}


def test_the_list_of_a_common_word_is_in_the_usual_order_and_counted(client, kettle_archive, monkeypatch):
    import core.search

    found_by, _ = kettle_archive
    monkeypatch.setattr(core.search, "COMMON_MATCHES", 0)
    monkeypatch.setattr(core.search, "COMMON_SHARE", 0)
    response = client.get(reverse("testimonies:testimony_list"), {"q": "kettle"})
    listed = [testimony.pk for testimony in response.context["object_list"]]
    usual_order = Testimony.objects.for_public_list().filter(pk__in=[t.pk for t in found_by.values()])
    assert listed == [testimony.pk for testimony in usual_order]
    assert response.context["paginator"].count == len(found_by)


def test_a_common_word_is_counted_from_the_list_of_its_matches_and_paged_row_by_row(
    client, kettle_archive, monkeypatch
):
    """Counting row by row would test every public record; the count and the facets read the indexes' list of
    ids instead (core.search.EitherForm), and the page stays row by row, in the usual order."""
    import core.search

    found_by, _ = kettle_archive
    monkeypatch.setattr(core.search, "COMMON_MATCHES", 0)
    monkeypatch.setattr(core.search, "COMMON_SHARE", 0)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("testimonies:testimony_list"), {"q": "kettle"})
    assert response.context["paginator"].count == len(found_by)
    searches = [query["sql"] for query in queries.captured_queries if "testimonies_testimony_sites" in query["sql"]]
    counts = [sql for sql in searches if sql.startswith("SELECT COUNT(*)")]
    pages = [sql for sql in searches if sql.startswith('SELECT "testimonies_testimony"."id"') and "LIMIT" in sql]
    assert counts and all("UNION" in sql for sql in counts)
    assert pages and not any("UNION" in sql for sql in pages)
    # The facets' counts too (7,000 matches at 10,000 testimonies: 10 s row by row, 1 s listed, cold).
    # The queries that test records for the word (not the one that makes its tsquery, core.search.tsquery_text).
    searching = [
        query["sql"]
        for query in queries.captured_queries
        if "kettle" in query["sql"] and "to_tsquery(" not in query["sql"]
    ]
    row_by_row = [sql for sql in searching if "UNION" not in sql and not sql.startswith("EXPLAIN")]
    assert row_by_row == pages


@postgresql_only
def test_the_words_searched_are_one_constant_tsquery_made_once(client, kettle_archive):
    """PostgreSQL makes the tsquery of a search once (then kept in the cache), and each query compares the rows
    with that constant: as `to_tsquery(unaccent(...))` in the query it was made again for every row tested."""
    from django.core.cache import cache

    cache.clear()
    # The second spelling is another page (not the page cache's answer) with the same words.
    for typed, made_now in (("kettle", 1), ("Kettle", 0)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("testimonies:testimony_list"), {"q": typed})
        assert {t.pk for t in response.context["object_list"]} == {t.pk for t in kettle_archive[0].values()}
        statements = [query["sql"] for query in queries.captured_queries]
        made = [sql for sql in statements if "to_tsquery(" in sql]
        assert len(made) == made_now and all(sql.startswith("SELECT (") for sql in made)
        searched = [sql for sql in statements if "kettle" in sql and "@@" in sql]
        assert searched and all("::tsquery" in sql for sql in searched)


def test_a_rare_word_lists_its_matches_once_and_pages_and_counts_them_by_key(client, kettle_archive):
    """A few matches are listed from the indexes once; the ranking, the page and the count read them by key."""
    found_by, _ = kettle_archive
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("testimonies:testimony_list"), {"q": "kettle"})
    assert {testimony.pk for testimony in response.context["object_list"]} == {t.pk for t in found_by.values()}
    assert response.context["paginator"].count == len(found_by)
    listings = [
        query["sql"]
        for query in queries.captured_queries
        if "UNION" in query["sql"] and not query["sql"].startswith("EXPLAIN")
    ]
    # The list's own listing, and one per facet (counted under the other filters, then cached): each a bounded
    # list of keys, never a count or a page that lists every match again.
    assert listings and all(sql.endswith(f"LIMIT {RANKED_MATCHES + 1}") for sql in listings)


@postgresql_only
def test_a_common_word_is_planned_once_for_whether_it_is_common_and_for_the_count(client, kettle_archive, monkeypatch):
    """Whether a word is common and how many records the list counts are the planner's estimates of one query: it
    is planned once, then read from the cache (planning a search took 3-4 ms)."""
    from django.core.cache import cache

    import core.search

    monkeypatch.setattr(core.search, "COMMON_MATCHES", 0)
    monkeypatch.setattr(core.search, "COMMON_SHARE", 0)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("testimonies:testimony_list"), {"q": "kettle"})
    assert {t.pk for t in response.context["object_list"]} == {t.pk for t in kettle_archive[0].values()}
    planned = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("EXPLAIN")]
    searched = [sql for sql in planned if "@@" in sql]
    assert len(searched) == 1, searched


@pytest.mark.parametrize("words_are_common", [False, True])
def test_the_admin_finds_a_common_word_the_same_way(client, superuser, kettle_archive, monkeypatch, words_are_common):
    import core.search

    found_by, missed_by = kettle_archive
    if words_are_common:
        monkeypatch.setattr(core.search, "COMMON_MATCHES", 0)
        monkeypatch.setattr(core.search, "COMMON_SHARE", 0)
    client.force_login(superuser)
    response = client.get(admin_url(Testimony, "changelist"), {"q": "kettle"})
    listed = {testimony.pk for testimony in response.context["cl"].result_list}
    # Staff also find a draft testimony by its own words; names are matched among public records, as on the site.
    assert listed == {t.pk for t in found_by.values()} | {missed_by["a draft testimony"].pk}


def test_the_admin_date_hierarchy_stands_aside_while_searching_until_a_year_is_picked(client, superuser, accounts):
    client.force_login(superuser)
    searching = client.get(admin_url(Testimony, "changelist"), {"q": "ceiling"})
    assert searching.context["cl"].date_hierarchy is None
    assert [t.pk for t in searching.context["cl"].result_list] == [accounts["mine"].pk]
    year = accounts["mine"].given_on.year
    in_a_year = client.get(admin_url(Testimony, "changelist"), {"q": "ceiling", "given_on__year": year})
    assert in_a_year.context["cl"].date_hierarchy == "given_on"
    assert [t.pk for t in in_a_year.context["cl"].result_list] == [accounts["mine"].pk]
    assert client.get(admin_url(Testimony, "changelist")).context["cl"].date_hierarchy == "given_on"


def test_a_planner_estimate_is_asked_once_per_publication_generation_and_minute(monkeypatch):
    import json

    from core import generation
    from core.search import ESTIMATE_SECONDS, planner_estimate

    TestimonyFactory.create_batch(3)
    searched = Testimony.objects.public().filter(quote__icontains="a")

    def explained(queryset=searched):
        with CaptureQueriesContext(connection) as queries:
            estimate = planner_estimate(queryset)
        return estimate, sum("EXPLAIN" in query["sql"] for query in queries)

    if connection.vendor != "postgresql":
        assert explained() == (None, 0)
        return
    lifetimes = []
    keep = generation.cache.set
    monkeypatch.setattr(
        generation.cache, "set", lambda key, value, seconds: lifetimes.append(seconds) or keep(key, value, seconds)
    )
    estimate, plans = explained()
    plan = json.loads(searched.order_by().values("pk").explain(format="json"))
    assert (estimate, plans) == (plan[0]["Plan"]["Plan Rows"], 1)
    # Statistics change without a write (ANALYZE): an estimate is kept a minute at most.
    assert lifetimes == [ESTIMATE_SECONDS] == [60]
    assert explained() == (estimate, 0)  # the same query and values: kept
    assert explained(Testimony.objects.public().filter(quote__icontains="b"))[1] == 1  # other values: asked
    TestimonyFactory()  # a write moves the publication generation on
    assert explained()[1] == 1
    assert planner_estimate(Testimony.objects.none()) == 0
