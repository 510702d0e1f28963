"""Interface languages: complete catalogues, compiled files in step, nothing left unmarked, and the switch itself."""

import datetime
import gettext
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from sites.filters import SiteFilter
from tests.factories import SiteFactory, TestimonyFactory

BASE_DIR = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES]
# What `make messages` runs; the test below runs the same on a copy of the project.
MAKEMESSAGES = [
    "makemessages",
    *[f"--locale={code}" for code in LANGUAGES],
    "--add-location=file",
    "--no-obsolete",
    "--ignore=staticfiles/*",
    "--ignore=media/*",
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
NAV_TESTIMONIES = {"en": "Testimonies", "nl": "Getuigenissen", "ru": "Свидетельства", "uk": "Свідчення"}


def catalogue_path(code: str, suffix: str = "po") -> Path:
    return BASE_DIR / "locale" / code / "LC_MESSAGES" / f"django.{suffix}"


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(catalogue_path(code)))


def message_keys(po: polib.POFile) -> set[tuple]:
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in po}


def test_the_interface_has_four_languages():
    assert LANGUAGES == ["en", "nl", "ru", "uk"]
    for code in LANGUAGES:
        assert catalogue_path(code).exists() and catalogue_path(code, "mo").exists(), code


# --- the catalogues ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_is_translated(code):
    po = catalogue(code)
    assert po.metadata["Language"] == code
    assert not po.metadata_is_fuzzy
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert [entry.msgid for entry in po.obsolete_entries()] == []
    plurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(plurals)), entry.msgid
            assert all(form.strip() for form in entry.msgstr_plural.values()), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid
    assert len(po) > 250


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_every_placeholder(code):
    """A translation that drops or renames %(name)s would break the page it is shown on."""
    for entry in catalogue(code):
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                assert set(PLACEHOLDER.findall(form)) == expected, (entry.msgid, form)
        else:
            assert set(PLACEHOLDER.findall(entry.msgstr)) == set(PLACEHOLDER.findall(entry.msgid)), entry.msgid


def test_all_catalogues_hold_the_same_messages():
    english = message_keys(catalogue("en"))
    for code in LANGUAGES[1:]:
        assert message_keys(catalogue(code)) == english, code


@pytest.mark.parametrize("code", LANGUAGES)
def test_compiled_catalogue_is_in_step_with_its_source(code):
    """The committed .mo files are what Django reads; they must hold exactly what the .po files say."""
    with open(catalogue_path(code, "mo"), "rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)
    catalog.pop("", None)  # the header
    expected = {}
    for entry in catalogue(code).translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected.update({(key, index): form for index, form in entry.msgstr_plural.items()})
        else:
            expected[key] = entry.msgstr
    assert catalog == expected


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("REQUIRE_SYSTEM_TOOLS"),
    reason="GNU gettext is not installed (apt-get install gettext); .ci/run installs it so CI runs this test",
)
def test_makemessages_finds_no_new_or_removed_message(tmp_path):
    """Runs `make messages`'s extraction on a copy of the project: every marked string must already be in the
    catalogues, translated, and nothing the code no longer uses may be left in them."""
    copy = tmp_path / "project"
    ignored = shutil.ignore_patterns(".*", "__pycache__", "staticfiles", "media", "db.sqlite3*", "bench", "tests")
    shutil.copytree(BASE_DIR, copy, ignore=ignored)
    env = {**os.environ, "SECRET_KEY": "makemessages-in-a-test", "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run(  # noqa: S603 - our own manage.py, run with this interpreter on a copy of the project
        [sys.executable, "manage.py", *MAKEMESSAGES], cwd=copy, env=env, check=True, capture_output=True, timeout=300
    )
    for code in LANGUAGES:
        extracted = polib.pofile(str(copy / "locale" / code / "LC_MESSAGES" / "django.po"))
        new = [entry.msgid for entry in extracted if not entry.translated()]
        assert new == [], f"{code}: strings without a translation; run `make messages` and translate them"
        assert message_keys(extracted) == message_keys(catalogue(code)), code


# --- nothing in the templates escapes translation ---------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the attributes that are read out or shown."""

    SPOKEN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}

    def __init__(self):
        super().__init__()
        self.texts = []

    def handle_data(self, data):
        self.texts.append(data)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.texts += [value or "" for name, value in attrs if name in self.SPOKEN_ATTRIBUTES]
        if tag == "meta" and attributes.get("name") == "description":
            self.texts.append(attributes.get("content") or "")


def untranslated_template_text(source: str) -> list[str]:
    source = re.sub(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", " ", source, flags=re.S)
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    parser = VisibleText()
    parser.feed(source)
    return [text.strip() for text in parser.texts if re.search(r"[^\W\d_]", text)]


TEMPLATES = sorted((BASE_DIR / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(BASE_DIR / "templates")))
def test_template_text_is_all_marked_for_translation(template):
    assert untranslated_template_text(template.read_text()) == []


def test_the_template_check_finds_unmarked_text():
    assert untranslated_template_text('<p>Hello</p><a aria-label="Close">×</a>') == ["Hello", "Close"]
    assert untranslated_template_text('<p>{% translate "Hello" %} → {{ name }}</p>') == []


# --- switching language -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_switcher_sets_the_language_cookie_and_the_page_follows(client):
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/sites/?region=Donetsk"})
    assert response.status_code == 302 and response["Location"] == "/sites/?region=Donetsk"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get("/")
    html = page.content.decode()
    assert '<html lang="ru">' in html
    assert "Свидетельства" in html and "Последние свидетельства" in html
    assert page["Content-Language"] == "ru"


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGES)
def test_every_page_comes_in_every_language(client, code):
    site = SiteFactory(slug="mine", latitude=48, longitude=37.8)
    testimony = TestimonyFactory(sites=[site])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    for url in ("/", "/testimonies/", "/sites/", "/sites/map/", "/units/", "/sources/", site.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'<html lang="{code}">' in html, url
        assert f">{NAV_TESTIMONIES[code]}</a>" in html, url
    html = client.get(testimony.get_absolute_url()).content.decode()
    assert f'<html lang="{code}">' in html


@pytest.mark.django_db
def test_the_browser_language_is_used_until_the_reader_chooses(client):
    assert '<html lang="uk">' in client.get("/", headers={"accept-language": "uk,ru;q=0.8"}).content.decode()
    assert '<html lang="nl">' in client.get("/", headers={"accept-language": "nl-BE"}).content.decode()
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "de"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert '<html lang="ru">' in client.get("/", headers={"accept-language": "uk"}).content.decode()


@pytest.mark.django_db
def test_the_switcher_offers_every_language_in_its_own_name_and_returns_to_the_same_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get("/sites/", {"region": "Donetsk"}).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'name="next" value="/sites/?region=Donetsk"' in html
    for code, name in (("en", "English"), ("ru", "Русский"), ("uk", "Українська")):
        assert f'name="language" value="{code}" lang="{code}">{name}</button>' in html
    assert 'value="nl" lang="nl" aria-current="true" disabled>Nederlands</button>' in html


@pytest.mark.django_db
def test_the_switcher_never_redirects_off_site(client):
    response = client.post(reverse("set_language"), {"language": "uk", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "date"),
    [("en", "Jan. 10, 2025"), ("nl", "10 januari 2025"), ("ru", "10 января 2025"), ("uk", "10 січня 2025")],
)
def test_dates_are_written_the_readers_way(client, code, date):
    testimony = TestimonyFactory(given_on=datetime.date(2025, 1, 10))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    assert date in client.get(testimony.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "count"),
    [
        ("en", "12,345 results"),
        ("nl", "12.345 resultaten"),
        ("ru", "12\xa0345 результатов"),
        ("uk", "12\xa0345 результатів"),
    ],
)
def test_numbers_and_plurals_are_written_the_readers_way(code, count):
    with translation.override(code):
        html = render_to_string(
            "includes/list_controls.html",
            {"filter": SiteFilter(), "result_count": 12345, "request": RequestFactory().get("/sites/")},
        )
    assert count in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "words"), [(1, "1 результат"), (3, "3 результата"), (5, "5 результатов"), (21, "21 результат")]
)
def test_russian_plural_forms(number, words):
    with translation.override("ru"):
        html = render_to_string(
            "includes/list_controls.html",
            {"filter": SiteFilter(), "result_count": number, "request": RequestFactory().get("/sites/")},
        )
    assert f"{words}\n" in html


@pytest.mark.django_db
def test_quotes_keep_their_language_with_the_english_translation_beside(client):
    testimony = TestimonyFactory(
        quote="Нас держали в яме.", quote_language="ru", translation="They kept us in a pit.", given_on=None
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    for url in (testimony.get_absolute_url(), "/testimonies/", "/"):
        html = client.get(url).content.decode()
        assert re.search(r'<blockquote lang="ru">(<p>)?Нас держали в яме\.', html), url
        assert re.search(r'<blockquote lang="en"[^>]*>.*They kept us in a pit\.', html, re.S), url
    detail = client.get(testimony.get_absolute_url()).content.decode()
    assert "Мова оригіналу: російська" in detail and "Переклад англійською" in detail


@pytest.mark.django_db
def test_coordinates_stay_machine_readable_in_every_language(client):
    site = SiteFactory(latitude=48.0159, longitude=37.8028)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    # A dot, never the Russian decimal comma, and no more digits than the stored precision says (six decimals
    # read as a precision to ten centimetres).
    assert "48.0159, 37.8028" in client.get(site.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_open_data_does_not_depend_on_the_language(client):
    SiteFactory(slug="mine", latitude=48, longitude=37.8)
    english = [client.get(url).content for url in ("/api/sites/", "/api/schema/")]
    english.append(b"".join(client.get("/export/sites.geojson").streaming_content))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    russian = [client.get(url).content for url in ("/api/sites/", "/api/schema/")]
    russian.append(b"".join(client.get("/export/sites.geojson").streaming_content))
    assert russian == english


def test_admin_action_labels_follow_the_language_of_the_request():
    from core.admin_base import CuratedAdmin

    action = next(action for action in CuratedAdmin.actions if action.__name__ == "mark_published")
    with translation.override("en"):
        assert str(action.short_description) == "Set status of selected records to “Published”"
    with translation.override("ru"):
        assert str(action.short_description) == "Установить для выбранных записей статус «Опубликовано»"
