"""Home and detail pages: cross-references between every kind of record, without dead ends."""

import io
import re

import pytest
from django.urls import reverse

from sites.models import SiteUnit
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked():
    source = SourceFactory(name="ASTRA", slug="astra")
    publication = PublicationFactory(source=source, title="Hidden prisons", url="https://astra.example/prisons")
    parent = UnitFactory(name="123rd Brigade", slug="123rd")
    battalion = UnitFactory(name="1st Battalion", slug="first-bn", unit_number="40463", parent=parent)
    commander = PersonFactory(name="Alexei Korchagin", slug="korchagin")
    PersonAliasFactory(person=commander, name="Cap")
    PostingFactory(unit=battalion, person=commander, publication=publication)
    site = SiteFactory(name="Petrovskaya coal mine", slug="petrovskaya", latitude=48.0, longitude=37.8)
    SiteUnitFactory(site=site, unit=battalion, role=SiteUnit.Role.OPERATED, publication=publication)
    site.reported_in.add(publication)
    abuse = AbuseTypeFactory(name="Electrocution", slug="electrocution")
    testimony = TestimonyFactory(
        witness_label="Soldier who served under Cap",
        quote="Два провода подключают к человеку.",
        quote_language="ru",
        translation="Two wires are attached to a person.",
        sites=[site],
        units=[battalion],
        abuse_types=[abuse],
    )
    citation = CitationFactory(testimony=testimony, publication=publication, locator="03:12")
    return locals()


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_testimony_page_links_to_everything_it_rests_on(client, linked):
    html = page(client, linked["testimony"].get_absolute_url())
    # An English reader reads the English translation first, with the Russian original beside it.
    english, original = html.index('<blockquote lang="en">'), html.index('<blockquote lang="ru"')
    assert english < original
    assert "Two wires" in html[english:original] and "Два провода" in html[original:]
    for record in ("site", "battalion", "source"):
        assert linked[record].get_absolute_url() in html
    assert "https://astra.example/prisons" in html and "03:12" in html
    assert "?abuse_type=electrocution" in html


def test_site_page_shows_units_with_roles_testimonies_sources_and_location(client, linked):
    html = page(client, linked["site"].get_absolute_url())
    assert linked["battalion"].get_absolute_url() in html and "Operated the site" in html
    assert linked["testimony"].get_absolute_url() in html
    assert linked["publication"].get_absolute_url() in html
    assert "48.0000, 37.8000" in html


def test_unit_page_shows_parent_sub_units_commanders_sites_and_testimonies(client, linked):
    html = page(client, linked["battalion"].get_absolute_url())
    assert linked["parent"].get_absolute_url() in html
    assert "Alexei Korchagin" in html and "“Cap”" in html
    assert linked["site"].get_absolute_url() in html
    assert linked["testimony"].get_absolute_url() in html
    parent_html = page(client, linked["parent"].get_absolute_url())
    assert linked["battalion"].get_absolute_url() in parent_html


def test_source_page_shows_publications_and_testimonies(client, linked):
    html = page(client, linked["source"].get_absolute_url())
    assert f'id="publication-{linked["publication"].pk}"' in html
    assert linked["testimony"].get_absolute_url() in html


def test_home_page_counts_and_recent_testimonies(client, linked):
    response = client.get(reverse("archive:home"))
    assert response.context["counts"] == {"testimonies": 1, "sites": 1, "units": 2, "sources": 1}
    assert list(response.context["recent_testimonies"]) == [linked["testimony"]]
    html = response.content.decode()
    for name in ("testimony_list", "source_list"):
        assert reverse(f"testimonies:{name}") in html
    assert reverse("sites:site_list") in html and reverse("units:unit_list") in html


def test_every_page_has_a_title_and_description(client, linked):
    for url in ("/", "/testimonies/", "/sites/", "/units/", "/sources/", linked["site"].get_absolute_url()):
        html = page(client, url)
        assert "<title>" in html and '<meta name="description" content="' in html
        assert '<html lang="en">' in html


def test_demo_data_has_no_dead_end_from_home_to_sources(client):
    from django.core.management import call_command

    from testimonies.models import Testimony

    call_command("load_demo", stdout=io.StringIO())
    home = page(client, "/")
    for testimony in Testimony.objects.public():
        assert page(client, "/testimonies/?per_page=100").count(testimony.get_absolute_url()) >= 1
        html = page(client, testimony.get_absolute_url())
        # Limited consent: its sites are named by their regions only, never linked.
        sites = [] if testimony.is_limited else testimony.sites.public()
        for link in [*sites, *testimony.units.public()]:
            assert link.get_absolute_url() in html
            page(client, link.get_absolute_url())
    assert "/testimonies/" in home


def test_testimony_page_gives_no_heading_to_what_is_not_linked(client):
    """Empty kinds of record take no heading ("No unit named." under "Units" was noise); with nothing linked one
    line says so, and a testimony without a public source says that in a sentence, not as a numbered item."""
    testimony = TestimonyFactory(witness_label="Relative", sites=[], units=[])
    html = page(client, testimony.get_absolute_url())
    for heading in (">Sites</h3>", ">Units</h3>", ">Abuses described</h3>"):
        assert heading not in html
    assert "No public site, unit or kind of abuse is linked to this testimony yet." in html
    assert '<ol class="citations">' not in html and "No public source is recorded for this testimony yet." in html

    testimony.units.add(UnitFactory(name="5th Brigade"))
    html = page(client, testimony.get_absolute_url())
    assert ">Units</h3>" in html and ">Sites</h3>" not in html and "No public site, unit" not in html


def test_citation_reads_as_one_sentence(client, linked):
    html = page(client, linked["testimony"].get_absolute_url())
    citation = html[html.index('<ol class="citations">') : html.index("</ol>", html.index('<ol class="citations">'))]
    assert re.search(r"prisons</a> \([^)]+\), 03:12\.", citation) and " ," not in citation, citation


def test_card_says_the_role_once_and_tells_sites_from_units_by_shape(client, linked):
    TestimonyFactory(witness_label="Former detainee", witness_role="former_detainee")
    html = page(client, reverse("testimonies:testimony_list"))
    card = html[html.index(">Former detainee</a></h3>") :]
    card = card[: card.index("</article>")]
    assert "Former detainee" not in card.replace(">Former detainee</a></h3>", "", 1), card
    assert f'class="tag site" href="{linked["site"].get_absolute_url()}"' in html
    assert f'class="tag unit" href="{linked["battalion"].get_absolute_url()}"' in html
