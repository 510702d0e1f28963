"""A testimony's quote in the reader's language (issue 16, item 2): translations with their translator and a machine
mark, shown first with the original beside them, a notice where none exists, every language in the exports and
the API, and nothing of a hidden testimony anywhere public."""

import csv
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from core.curation import PublicationStatus
from tests.factories import QuoteTranslationFactory, TestimonyFactory
from tests.public_crawl import everything_public

pytestmark = pytest.mark.django_db

ORIGINAL = "When I was locked up, they hung us from the ceiling."
RUSSIAN = "Когда меня заперли, нас подвешивали к потолку."


@pytest.fixture
def testimony():
    testimony = TestimonyFactory(quote=ORIGINAL, quote_language="en", witness_label="Former detainee")
    QuoteTranslationFactory(testimony=testimony, language="ru", text=RUSSIAN, translator="DeepL", machine=True)
    QuoteTranslationFactory(testimony=testimony, language="uk", text="Коли мене замкнули.", translator="Olena")
    return testimony


def page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def test_a_russian_reader_sees_the_russian_translation_first_with_the_original_beside_it(client, testimony):
    html = page(client, testimony.get_absolute_url(), "ru")
    assert f'<blockquote lang="ru"><p>{RUSSIAN}</p></blockquote>' in html
    assert f'<blockquote lang="en" class="translation"><p>{escape(ORIGINAL)}</p></blockquote>' in html
    assert html.index(RUSSIAN) < html.index(ORIGINAL)
    assert "Машинный перевод, язык: русский (DeepL)" in html
    assert "пока нет" not in html
    listing = page(client, reverse("testimonies:testimony_list"), "ru")
    assert RUSSIAN in listing and "Машинный перевод" in listing


def test_a_human_translation_names_its_translator_and_is_not_called_machine(client, testimony):
    html = page(client, testimony.get_absolute_url(), "uk")
    assert "Переклад (мова: українська), перекладач: Olena" in html
    assert "Машинний" not in html


def test_without_a_translation_the_original_is_shown_with_a_one_line_notice(client, testimony):
    html = page(client, testimony.get_absolute_url(), "nl")
    assert "Dit citaat is nog niet in het Nederlands vertaald" in html
    assert f'<blockquote lang="en"><p>{escape(ORIGINAL)}</p></blockquote>' in html
    assert RUSSIAN not in html
    # In the quote's own language there is nothing to translate and no notice.
    html = page(client, testimony.get_absolute_url(), "en")
    assert "not been translated" not in html and RUSSIAN not in html


def test_the_older_english_rendering_still_reaches_english_readers(client):
    testimony = TestimonyFactory(quote="Нас держали в яме.", quote_language="ru", translation="They kept us in a pit.")
    html = page(client, testimony.get_absolute_url(), "en")
    assert '<blockquote lang="en"><p>They kept us in a pit.</p></blockquote>' in html
    assert "not been translated" not in html
    html = page(client, testimony.get_absolute_url(), "nl")
    assert "nog niet in het Nederlands vertaald" in html and "They kept us in a pit." in html


def test_one_translation_per_language_and_none_in_the_quotes_own_language(testimony):
    with pytest.raises(ValidationError) as refusal:
        QuoteTranslationFactory.build(testimony=testimony, language="en").full_clean()
    assert "language" in refusal.value.message_dict
    with pytest.raises(IntegrityError):
        QuoteTranslationFactory(testimony=testimony, language="ru")


def test_the_csv_export_has_a_column_per_language(client, testimony):
    response = client.get(reverse("testimonies:testimony_export"))
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["quote_ru"] == RUSSIAN
    assert (row["quote_ru_translator"], row["quote_ru_machine"]) == ("DeepL", "true")
    assert (row["quote_uk_translator"], row["quote_uk_machine"]) == ("Olena", "false")
    assert row["quote_nl"] == row["quote_nl_translator"] == row["quote_nl_machine"] == ""


def test_the_api_carries_every_translation(client, testimony):
    data = client.get(f"/api/testimonies/{testimony.public_id}/").json()
    assert data["translations"] == [
        {"language": "ru", "text": RUSSIAN, "translator": "DeepL", "machine": True},
        {"language": "uk", "text": "Коли мене замкнули.", "translator": "Olena", "machine": False},
    ]


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_a_hidden_testimonys_translations_reach_no_public_page_export_or_api(client, status):
    hidden = TestimonyFactory(status=status)
    QuoteTranslationFactory(testimony=hidden, language="ru", text="Zqxhidden перевод")
    QuoteTranslationFactory(testimony=TestimonyFactory(), language="ru", text="Zqxpublic перевод")
    for language in ("en", "ru"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        public = everything_public(client)
        assert "Zqxhidden" not in public
    assert "Zqxpublic" in public


def test_the_list_does_not_query_per_translation(client, django_assert_max_num_queries):
    for _ in range(3):
        QuoteTranslationFactory(testimony=TestimonyFactory(), language="ru")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("testimonies:testimony_list"))
    for _ in range(10):
        QuoteTranslationFactory(testimony=TestimonyFactory(), language="ru")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("testimonies:testimony_list"))
