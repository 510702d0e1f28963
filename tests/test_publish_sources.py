"""A statement goes public only with a public publication to rest on (issue 20, item 3): publishing a testimony,
or a record whose site–unit links or postings it would make public, is refused in the form, the bulk action and
the import when no public publication backs it, and a reviewer may publish the needed publication and source in
the same step."""

import pytest
from django.contrib.auth.models import Group

from core.csv_import import import_csv
from core.curation import PublicationStatus, SourcesMissing, set_status
from core.roles import REVIEWER
from sites.models import Site, SiteUnit
from testimonies.models import Publication, Source, Testimony
from tests.admin_forms import admin_url, form_data
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
from units.models import Unit

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED


@pytest.fixture
def reviewer(client):
    user = UserFactory(username="reviewer")
    user.groups.add(Group.objects.get(name=REVIEWER))
    client.force_login(user)
    return user


def draft_publication():
    return PublicationFactory(status=DRAFT, source=SourceFactory(status=DRAFT))


def status_of(record):
    return type(record).objects.values_list("status", flat=True).get(pk=record.pk)


# --- The service ---------------------------------------------------------------------------------------------------


def test_a_testimony_without_any_citation_is_not_published(reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    with pytest.raises(SourcesMissing) as refusal:
        set_status(Testimony.objects.filter(pk=testimony.pk), PUBLISHED, reviewer, publish_cited=True)
    assert not refusal.value.fixable  # nothing to publish would help: a citation must be added
    assert status_of(testimony) == DRAFT


def test_a_testimony_citing_only_unpublished_publications_is_refused_or_published_with_them(reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    publication = draft_publication()
    CitationFactory(testimony=testimony, publication=publication)
    with pytest.raises(SourcesMissing) as refusal:
        set_status(Testimony.objects.filter(pk=testimony.pk), PUBLISHED, reviewer)
    assert refusal.value.publications == [publication]
    assert status_of(testimony) == DRAFT

    assert set_status(Testimony.objects.filter(pk=testimony.pk), PUBLISHED, reviewer, publish_cited=True) == 1
    assert status_of(testimony) == status_of(publication) == status_of(publication.source) == PUBLISHED
    assert Testimony.objects.public().filter(pk=testimony.pk).exists()
    assert publication.history.first().history_user == reviewer


def test_one_public_citation_is_enough(reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    CitationFactory(testimony=testimony, publication=draft_publication())
    CitationFactory(testimony=testimony)  # published publication of a published source
    assert set_status(Testimony.objects.filter(pk=testimony.pk), PUBLISHED, reviewer) == 1


def test_a_publication_of_an_unpublished_source_is_not_public_enough(reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    CitationFactory(testimony=testimony, publication=PublicationFactory(source=SourceFactory(status=DRAFT)))
    with pytest.raises(SourcesMissing):
        set_status(Testimony.objects.filter(pk=testimony.pk), PUBLISHED, reviewer)


def test_a_site_whose_link_to_a_published_unit_has_no_public_publication_is_refused(reviewer):
    site = SiteFactory(status=DRAFT)
    link = SiteUnitFactory(site=site, unit=UnitFactory(), publication=draft_publication())
    SiteUnitFactory(site=site, unit=UnitFactory(status=DRAFT), publication=None)  # stays hidden: not checked
    with pytest.raises(SourcesMissing) as refusal:
        set_status(Site.objects.filter(pk=site.pk), PUBLISHED, reviewer)
    assert refusal.value.publications == [link.publication]
    assert set_status(Site.objects.filter(pk=site.pk), PUBLISHED, reviewer, publish_cited=True) == 1
    assert SiteUnit.objects.public().get() == link


def test_a_hidden_link_listed_first_does_not_stop_the_check_of_the_next(reviewer):
    """Links are read in the order of the unit's name: one to a draft unit ("A…", skipped) comes first."""
    site = SiteFactory(status=DRAFT)
    SiteUnitFactory(site=site, unit=UnitFactory(status=DRAFT, name="A draft unit"), publication=None)
    SiteUnitFactory(site=site, unit=UnitFactory(name="B published unit"), publication=draft_publication())
    with pytest.raises(SourcesMissing):
        set_status(Site.objects.filter(pk=site.pk), PUBLISHED, reviewer)
    assert status_of(site) == DRAFT


def test_the_refusal_names_every_gap_in_one_message(reviewer):
    testimonies = [TestimonyFactory(status=DRAFT, witness_label=label) for label in ("Anna", "Boris")]
    queryset = Testimony.objects.filter(pk__in=[t.pk for t in testimonies])
    with pytest.raises(SourcesMissing) as refusal:
        set_status(queryset, PUBLISHED, reviewer)
    assert refusal.value.code == "needs_public_publication"
    first, second = queryset.values_list("witness_label", flat=True)  # in the list's order
    assert refusal.value.messages == [
        "Every published statement must name a public publication. Not public yet or not given: "
        f"testimony “{first}”; testimony “{second}”. "
        "Publish the publications (and their sources) too, or add a public publication first."
    ]


def test_a_link_without_any_publication_cannot_be_fixed_by_publishing(reviewer):
    site = SiteFactory(status=DRAFT)
    SiteUnitFactory(site=site, unit=UnitFactory(), publication=None)
    with pytest.raises(SourcesMissing) as refusal:
        set_status(Site.objects.filter(pk=site.pk), PUBLISHED, reviewer, publish_cited=True)
    assert not refusal.value.fixable
    assert status_of(site) == DRAFT


def test_both_ends_published_together_check_their_link(reviewer):
    site, unit = SiteFactory(status=DRAFT), UnitFactory(status=DRAFT)
    SiteUnitFactory(site=site, unit=unit, publication=draft_publication())
    with pytest.raises(SourcesMissing):
        set_status(Site.objects.filter(pk=site.pk), PUBLISHED, reviewer)  # the unit is a draft: fine alone
        set_status(Unit.objects.filter(pk=unit.pk), PUBLISHED, reviewer)  # but now the link would go public
    assert status_of(unit) == DRAFT


def test_postings_are_checked_from_the_person_and_the_unit(reviewer):
    person = PersonFactory(status=DRAFT)
    PostingFactory(person=person, unit=UnitFactory(), publication=draft_publication())
    with pytest.raises(SourcesMissing):
        set_status(type(person).objects.filter(pk=person.pk), PUBLISHED, reviewer)
    unit = UnitFactory(status=DRAFT)
    PostingFactory(person=PersonFactory(), unit=unit, publication=None)
    with pytest.raises(SourcesMissing):
        set_status(Unit.objects.filter(pk=unit.pk), PUBLISHED, reviewer)


# --- The bulk action: a confirmation page offers to publish what is needed -----------------------------------------


def test_the_publish_action_offers_to_publish_the_publication_and_source_too(client, reviewer):
    testimony = TestimonyFactory(status=DRAFT, witness_label="Daniil")
    publication = draft_publication()
    CitationFactory(testimony=testimony, publication=publication)
    url = admin_url(Testimony, "changelist")
    page = client.post(url, {"action": "mark_published", "_selected_action": [testimony.pk]})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Daniil" in text and str(publication.title) in text and str(publication.source.name) in text
    assert status_of(testimony) == DRAFT  # nothing changes before the confirmation

    confirmed = client.post(
        url, {"action": "mark_published", "_selected_action": [testimony.pk], "publish_cited": "yes"}
    )
    assert confirmed.status_code == 302
    assert status_of(testimony) == status_of(publication) == status_of(publication.source) == PUBLISHED


def test_the_publish_action_refuses_with_a_message_when_publishing_cannot_help(client, reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    response = client.post(
        admin_url(Testimony, "changelist"),
        {"action": "mark_published", "_selected_action": [testimony.pk], "publish_cited": "yes"},
        follow=True,
    )
    assert "must name a public publication" in response.content.decode()
    assert status_of(testimony) == DRAFT


# --- The form: refused, rolled back, and the offer ---------------------------------------------------------------


def test_the_form_refuses_publishing_and_offers_to_publish_the_publication(client, reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    publication = draft_publication()
    CitationFactory(testimony=testimony, publication=publication)
    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    data["status"] = [PUBLISHED]
    data["quote"] = ["Edited while publishing."]
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "must name a public publication" in text
    assert 'type="checkbox" name="publish_cited"' in text and publication.title in text
    testimony.refresh_from_db()
    assert (testimony.status, testimony.quote) != (PUBLISHED, "Edited while publishing.")
    assert testimony.history.count() == 1  # the refused save left no history row behind

    data["publish_cited"] = ["on"]
    assert client.post(url, data).status_code == 302
    testimony.refresh_from_db()
    assert (testimony.status, testimony.quote) == (PUBLISHED, "Edited while publishing.")
    assert status_of(publication) == status_of(publication.source) == PUBLISHED


def test_a_public_citation_added_in_the_same_form_lets_it_publish(client, reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    data.update(
        {
            "status": [PUBLISHED],
            "citations-TOTAL_FORMS": ["1"],
            "citations-0-publication": [str(PublicationFactory().pk)],
            "citations-0-confidence": ["high"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert status_of(testimony) == PUBLISHED


def test_the_sources_are_checked_when_a_record_is_published_not_at_every_later_edit(client, reviewer):
    """A published site whose link rests on no publication (data from before the rule) can still be corrected: the
    check belongs to the save that publishes (status_before_save), and the link is already public either way."""
    site = SiteFactory(name="Old name")
    SiteUnitFactory(site=site, unit=UnitFactory(), publication=None)
    url = admin_url(Site, "change", site.pk)
    data = form_data(client.get(url), Site)
    data["name"] = ["Corrected name"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Site.objects.get(pk=site.pk).name == "Corrected name"


def test_a_link_between_published_records_needs_a_public_publication(client, reviewer):
    site, unit = SiteFactory(), UnitFactory()
    data = {"site": site.pk, "unit": unit.pk, "role": "operated", "confidence": "medium"}
    response = client.post(admin_url(SiteUnit, "add"), {**data, "publication": draft_publication().pk})
    assert response.status_code == 200 and "would be public at once" in response.content.decode()
    assert client.post(admin_url(SiteUnit, "add"), data).status_code == 200  # no publication at all
    assert not SiteUnit.objects.exists()
    public = PublicationFactory()
    assert client.post(admin_url(SiteUnit, "add"), {**data, "publication": public.pk}).status_code == 302
    # A link with a draft end is not public yet: it may wait for its publication.
    draft_site = SiteFactory(status=DRAFT)
    response = client.post(admin_url(SiteUnit, "add"), {**data, "site": draft_site.pk})
    assert response.status_code == 302


# --- The import ---------------------------------------------------------------------------------------------------


def test_the_import_refuses_publishing_a_testimony_without_a_public_publication(reviewer):
    testimony = TestimonyFactory(status=DRAFT)
    CitationFactory(testimony=testimony, publication=draft_publication())
    text = f"id,status\r\n{testimony.public_id},published\r\n"
    result = import_csv("testimonies", text, reviewer)
    assert not result.applied
    assert "must name a public publication" in result.problems[0].message
    assert status_of(testimony) == DRAFT
    Publication.objects.update(status=PUBLISHED)
    Source.objects.update(status=PUBLISHED)
    assert import_csv("testimonies", text, reviewer).applied
    assert status_of(testimony) == PUBLISHED
