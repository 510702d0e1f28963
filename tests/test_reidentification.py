"""The re-identification check: public text against the witness's restricted fields and identifying patterns;
a warning at every save, a block when publishing (form, bulk action, CSV import) that a reviewer may override
with a written reason kept in history."""

import pytest
from django.utils.html import escape

from core.csv_import import import_csv
from core.curation import PublicationStatus
from core.roles import EDITOR, REVIEWER, WITNESS_IDENTITIES
from testimonies.models import Testimony
from testimonies.reidentification import identifying_passages
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    CitationFactory,
    EvidenceImageFactory,
    PersonFactory,
    QuoteTranslationFactory,
    TestimonyFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


staff = staff_user


@pytest.fixture
def editor():
    return staff("editor", EDITOR)


@pytest.fixture
def reviewer():
    return staff("reviewer", REVIEWER, WITNESS_IDENTITIES)


def draft(**fields):
    return TestimonyFactory(**{"status": PublicationStatus.DRAFT, "real_name": "Алексей Петров", **fields})


def kinds(testimony):
    return [finding.kind for finding in identifying_passages(testimony)]


@pytest.mark.parametrize(
    "text",
    [
        "Алексей рассказал, что его держали в яме.",  # the first name, in the real name's Cyrillic
        "Petrov was kept in a pit.",  # the surname in Latin letters
        "Alexei said they were beaten.",  # another transliteration of Алексей
        "Его видели вместе с Петровым.",  # an inflected form
        "Олексій Петров, з Донецька.",  # the surname, beside a Ukrainian first name
    ],
)
def test_the_real_name_is_found_in_cyrillic_and_latin_spellings(text):
    assert kinds(draft(quote=text)) == ["name"]


@pytest.mark.parametrize("text", ["Ганна сказала.", "Сказала Ковальчук."])
def test_a_latin_real_name_is_found_in_cyrillic_text(text):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT, real_name="Hanna Kovalchuk", quote=text)
    assert kinds(testimony) == ["name"]


def test_every_public_text_is_read_and_nothing_else():
    testimony = draft(witness_label="Petrov, former soldier", quote="Nothing personal here.", context="")
    assert [finding.field for finding in identifying_passages(testimony)] == ["public witness label"]
    testimony = draft(quote="Nothing", internal_notes="Petrov is his name")
    assert identifying_passages(testimony) == []
    EvidenceImageFactory(testimony=testimony, caption="Petrov in the yard")
    assert [finding.field for finding in identifying_passages(testimony)] == ["evidence caption"]
    translated = draft(quote="Nothing personal here.")
    QuoteTranslationFactory(testimony=translated, language="ru", text="Петров ничего не сказал.")
    assert [finding.field for finding in identifying_passages(translated)] == ["translation of the quote"]


def test_publishing_in_the_form_checks_the_translations_it_adds(client, reviewer):
    """The translations typed into the testimony's page are checked before they are saved, as its captions are."""
    testimony = draft(quote="Nothing personal here.", status=PublicationStatus.REVIEW)
    CitationFactory(testimony=testimony)
    url = admin_url(Testimony, "change", testimony.pk)
    client.force_login(reviewer)
    data = form_data(client.get(url), Testimony)
    data["status"] = ["published"]
    data["translations-TOTAL_FORMS"] = ["1"]
    data |= {"translations-0-language": ["ru"], "translations-0-text": ["Алексей ничего не сказал."]}
    data |= {"translations-0-translator": ["a volunteer"], "translations-0-testimony": [str(testimony.pk)]}
    response = client.post(url, data)
    assert response.status_code == 200 and "Not published" in response.content.decode()
    testimony.refresh_from_db()
    assert testimony.status == "review" and not testimony.translations.exists()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Call him at +7 (912) 345-67-89 after dark.", "phone"),
        ("Write to soldier.mother@example.org for details.", "email"),
        ("Родился 12.03.1990 в Омске.", "birth_date"),
        ("He was born on 12 March 1990 in Omsk.", "birth_date"),
        ("Иван Сидоров, в/ч 40463, пропал в марте.", "unit_and_name"),
    ],
)
def test_identifying_patterns_are_found_whoever_they_belong_to(text, kind):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT, quote=text)
    assert kinds(testimony) == [kind]


def test_contact_details_and_ordinary_text_pass():
    testimony = draft(contact="@petya_tg, +7 900 000 11 22", quote="Write to @petya_tg or call +7 900 000-11-22.")
    assert {finding.kind for finding in identifying_passages(testimony)} == {"contact"}
    assert all(finding.restricted for finding in identifying_passages(testimony))
    # Dates of events, unit numbers alone and commanders of the archive are what testimonies are about.
    PersonFactory(name="Alexei Korchagin")
    testimony = TestimonyFactory(
        status=PublicationStatus.DRAFT,
        real_name="Ivan Sidorov",
        quote="In March 2024 (15.03.2024) the 1st Battalion, military unit 40463, commander Alexei Korchagin.",
    )
    assert identifying_passages(testimony) == []


def test_an_editor_is_warned_on_save_and_the_reviewer_on_opening(client, editor, reviewer):
    testimony = draft(quote="Nothing yet.")
    url = admin_url(Testimony, "change", testimony.pk)
    client.force_login(editor)
    data = form_data(client.get(url), Testimony)
    data.update({"quote": ["Алексей Петров, +7 912 345 67 89."], "status": ["review"]})
    page = client.post(url, data, follow=True).content.decode()
    assert "may identify the witness" in page and "a phone number" in page
    # The editor has no access to the real name: the passage that matched it is not quoted to them.
    assert "matches a restricted witness field" in page and "the witness&#x27;s real name" not in page
    testimony.refresh_from_db()
    assert testimony.status == "review"  # a warning, not a block

    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "may identify the witness" in page and "Алексей Петров" in page and "real name" in page
    assert f"The public text of “{escape(str(testimony))}” may identify the witness" in page


def test_publishing_in_the_form_is_blocked_until_a_reviewer_gives_a_reason(client, reviewer):
    testimony = draft(quote="Петров рассказал о яме.", status=PublicationStatus.REVIEW)
    CitationFactory(testimony=testimony)  # publishing needs a public publication (core.curation.source_gaps)
    url = admin_url(Testimony, "change", testimony.pk)
    client.force_login(reviewer)
    page = client.get(url)
    assert 'name="publish_reason"' in page.content.decode()  # the field a reviewer writes the reason in
    data = form_data(page, Testimony)
    data["status"] = ["published"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Not published" in response.content.decode() and "Петров рассказал" in response.content.decode()
    testimony.refresh_from_db()
    assert testimony.status == "review"

    data["publish_reason"] = ["The witness asked to be named; consent form of 3 May."]
    assert client.post(url, data).status_code == 302
    testimony.refresh_from_db()
    assert testimony.status == "published"
    assert testimony.history.first().history_change_reason == (
        "Published despite the re-identification check: The witness asked to be named; consent form of 3 May."
    )


def test_an_editor_cannot_override(client, editor):
    testimony = draft(quote="Петров.")
    client.force_login(editor)
    data = form_data(client.get(admin_url(Testimony, "change", testimony.pk)), Testimony)
    data.update({"status": ["published"], "publish_reason": ["because"]})
    assert client.post(admin_url(Testimony, "change", testimony.pk), data).status_code == 200
    testimony.refresh_from_db()
    assert testimony.status == "draft"


def test_the_bulk_action_refuses_and_publishes_nothing(client, reviewer):
    clean = TestimonyFactory(status=PublicationStatus.REVIEW)
    named = draft(quote="Petrov.", status=PublicationStatus.REVIEW)
    client.force_login(reviewer)
    response = client.post(
        admin_url(Testimony, "changelist"),
        {"action": "mark_published", "_selected_action": [clean.pk, named.pk]},
        follow=True,
    )
    assert "was not published" in response.content.decode() and "Petrov." in response.content.decode()
    assert set(Testimony.objects.values_list("status", flat=True)) == {"review"}


def test_the_csv_import_refuses_to_publish_a_row_with_a_finding(reviewer):
    testimony = draft(quote="Ordinary.")
    text = f"id,witness_label,quote,status\n{testimony.public_id},Witness,Petrov said so,published\n"
    result = import_csv("testimonies", text, reviewer)
    assert not result.applied
    assert any("may identify the witness" in problem.message for problem in result.problems)
    testimony.refresh_from_db()
    assert (testimony.status, testimony.quote) == ("draft", "Ordinary.")


@pytest.mark.parametrize("where", ["citation", "caption", "translation"])
def test_the_csv_import_checks_what_it_read_for_the_whole_file(reviewer, where):
    """The import reads citations, captions and restricted fields for all its rows at once: each still counts."""
    testimony = draft(quote="Ordinary.")
    if where == "citation":
        CitationFactory(testimony=testimony, quoted_passage="Petrov was there")
    if where == "caption":
        EvidenceImageFactory(testimony=testimony, caption="Petrov at the gate")
    if where == "translation":
        QuoteTranslationFactory(testimony=testimony, text="Petrov zei het")
    text = f"id,witness_label,quote,status\n{testimony.public_id},Witness,Ordinary.,published\n"
    result = import_csv("testimonies", text, reviewer)
    assert not result.applied
    assert any("may identify the witness" in problem.message for problem in result.problems)
    testimony.refresh_from_db()
    assert testimony.status == "draft"


def test_publishing_an_image_checks_its_caption(client, reviewer):
    testimony = draft(quote="Ordinary.", status=PublicationStatus.PUBLISHED)
    evidence = EvidenceImageFactory(testimony=testimony, caption="Алексей at the gate", status="review")
    client.force_login(reviewer)
    client.post(
        admin_url(type(evidence), "changelist"), {"action": "mark_published", "_selected_action": [evidence.pk]}
    )
    evidence.refresh_from_db()
    assert evidence.status == "review"


def test_submitting_for_review_from_the_list_warns(client, editor):
    testimony = draft(quote="Call +7 912 345 67 89.")
    client.force_login(editor)
    response = client.post(
        admin_url(Testimony, "changelist"),
        {"action": "mark_review", "_selected_action": [testimony.pk]},
        follow=True,
    )
    assert "may identify the witness" in response.content.decode() and "a phone number" in response.content.decode()
    testimony.refresh_from_db()
    assert testimony.status == "review"
