"""The smaller curation fixes of issue 20, item 9."""

import csv
import io

import pytest

from core.roles import EDITOR, REVIEWER
from sites.models import Site
from testimonies.models import Citation, Testimony
from tests.admin_forms import admin_url
from tests.factories import CitationFactory, PublicationFactory, SiteFactory, TestimonyFactory, staff_user

pytestmark = pytest.mark.django_db


def login(client, role, username):
    user = staff_user(username, role)
    client.force_login(user)
    return user


def test_editors_are_offered_only_the_statuses_they_may_set(client):
    login(client, EDITOR, "editor")
    site = SiteFactory(status="draft")
    choices = client.get(admin_url(Site, "change", site.pk)).context["adminform"].form.fields["status"].choices
    assert [value for value, _label in choices] == ["draft", "review"]
    login(client, REVIEWER, "reviewer")
    choices = client.get(admin_url(Site, "change", site.pk)).context["adminform"].form.fields["status"].choices
    assert [value for value, _label in choices] == ["draft", "review", "published", "withheld"]


def test_fieldset_titles_are_translated(client):
    login(client, EDITOR, "editor")
    site = SiteFactory(status="draft")
    client.cookies["django_language"] = "ru"
    page = client.get(admin_url(Site, "change", site.pk), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Местоположение" in page and "Сообщения о месте" in page
    assert ">Location<" not in page and ">Reporting<" not in page


def test_the_change_reason_never_reads_none(client):
    reviewer = login(client, REVIEWER, "reviewer")
    testimony = TestimonyFactory(status="draft")  # saved outside the admin, with no reason
    testimony.history.update(history_user=reviewer)
    assert testimony.history.get().history_change_reason is None
    page = client.get(admin_url(Testimony, "history", testimony.pk)).content.decode()
    assert "None" not in page


def test_a_new_citation_starts_with_the_testimonys_quote(client):
    login(client, EDITOR, "editor")
    testimony = TestimonyFactory(status="draft", quote="Chained to the ceiling.")
    page = client.get(admin_url(Testimony, "change", testimony.pk))
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is Citation)
    assert formset.empty_form["quoted_passage"].value() == "Chained to the ceiling."


def test_a_citations_changes_appear_in_its_testimonys_history(client):
    login(client, REVIEWER, "reviewer")
    testimony = TestimonyFactory(status="draft")
    citation = CitationFactory(testimony=testimony, locator="p. 4")
    citation.locator = "p. 7"
    citation.save()
    page = client.get(admin_url(Testimony, "history", testimony.pk)).content.decode()
    assert "p. 4" in page and "p. 7" in page


def test_the_testimony_csv_carries_citation_locators_and_confidences(client):
    testimony = TestimonyFactory()
    first, second = PublicationFactory(), PublicationFactory()
    CitationFactory(testimony=testimony, publication=first, locator="p. 4", confidence="high")
    CitationFactory(testimony=testimony, publication=second, locator="", confidence="low")
    CitationFactory(testimony=testimony, publication=PublicationFactory(status="draft"), locator="secret")
    response = client.get("/export/testimonies.csv")
    (row,) = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert row["citation_publication_ids"] == f"{first.pk}; {second.pk}"
    assert row["citation_locators"] == "p. 4; "
    assert row["citation_confidences"] == "high; low"


@pytest.mark.parametrize("model", [Testimony, Site])
def test_the_citations_and_links_come_before_the_status_and_audit_fields(client, model):
    """A reviewer reads what a record rests on before deciding its status: the inlines come before the
    "Publication and record history" fieldset (its status, thread and audit fields), which is still saved."""
    login(client, REVIEWER, "reviewer")
    record = CitationFactory().testimony if model is Testimony else SiteFactory(status="draft")
    page = client.get(admin_url(model, "change", record.pk)).content.decode()
    inline = page.index('class="js-inline-admin-formset inline-group"')
    history = page.index("Publication and record history")
    assert inline < history < page.rindex('name="_save"')
    assert page.count('name="status"') == 1
