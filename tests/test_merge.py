"""Merging duplicates of sites, units, sources and publications (persons: tests/test_persons.py): every link,
citation, alias and posting moves to the kept record, the old public address redirects, and both histories say so."""

import pytest
from django.contrib.auth.models import Group

from core.merge import merge_records
from core.roles import REVIEWER
from sites.models import Site, SiteUnit
from testimonies.models import Citation, Publication, Source
from tests.admin_forms import admin_url
from tests.factories import (
    CitationFactory,
    PostingFactory,
    PublicationFactory,
    SiteAliasFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UnitParentFactory,
    UserFactory,
)
from units.models import Unit, UnitParent

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    user = UserFactory(username="reviewer")
    user.groups.add(Group.objects.get(name=REVIEWER))
    return user


def test_merging_two_sites_moves_links_testimonies_aliases_and_redirects(client, reviewer):
    kept = SiteFactory(name="Petrovskaya coal mine", slug="petrovskaya", status="published")
    merged = SiteFactory(name="Petrovskaja coal mine", slug="petrovskaja", status="published")
    unit = UnitFactory(status="published")
    SiteUnitFactory(site=merged, unit=unit, role="operated", period="2022-11/..")
    SiteAliasFactory(site=merged, name="Петровская шахта")
    testimony = TestimonyFactory(sites=[merged])
    publication = PublicationFactory()
    merged.reported_in.add(publication)

    merged_id = merged.pk
    merge_records(kept, merged, reviewer, reason="Two spellings of one mine.")

    assert not Site.objects.filter(slug="petrovskaja").exists()
    assert SiteUnit.objects.get().site == kept
    assert list(testimony.sites.all()) == [kept]
    assert set(kept.aliases.values_list("name", flat=True)) == {"Петровская шахта", "Petrovskaja coal mine"}
    assert list(kept.reported_in.all()) == [publication]
    assert "Petrovskaja coal mine" in kept.history.first().history_change_reason
    assert "Two spellings" in Site.history.filter(id=merged_id).first().history_change_reason
    assert Site.objects.public().search("Petrovskaja").get() == kept
    response = client.get("/sites/petrovskaja/")
    assert response.status_code == 301 and response["Location"] == kept.get_absolute_url()


def test_merging_two_units_moves_postings_children_and_parent_links_without_a_loop(client, reviewer):
    brigade = UnitFactory(name="5th Brigade", slug="5th", status="published")
    duplicate = UnitFactory(name="5th Motorized Rifle Brigade", slug="5th-mrb", status="published")
    battalion = UnitFactory(name="1st Battalion", parent=duplicate, status="published")
    brigade.parent = duplicate  # typed under its own duplicate: after the merge it must not be its own parent
    brigade.save()
    UnitParentFactory(unit=brigade, parent=duplicate, period="2023")
    PostingFactory(unit=duplicate, period="2023/..")

    merge_records(brigade, duplicate, reviewer)

    brigade.refresh_from_db()
    battalion.refresh_from_db()
    assert battalion.parent == brigade and brigade.parent is None
    assert not UnitParent.objects.filter(unit=brigade, parent=brigade).exists()
    assert brigade.postings.count() == 1
    assert client.get("/units/5th-mrb/")["Location"] == brigade.get_absolute_url()


def test_merging_two_sources_and_two_publications_moves_publications_and_citations(client, reviewer):
    bbc = SourceFactory(name="BBC News Russian", slug="bbc-news-russian", status="published")
    duplicate = SourceFactory(name="BBC Russian", slug="bbc-russian", status="published")
    article = PublicationFactory(source=duplicate, url="https://www.bbc.com/russian/1", status="published")
    copy = PublicationFactory(source=bbc, url="https://bbc.com/russian/1/", status="published")
    copy.cites.add(article)
    citation = CitationFactory(publication=copy)

    merge_records(bbc, duplicate, reviewer)
    assert Publication.objects.get(pk=article.pk).source == bbc
    assert client.get("/sources/bbc-russian/")["Location"] == bbc.get_absolute_url()

    merge_records(article, copy, reviewer)
    assert Citation.objects.get(pk=citation.pk).publication == article
    assert not article.cites.exists()  # it cited its own duplicate
    assert not Publication.objects.filter(pk=copy.pk).exists()
    assert Source.objects.public().search("BBC Russian").get() == bbc


@pytest.mark.parametrize("model", [Site, Unit, Source, Publication])
def test_reviewers_have_the_merge_action_on_every_list(client, reviewer, model):
    client.force_login(reviewer)
    actions = client.get(admin_url(model, "changelist")).context["action_form"].fields["action"].choices
    assert "merge_selected" in [name for name, _label in actions]
