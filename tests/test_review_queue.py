"""One article's records in one place (issue 20, item 8): from a publication's admin page, every record that
rests on it is listed, submitted for review at once, or published at once after a page listing exactly what
goes public."""

import pytest
from django.contrib.auth.models import Group

from core.roles import EDITOR, REVIEWER
from sites.models import Site
from testimonies.models import Publication, Source, Testimony
from tests.factories import (
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)
from units.models import Person, Unit

pytestmark = pytest.mark.django_db


def login(client, role, username):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def article():
    """A new source and publication, one unit, one site, two testimonies and a person, all drafts."""
    source = SourceFactory(status="draft", name="ASTRA")
    publication = PublicationFactory(status="draft", source=source, title="Hidden prisons for deserters")
    unit = UnitFactory(status="draft", name="5th Brigade")
    site = SiteFactory(status="review", name="Petrovskaya coal mine")
    SiteUnitFactory(site=site, unit=unit, publication=publication)
    testimonies = [TestimonyFactory(status="draft", witness_label=f"Witness {n}") for n in range(2)]
    for testimony in testimonies:
        CitationFactory(testimony=testimony, publication=publication)
    person = PersonFactory(status="draft", name="Alexei Korchagin")
    PostingFactory(person=person, unit=unit, publication=publication)
    withheld = TestimonyFactory(status="withheld", witness_label="Withheld witness")
    CitationFactory(testimony=withheld, publication=publication)
    unrelated = TestimonyFactory(status="draft", witness_label="Unrelated")
    return {
        "publication": publication,
        "source": source,
        "unit": unit,
        "site": site,
        "person": person,
        "testimonies": testimonies,
        "withheld": withheld,
        "unrelated": unrelated,
    }


def citing_url(publication):
    return f"/admin/testimonies/publication/{publication.pk}/citing/"


def statuses():
    return {
        model.__name__: dict(model.objects.values_list("pk", "status"))
        for model in (Source, Publication, Testimony, Site, Unit, Person)
    }


def test_the_publication_page_links_to_every_record_citing_it(client, article):
    login(client, EDITOR, "editor")
    publication = article["publication"]
    change = client.get(f"/admin/testimonies/publication/{publication.pk}/change/").content.decode()
    assert citing_url(publication) in change and "6 records" in change
    page = client.get(citing_url(publication)).content.decode()
    for name in ("Witness 0", "Witness 1", "Withheld witness", "Petrovskaya coal mine", "5th Brigade", "Korchagin"):
        assert name in page
    assert "Unrelated" not in page
    assert "Publish all" not in page  # editors only submit


def test_an_editor_submits_every_draft_citing_it_for_review(client, article):
    login(client, EDITOR, "editor")
    assert client.post(citing_url(article["publication"]), {"do": "submit"}).status_code == 302
    assert set(
        Testimony.objects.filter(pk__in=[t.pk for t in article["testimonies"]]).values_list("status", flat=True)
    ) == {"review"}
    assert Unit.objects.get(pk=article["unit"].pk).status == "review"
    assert Person.objects.get(pk=article["person"].pk).status == "review"
    assert Testimony.objects.get(pk=article["withheld"].pk).status == "withheld"
    assert Testimony.objects.get(pk=article["unrelated"].pk).status == "draft"
    assert Publication.objects.get().status == "draft"  # not a record citing it


def test_an_editor_cannot_publish_all(client, article):
    login(client, EDITOR, "editor")
    before = statuses()
    assert client.post(citing_url(article["publication"]), {"do": "publish", "confirm": "yes"}).status_code == 403
    assert statuses() == before


def test_a_reviewer_publishes_the_whole_article_after_seeing_exactly_what_goes_public(client, article):
    login(client, REVIEWER, "reviewer")
    url = citing_url(article["publication"])
    before = statuses()
    page = client.post(url, {"do": "publish"})
    assert page.status_code == 200
    text = page.content.decode()
    assert statuses() == before  # the confirmation page changes nothing
    listed = page.context["records"]
    assert {(type(r).__name__, r.pk) for r in listed} == {
        ("Source", article["source"].pk),
        ("Publication", article["publication"].pk),
        *(("Testimony", t.pk) for t in article["testimonies"]),
        ("Site", article["site"].pk),
        ("Unit", article["unit"].pk),
        ("Person", article["person"].pk),
    }
    assert "Withheld witness" not in text and "Unrelated" not in text

    confirmed = client.post(url, {"do": "publish", "confirm": "yes", "expected": page.context["expected"]})
    assert confirmed.status_code == 302
    assert Testimony.objects.public().count() == 2
    assert Site.objects.public().get() == article["site"]
    assert Unit.objects.public().get() == article["unit"] and Person.objects.public().get() == article["person"]
    assert Testimony.objects.get(pk=article["withheld"].pk).status == "withheld"
    assert Testimony.objects.get(pk=article["unrelated"].pk).status == "draft"


def test_publishing_all_lists_and_publishes_another_publication_a_record_needs(client, article):
    """A link of the site rests on another draft publication: publishing the site publishes it and its source too,
    so the confirmation page lists them among what goes public."""
    login(client, REVIEWER, "reviewer")
    other = PublicationFactory(status="draft", source=SourceFactory(status="draft"))
    SiteUnitFactory(site=article["site"], unit=UnitFactory(status="published"), publication=other)
    url = citing_url(article["publication"])
    page = client.post(url, {"do": "publish"})
    listed = {(type(r).__name__, r.pk) for r in page.context["records"]}
    assert {("Publication", other.pk), ("Source", other.source_id), ("Site", article["site"].pk)} <= listed
    confirmed = client.post(url, {"do": "publish", "confirm": "yes", "expected": page.context["expected"]})
    assert confirmed.status_code == 302
    assert Publication.objects.public().filter(pk=other.pk).exists()


def test_a_stale_confirmation_publishes_nothing(client, article):
    login(client, REVIEWER, "reviewer")
    url = citing_url(article["publication"])
    expected = client.post(url, {"do": "publish"}).context["expected"]
    late = TestimonyFactory(status="draft", witness_label="Added meanwhile")
    CitationFactory(testimony=late, publication=article["publication"])
    before = statuses()
    page = client.post(url, {"do": "publish", "confirm": "yes", "expected": expected})
    assert page.status_code == 200 and "Added meanwhile" in page.content.decode()  # shown again, with the new one
    assert statuses() == before


def test_publishing_all_is_refused_when_a_record_needs_another_unpublished_source(client, article):
    login(client, REVIEWER, "reviewer")
    testimony = TestimonyFactory(status="draft")
    CitationFactory(testimony=testimony, publication=article["publication"])
    # A link of the site that rests on no publication at all: publishing cannot fix it.
    SiteUnitFactory(site=article["site"], unit=UnitFactory(status="published"), publication=None)
    before = statuses()
    response = client.post(citing_url(article["publication"]), {"do": "publish"}, follow=True)
    assert "must name a public publication" in response.content.decode()
    assert statuses() == before


# --- The review queue on the admin index, send back with a comment, and the thread ------------------------------


def queue_cell(page, model_name, queue):
    """The count of one queue for one record type on the admin index."""
    for row in page.context["rows"]:
        if str(row["name"]) == model_name:
            return {str(label): count for label, count, _url in row["queues"]}[queue]
    raise AssertionError(model_name)


def test_the_admin_index_shows_the_review_queue_with_counts(client):
    editor = login(client, EDITOR, "editor")
    TestimonyFactory(status="review")
    TestimonyFactory(status="review")
    TestimonyFactory(status="draft", created_by=editor)
    TestimonyFactory(status="draft")  # someone else's draft
    set_by_reviewer = TestimonyFactory(status="draft")
    CitationFactory(testimony=set_by_reviewer)
    from core.curation import set_status

    set_status(
        Testimony.objects.filter(pk=set_by_reviewer.pk),
        "published",
        UserFactory(username="r", permissions=["testimonies.publish_records"]),
    )
    page = client.get("/admin/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Review queue" in text
    assert queue_cell(page, "testimonies", "Awaiting review") == 2
    assert queue_cell(page, "testimonies", "My drafts") == 1
    assert queue_cell(page, "testimonies", "Recently published") == 1
    assert queue_cell(page, "testimonies", "Sent back to me") == 0
    assert "/admin/testimonies/testimony/?workflow=awaiting_review" in text
    listed = client.get("/admin/testimonies/testimony/?workflow=awaiting_review").context["cl"].result_count
    assert listed == 2


def send_back(client, record, comment):
    from tests.admin_forms import admin_url, form_data

    url = admin_url(type(record), "change", record.pk)
    data = form_data(client.get(url), type(record))
    data["send_back"] = ["on"]
    data["review_comment"] = [comment]
    return client.post(url, data)


def test_a_reviewer_sends_a_record_back_with_a_comment_the_editor_sees(client):
    editor = login(client, EDITOR, "editor")
    testimony = TestimonyFactory(status="review", created_by=editor, updated_by=editor)
    login(client, REVIEWER, "reviewer")
    assert send_back(client, testimony, "").status_code == 200  # a send-back needs its reason
    assert Testimony.objects.get(pk=testimony.pk).status == "review"
    assert send_back(client, testimony, "The surname is still in the quote.").status_code == 302
    testimony.refresh_from_db()
    assert testimony.status == "draft"
    assert testimony.history.first().history_change_reason == "Sent back: The surname is still in the quote."

    client.force_login(editor)
    assert queue_cell(client.get("/admin/"), "testimonies", "Sent back to me") == 1
    assert [
        t.pk for t in client.get("/admin/testimonies/testimony/?workflow=sent_back").context["cl"].result_list
    ] == [testimony.pk]
    page = client.get(f"/admin/testimonies/testimony/{testimony.pk}/change/").content.decode()
    assert "The surname is still in the quote." in page and "sent back to editor" in page
    # The editor answers in the thread; the thread keeps both, with their history.
    from tests.admin_forms import admin_url, form_data

    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    data["review_comment"] = ["Removed it."]
    data["status"] = ["review"]
    assert client.post(url, data).status_code == 302
    from core.models import ReviewComment

    assert [c.text for c in ReviewComment.of(testimony)] == ["The surname is still in the quote.", "Removed it."]
    assert ReviewComment.history.count() == 2


def test_an_editor_cannot_send_back(client):
    editor = login(client, EDITOR, "editor")
    testimony = TestimonyFactory(status="review", created_by=editor)
    response = send_back(client, testimony, "Sending back my own.")
    assert response.status_code == 200 and "Only reviewers can send a record back" in response.content.decode()
    assert Testimony.objects.get(pk=testimony.pk).status == "review"
