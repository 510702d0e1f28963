"""Links that state a fact about a record (citations, site–unit links, postings) are read-only for
editors when every record they belong to is published or withheld: in their own admin, in the inlines of their
parents, on delete and on revert. Reviewers may change them, and editors may change links of drafts, including
a draft's link to a published record (it is not public until the draft is published, and is reviewed with it)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from core.curation import PublicationStatus, link_locked_for
from core.roles import EDITOR, REVIEWER
from sites.admin import SiteUnitInline
from sites.models import Site, SiteUnit
from testimonies.admin import CitationInline
from testimonies.models import Citation, Testimony
from tests.admin_forms import admin_url, form_data, revert
from tests.factories import (
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)
from units.admin import UnitPostingInline
from units.models import Posting, Unit

pytestmark = pytest.mark.django_db

LOCKED = [PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD]
OPEN = [PublicationStatus.DRAFT, PublicationStatus.REVIEW]
LINK_MODELS = [Citation, SiteUnit, Posting]


def login(client, role, username, *extra_permissions):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    # Editors have no delete permission of their own; give it, so that only the lock can be what refuses.
    for codename in extra_permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


@pytest.fixture
def editor(client):
    return login(client, EDITOR, "editor", "delete_citation", "delete_siteunit", "delete_posting")


@pytest.fixture
def reviewer(client):
    return login(client, REVIEWER, "reviewer")


def make_link(model, status, end="site", other=PublicationStatus.PUBLISHED):
    """A link whose parent (for a site–unit link or a posting: the `end` named) has `status`, its other parent
    `other` (published by default: the link is then locked when `status` is published or withheld)."""
    if model is Citation:
        return CitationFactory(testimony=TestimonyFactory(status=status))
    if model is Posting:
        return PostingFactory(
            unit=UnitFactory(status=status if end != "person" else other),
            person=PersonFactory(status=status if end == "person" else other),
            publication=PublicationFactory(),
        )
    return SiteUnitFactory(
        site=SiteFactory(status=status if end == "site" else other),
        unit=UnitFactory(status=status if end == "unit" else other),
        publication=PublicationFactory(),
    )


def editable_field(model) -> str:
    return {Citation: "locator", SiteUnit: "period", Posting: "title"}[model]


def snapshot(link):
    return type(link).objects.filter(pk=link.pk).values().first()


# --- The standalone admins --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize(
    ("model", "end"),
    [(Citation, "testimony"), (SiteUnit, "site"), (SiteUnit, "unit"), (Posting, "unit"), (Posting, "person")],
    ids=["citation", "siteunit-site", "siteunit-unit", "posting-unit", "posting-person"],
)
def test_editor_sees_a_link_of_a_published_or_withheld_record_read_only(client, editor, model, status, end):
    link = make_link(model, status, end)
    before = snapshot(link)
    url = admin_url(model, "change", link.pk)

    page = client.get(url)
    assert page.status_code == 200
    assert f'name="{editable_field(model)}"' not in page.content.decode()
    assert client.post(url, {editable_field(model): "2024-01-01"}).status_code == 403
    assert client.post(admin_url(model, "delete", link.pk), {"post": "yes"}).status_code == 403
    client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [link.pk], "post": "yes"}
    )
    assert snapshot(link) == before


@pytest.mark.parametrize("other", [PublicationStatus.DRAFT, PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD])
@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("model", LINK_MODELS, ids=lambda model: model.__name__)
def test_editor_changes_and_deletes_a_link_of_a_draft(client, editor, model, status, other):
    """The control: the same requests succeed when a parent is a draft or in review, whatever the other end."""
    link = make_link(model, status, other=other)
    url = admin_url(model, "change", link.pk)
    data = form_data(client.get(url), model)
    value = "2024-01-01" if model is SiteUnit else "changed by an editor"
    data[editable_field(model)] = [value]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    link.refresh_from_db()
    assert str(getattr(link, editable_field(model))) == value
    assert client.post(admin_url(model, "delete", link.pk), {"post": "yes"}).status_code == 302
    assert not model.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize("model", LINK_MODELS, ids=lambda model: model.__name__)
def test_reviewer_changes_a_link_of_a_published_or_withheld_record(client, reviewer, model, status):
    link = make_link(model, status)
    url = admin_url(model, "change", link.pk)
    data = form_data(client.get(url), model)
    data[editable_field(model)] = ["2024-01-01"] if model is SiteUnit else ["checked by a reviewer"]
    assert client.post(url, data).status_code == 302
    link.refresh_from_db()
    assert str(getattr(link, editable_field(model))) in ("2024-01-01", "checked by a reviewer")


def add_data(model, parent):
    publication = PublicationFactory()
    if model is Citation:
        return {"testimony": parent.pk, "publication": publication.pk, "confidence": "medium", "locator": "p. 1"}
    # The other end has the same status: a link is locked only when every end is published or withheld.
    if model is Posting:
        person = PersonFactory(status=parent.status)
        return {
            "unit": parent.pk,
            "person": person.pk,
            "role": "commander",
            "confidence": "medium",
            "publication": publication.pk,
        }
    other = UnitFactory(status=parent.status) if isinstance(parent, Site) else None
    return {
        "publication": publication.pk,
        "site": parent.pk if isinstance(parent, Site) else SiteFactory(status=parent.status).pk,
        "unit": other.pk if other else parent.pk,
        "role": "operated",
        "confidence": "medium",
    }


PARENTS = {
    "citation of a testimony": (Citation, TestimonyFactory),
    "site–unit link of a site": (SiteUnit, SiteFactory),
    "site–unit link of a unit": (SiteUnit, UnitFactory),
    "posting to a unit": (Posting, UnitFactory),
}


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize("case", list(PARENTS))
def test_editor_cannot_add_a_link_to_a_published_or_withheld_record(client, editor, case, status):
    model, parent_factory = PARENTS[case]
    parent = parent_factory(status=status)
    response = client.post(admin_url(model, "add"), add_data(model, parent))
    assert response.status_code == 200
    assert "Only reviewers can add, change or delete a link" in response.content.decode()
    assert not model.objects.exists()


@pytest.mark.parametrize("case", list(PARENTS))
def test_editor_adds_a_link_to_a_draft_and_a_reviewer_to_anything(client, editor, case):
    model, parent_factory = PARENTS[case]
    assert client.post(admin_url(model, "add"), add_data(model, parent_factory(status="draft"))).status_code == 302
    login(client, REVIEWER, "reviewer")
    response = client.post(admin_url(model, "add"), add_data(model, parent_factory(status="published")))
    assert response.status_code == 302
    assert model.objects.count() == 2


def test_editor_cannot_move_a_link_of_a_draft_onto_a_published_record(client, editor):
    citation = CitationFactory(testimony=TestimonyFactory(status="draft"))
    published = TestimonyFactory(status="published")
    url = admin_url(Citation, "change", citation.pk)
    data = form_data(client.get(url), Citation)
    data["testimony"] = [str(published.pk)]
    response = client.post(url, data)
    assert response.status_code == 200 and "Only reviewers" in response.content.decode()
    citation.refresh_from_db()
    assert citation.testimony_id != published.pk


def test_editor_cannot_revert_a_link_but_a_reviewer_can(client, editor):
    citation = CitationFactory(testimony=TestimonyFactory(status="draft"), locator="p. 1")
    citation.locator = "p. 2"
    citation.save()
    first = citation.history.earliest()
    url = admin_url(Citation, "simple_history", citation.pk, first.history_id)
    assert client.post(url, form_data(client.get(url), Citation.history.model)).status_code == 403
    citation.refresh_from_db()
    assert citation.locator == "p. 2"
    login(client, REVIEWER, "reviewer")
    assert revert(client, url, form_data(client.get(url), Citation.history.model)).status_code == 302
    citation.refresh_from_db()
    assert citation.locator == "p. 1"


# --- The inlines on the parents' pages ------------------------------------------------------------------------------


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize(
    ("inline_class", "parent_model", "factory"),
    [
        (CitationInline, Testimony, TestimonyFactory),
        (SiteUnitInline, Site, SiteFactory),
        (UnitPostingInline, Unit, UnitFactory),
    ],
)
def test_inlines_of_a_published_or_withheld_parent_are_read_only_for_editors(
    editor, inline_class, parent_model, factory, status
):
    parent = factory(status=status)
    inline = inline_class(parent_model, admin.site)
    request = request_of(editor)
    assert not inline.has_add_permission(request, parent)
    assert not inline.has_change_permission(request, parent)
    assert not inline.has_delete_permission(request, parent)
    assert inline.has_view_permission(request, parent)
    draft = factory(status=PublicationStatus.DRAFT)
    assert inline.has_add_permission(request, draft) and inline.has_change_permission(request, draft)
    reviewer = UserFactory(username="inline-reviewer")
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    assert inline.has_change_permission(request_of(reviewer), parent)


def test_inline_formset_is_read_only_when_the_parent_is_published(editor, rf):
    testimony = TestimonyFactory(status="published")
    citation = CitationFactory(testimony=testimony, locator="p. 1")
    request = request_of(editor)
    formset_class = CitationInline(Testimony, admin.site).get_formset(request, testimony)
    data = {
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "1",
        "citations-0-id": str(citation.pk),
        "citations-0-testimony": str(testimony.pk),
        "citations-0-publication": str(citation.publication_id),
        "citations-0-locator": "p. 99",
        "citations-0-confidence": "high",
    }
    formset = formset_class(data, instance=testimony)
    assert not formset.can_delete
    assert formset.is_valid()
    formset.save()
    citation.refresh_from_db()
    assert (citation.locator, citation.confidence) == ("p. 1", "medium")


def site_page_data(client, site):
    return form_data(client.get(admin_url(Site, "change", site.pk)), Site)


@pytest.mark.parametrize("status", OPEN)
def test_editor_links_a_draft_site_to_the_published_fifth_brigade_in_the_inline(client, editor, status):
    """Issue 20, item 4: a new draft site names the published 5th brigade, without unpublishing the unit."""
    site = SiteFactory(status=status)
    brigade = UnitFactory(status="published", name="5th Motorized Rifle Brigade")
    data = site_page_data(client, site)
    data.update(
        {
            "site_units-TOTAL_FORMS": ["1"],
            "site_units-0-unit": [str(brigade.pk)],
            "site_units-0-role": ["operated"],
            "site_units-0-confidence": ["medium"],
        }
    )
    response = client.post(admin_url(Site, "change", site.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    link = SiteUnit.objects.get()
    assert (link.unit, link.site) == (brigade, site)
    brigade.refresh_from_db()
    assert brigade.status == "published"
    assert not SiteUnit.objects.public().exists()  # not public until the site is published


def test_editor_changes_and_deletes_a_draft_sites_link_to_a_published_unit_in_the_inline(client, editor):
    site = SiteFactory(status="draft")
    link = SiteUnitFactory(site=site, unit=UnitFactory(status="published"))
    data = site_page_data(client, site)
    data["site_units-0-role"] = ["guarded"]
    assert client.post(admin_url(Site, "change", site.pk), data).status_code == 302
    link.refresh_from_db()
    assert link.role == "guarded"

    data = site_page_data(client, site)
    data["site_units-0-DELETE"] = ["on"]
    assert client.post(admin_url(Site, "change", site.pk), data).status_code == 302
    assert not SiteUnit.objects.filter(pk=link.pk).exists()


def test_editor_cannot_move_a_drafts_link_so_that_both_ends_are_published(client, editor):
    """Moving a link of a draft site onto a published site, its unit being published, would make it public."""
    link = SiteUnitFactory(site=SiteFactory(status="draft"), unit=UnitFactory(status="published"))
    url = admin_url(SiteUnit, "change", link.pk)
    data = form_data(client.get(url), SiteUnit)
    data["site"] = [str(SiteFactory(status="published").pk)]
    response = client.post(url, data)
    assert response.status_code == 200 and "Only reviewers" in response.content.decode()
    assert SiteUnit.objects.get(pk=link.pk).site.status == "draft"


# --- The rule itself (core.curation.link_locked_for) -------------------------------------------------------------


def test_a_link_moved_by_one_end_keeps_its_other_stored_end(editor):
    """Only the parent that changes is given; the other is the stored one (here published), so moving the draft
    end onto a published record locks the link."""
    link = SiteUnitFactory(site=SiteFactory(status="draft"), unit=UnitFactory(status="published"))
    published_site = SiteFactory(status="published")
    assert link_locked_for(editor, link, site=published_site.pk) == [published_site, link.unit]
    assert link_locked_for(editor, link, site=SiteFactory(status="draft").pk) == []


def test_a_public_link_moved_onto_a_draft_stays_locked_by_its_stored_ends(editor, reviewer):
    """Moving a link of two published records off one of them would take it off the public pages: a reviewer's
    decision, however open the record it is moved to."""
    link = SiteUnitFactory(site=SiteFactory(status="published"), unit=UnitFactory(status="published"))
    assert link_locked_for(editor, link, unit=UnitFactory(status="draft").pk) == [link.site, link.unit]
    assert link_locked_for(reviewer, link, unit=UnitFactory(status="draft").pk) == []
