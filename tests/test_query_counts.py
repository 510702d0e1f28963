"""Every public page and export issues the same number of queries for 3 related rows as for 30."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AbuseTypeFactory,
    AbuseTypeTranslationFactory,
    CitationFactory,
    EvidenceImageFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteTranslationFactory,
    SiteUnitFactory,
    SourceFactory,
    SourceTranslationFactory,
    TestimonyFactory,
    TestimonyPersonFactory,
    UnitFactory,
    UnitParentFactory,
    UnitTranslationFactory,
)

pytestmark = pytest.mark.django_db


def build(size: int) -> dict:
    """A hub of records, each with `size` related records of every kind."""
    source = SourceFactory(slug=f"hub-source-{size}")
    unit = UnitFactory(slug=f"hub-unit-{size}")
    site = SiteFactory(slug=f"hub-site-{size}", latitude=48.0, longitude=37.8)
    person = PersonFactory(slug=f"hub-person-{size}")
    abuse_types = AbuseTypeFactory.create_batch(size)
    # Every record has translations of its name and description (core.translations), read from a prefetch.
    for record, factory, parent in (
        (source, SourceTranslationFactory, "source"),
        (unit, UnitTranslationFactory, "unit"),
    ):
        factory(**{parent: record})
        factory(**{parent: record}, field="description")
    SiteTranslationFactory(site=site, field="description")
    for abuse_type in abuse_types:
        AbuseTypeTranslationFactory(abuse_type=abuse_type)
    for index in range(size):
        publication = PublicationFactory(source=source)
        publication.cites.add(PublicationFactory(source=source))
        site.reported_in.add(publication)
        child = UnitFactory(parent=unit)
        other_site = SiteFactory(latitude=48 + index / 100, longitude=37.5)
        UnitTranslationFactory(unit=child)
        SiteTranslationFactory(site=other_site)
        SiteUnitFactory(site=site, unit=child, publication=publication)
        SiteUnitFactory(site=other_site, unit=unit, publication=publication)
        PostingFactory(unit=unit, publication=publication)
        UnitParentFactory(unit=child, parent=unit, publication=publication)
        TestimonyPersonFactory(person=person, testimony=TestimonyFactory(sites=[site]), publication=publication)
        PostingFactory(person=person, unit=child)
        testimony = TestimonyFactory(
            sites=[site, other_site], units=[unit, child], abuse_types=abuse_types[: index + 1]
        )
        CitationFactory(testimony=testimony, publication=publication)
        EvidenceImageFactory(site=site)
    # The testimony of the detail page (the last one) has `size` images too, plus one that is not public.
    EvidenceImageFactory.create_batch(size, testimony=testimony)
    EvidenceImageFactory(testimony=testimony, status="draft")
    abuse_type = abuse_types[0].slug
    return {
        "size": size,
        "person": person,
        "source": source,
        "unit": unit,
        "site": site,
        "testimony": testimony,
        "abuse_type": abuse_type,
    }


PAGES = {
    "home": lambda hub: "/",
    "testimony list": lambda hub: "/testimonies/?per_page=100",
    "testimony list filtered": lambda hub: (
        f"/testimonies/?site={hub['site'].slug}&abuse_type={hub['abuse_type']}&per_page=100"
    ),
    "testimony list searched by a site name": lambda hub: "/testimonies/?q=basement&per_page=100",
    "site list": lambda hub: "/sites/?per_page=100",
    "site list searched": lambda hub: "/sites/?q=basement&per_page=100",
    "unit list": lambda hub: "/units/?per_page=100",
    "source list": lambda hub: "/sources/?per_page=100",
    "testimony detail": lambda hub: hub["testimony"].get_absolute_url(),
    "site detail": lambda hub: hub["site"].get_absolute_url(),
    "unit detail": lambda hub: hub["unit"].get_absolute_url(),
    "source detail": lambda hub: hub["source"].get_absolute_url(),
    "testimony export": lambda hub: "/export/testimonies.csv",
    "site export": lambda hub: "/export/sites.csv",
    "unit export": lambda hub: "/export/units.csv",
    "source export": lambda hub: "/export/sources.csv",
    "site map": lambda hub: "/sites/map/",
    "site map filtered": lambda hub: f"/sites/map/?unit={hub['unit'].slug}",
    "site geojson": lambda hub: "/export/sites.geojson",
    "api testimonies": lambda hub: "/api/testimonies/?per_page=100",
    "api testimonies filtered": lambda hub: f"/api/testimonies/?site={hub['site'].slug}&per_page=100",
    "api sites": lambda hub: "/api/sites/?per_page=100",
    "api units": lambda hub: "/api/units/?per_page=100",
    "api sources": lambda hub: "/api/sources/?per_page=100",
    "api testimony": lambda hub: f"/api/testimonies/{hub['testimony'].public_id}/",
    "api site": lambda hub: f"/api/sites/{hub['site'].slug}/",
    "api unit": lambda hub: f"/api/units/{hub['unit'].slug}/",
    "api source": lambda hub: f"/api/sources/{hub['source'].slug}/",
    "api schema": lambda hub: "/api/schema/",
    "search": lambda hub: "/search/?q=basement",
    "person list": lambda hub: "/persons/?per_page=100",
    "person detail": lambda hub: hub["person"].get_absolute_url(),
    "person export": lambda hub: "/export/persons.csv",
    "posting export": lambda hub: "/export/postings.csv",
    "suggest": lambda hub: "/search/suggest/?type=site&q=basement",
    "overview": lambda hub: "/overview/",
    "overview filtered": lambda hub: f"/overview/?unit={hub['unit'].slug}&abuse_type={hub['abuse_type']}",
    "overview json": lambda hub: f"/overview/?format=json&site={hub['site'].slug}",
}


def queries_for(client, url) -> int:
    """The queries of one request to `url`, with every cache empty (a page's first reader after a change)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


def test_no_page_or_export_issues_more_queries_for_more_rows(client):
    """Every page is read with 3 related rows of each kind, then with 30 (the two hubs side by side); the hubs are
    built once for all the pages, since building them is most of the time."""
    # Django asks SQLite once per connection whether it has JSON functions (the exports' packed cells), a query
    # the first page to use them would be counted for.
    assert connection.features.supports_json_field
    small_hub = build(3)
    small = {page: queries_for(client, url(small_hub)) for page, url in PAGES.items()}
    big_hub = build(30)
    big = {page: queries_for(client, url(big_hub)) for page, url in PAGES.items()}
    grown = {page: f"{small[page]} -> {big[page]} queries" for page in PAGES if big[page] != small[page]}
    assert not grown, f"the number of queries follows the number of rows: {grown}"
