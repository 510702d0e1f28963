import re
from io import StringIO

import pytest
from django.core.management import call_command

from archive import demo_data
from core.curation import PublicationStatus
from sites.models import Site, SiteAlias, SiteTranslation, SiteUnit
from testimonies.models import (
    AbuseType,
    AbuseTypeTranslation,
    Citation,
    Publication,
    Source,
    SourceAlias,
    SourceTranslation,
    TestimonyPerson,
)
from testimonies.models import Testimony as WitnessTestimony  # not "Test*": pytest would try to collect it
from units.models import Person, PersonAlias, Posting, Unit, UnitAlias, UnitParent, UnitTranslation

pytestmark = pytest.mark.django_db

MODELS = [Source, Publication, AbuseType, Unit, Person, Posting, Site, SiteUnit, WitnessTestimony, Citation]
MODELS += [SourceAlias, UnitAlias, SiteAlias, PersonAlias, UnitParent, TestimonyPerson]
MODELS += [SourceTranslation, UnitTranslation, SiteTranslation, AbuseTypeTranslation]
THROUGH_TABLES = [
    Publication.cites.through,
    Site.reported_in.through,
    WitnessTestimony.sites.through,
    WitnessTestimony.units.through,
    WitnessTestimony.abuse_types.through,
]
EXPECTED_COUNTS = {
    Source: 3,
    Publication: 4,
    AbuseType: 13,
    Unit: 8,
    Person: 1,
    Posting: 1,
    Site: 5,
    SiteUnit: 6,
    WitnessTestimony: 14,
    Citation: 13,
    SourceAlias: 5,
    UnitAlias: 14,
    SiteAlias: 10,
    PersonAlias: 2,
    UnitParent: 2,
    TestimonyPerson: 2,
    # The Russian and Ukrainian names (aliases of kind original or translation), one Dutch site name, and the
    # abuse types' names in three languages.
    SourceTranslation: 2,
    UnitTranslation: 14,
    SiteTranslation: 9,
    AbuseTypeTranslation: 39,
}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row of every demo table, with all its field values (including updated_at)."""
    return {model: list(model.objects.order_by("pk").values()) for model in MODELS + THROUGH_TABLES}


def test_loader_creates_expected_counts():
    output = load_demo()

    for model, expected in EXPECTED_COUNTS.items():
        assert model.objects.count() == expected, model.__name__
        assert f"{model._meta.object_name}" in output
    # The counts follow from the data module, so a change to the data shows up here and there alike.
    assert WitnessTestimony.objects.count() == len(demo_data.TESTIMONIES)
    assert Site.objects.count() == len(demo_data.SITES)
    assert Unit.objects.count() == len(demo_data.UNITS)


def test_loading_twice_changes_nothing():
    load_demo()
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    for model in MODELS:
        line = next(line for line in output.splitlines() if line.split()[:1] == [model._meta.object_name])
        assert re.search(r"\(0 created, 0 updated, \d+ unchanged, 0 link sets changed\)", line), line


def test_loading_restores_a_changed_record_without_duplicating_it():
    load_demo()
    Site.objects.filter(slug="petrovskaya-coal-mine").update(settlement="Somewhere else")
    WitnessTestimony.objects.get(witness_label="Former detainee").abuse_types.clear()

    load_demo()

    assert Site.objects.get(slug="petrovskaya-coal-mine").settlement == "Donetsk"
    assert list(
        WitnessTestimony.objects.get(witness_label="Former detainee").abuse_types.values_list("slug", flat=True)
    ) == ["chaining-hanging"]
    assert Site.objects.count() == EXPECTED_COUNTS[Site]


def test_petrovskaya_coal_mine_was_operated_by_the_5th_and_110th_brigades():
    load_demo()
    mine = Site.objects.get(slug="petrovskaya-coal-mine")

    assert mine.kind == Site.Kind.COAL_MINE
    assert mine.territory == Site.Territory.OCCUPIED_UKRAINE
    assert set(mine.units.values_list("slug", flat=True)) == {"5th-motorized-rifle-brigade", "110th-brigade"}
    links = SiteUnit.objects.filter(site=mine)
    assert {link.role for link in links} == {SiteUnit.Role.OPERATED}
    assert all(link.publication.source.slug == "astra" for link in links)
    assert set(mine.reported_in.values_list("source__slug", flat=True)) == {"astra", "platform-raam"}


def test_unit_40463_belongs_to_the_123rd_brigade_and_is_commanded_by_cap():
    load_demo()
    battalion = Unit.objects.get(unit_number="40463")

    assert battalion.kind == Unit.Kind.BATTALION
    assert battalion.parent.slug == "123rd-brigade"
    assert battalion in Unit.objects.get(slug="123rd-brigade").children.all()
    posting = battalion.postings.get()
    assert (posting.person.name, posting.person.call_signs, posting.role) == ("Alexei Korchagin", ["Cap"], "commander")
    assert posting.publication.title == demo_data.RAAM_TITLE
    assert battalion.parent_links.get().parent.slug == "123rd-brigade"


def test_the_soldier_who_served_under_cap_names_korchagin_and_his_page_shows_the_chain(client):
    load_demo()
    soldier = WitnessTestimony.objects.get(witness_label='Soldier who served under "Cap"')
    assert set(soldier.person_links.values_list("person__slug", "role")) == {
        ("alexei-korchagin", "commander"),
        ("alexei-korchagin", "perpetrator"),
    }
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(soldier.get_absolute_url()).content.decode()))
    assert (
        "1st Motorized Rifle Battalion, 123rd Brigade (unit 40463) — commander Alexei Korchagin (“Cap”) — according "
        "to Inside Russia&#x27;s hidden prison system for deserters (Platform Raam), confidence: Medium"
    ) in text
    person_page = client.get("/persons/alexei-korchagin/").content.decode()
    assert soldier.get_absolute_url() in person_page and "1st Motorized Rifle Battalion" in person_page


def test_every_published_testimony_has_a_public_citation():
    load_demo()
    published = WitnessTestimony.objects.public()

    assert published.count() == 10
    # The demo records are made up and cite nothing.
    for testimony in published.exclude(witness_label__startswith="[Demo"):
        assert testimony.citations.exists(), testimony.witness_label
        assert Citation.objects.public().filter(testimony=testimony).exists(), testimony.witness_label


def test_demo_drafts_exist_and_are_not_public():
    load_demo()

    hidden = WitnessTestimony.objects.exclude(status=PublicationStatus.PUBLISHED)
    assert set(hidden.values_list("status", flat=True)) == {
        PublicationStatus.DRAFT,
        PublicationStatus.REVIEW,
        PublicationStatus.WITHHELD,
    }
    assert all(t.witness_label.startswith("[Demo") for t in hidden)
    withdrawn = WitnessTestimony.objects.get(consent="withdrawn")
    assert withdrawn in hidden and not withdrawn.real_name
    limited = WitnessTestimony.objects.public().get(consent="limited")
    assert limited.witness_label.startswith("[Demo limited]") and limited.given_on.day == 14
    assert not WitnessTestimony.objects.public().filter(pk__in=hidden).exists()

    draft = WitnessTestimony.objects.get(witness_label="[Demo draft] Unconfirmed account")
    assert draft.real_name == "Demo Realname"
    assert draft.contact == "demo-contact@example.invalid"
    assert draft.internal_notes

    draft_site = Site.objects.get(slug="demo-draft-unconfirmed-site-near-horlivka")
    assert draft_site.status == PublicationStatus.DRAFT
    assert draft_site not in Site.objects.public()
    review_unit = Unit.objects.get(status=PublicationStatus.REVIEW)
    assert review_unit.name.startswith("[Demo")
    assert review_unit not in Unit.objects.public()

    # Every record that is not a demo record is published.
    assert not Source.objects.exclude(status=PublicationStatus.PUBLISHED).exists()
    assert not Publication.objects.exclude(status=PublicationStatus.PUBLISHED).exists()
    for model in (Unit, Site):
        assert not model.objects.exclude(status=PublicationStatus.PUBLISHED).exclude(name__startswith="[Demo").exists()


def test_platform_raam_article_cites_astra():
    load_demo()
    article = Publication.objects.get(source__slug="platform-raam", title=demo_data.RAAM_TITLE)

    assert str(article.published_on) == "2025-07-21"
    assert article.language == "en"
    cited_sources = set(article.cites.values_list("source__slug", flat=True))
    assert "astra" in cited_sources
    assert article.cites.filter(source__slug="astra", kind=Publication.Kind.VIDEO).exists()
    # `cites` is not symmetrical: ASTRA does not cite Platform Raam.
    assert not Publication.objects.filter(source__slug="astra", cites=article).exists()


def test_names_are_translated_by_the_editors_and_abuse_types_by_a_machine_marked_so(client):
    load_demo()
    petrovskaya = SiteTranslation.objects.get(site__slug="petrovskaya-coal-mine", language="ru")
    assert (petrovskaya.text, petrovskaya.translator, petrovskaya.machine) == (
        "шахта «Петровская»",
        demo_data.EDITORS,
        False,
    )
    assert not UnitTranslation.objects.filter(machine=True).exists()
    assert not SourceTranslation.objects.filter(machine=True).exists()
    assert set(AbuseTypeTranslation.objects.values_list("machine", flat=True)) == {True}
    client.cookies["django_language"] = "ru"
    html = client.get("/sites/petrovskaya-coal-mine/").content.decode()
    assert "<h1>шахта «Петровская»</h1>" in html and "переводчик: the Testimony DB editors" in html
    listing = client.get("/testimonies/").content.decode()
    assert "Голод" in listing or "Избиения" in listing
