"""One search box for everything (/search/) and the suggestions of the filters' text boxes (/search/suggest/)."""

import pytest
from django.urls import reverse

from core.curation import PublicationStatus
from tests.factories import SiteAliasFactory, SiteFactory, SourceFactory, TestimonyFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    site = SiteFactory(name="Petrovskaya coal mine", slug="petrovskaya", description="A mine in Donetsk.")
    SiteAliasFactory(site=site, name="шахта «Петровская»")
    unit = UnitFactory(name="5th Motorized Rifle Brigade", slug="5th", description="Ran the coal mine site.")
    SourceFactory(name="ASTRA", slug="astra", description="Reported the coal mine.")
    testimonies = [
        TestimonyFactory(quote=f"In the coal mine they hung us from the ceiling, account {n}.", sites=[site])
        for n in range(7)
    ]
    return {"site": site, "unit": unit, "testimonies": testimonies}


def groups(response) -> dict:
    return {group.type.key: group for group in response.context["results"]}


def test_one_search_groups_every_type_with_counts_and_links_to_the_lists(client, archive):
    response = client.get(reverse("archive:search"), {"q": "coal"})
    found = groups(response)
    counts = {key: group.count for key, group in found.items()}
    assert counts == {"testimony": 7, "site": 1, "unit": 1, "person": 0, "source": 1}
    assert len(found["testimony"].hits) == 5
    html = response.content.decode()
    assert f'href="{reverse("testimonies:testimony_list")}?q=coal"' in html
    assert "<mark>coal</mark>" in html


def test_a_name_in_another_script_finds_the_site_and_says_which_alias_matched(client, archive):
    response = client.get(reverse("archive:search"), {"q": "Петровская"})
    found = groups(response)
    assert [hit.record for hit in found["site"].hits] == [archive["site"]]
    assert found["site"].hits[0].also_known_as == ["шахта «Петровская»"]
    assert found["testimony"].count == 7


def test_snippets_are_escaped(client):
    TestimonyFactory(quote='<script>alert("coal")</script> coal <b>mine</b>')
    html = client.get(reverse("archive:search"), {"q": "coal"}).content.decode()
    assert "<script>alert" not in html and "<b>mine" not in html
    assert "&lt;b&gt;mine&lt;/b&gt;" in html


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_hidden_records_are_neither_found_nor_counted_nor_suggested(client, archive, status):
    SiteFactory(name="Hidden coal pit", slug="hidden-coal", status=status)
    TestimonyFactory(quote="A hidden coal account.", status=status)
    found = groups(client.get(reverse("archive:search"), {"q": "coal"}))
    assert found["site"].count == 1 and found["testimony"].count == 7
    suggested = client.get(reverse("archive:suggest"), {"type": "site", "q": "coal"}).json()["results"]
    assert [item["value"] for item in suggested] == ["petrovskaya"]
    assert "hidden-coal" not in client.get(reverse("archive:search"), {"q": "hidden"}).content.decode()


def test_suggestions_match_names_in_every_script_best_first(client, archive):
    SiteFactory(name="Coal depot", slug="depot")
    response = client.get(reverse("archive:suggest"), {"type": "site", "q": "петров"})
    assert response.json() == {"results": [{"value": "petrovskaya", "label": "Petrovskaya coal mine"}]}
    assert [
        item["value"]
        for item in client.get(reverse("archive:suggest"), {"type": "unit", "q": "5th"}).json()["results"]
    ] == ["5th"]


@pytest.mark.parametrize("params", [{}, {"type": "nothing", "q": "coal"}, {"type": "testimony", "q": "coal"}])
def test_a_suggestion_without_a_known_type_is_a_json_400_with_a_message(client, params):
    response = client.get(reverse("archive:suggest"), params)
    assert response.status_code == 400
    assert "site" in response.json()["detail"]


@pytest.mark.parametrize("query", ["", "a", "x" * 10_000, "coal & !(mine:*)", "\x00", "Макеевка Makeyevka 40463"])
def test_any_query_gives_a_page_and_a_json_answer(client, archive, query):
    assert client.get(reverse("archive:search"), {"q": query}).status_code == 200
    assert client.get(reverse("archive:suggest"), {"type": "site", "q": query}).status_code == 200


def test_every_page_has_the_search_box(client, archive):
    for url in (reverse("archive:home"), reverse("sites:site_list"), archive["site"].get_absolute_url()):
        assert f'action="{reverse("archive:search")}"' in client.get(url).content.decode()


# --- The same search in the JSON API (/api/search/) --------------------------------------------------------------


def test_the_api_search_answers_like_the_search_box_with_links_into_the_api(client, archive):
    from tests.test_api import schema_validator

    body = client.get("/api/search/", {"q": "Петровская"}).json()
    schema_validator("SearchResults").validate(body)
    found = {group["type"]: group for group in body["types"]}
    assert {key: group["count"] for key, group in found.items()} == {
        "testimony": 7,
        "site": 1,
        "unit": 0,
        "person": 0,
        "source": 0,
    }
    [site] = found["site"]["results"]
    assert site["name"] == "Petrovskaya coal mine" and site["also_known_as"] == ["шахта «Петровская»"]
    assert site["api_url"] == "http://testserver/api/sites/petrovskaya/"
    assert client.get(site["api_url"]).json()["name"] == "Petrovskaya coal mine"
    listed = client.get(found["testimony"]["list"]).json()
    assert listed["count"] == 7
    testimony = found["testimony"]["results"][0]
    assert "<" not in testimony["snippet"] and "coal mine" in testimony["snippet"]
    assert client.get(testimony["api_url"]).status_code == 200


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_the_api_search_neither_finds_nor_counts_hidden_records(client, archive, status):
    SiteFactory(name="Zqxhidden coal pit", slug="zqx-coal", status=status)
    TestimonyFactory(quote="A Zqxhidden coal account.", status=status)
    response = client.get("/api/search/", {"q": "coal"})
    counts = {group["type"]: group["count"] for group in response.json()["types"]}
    assert counts["site"] == 1 and counts["testimony"] == 7
    assert b"Zqxhidden" not in response.content and b"zqx" not in response.content
    assert client.get("/api/search/", {"q": "Zqxhidden"}).json()["types"][0]["count"] == 0


@pytest.mark.parametrize("params", [{}, {"q": ""}])
def test_an_api_search_without_q_is_a_problem_json_400_with_a_message(client, params):
    from tests.test_api import schema_validator

    response = client.get("/api/search/", params)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    schema_validator("Error").validate(response.json())


@pytest.mark.parametrize("query", ["  !!  ", "\x00", "—"])
def test_an_api_search_without_a_word_in_q_finds_nothing(client, query):
    response = client.get("/api/search/", {"q": query})
    assert response.status_code == 200 and response.json() == {"query": query, "types": []}
