"""What Django REST Framework could bring to the JSON API and must not: a write method, a description of the views
in OPTIONS, a browsable HTML API, a format chosen by the client, or anything a staff session would add."""

import json

import pytest
from django.test import Client
from django.urls import get_resolver

from archive.api import openapi_schema
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

pytestmark = pytest.mark.django_db

READ_ONLY_ALLOW = "GET, HEAD, OPTIONS"


@pytest.fixture
def api_urls():
    """Every URL of the API, with a real public record wherever a route takes a key."""
    unit = UnitFactory(slug="brigade")
    site = SiteFactory(slug="mine", latitude=48.0, longitude=37.8)
    SiteUnitFactory(site=site, unit=unit)
    source = SourceFactory(slug="astra")
    testimony = TestimonyFactory(
        witness_label="Daniil", sites=[site], units=[unit], abuse_types=[AbuseTypeFactory(slug="beating")]
    )
    CitationFactory(testimony=testimony, publication=PublicationFactory(source=source))
    person = PersonFactory(slug="korchagin")
    PostingFactory(unit=unit, person=person)
    keys = {"testimonies": testimony.public_id, "sites": "mine", "units": "brigade", "persons": "korchagin"}
    keys["sources"] = "astra"
    urls = [f"/api/{name}/" for name in keys] + [f"/api/{name}/{key}/" for name, key in keys.items()]
    urls += ["/api/search/?q=Daniil", "/api/schema/"]
    routes = [
        str(inner.pattern)
        for pattern in get_resolver().url_patterns
        for inner in getattr(pattern, "url_patterns", [pattern])
        if str(inner.pattern).startswith("api/")
    ]
    assert len(urls) == len(routes), "a new API URL: add it here"
    return urls


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "QUERY"])
def test_no_write_or_other_method_is_taken_on_any_api_url(api_urls, superuser, method):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)  # a staff session changes nothing
    for url in api_urls:
        response = client.generic(method, url, json.dumps({"name": "changed"}), content_type="application/json")
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == READ_ONLY_ALLOW
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == {
            "type": "about:blank",
            "title": "Method Not Allowed",
            "status": 405,
            "detail": "This API is read-only.",
        }


def test_options_tells_the_methods_and_nothing_else(api_urls, superuser):
    """DRF's OPTIONS would describe the view (its name, docstring, parsers, renderers, and the fields a write
    takes); the API answers as Django's views do: the Allow header, no body."""
    client = Client()
    client.force_login(superuser)
    for url in api_urls:
        response = client.options(url)
        assert response.status_code == 200, url
        assert response["Allow"] == READ_ONLY_ALLOW
        assert response.content == b"", url


def test_a_staff_session_gives_nothing_more(api_urls, superuser):
    anonymous, staff = Client(), Client()
    staff.force_login(superuser)
    for url in api_urls:
        seen = anonymous.get(url)
        assert seen.status_code == 200, url
        assert staff.get(url).content == seen.content, url
        assert "Set-Cookie" not in seen and not seen.cookies, url


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ACCEPT": "text/html"}, {"HTTP_ACCEPT": "application/xml"}, {"HTTP_ACCEPT": "*/*"}, {}],
    ids=["html", "xml", "any", "none"],
)
@pytest.mark.parametrize(
    "query", ["", "?format=api", "?format=xml", "?format=json"], ids=["plain", "api", "xml", "json"]
)
def test_the_api_is_json_whatever_the_client_asks(api_urls, headers, query):
    """No browsable HTML API (it would need inline script and style, refused by the Content-Security-Policy), and
    no 404 or 406 for a format or an Accept header: the answer is the same JSON."""
    client = Client()
    for url in api_urls:
        address = f"{url}{'&' if '?' in url else '?'}{query[1:]}" if query else url
        response = client.get(address, **headers)
        assert response.status_code == 200, (address, headers)
        assert response["Content-Type"] == "application/json"
        assert response.content == client.get(url).content, address
        response.json()


def test_the_schema_documents_reading_only():
    schema = openapi_schema()
    for path, operations in schema["paths"].items():
        assert set(operations) == {"get"}, path
        assert "requestBody" not in operations["get"], path
    assert "securitySchemes" not in schema.get("components", {})
