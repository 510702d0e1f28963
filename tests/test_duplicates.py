"""Likely duplicates are shown on the admin form before a save, with links, and saved only when the editor says so."""

import pytest

from core.duplicates import names_alike, url_key
from sites.models import Site
from testimonies.models import Publication, Source
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    PublicationFactory,
    SiteFactory,
    SourceFactory,
    UnitAliasFactory,
    UnitFactory,
    region_named,
)
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        ("Petrovskaja coal mine", "Petrovskaya coal mine", True),
        ("BBC News Russian", "BBC Russian", True),
        ("Макеевка factory", "Makeevka factory", True),
        ("110th Brigade", "111th Brigade", False),
        ("Basement of the 5th brigade", "Basement of the 110th brigade", False),
        ("ASTRA", "Get Lost", False),
    ],
)
def test_names_are_compared_folded_and_numbers_must_agree(first, second, alike):
    assert (names_alike(first, second) >= 88) is alike


def test_addresses_are_compared_as_pages():
    assert url_key("https://www.BBC.com/russian/1/#top") == url_key("http://bbc.com/russian/1")
    assert url_key("https://bbc.com/russian/1") != url_key("https://bbc.com/russian/2")


def post_new(client, model, **values):
    url = admin_url(model, "add")
    data = form_data(client.get(url), model)
    data.update({name: [value] for name, value in values.items()})
    return client.post(url, data)


def test_a_likely_duplicate_site_is_shown_with_a_link_and_saved_only_when_confirmed(admin_client):
    existing = SiteFactory(name="Petrovskaya coal mine", kind="coal_mine", region="Donetsk")
    values = {
        "name": "Petrovskaja coal mine",
        "slug": "petrovskaja",
        "kind": "coal_mine",
        "region": existing.region.pk,
        "territory": "occupied_ukraine",
    }
    warned = post_new(admin_client, Site, **values)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert "This may be a record that exists already" in page
    assert admin_url(Site, "change", existing.pk) in page and "save_anyway" in page
    assert not Site.objects.filter(slug="petrovskaja").exists()

    saved = post_new(admin_client, Site, **values, save_anyway="on")
    assert saved.status_code == 302
    assert Site.objects.filter(slug="petrovskaja").exists()


def test_a_site_without_a_likely_duplicate_saves_at_once(admin_client):
    SiteFactory(name="Makiivka former factory")
    response = post_new(
        admin_client,
        Site,
        name="Petrovskaya coal mine",
        slug="petrovskaya",
        kind="coal_mine",
        region=region_named("Donetsk").pk,
        territory="occupied_ukraine",
    )
    assert response.status_code == 302


def test_a_second_publication_with_the_same_address_is_a_likely_duplicate(admin_client):
    source = SourceFactory()
    existing = PublicationFactory(source=source, title="Inside the prisons", url="https://raam.example/a/")
    response = post_new(
        admin_client, Publication, source=str(source.pk), title="Another title", url="http://www.raam.example/a"
    )
    assert response.status_code == 200
    assert admin_url(Publication, "change", existing.pk) in response.content.decode()


def test_a_unit_known_by_the_same_number_and_a_similar_source_are_likely_duplicates(admin_client):
    unit = UnitFactory(name="1st Motorized Rifle Battalion")
    UnitAliasFactory(unit=unit, name="в/ч 40463", kind="unit_number")
    response = post_new(admin_client, Unit, name="Battalion of Cap", slug="cap", kind="battalion", unit_number="40463")
    assert admin_url(Unit, "change", unit.pk) in response.content.decode()
    bbc = SourceFactory(name="BBC News Russian")
    response = post_new(admin_client, Source, name="BBC Russian", slug="bbc-russian", kind="media")
    assert admin_url(Source, "change", bbc.pk) in response.content.decode()
