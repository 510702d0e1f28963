"""The Nu HTML Checker (vnu, the W3C validator's engine) finds no error in the rendered HTML of any public page type,
in English and in Russian: one page of each type, checked in one run of the checker (tests/README.md)."""

import html
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import (
    CitationFactory,
    PersonFactory,
    PostingFactory,
    QuoteTranslationFactory,
    SiteFactory,
    SiteTranslationFactory,
    SiteUnitFactory,
    TestimonyFactory,
    UnitFactory,
    UnitTranslationFactory,
)
from tests.public_crawl import LISTS

VNU = Path(__file__).resolve().parent.parent / ".tools" / "vnu.jar"
JAVA = shutil.which("java")

pytestmark = [
    pytest.mark.skipif(
        (JAVA is None or not VNU.exists()) and not os.environ.get("REQUIRE_SYSTEM_TOOLS"),
        reason="needs Java and the Nu HTML Checker: make .tools/vnu.jar (.ci/run does)",
    ),
    pytest.mark.django_db,
]


def test_every_public_page_type_is_valid_html(client, tmp_path, monkeypatch):
    # Facets counted over a sample (with the form's note and uncounted choices) and Next links by cursor on every
    # list, as on a large archive.
    monkeypatch.setattr("core.facets.SAMPLE_SIZE", 1)
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 1)
    unit = UnitFactory(name="1st Motorized Rifle Battalion", slug="battalion", description="A battalion.")
    site = SiteFactory(
        slug="mine", name="Coal mine", description="A mine.", latitude=Decimal("48.0159"), longitude=Decimal("37.8028")
    )
    # A translated name and description (core.translations), and a unit whose description has none (a notice).
    SiteTranslationFactory(site=site, text="шахта")
    SiteTranslationFactory(site=site, field="description", text="Шахта.", translator="DeepL", machine=True)
    UnitTranslationFactory(unit=unit, text="1-й мотострелковый батальон")
    SiteUnitFactory(site=site, unit=unit)
    testimony = TestimonyFactory(witness_label="Former detainee", sites=[site], units=[unit], events="2024-03")
    TestimonyFactory(sites=[site], units=[unit], events="2023")
    QuoteTranslationFactory(testimony=testimony, language="ru")
    publication = CitationFactory(testimony=testimony).publication
    person = PersonFactory(name="Alexei Korchagin", slug="korchagin")
    PostingFactory(person=person, unit=unit)
    TestimonyFactory(sites=[site], witness_role="volunteer")
    first = client.get(reverse("testimonies:testimony_list"), {"per_page": "1", "page": "2"}).content.decode()
    cursor_page = html.unescape(re.search(r'<a href="(\?[^"]*after=[^"]*)" rel="next">', first).group(1))
    pages = [
        reverse("archive:home"),
        reverse("testimonies:testimony_list") + cursor_page,
        *(reverse(name) for name in LISTS),
        f"{reverse('testimonies:testimony_list')}?q=zzz-nothing",
        reverse("archive:overview"),
        f"{reverse('archive:overview')}?witness_role=nonsense&q=zzz-nothing",
        reverse("sites:site_map"),
        f"{reverse('archive:search')}?q=mine",
        testimony.get_absolute_url(),
        site.get_absolute_url(),
        unit.get_absolute_url(),
        person.get_absolute_url(),
        publication.source.get_absolute_url(),
        publication.get_absolute_url(),
        "/no-such-page/",
    ]
    files = {}
    for language in ("en", "ru"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for number, url in enumerate(pages):
            response = client.get(url)
            assert response.status_code == (404 if url == "/no-such-page/" else 200), url
            path = tmp_path / f"{language}-{number}.html"
            path.write_bytes(response.content)
            files[f"file:{path}"] = f"{language} {url}"
    assert JAVA is not None and VNU.exists(), "make .tools/vnu.jar, and install Java"
    result = subprocess.run(  # noqa: S603 (Java and the checker with fixed arguments, on files the test wrote)
        [JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, sorted(tmp_path.glob("*.html")))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The checker reports in JSON on stderr, also when it finds nothing: no report means it did not run.
    messages = json.loads(result.stderr)["messages"]
    errors = [
        f"{files.get(message.get('url'), message.get('url'))}: {message.get('message')} ({message.get('extract')!r})"
        for message in messages
    ]
    assert errors == []
