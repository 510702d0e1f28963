"""The page cache (core.page_cache): a reader's public page is kept under the publication generation, and any change
to what the public may see (a status, a link, a translation, a withdrawn consent) is at the next request no longer
on any page, list, map or API response. Staff and anyone with a session cookie, streamed exports and evidence files
never go through it. Across two app servers: tests/test_cluster.py."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from config.settings import redis_caches
from core.curation import PublicationStatus, set_status
from core.page_cache import CACHE_HEADER
from testimonies.consent import withdraw_consent
from testimonies.models import Testimony
from tests.admin_forms import admin_url
from tests.conftest import free_ports
from tests.factories import (
    EvidenceImageFactory,
    QuoteTranslationFactory,
    SiteFactory,
    TestimonyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return Client()


def read(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response


def test_a_readers_second_request_is_served_from_the_cache(reader):
    testimony = TestimonyFactory(witness_label="Witness cached")
    first = read(reader, "/testimonies/")
    second = read(reader, "/testimonies/")
    assert (first[CACHE_HEADER], second[CACHE_HEADER]) == ("miss", "hit")
    assert second.content == first.content
    assert testimony.witness_label in second.content.decode()
    # Headers of the outer middleware are there on a cached page too.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["Content-Language"] == "en"
    assert second["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    [
        "/testimonies/",
        "/sites/",
        "/sites/map/",
        "/api/testimonies/",
        "/overview/",
        "/search/?q=cached",
    ],
)
def test_a_withheld_record_leaves_every_cached_page_at_the_next_request(reader, url):
    site = SiteFactory(name="Cached basement", latitude=48.0, longitude=37.8)
    testimony = TestimonyFactory(witness_label="Witness cached", sites=[site])
    before = read(reader, url)
    assert read(reader, url)[CACHE_HEADER] == "hit"
    assert b"cached" in before.content.lower()

    set_status(Testimony.objects.filter(pk=testimony.pk), PublicationStatus.WITHHELD, UserFactory(is_superuser=True))
    site.status = PublicationStatus.WITHHELD
    site.save()

    after = read(reader, url)
    assert after[CACHE_HEADER] == "miss"
    assert b"Witness cached" not in after.content
    assert b"Cached basement" not in after.content


def test_a_removed_link_and_a_changed_translation_show_at_the_next_request(reader):
    site = SiteFactory()
    testimony = TestimonyFactory(witness_label="Witness linked", sites=[site])
    translation = QuoteTranslationFactory(testimony=testimony, text="Первый перевод.")
    assert b"Witness linked" in read(reader, site.get_absolute_url()).content
    assert "Первый перевод." in read(reader, testimony.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    testimony.sites.remove(site)
    translation.text = "Второй перевод."
    translation.save()

    assert b"Witness linked" not in read(reader, site.get_absolute_url()).content
    page = read(reader, testimony.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Второй перевод." in page
    assert "Первый перевод." not in page


def test_withdrawn_consent_empties_the_cached_pages(reader):
    testimony = TestimonyFactory(witness_label="Witness who withdrew")
    url = testimony.get_absolute_url()
    read(reader, url)
    assert read(reader, url)[CACHE_HEADER] == "hit"
    withdraw_consent(testimony, UserFactory(is_superuser=True), "The witness asked us by phone.")
    assert reader.get(url).status_code == 404
    assert b"Witness who withdrew" not in read(reader, "/testimonies/").content


def test_a_withhold_through_the_admin_reaches_the_readers_cached_list(reader, admin_client):
    testimony = TestimonyFactory(witness_label="Witness withheld in the admin")
    read(reader, "/testimonies/")
    assert read(reader, "/testimonies/")[CACHE_HEADER] == "hit"
    admin_client.post(
        admin_url(Testimony, "changelist"), {"action": "mark_withheld", "_selected_action": [testimony.pk]}
    )
    testimony.refresh_from_db()
    assert testimony.status == PublicationStatus.WITHHELD
    assert b"Witness withheld in the admin" not in read(reader, "/testimonies/").content


def test_each_language_has_its_own_page(reader):
    TestimonyFactory()
    english = read(reader, "/testimonies/")
    russian = read(reader, "/testimonies/", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian[CACHE_HEADER] == "miss"
    assert russian["Content-Language"] == "ru"
    assert russian.content != english.content
    reader.cookies["django_language"] = "uk"
    assert read(reader, "/testimonies/")["Content-Language"] == "uk"


def test_a_query_string_is_part_of_the_address(reader):
    TestimonyFactory(witness_label="Witness on page one")
    read(reader, "/testimonies/")
    other = read(reader, "/testimonies/?q=nothing-like-it")
    assert other[CACHE_HEADER] == "miss"
    assert b"Witness on page one" not in other.content


def test_staff_and_sessions_never_read_or_fill_the_cache(reader, admin_client):
    draft = TestimonyFactory(witness_label="Witness in draft", status=PublicationStatus.DRAFT)
    staff_page = admin_client.get(draft.get_absolute_url())  # a curator's preview of the draft
    assert CACHE_HEADER not in staff_page
    assert CACHE_HEADER not in admin_client.get("/testimonies/")
    assert reader.get(draft.get_absolute_url()).status_code == 404
    assert read(reader, "/testimonies/")[CACHE_HEADER] == "miss"
    # A cookie of a session (staff or not) is enough to go around the cache, and so is an Authorization header.
    reader.cookies["sessionid"] = "any"
    assert CACHE_HEADER not in read(reader, "/testimonies/")
    assert CACHE_HEADER not in read(Client(), "/testimonies/", HTTP_AUTHORIZATION="Bearer x")


def test_streamed_exports_errors_and_evidence_files_are_never_kept(reader):
    evidence = EvidenceImageFactory()
    for _ in range(2):
        for url in ("/export/testimonies.csv", "/export/testimonies.xlsx", "/export/sites.geojson"):
            response = reader.get(url)
            assert response.streaming
            assert CACHE_HEADER not in response  # not even looked up
        assert reader.get("/api/testimonies/?page=99")[CACHE_HEADER] == "miss"
        refused = reader.get("/api/testimonies/?date_after=not-a-date")
        assert (refused.status_code, refused[CACHE_HEADER]) == (400, "miss")
    image = reverse("testimonies:evidence_image", args=[evidence.public_id])
    assert reader.get(image).status_code == 200
    assert CACHE_HEADER not in reader.get(image)


def test_a_page_is_not_kept_when_the_cache_is_off_or_the_page_too_large(reader, settings):
    TestimonyFactory()
    settings.PAGE_CACHE_SECONDS = 0
    assert CACHE_HEADER not in read(reader, "/testimonies/")
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_MAX_BYTES = 100
    read(reader, "/testimonies/")
    assert read(reader, "/testimonies/")[CACHE_HEADER] == "miss"


def test_a_cache_that_is_down_only_costs_the_cache(reader, settings):
    (port,) = free_ports(1)  # nothing listens there
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/0", 0.2)
    caches.close_all()
    TestimonyFactory(witness_label="Witness served uncached")
    for _ in range(2):
        response = read(reader, "/testimonies/")
        assert response[CACHE_HEADER] == "miss"
        assert b"Witness served uncached" in response.content
