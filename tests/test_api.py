"""The read-only JSON API: public records and public fields only, pagination, filters, no writes, its schema."""

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as JsonSchemaValidationError
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from archive.api import RESOURCES, openapi_schema
from core.curation import PublicationStatus
from sites.models import Site
from testimonies.models import Consent, Source, Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonAliasFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
)
from tests.test_public_lists import GARBAGE
from units.models import Person, Unit

pytestmark = pytest.mark.django_db

HIDDEN_STATUSES = [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD]
MARK = "Zqxhidden"
# Ten digits: a five-digit number turned up by chance in a release file's SHA-256 checksum on a public page.
HIDDEN_UNIT_NUMBER = "9753186420"
SECRETS = ("Ivan Secretovich Realname", "+7 900 000-00-00", "ivan.secret@example.org", "fears reprisals")
ENDPOINTS = {"testimonies": Testimony, "sites": Site, "units": Unit, "persons": Person, "sources": Source}


@pytest.fixture
def world():
    source = SourceFactory(slug="astra", name="ASTRA")
    publication = PublicationFactory(source=source, title="Hidden prisons")
    brigade = UnitFactory(slug="brigade", name="5th Brigade")
    battalion = UnitFactory(slug="battalion", name="1st Battalion", parent=brigade, kind=Unit.Kind.BATTALION)
    korchagin = PersonFactory(name="Alexei Korchagin", slug="korchagin")
    PersonAliasFactory(person=korchagin, name="Cap")
    PostingFactory(person=korchagin, unit=battalion, publication=publication)
    mine = SiteFactory(slug="mine", name="Coal mine", region="Donetsk", latitude=48.0159, longitude=37.8028)
    store = SiteFactory(slug="store", name="Weapons store", region="Nizhny Novgorod", territory="russia")
    SiteUnitFactory(site=mine, unit=battalion, publication=publication)
    mine.reported_in.add(publication)
    beating = AbuseTypeFactory(slug="beating", name="Beating")
    daniil = TestimonyFactory(
        witness_label="Daniil, former platoon commander",
        quote="Нас держали в шахте.",
        quote_language="ru",
        translation="They kept us in the mine.",
        sites=[mine],
        units=[battalion],
        abuse_types=[beating],
        real_name=SECRETS[0],
        contact=f"{SECRETS[1]}, {SECRETS[2]}",
        internal_notes=f"Met in Riga; {SECRETS[3]}",
    )
    CitationFactory(testimony=daniil, publication=publication, locator="03:12")
    relative = TestimonyFactory(witness_label="Relative", witness_role="relative", sites=[store])
    return locals()


def get_json(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    # Errors are problem details (RFC 9457).
    assert response["Content-Type"] == ("application/json" if status < 400 else "application/problem+json")
    return response.json()


def api_list(client, name, **params):
    return get_json(client, f"/api/{name}/", params)


def everything_in_the_api(client) -> str:
    """The text of every list and every detail of the API, and of its schema."""
    texts = [json.dumps(get_json(client, "/api/schema/"), ensure_ascii=False)]
    for name in ENDPOINTS:
        page = api_list(client, name, per_page=100)
        texts.append(json.dumps(page, ensure_ascii=False))
        for record in page["results"]:
            key = record["id"] if name == "testimonies" else record["slug"]
            texts.append(json.dumps(get_json(client, f"/api/{name}/{key}/"), ensure_ascii=False))
    return "\n".join(texts)


# --- only public records and public fields ----------------------------------------------------------------------


def test_lists_hold_every_public_record(client, world):
    for name, model in ENDPOINTS.items():
        page = api_list(client, name, per_page=100)
        assert page["count"] == model.objects.public().count() > 0
        key = "public_id" if model is Testimony else "pk"
        assert {record["id"] for record in page["results"]} == set(model.objects.public().values_list(key, flat=True))


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_non_public_records_are_neither_listed_linked_nor_reachable(client, world, status):
    hidden_source = SourceFactory(slug="zqxhidden-source", name=f"{MARK} source", status=status)
    hidden_publication = PublicationFactory(source=world["source"], title=f"{MARK} publication", status=status)
    publication_of_hidden_source = PublicationFactory(source=hidden_source, title=f"{MARK} of hidden source")
    hidden_unit = UnitFactory(
        slug="zqxhidden-unit", name=f"{MARK} unit", status=status, unit_number=HIDDEN_UNIT_NUMBER
    )
    hidden_site = SiteFactory(slug="zqxhidden-site", name=f"{MARK} site", status=status, region=f"{MARK}region")
    hidden_testimony = TestimonyFactory(
        witness_label=f"{MARK} witness", status=status, sites=[world["mine"]], units=[world["battalion"]]
    )
    # Links from public records to the hidden ones.
    world["battalion"].parent = hidden_unit
    world["battalion"].save()
    UnitFactory(slug="child-of-hidden", parent=hidden_unit)
    world["daniil"].sites.add(hidden_site)
    world["daniil"].units.add(hidden_unit)
    CitationFactory(testimony=world["daniil"], publication=hidden_publication)
    CitationFactory(testimony=world["daniil"], publication=publication_of_hidden_source)
    SiteUnitFactory(site=world["mine"], unit=hidden_unit)
    SiteUnitFactory(site=hidden_site, unit=world["brigade"])
    SiteUnitFactory(site=world["store"], unit=world["brigade"], publication=hidden_publication)
    PostingFactory(unit=world["brigade"], person=PersonFactory(name="Named commander"), publication=hidden_publication)
    world["mine"].reported_in.add(hidden_publication, publication_of_hidden_source)
    world["publication"].cites.add(hidden_publication)

    text = everything_in_the_api(client)
    assert MARK not in text and MARK.lower() not in text and HIDDEN_UNIT_NUMBER not in text
    for url in (
        f"/api/testimonies/{hidden_testimony.public_id}/",
        f"/api/testimonies/{hidden_testimony.pk}/",
        "/api/sites/zqxhidden-site/",
        "/api/units/zqxhidden-unit/",
        "/api/sources/zqxhidden-source/",
    ):
        assert get_json(client, url, status=404)["detail"] == "No public record has this identifier."
    # A link whose publication is hidden keeps the public fact without the publication.
    store = get_json(client, "/api/sites/store/")
    assert [(link["unit"]["slug"], link["publication"]) for link in store["units"]] == [("brigade", None)]
    battalion = get_json(client, "/api/units/battalion/")
    assert battalion["parent"] is None


def test_restricted_witness_fields_never_reach_the_api(client, world):
    text = everything_in_the_api(client)
    for secret in (*SECRETS, "Riga"):
        assert secret not in text
    for field in Testimony.RESTRICTED_FIELDS:
        assert f'"{field}"' not in text
    # Nor can they be searched or filtered on.
    assert api_list(client, "testimonies", q="Secretovich")["count"] == 0
    # An unknown parameter such as real_name is no filter: it narrows nothing, so it reveals nothing.
    assert api_list(client, "testimonies", real_name="Ivan Secretovich Realname")["count"] == 2


def test_records_carry_exactly_their_documented_fields(client, world):
    for resource in RESOURCES:
        documented = [field.name for field in resource.fields]
        for record in api_list(client, resource.name)["results"]:
            assert list(record) == documented
    for internal in ("status", "version", "created_by", "updated_by", "published_by", "published_at"):
        assert not any(internal in [field.name for field in resource.fields] for resource in RESOURCES)


def test_testimony_representation(client, world):
    daniil = get_json(client, f"/api/testimonies/{world['daniil'].public_id}/")
    assert daniil["url"] == f"http://testserver{world['daniil'].get_absolute_url()}"
    assert daniil["quote"] == "Нас держали в шахте." and daniil["quote_language"] == "ru"
    assert daniil["translation"] == "They kept us in the mine."
    assert daniil["sites"] == [{"slug": "mine", "name": "Coal mine"}]
    assert daniil["abuse_types"] == [
        {"slug": "beating", "name": "Beating", "name_nl": None, "name_ru": None, "name_uk": None}
    ]
    [citation] = daniil["citations"]
    assert citation["locator"] == "03:12"
    assert citation["publication"]["source"] == "astra"
    assert citation["publication"]["title"] == "Hidden prisons"


def test_site_and_unit_representations_link_to_their_testimonies(client, world):
    mine = get_json(client, "/api/sites/mine/")
    assert mine["latitude"] == 48.0159 and mine["longitude"] == 37.8028
    assert mine["units"][0]["unit"] == {"slug": "battalion", "name": "1st Battalion"}
    assert mine["testimonies"] == "http://testserver/api/testimonies/?site=mine"
    assert [t["id"] for t in get_json(client, mine["testimonies"])["results"]] == [world["daniil"].public_id]
    battalion = get_json(client, "/api/units/battalion/")
    assert battalion["parent"] == {"slug": "brigade", "name": "5th Brigade"}
    assert battalion["postings"][0]["person"] == {"slug": "korchagin", "name": "Alexei Korchagin"}
    assert battalion["postings"][0]["role"] == "commander"
    assert get_json(client, "/api/units/brigade/")["sub_units"] == [{"slug": "battalion", "name": "1st Battalion"}]
    astra = get_json(client, "/api/sources/astra/")
    assert [publication["title"] for publication in astra["publications"]] == ["Hidden prisons"]
    assert [t["id"] for t in get_json(client, astra["testimonies"])["results"]] == [world["daniil"].public_id]


# --- pagination and filters -------------------------------------------------------------------------------------


def test_lists_are_paginated(client):
    TestimonyFactory.create_batch(7)
    first = api_list(client, "testimonies", per_page=3)
    assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
    assert first["next"] == "http://testserver/api/testimonies/?per_page=3&page=2"
    second = get_json(client, first["next"])
    third = get_json(client, second["next"])
    assert len(third["results"]) == 1 and third["next"] is None
    assert third["previous"] == "http://testserver/api/testimonies/?per_page=3&page=2"
    seen = [record["id"] for page in (first, second, third) for record in page["results"]]
    assert sorted(seen) == sorted(Testimony.objects.values_list("public_id", flat=True))
    assert len(api_list(client, "testimonies")["results"]) == 7  # default page size 25


def test_a_small_list_is_counted_exactly(client):
    TestimonyFactory.create_batch(3)
    TestimonyFactory(status=PublicationStatus.DRAFT)
    body = api_list(client, "testimonies")
    assert body["count"] == 3 and body["count_is_estimate"] is False and body["next"] is None


def test_a_large_count_is_the_estimate_flagged_as_such_but_next_and_the_last_page_are_exact(client, monkeypatch):
    # What PostgreSQL's planner says of 1,000,000 public testimonies, on either database: the API does not count
    # every record past 10,000 (core.listing.bounded_count), and says so.
    TestimonyFactory.create_batch(7)
    TestimonyFactory.create_batch(2, status=PublicationStatus.DRAFT)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: 40_000)
    first = api_list(client, "testimonies", per_page=3)
    assert first["count"] == 40_000 and first["count_is_estimate"] is True
    assert first["next"] == "http://testserver/api/testimonies/?per_page=3&page=2"
    last = api_list(client, "testimonies", per_page=3, page=3)
    # The last page knows how many there are: two pages before it and its own public records, drafts left out.
    assert last["count"] == 7 and last["count_is_estimate"] is False and last["next"] is None
    assert len(last["results"]) == 1
    get_json(client, "/api/testimonies/", {"per_page": 3, "page": 4}, status=404)


def test_an_estimate_below_the_records_already_paged_through_is_raised_to_them(client, monkeypatch):
    TestimonyFactory.create_batch(7)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 4)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: 5)
    second = api_list(client, "testimonies", per_page=3, page=2)
    assert second["count"] == 7 and second["count_is_estimate"] is True and second["next"]


def test_a_deep_page_within_the_estimate_keeps_it_and_a_page_past_the_last_is_refused(client, monkeypatch):
    TestimonyFactory.create_batch(7)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: 40_000)
    second = api_list(client, "testimonies", per_page=3, page=2)
    assert second["count"] == 40_000 and second["count_is_estimate"] is True and second["next"]
    last = api_list(client, "testimonies", per_page=3, page=3)
    assert last["count"] == 7 and last["count_is_estimate"] is False and last["next"] is None
    # Within the estimate but past the last record: the page is read, and found empty.
    get_json(client, "/api/testimonies/", {"per_page": 3, "page": 4}, status=404)


def test_a_deep_page_past_the_estimate_is_counted_exactly_before_it_is_read(client, monkeypatch):
    TestimonyFactory.create_batch(7)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: 4)  # below the truth
    third = api_list(client, "testimonies", per_page=2, page=3)
    assert third["count"] == 7 and third["count_is_estimate"] is False and third["next"]
    with CaptureQueriesContext(connection) as queries:
        get_json(client, "/api/testimonies/", {"per_page": 3, "page": 99_999_999}, status=404)
    assert not any("OFFSET" in query["sql"] for query in queries.captured_queries)


def follow_next(client, first_url, params) -> list[dict]:
    pages = [get_json(client, first_url, params)]
    while pages[-1]["next"]:
        pages.append(get_json(client, pages[-1]["next"]))
    return pages


def mixed_testimonies():
    """Testimonies with equal dates, no date, and dates known to the public only as a month (limited consent)."""
    same_day = datetime.date(2024, 3, 9)
    TestimonyFactory.create_batch(3, given_on=same_day)
    TestimonyFactory.create_batch(2, given_on=None)
    TestimonyFactory(given_on=datetime.date(2024, 3, 20), consent=Consent.LIMITED)  # sorted as 1 March
    TestimonyFactory.create_batch(4)
    TestimonyFactory(given_on=same_day, status=PublicationStatus.DRAFT)
    TestimonyFactory(given_on=None, consent=Consent.WITHDRAWN)


@pytest.mark.parametrize("sort", [None, "date", "-date", "events", "witness", "-id"])
def test_next_links_past_the_first_records_are_cursors_that_list_each_public_record_once(client, monkeypatch, sort):
    mixed_testimonies()
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 4)
    monkeypatch.setattr("core.listing.planner_estimate", lambda queryset: None)  # exact counts on PostgreSQL too
    params = {"per_page": 2, **({"sort": sort} if sort else {})}
    whole = api_list(client, "testimonies", per_page=100, **({"sort": sort} if sort else {}))["results"]
    pages = follow_next(client, "/api/testimonies/", params)
    # Pages 1 and 2 by number (4 records), then by cursor: the order of the whole list, nothing twice or lost.
    assert [page["next"].split("?")[1].split("&")[-1].split("=")[0] for page in pages[:-1]] == (
        ["page", "page"] + ["after"] * (len(pages) - 3)
    )
    assert [record["id"] for page in pages for record in page["results"]] == [record["id"] for record in whole]
    assert len(whole) == 10 and pages[-1]["next"] is None
    assert all(page["previous"] is None and page["count"] == 10 for page in pages[3:])


@pytest.mark.parametrize("name", ["sites", "units", "persons", "sources"])
def test_every_list_can_be_followed_by_cursor(client, monkeypatch, name):
    for number in range(7):
        # Equal names: the primary key orders them.
        {"sites": SiteFactory, "units": UnitFactory, "persons": PersonFactory, "sources": SourceFactory}[name](
            name=f"Record {number % 3}"
        )
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 1)
    whole = api_list(client, name, per_page=100)["results"]
    pages = follow_next(client, f"/api/{name}/", {"per_page": 2})
    assert "after=" in pages[0]["next"]
    key = "id" if "id" in whole[0] else "slug"
    assert [record[key] for page in pages for record in page["results"]] == [record[key] for record in whole]
    assert len(whole) >= 7


def test_a_deep_page_by_number_links_on_by_cursor(client, monkeypatch):
    TestimonyFactory.create_batch(7)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 2)
    whole = [record["id"] for record in api_list(client, "testimonies", per_page=100)["results"]]
    second = api_list(client, "testimonies", per_page=3, page=2)
    assert "after=" in second["next"] and second["previous"].endswith("page=1")
    third = get_json(client, second["next"])
    assert [record["id"] for record in third["results"]] == whole[6:]


def test_a_cursor_holds_the_public_order_only(client, monkeypatch):
    # Under limited consent the public knows the month a testimony was given, and a cursor is readable by anyone.
    TestimonyFactory(given_on=datetime.date(2024, 3, 20), consent=Consent.LIMITED)
    TestimonyFactory(given_on=datetime.date(2024, 1, 5))
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 0)
    first = api_list(client, "testimonies", per_page=1)
    cursor = parse_qs(urlsplit(first["next"]).query)["after"][0]
    payload = signing.loads(cursor, salt="core.keyset")
    assert "2024-03-01" in payload["after"] and "2024-03-20" not in json.dumps(payload)


@pytest.mark.parametrize(
    "cursor", ["", "garbage", "eyJhZnRlciI6WzFdfQ:1xYIxN:abc", "a:" + "b" * 43, "a:1:" + "b" * 42]
)
def test_what_is_not_a_cursor_is_refused_with_a_reason(client, cursor):
    TestimonyFactory.create_batch(2)
    body = get_json(client, "/api/testimonies/", {"after": cursor}, status=400)
    assert body["detail"] == "Invalid cursor." and "after" in body["errors"]


@pytest.mark.parametrize(
    "cursor",
    [
        lambda: "eyJhZnRlciI6WzFdfQ:1xYIxN:" + "b" * 43,
        lambda: signing.dumps({"order": ["-id"], "after": [1]}, salt="another salt"),
        lambda: signing.dumps({"order": ["-id"], "after": [1]}, salt="core.keyset", key="another secret key"),
    ],
    ids=["forged", "another salt", "another key"],
)
def test_a_cursor_this_site_did_not_make_leads_nowhere(client, cursor):
    cursor = cursor()  # made in the test, not when the tests are collected: a signature holds the time
    TestimonyFactory.create_batch(2)
    body = get_json(client, "/api/testimonies/", {"after": cursor}, status=404)
    assert "cursor" in body["detail"]


def test_a_cursor_of_another_sort_or_list_leads_nowhere_and_one_with_a_page_number_is_refused(client, monkeypatch):
    TestimonyFactory.create_batch(3)
    SiteFactory.create_batch(3)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 0)
    next_url = api_list(client, "testimonies", per_page=1)["next"]
    cursor = parse_qs(urlsplit(next_url).query)["after"][0]
    assert len(get_json(client, next_url)["results"]) == 1
    get_json(client, "/api/testimonies/", {"after": cursor, "sort": "witness"}, status=404)
    get_json(client, "/api/sites/", {"after": cursor}, status=404)
    body = get_json(client, "/api/testimonies/", {"after": cursor, "page": 2}, status=400)
    assert "page" in body["errors"]


def test_records_with_the_same_sort_key_never_jump_between_pages(client):
    SiteFactory.create_batch(6, name="Same name")
    slugs = [api_list(client, "sites", per_page=2, page=page)["results"] for page in (1, 2, 3)]
    assert len({site["slug"] for page in slugs for site in page}) == 6


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "2"}, 404),
        ({"page": "0"}, 400),
        ({"page": "abc"}, 400),
        ({"per_page": "0"}, 400),
        ({"per_page": "101"}, 400),
        ({"per_page": "lots"}, 400),
    ],
)
def test_bad_pages_are_refused_with_a_reason(client, world, params, status):
    body = get_json(client, "/api/testimonies/", params, status=status)
    assert body["detail"]


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("testimonies", {"site": "mine"}, {"daniil"}),
        ("testimonies", {"unit": "battalion"}, {"daniil"}),
        ("testimonies", {"source": "astra"}, {"daniil"}),
        ("testimonies", {"abuse_type": "beating"}, {"daniil"}),
        ("testimonies", {"region": "Nizhny Novgorod"}, {"relative"}),
        ("testimonies", {"witness_role": "relative"}, {"relative"}),
        ("testimonies", {"q": "шахте"}, {"daniil"}),
        ("sites", {"region": "Donetsk"}, {"mine"}),
        ("sites", {"territory": "russia"}, {"store"}),
        ("sites", {"unit": "battalion"}, {"mine"}),
        ("units", {"kind": "battalion"}, {"battalion"}),
        ("units", {"parent": "brigade"}, {"battalion"}),
        ("sources", {"q": "astr"}, {"source"}),
    ],
)
def test_lists_take_the_filters_of_the_list_pages(client, world, name, params, expected):
    results = api_list(client, name, **params)["results"]
    assert {record["id"] for record in results} == {
        getattr(world[key], "public_id", world[key].pk) for key in expected
    }


def test_sorting(client, world):
    by_name = [site["slug"] for site in api_list(client, "sites", sort="name")["results"]]
    assert by_name == ["mine", "store"]
    assert [site["slug"] for site in api_list(client, "sites", sort="-name")["results"]] == ["store", "mine"]


@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("params", GARBAGE, ids=str)
def test_bad_parameters_never_fail_the_server(client, world, name, params):
    response = client.get(f"/api/{name}/", params)
    assert response.status_code in (200, 400, 404)
    assert response.json()


def test_invalid_filters_are_refused_with_the_reasons(client, world):
    body = get_json(client, "/api/testimonies/", {"witness_role": "emperor", "date_after": "yesterday"}, status=400)
    assert set(body["errors"]) == {"witness_role", "date"}
    assert body["errors"]["witness_role"][0]["message"]


def test_an_unknown_site_unit_or_source_is_an_empty_result_as_on_the_pages(client, world):
    for name in ("site", "unit", "source"):
        assert get_json(client, "/api/testimonies/", {name: "no-such-record"})["count"] == 0


# --- read-only --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_refused(world, superuser, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)  # not even staff can write through the API
    before = {model: model.objects.count() for model in ENDPOINTS.values()}
    urls = [f"/api/{name}/" for name in ENDPOINTS] + [
        f"/api/testimonies/{world['daniil'].public_id}/",
        "/api/sites/mine/",
        "/api/units/brigade/",
        "/api/sources/astra/",
        "/api/schema/",
    ]
    for url in urls:
        response = getattr(client, method)(url, data=json.dumps({"name": "changed"}), content_type="application/json")
        assert response.status_code == 405, url
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response.json()["detail"] == "This API is read-only."
    assert {model: model.objects.count() for model in ENDPOINTS.values()} == before
    assert Site.objects.get(slug="mine").name == "Coal mine"


def test_reading_methods_are_allowed(client, world):
    assert client.head("/api/sites/").status_code == 200
    options = client.options("/api/sites/")
    assert options.status_code == 200 and options["Allow"] == "GET, HEAD, OPTIONS"


def test_any_web_page_may_read_the_api(client, world):
    assert client.get("/api/sites/")["Access-Control-Allow-Origin"] == "*"


# --- the OpenAPI schema -----------------------------------------------------------------------------------------


def test_schema_is_valid_openapi_and_covers_every_endpoint(client):
    schema = get_json(client, "/api/schema/")
    validate_openapi(schema)
    assert schema["openapi"].startswith("3.1")
    for name in ENDPOINTS:
        assert f"/api/{name}/" in schema["paths"]
        assert any(path.startswith(f"/api/{name}/{{") for path in schema["paths"])
    assert "/export/sites.geojson" in schema["paths"]
    assert schema["servers"] == [{"url": "http://testserver"}]


def test_schema_is_the_same_in_every_language(client):
    english = get_json(client, "/api/schema/")
    client.cookies["django_language"] = "ru"
    assert get_json(client, "/api/schema/") == english


def schema_validator(component: str) -> Draft202012Validator:
    resource = Resource.from_contents(openapi_schema(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:testimony-db-api", resource)
    return Draft202012Validator({"$ref": f"urn:testimony-db-api#/components/schemas/{component}"}, registry=registry)


def test_every_response_matches_the_schema(client, world):
    for resource in RESOURCES:
        page = api_list(client, resource.name)
        schema_validator(f"{resource.title}Page").validate(page)
        for record in page["results"]:
            key = record["id" if resource.lookup == "public_id" else resource.lookup]
            schema_validator(resource.title).validate(get_json(client, f"/api/{resource.name}/{key}/"))
    schema_validator("Error").validate(get_json(client, "/api/sites/nothing/", status=404))
    schema_validator("Error").validate(get_json(client, "/api/sites/", {"kind": "nothing"}, status=400))
    geojson = json.loads(b"".join(client.get("/export/sites.geojson").streaming_content))
    schema_validator("SiteFeatureCollection").validate(geojson)


def test_schema_rejects_an_undocumented_field(client, world):
    """The response check above is only worth something if an extra field (a leak) would fail it."""
    record = get_json(client, f"/api/testimonies/{world['daniil'].public_id}/")
    schema_validator("Testimony").validate(record)
    with pytest.raises(JsonSchemaValidationError, match="real_name"):
        schema_validator("Testimony").validate({**record, "real_name": "x"})


def test_every_documented_parameter_is_a_filter_the_list_accepts(client, world):
    schema = openapi_schema()
    for resource in RESOURCES:
        parameters = schema["paths"][f"/api/{resource.name}/"]["get"]["parameters"]
        filterset = resource.filterset_class()
        form_fields = set(filterset.form.fields)
        for parameter in parameters:
            name = parameter["name"]
            if name in ("page", "per_page", "after"):  # the pagination's, not filters
                continue
            assert name in form_fields or name.rsplit("_", 1)[0] in form_fields, (resource.name, name)
            for value in parameter["schema"].get("enum", []):
                get_json(client, f"/api/{resource.name}/", {name: value})
