"""The names and descriptions of sites, units, sources and abuse types in the reader's language (issue 16, item 2):
translations with their translator and a machine mark, edited in the record's admin, shown on the pages (with a
notice where a description is in another language), every language in the exports, the data package and the API,
found by search, and nothing of a hidden record anywhere public."""

import csv
import io
import json

import frictionless
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from core.curation import PublicationStatus
from core.generation import current_generation, watched_tables
from core.roles import EDITOR
from sites.clusters import max_zoom
from sites.models import Site, SiteTranslation
from testimonies.models import AbuseTypeTranslation, SourceTranslation
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    AbuseTypeFactory,
    AbuseTypeTranslationFactory,
    SiteAliasFactory,
    SiteFactory,
    SiteTranslationFactory,
    SourceAliasFactory,
    SourceFactory,
    SourceTranslationFactory,
    TestimonyFactory,
    UnitAliasFactory,
    UnitFactory,
    UnitTranslationFactory,
    UserFactory,
)
from tests.public_crawl import everything_public, fetch, search_hits
from tests.test_open_data import download_package
from units.models import UnitTranslation

pytestmark = pytest.mark.django_db

NAME_RU = "шахта «Петровская»"
DESCRIPTION = "A coal mine turned into a detention site."
DESCRIPTION_RU = "Угольная шахта, превращённая в место содержания."


def page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def translated(factory, translation_factory, parent_field, **record):
    """A record with a Russian name by a person and a Russian description by a machine."""
    obj = factory(name="Petrovskaya coal mine", description=DESCRIPTION, **record)
    translation_factory(**{parent_field: obj}, field="name", language="ru", text=NAME_RU, translator="Olena")
    translation_factory(
        **{parent_field: obj},
        field="description",
        language="ru",
        text=DESCRIPTION_RU,
        translator="DeepL",
        machine=True,
    )
    return obj


RECORDS = {
    "site": (SiteFactory, SiteTranslationFactory, "site"),
    "unit": (UnitFactory, UnitTranslationFactory, "unit"),
    "source": (SourceFactory, SourceTranslationFactory, "source"),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_a_russian_reader_sees_the_russian_name_and_description_marked_as_translations(client, kind):
    record = translated(*RECORDS[kind])
    html = page(client, record.get_absolute_url(), "ru")
    assert f"<h1>{escape(NAME_RU)}</h1>" in html
    assert 'Название в оригинале: <span lang="en">Petrovskaya coal mine</span>' in html
    assert "Перевод (язык: русский), переводчик: Olena" in html
    assert f'<div class="record-description" lang="ru"><p>{DESCRIPTION_RU}</p></div>' in html
    assert "Машинный перевод, язык: русский (DeepL)" in html
    assert DESCRIPTION not in html and "пока нет" not in html


ALIAS_FACTORIES = {"site": SiteAliasFactory, "unit": UnitAliasFactory, "source": SourceAliasFactory}


@pytest.mark.parametrize("kind", RECORDS)
def test_the_name_the_heading_shows_is_not_repeated_as_also_known_as(client, kind):
    """The Russian name is an alias and the name's translation: a Russian reader reads it once, as the heading."""
    record = translated(*RECORDS[kind])
    alias_factory = ALIAS_FACTORIES[kind]
    alias_factory(**{kind: record}, name=NAME_RU, language="ru")
    alias_factory(**{kind: record}, name="Petrovska mine", language="uk")
    russian = page(client, record.get_absolute_url(), "ru")
    main = russian.split('<main id="main">')[1]
    assert main.count(escape(NAME_RU)) == 1 and "Petrovska mine" in main
    english = page(client, record.get_absolute_url(), "en")
    assert escape(NAME_RU) in english and "Petrovska mine" in english


@pytest.mark.parametrize("kind", RECORDS)
def test_without_a_translation_the_original_is_shown_with_a_one_line_notice(client, kind):
    record = translated(*RECORDS[kind])
    html = page(client, record.get_absolute_url(), "uk")
    assert "<h1>Petrovskaya coal mine</h1>" in html and NAME_RU not in html
    assert "Перекладу цього опису (мова: українська) поки немає: його показано мовою оригіналу (англійська)." in html
    assert f'<div class="record-description" lang="en"><p>{DESCRIPTION}</p></div>' in html
    assert "Назва в оригіналі" not in html
    # The original's own language needs neither a notice nor a translation.
    html = page(client, record.get_absolute_url(), "en")
    assert "<h1>Petrovskaya coal mine</h1>" in html and "not been translated" not in html
    assert NAME_RU not in html and DESCRIPTION_RU not in html


def test_a_dutch_translation_reaches_dutch_readers_only(client):
    site = SiteFactory(name="Makiivka former mining-supplies factory", description="")
    SiteTranslationFactory(site=site, language="nl", text="Voormalige fabriek voor mijnbouwbenodigdheden, Makiivka")
    assert "<h1>Voormalige fabriek voor mijnbouwbenodigdheden, Makiivka</h1>" in page(
        client, site.get_absolute_url(), "nl"
    )
    russian = page(client, site.get_absolute_url(), "ru")
    assert "<h1>Makiivka former mining-supplies factory</h1>" in russian
    # No description, no notice about it.
    assert "translation-missing" not in russian


def test_the_lists_and_the_testimony_chips_use_the_readers_language(client):
    site = translated(*RECORDS["site"], slug="mine")
    unit = UnitFactory(name="5th Motorized Rifle Brigade")
    UnitTranslationFactory(unit=unit, text="5-я мотострелковая бригада")
    source = SourceFactory(name="Get Lost")
    SourceTranslationFactory(source=source, text="Идите лесом")
    abuse = AbuseTypeFactory(name="Starvation")
    AbuseTypeTranslationFactory(abuse_type=abuse, text="Голод", translator="DeepL", machine=True)
    SiteFactory(name="Untranslated basement")
    testimony = TestimonyFactory(sites=[site], units=[unit], abuse_types=[abuse])
    for url, names in (
        (reverse("sites:site_list"), [NAME_RU, "Untranslated basement"]),
        (reverse("units:unit_list"), ["5-я мотострелковая бригада"]),
        (reverse("testimonies:source_list"), ["Идите лесом"]),
        (reverse("testimonies:testimony_list"), [NAME_RU, "5-я мотострелковая бригада", "Голод"]),
        (testimony.get_absolute_url(), [NAME_RU, "5-я мотострелковая бригада", "Голод"]),
    ):
        html = page(client, url, "ru")
        for name in names:
            assert escape(name) in html, (url, name)
        english = page(client, url, "en")
        assert not any(escape(name) in english for name in names if name != "Untranslated basement"), url


def test_one_translation_per_record_field_and_language():
    site = SiteFactory()
    SiteTranslationFactory(site=site, field="name", language="ru")
    SiteTranslationFactory(site=site, field="description", language="ru")
    SiteTranslationFactory(site=site, field="name", language="uk")
    with pytest.raises(ValidationError) as refusal:
        SiteTranslationFactory.build(site=site, field="name", language="ru").validate_constraints()
    assert "This text already has a translation into this language." in str(refusal.value)
    with pytest.raises(IntegrityError):
        SiteTranslationFactory(site=site, field="name", language="ru")


def test_a_translated_name_is_one_line_and_no_longer_than_the_name():
    site = SiteFactory()
    translation = SiteTranslationFactory.build(site=site, text="шахта\n «Петровская» ")
    translation.full_clean()
    assert translation.text == "шахта «Петровская»"
    with pytest.raises(ValidationError) as refusal:
        SiteTranslationFactory.build(site=site, text="ш" * 201).full_clean()
    assert "text" in refusal.value.message_dict
    # A description may be long.
    SiteTranslationFactory.build(site=site, field="description", text="ш" * 5000).full_clean()


def test_the_admin_edits_translations_inline_and_shows_them_in_the_history(admin_client):
    site = SiteFactory(name="Petrovskaya coal mine")
    url = admin_url(Site, "change", site.pk)
    data = form_data(admin_client.get(url), Site)
    prefix = "translations"
    assert data[f"{prefix}-TOTAL_FORMS"] == ["0"]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": ["2"],
            f"{prefix}-0-field": ["name"],
            f"{prefix}-0-language": ["ru"],
            f"{prefix}-0-text": [NAME_RU],
            f"{prefix}-0-translator": ["Olena"],
            f"{prefix}-1-field": ["description"],
            f"{prefix}-1-language": ["uk"],
            f"{prefix}-1-text": ["Вугільна шахта."],
            f"{prefix}-1-translator": ["DeepL"],
            f"{prefix}-1-machine": ["on"],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    stored = {(t.field, t.language): (t.text, t.translator, t.machine) for t in site.translations.all()}
    assert stored == {
        ("name", "ru"): (NAME_RU, "Olena", False),
        ("description", "uk"): ("Вугільна шахта.", "DeepL", True),
    }
    # The form shows them again, and a change round-trips.
    data = form_data(admin_client.get(url), Site)
    assert data[f"{prefix}-TOTAL_FORMS"] == ["2"] and NAME_RU in data[f"{prefix}-0-text"] + data[f"{prefix}-1-text"]
    index = 0 if data[f"{prefix}-0-field"] == ["name"] else 1
    data[f"{prefix}-{index}-text"] = ["шахта «Петровская» (бывшая)"]
    assert admin_client.post(url, data).status_code == 302
    assert site.translations.get(field="name").text == "шахта «Петровская» (бывшая)"
    history = admin_client.get(admin_url(Site, "history", site.pk)).content.decode()
    assert "site translations" in history.lower()
    assert history.count("name, Russian: шахта «Петровская»") == 2 and "root" in history


def test_a_translation_needs_a_reviewer_once_its_record_is_published(client):
    editor = UserFactory(username="translator")
    editor.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(editor)
    for status, may_add in ((PublicationStatus.DRAFT, True), (PublicationStatus.PUBLISHED, False)):
        response = client.get(admin_url(Site, "change", SiteFactory(status=status).pk))
        inline = next(
            formset for formset in response.context["inline_admin_formsets"] if formset.opts.model is SiteTranslation
        )
        assert inline.has_add_permission is may_add, status


def test_every_translation_table_is_watched_and_a_change_moves_the_generation():
    tables = set(watched_tables())
    for model in (SiteTranslation, UnitTranslation, SourceTranslation, AbuseTypeTranslation):
        assert model._meta.db_table in tables
        assert model.history.model._meta.db_table not in tables
    site = SiteFactory()
    before = current_generation()
    translation = SiteTranslationFactory(site=site)
    assert current_generation() > before
    before = current_generation()
    translation.delete()
    assert current_generation() > before


def export_row(client, name, slug):
    rows = csv.DictReader(io.StringIO(fetch(client, reverse(name))))
    return next(row for row in rows if row["slug"] == slug)


@pytest.mark.parametrize(
    ("kind", "export"),
    [("site", "sites:site_export"), ("unit", "units:unit_export"), ("source", "testimonies:source_export")],
)
def test_the_exports_have_a_column_per_field_and_language(client, kind, export):
    record = translated(*RECORDS[kind], slug="mine")
    row = export_row(client, export, "mine")
    assert (row["name"], row["name_ru"], row["name_ru_translator"], row["name_ru_machine"]) == (
        "Petrovskaya coal mine",
        NAME_RU,
        "Olena",
        "false",
    )
    assert (row["description_ru"], row["description_ru_translator"], row["description_ru_machine"]) == (
        DESCRIPTION_RU,
        "DeepL",
        "true",
    )
    for language in ("nl", "uk"):
        for field in ("name", "description"):
            assert row[f"{field}_{language}"] == row[f"{field}_{language}_machine"] == ""
    assert record.slug == "mine"


@pytest.mark.parametrize("kind", RECORDS)
def test_the_api_carries_every_language(client, kind):
    record = translated(*RECORDS[kind], slug="mine")
    data = client.get(f"/api/{kind}s/mine/").json()
    assert (data["name"], data["name_ru"], data["name_uk"], data["name_nl"]) == (
        "Petrovskaya coal mine",
        NAME_RU,
        None,
        None,
    )
    assert (data["description_ru"], data["description_uk"]) == (DESCRIPTION_RU, None)
    assert data["translations"] == [
        {"field": "description", "language": "ru", "text": DESCRIPTION_RU, "translator": "DeepL", "machine": True},
        {"field": "name", "language": "ru", "text": NAME_RU, "translator": "Olena", "machine": False},
    ]
    assert record.pk


def test_the_api_gives_the_abuse_types_names_in_every_language(client):
    abuse = AbuseTypeFactory(name="Starvation", slug="starvation")
    AbuseTypeTranslationFactory(abuse_type=abuse, language="uk", text="Голод")
    testimony = TestimonyFactory(abuse_types=[abuse])
    data = client.get(f"/api/testimonies/{testimony.public_id}/").json()
    assert data["abuse_types"] == [
        {"slug": "starvation", "name": "Starvation", "name_nl": None, "name_ru": None, "name_uk": "Голод"}
    ]


def test_the_data_package_describes_the_translation_columns_and_validates(client, tmp_path):
    translated(*RECORDS["site"], slug="mine")
    translated(*RECORDS["unit"], slug="brigade")
    translated(*RECORDS["source"], slug="astra")
    package = download_package(client, tmp_path)
    for resource in ("sites", "units", "sources"):
        fields = {
            field["name"]: field
            for field in next(r for r in package["resources"] if r["name"] == resource)["schema"]["fields"]
        }
        for column in ("name_nl", "name_ru", "name_uk", "description_uk", "description_uk_translator"):
            assert fields[column]["type"] == "string", (resource, column)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    dictionary = (settings.BASE_DIR / "docs" / "data-dictionary.md").read_text()
    assert "| `description_uk_machine` | boolean |" in dictionary


def test_a_russian_name_finds_its_site_until_the_translation_is_removed(client):
    site = SiteFactory(name="Petrovskaya coal mine", slug="mine")
    translation = SiteTranslationFactory(site=site, text="шахта «Забытая»")
    assert list(Site.objects.public().search("Забытая")) == [site]
    assert search_hits(client, "Забытая") >= 2  # the list and the export, at least
    # The search page names the site in the reader's language, and says which other name matched.
    html = page(client, f"{reverse('archive:search')}?q=Забытая", "en")
    assert site.get_absolute_url() in html and "Also known as: шахта «Забытая»" in html
    html = page(client, f"{reverse('archive:search')}?q=Забытая", "ru")
    assert f'<a href="{site.get_absolute_url()}">шахта «Забытая»</a>' in html
    translation.delete()
    assert list(Site.objects.public().search("Забытая")) == []
    # A description's translation is not a name.
    SiteTranslationFactory(site=site, field="description", text="шахта «Забытая»")
    assert list(Site.objects.public().search("Забытая")) == []


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_a_hidden_records_translations_reach_no_public_page_export_api_or_search(client, status):
    hidden_site = SiteFactory(status=status)
    hidden_unit = UnitFactory(status=status)
    hidden_source = SourceFactory(status=status)
    hidden_abuse = AbuseTypeFactory(status=status)
    public_site = SiteFactory(name="Public mine", latitude=48.0, longitude=37.8)
    TestimonyFactory(sites=[public_site, hidden_site], units=[hidden_unit], abuse_types=[hidden_abuse])
    for record, factory, parent in (
        (hidden_site, SiteTranslationFactory, "site"),
        (hidden_unit, UnitTranslationFactory, "unit"),
        (hidden_source, SourceTranslationFactory, "source"),
        (hidden_abuse, AbuseTypeTranslationFactory, "abuse_type"),
    ):
        for language in ("nl", "ru", "uk"):
            for field in ("name", "description"):
                factory(**{parent: record}, field=field, language=language, text=f"Zqxhidden {field} {language}")
    SiteTranslationFactory(site=public_site, text="Zqxpublic перевод")
    assert search_hits(client, "Zqxhidden") == 0
    for language in ("en", "ru", "uk", "nl"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        public = everything_public(client)
        assert "Zqxhidden" not in public, language
    assert "Zqxpublic" in public
    assert json.dumps("Zqxpublic перевод")[1:-1] in public or "Zqxpublic перевод" in public


def test_pages_do_not_query_per_translation(client, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            site = translated(*RECORDS["site"])
            unit = UnitFactory(parent=UnitFactory())
            UnitTranslationFactory(unit=unit)
            UnitTranslationFactory(unit=unit.parent)
            abuse = AbuseTypeFactory()
            AbuseTypeTranslationFactory(abuse_type=abuse)
            TestimonyFactory(sites=[site], units=[unit], abuse_types=[abuse])
            translated(*RECORDS["source"])

    urls = [
        reverse("sites:site_list"),
        reverse("units:unit_list"),
        reverse("testimonies:source_list"),
        reverse("testimonies:testimony_list"),
        "/api/sites/",
        "/api/units/",
        "/api/sources/",
        "/api/testimonies/",
    ]
    add(2)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        counts[url] = len(few)
    add(8)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_reading_a_translation_never_queries_and_without_a_prefetch_gives_the_original(django_assert_num_queries):
    site = translated(*RECORDS["site"])
    prefetched = Site.objects.with_translations().get(pk=site.pk)
    plain = Site.objects.get(pk=site.pk)
    with django_assert_num_queries(0):
        reading = prefetched.text_in("description", "ru")
        assert (reading.text, reading.language, reading.missing) == (DESCRIPTION_RU, "ru", False)
        assert reading.translation.machine and reading.translation.translator == "DeepL"
        assert prefetched.text_in("name", "uk").missing and prefetched.text_in("name", "uk").text == site.name
        assert not prefetched.text_in("name", "en").missing
        assert plain.text_in("name", "ru").text == "Petrovskaya coal mine"


def test_the_list_filters_name_records_in_the_readers_language(client):
    """The abuse-type choices and the facets' links (units, sites, sources, abuse types) use the names a reader
    of the language has; an English reader sees the originals, and each language's counts are cached apart."""
    abuse = AbuseTypeFactory(name="Beating", slug="beating")
    AbuseTypeTranslationFactory(abuse_type=abuse, field="name", language="ru", text="Избиения", machine=True)
    unit = UnitFactory(name="110th Brigade")
    UnitTranslationFactory(unit=unit, field="name", language="ru", text="110-я бригада")
    TestimonyFactory(abuse_types=[abuse], units=[unit])
    russian = page(client, reverse("testimonies:testimony_list"), "ru")
    assert '<option value="beating">Избиения' in russian and "110-я бригада</a>" in russian
    english = page(client, reverse("testimonies:testimony_list"), "en")
    assert '<option value="beating">Beating' in english and "110th Brigade</a>" in english
    assert "Избиения" not in english and "110-я бригада" not in english


def test_the_map_markers_name_a_site_in_the_readers_language(client):
    site = SiteFactory(name="Petrovskaya coal mine", latitude="48.0", longitude="37.8")
    SiteTranslationFactory(site=site, field="name", language="ru", text=NAME_RU)
    closest = {"bbox": "37,47,39,49", "zoom": max_zoom()}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    (marker,) = client.get(reverse("sites:site_map_markers"), closest).json()["features"]
    assert marker["properties"]["name"] == NAME_RU
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    (marker,) = client.get(reverse("sites:site_map_markers"), closest).json()["features"]
    assert marker["properties"]["name"] == "Petrovskaya coal mine"
