"""Curation workflow: roles, who may publish, history and revert, deletion, and refused stale edits."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.curation import PublicationStatus, StaleEdit, set_status
from core.roles import EDITOR, REVIEWER, WITNESS_IDENTITIES
from sites.models import Site
from testimonies.models import Testimony
from tests.admin_forms import admin_url, form_data, revert
from tests.factories import CitationFactory, SiteFactory, TestimonyFactory, UserFactory

pytestmark = pytest.mark.django_db


def staff(client, role, username):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def editor(client):
    return staff(client, EDITOR, "editor")


@pytest.fixture
def reviewer(client):
    return staff(client, REVIEWER, "reviewer")


def post_change(client, record, **changes):
    url = admin_url(type(record), "change", record.pk)
    data = form_data(client.get(url), type(record))
    for name, value in changes.items():
        data[name] = [value]
    return client.post(url, data)


def test_roles_exist_with_their_permissions():
    editor = Group.objects.get(name=EDITOR)
    reviewer = Group.objects.get(name=REVIEWER)
    codenames = lambda group: set(group.permissions.values_list("codename", flat=True))  # noqa: E731
    assert {"add_testimony", "change_site", "view_historicalunit"} <= codenames(editor)
    assert not {"publish_records", "delete_testimony", "view_restricted_fields"} & codenames(editor)
    assert {"publish_records", "delete_testimony", "change_testimony"} <= codenames(reviewer)
    assert "view_restricted_fields" not in codenames(reviewer)
    assert codenames(Group.objects.get(name=WITNESS_IDENTITIES)) == {"view_restricted_fields"}


@pytest.mark.parametrize("target", [PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD])
def test_editor_cannot_publish_or_withhold_through_the_form(client, editor, target):
    site = SiteFactory(status=PublicationStatus.REVIEW)
    response = post_change(client, site, status=target)
    assert response.status_code == 200
    # Editors are not even offered these statuses (issue 20, item 9); a forged choice is refused on the field.
    assert "status" in response.context["adminform"].form.errors
    site.refresh_from_db()
    assert site.status == PublicationStatus.REVIEW


def test_editor_cannot_add_a_published_record(client, editor):
    data = form_data(client.get(admin_url(Site, "add")), Site)
    data.update(
        name=["New"], slug=["new"], kind=["basement"], region=["Donetsk"], territory=["russia"], status=["published"]
    )
    response = client.post(admin_url(Site, "add"), data)
    assert response.status_code == 200 and not Site.objects.filter(slug="new").exists()


def test_editor_can_edit_and_send_to_review(client, editor):
    site = SiteFactory(status=PublicationStatus.DRAFT, name="Old name")
    response = post_change(client, site, status="review", name="New name")
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.status, site.name, site.updated_by, site.version) == ("review", "New name", editor, 2)


@pytest.mark.parametrize("action", ["mark_published", "mark_withheld", "mark_draft"])
def test_editor_cannot_publish_or_unpublish_with_a_bulk_action(client, editor, action):
    draft = TestimonyFactory(status=PublicationStatus.DRAFT)
    published = TestimonyFactory(status=PublicationStatus.PUBLISHED)
    client.post(
        admin_url(Testimony, "changelist"),
        {"action": action, "_selected_action": [draft.pk, published.pk]},
    )
    assert Testimony.objects.get(pk=draft.pk).status == PublicationStatus.DRAFT
    assert Testimony.objects.get(pk=published.pk).status == PublicationStatus.PUBLISHED


def test_set_status_refuses_an_editor_and_changes_nothing(editor):
    records = [SiteFactory(status="draft"), SiteFactory(status="review")]
    with pytest.raises(PermissionDenied):
        set_status(Site.objects.filter(pk__in=[r.pk for r in records]), PublicationStatus.PUBLISHED, editor)
    assert set(Site.objects.values_list("status", flat=True)) == {"draft", "review"}


def test_reviewer_publishes_and_is_recorded(client, reviewer):
    site = SiteFactory(status=PublicationStatus.REVIEW)
    client.post(admin_url(Site, "changelist"), {"action": "mark_published", "_selected_action": [site.pk]})
    site.refresh_from_db()
    assert site.status == "published" and site.published_by == reviewer and site.published_at
    latest = site.history.first()
    assert latest.history_user == reviewer and latest.status == "published"


def test_history_records_who_changed_what(client, editor):
    site = SiteFactory(status="draft", name="Before")
    post_change(client, site, name="After")
    latest, previous = site.history.all()[:2]
    assert latest.history_user == editor
    assert [change.field for change in latest.diff_against(previous).changes if change.field == "name"] == ["name"]
    history_page = client.get(admin_url(Site, "history", site.pk))
    assert history_page.status_code == 200 and "After" in history_page.content.decode()


def test_reviewer_reverts_and_editor_may_not(client, editor):
    site = SiteFactory(status="draft", name="Original")
    post_change(client, site, name="Vandalised")
    original = site.history.earliest()
    revert_url = admin_url(Site, "simple_history", site.pk, original.history_id)
    data = form_data(client.get(revert_url), Site.history.model)
    assert client.post(revert_url, data).status_code == 403
    site.refresh_from_db()
    assert site.name == "Vandalised"

    staff(client, REVIEWER, "reviewer")
    data = form_data(client.get(revert_url), Site.history.model)
    assert revert(client, revert_url, data).status_code == 302
    site.refresh_from_db()
    assert site.name == "Original" and site.version == 3


def test_only_a_reviewer_deletes_and_history_keeps_the_record(client, editor):
    site = SiteFactory(status="published")
    assert client.post(admin_url(Site, "delete", site.pk), {"post": "yes"}).status_code == 403
    assert Site.objects.filter(pk=site.pk).exists()
    staff(client, REVIEWER, "reviewer")
    assert client.post(admin_url(Site, "delete", site.pk), {"post": "yes"}).status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    assert Site.history.filter(id=site.pk, history_type="-").exists()


def test_a_stale_form_is_refused_and_nothing_is_overwritten(client, editor):
    site = SiteFactory(status="draft", name="Start", settlement="Donetsk")
    url = admin_url(Site, "change", site.pk)
    first_form = form_data(client.get(url), Site)
    second_form = form_data(client.get(url), Site)

    first_form["name"] = ["First curator's name"]
    assert client.post(url, first_form).status_code == 302
    second_form["settlement"] = ["Makiivka"]
    response = client.post(url, second_form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "saved this record after you opened it" in page and "name" in page
    site.refresh_from_db()
    assert (site.name, site.settlement, site.version) == ("First curator's name", "Donetsk", 2)


def test_a_stale_edit_says_which_version_who_saved_it_and_what_changed():
    site = SiteFactory(name="Old name")
    seen = site.version
    other = UserFactory(username="other")
    site.name = "New name"
    site.stamp_save(other)
    site._history_user = other
    site.save()
    assert site.stale_edit(seen + 1) is None
    stale = site.stale_edit(seen)
    assert (stale.current_version, stale.saved_by) == (seen + 1, other)
    assert "name" in stale.changed_fields and "region" not in stale.changed_fields
    # A record whose history was not kept (or cleared): the refusal stands, without who or what.
    site.history.all().delete()
    assert site.stale_edit(seen) == StaleEdit(seen + 1, None, [])


def test_a_later_save_keeps_who_published_the_record_and_when(reviewer):
    site = SiteFactory(status=PublicationStatus.DRAFT)
    set_status(Site.objects.filter(pk=site.pk), PublicationStatus.PUBLISHED, reviewer)
    site.refresh_from_db()
    published = (site.published_at, site.published_by)
    assert published[0] is not None and published[1] == reviewer
    site.name = "Corrected"
    site.stamp_save(UserFactory(username="another-reviewer"))
    site.save()
    site.refresh_from_db()
    assert (site.published_at, site.published_by) == published


def test_a_change_made_without_a_user_stamps_no_editor():
    """A command run without a user (the import's management command, a script) may move drafts to review; the
    audit stamps then name nobody rather than failing."""
    site = SiteFactory(status=PublicationStatus.DRAFT)
    assert set_status(Site.objects.filter(pk=site.pk), PublicationStatus.REVIEW, None) == 1
    site.refresh_from_db()
    assert (site.status, site.updated_by) == (PublicationStatus.REVIEW, None)


def test_the_version_check_locks_the_row_until_the_save():
    """No other save may slip in between the check of the version a form started from and the save (PostgreSQL;
    SQLite locks the whole database for a write anyway)."""
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no row locks")
    site = SiteFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert site.stale_edit(site.version) is None
    assert "FOR UPDATE" in queries[0]["sql"]
    with CaptureQueriesContext(connection) as queries:
        site.stale_edit(site.version, lock=False)  # the import locks its rows beforehand
    assert "FOR UPDATE" not in queries[0]["sql"]


def test_restricted_fields_are_not_copied_into_history():
    testimony = TestimonyFactory(real_name="Hidden Person")
    historical_fields = {field.name for field in testimony.history.model._meta.fields}
    assert not set(Testimony.RESTRICTED_FIELDS) & historical_fields


def test_reverting_to_a_published_version_stamps_the_reviewer_who_republished(client):
    first_reviewer = staff(client, REVIEWER, "first-reviewer")
    site = SiteFactory(status="review")
    set_status(Site.objects.filter(pk=site.pk), PublicationStatus.PUBLISHED, first_reviewer)
    set_status(Site.objects.filter(pk=site.pk), PublicationStatus.WITHHELD, first_reviewer)
    published_version = site.history.filter(status="published").first()
    second_reviewer = staff(client, REVIEWER, "second-reviewer")
    revert_url = admin_url(Site, "simple_history", site.pk, published_version.history_id)
    data = form_data(client.get(revert_url), Site.history.model)
    assert data["status"] == ["withheld"]  # the current status is kept unless the reviewer chooses otherwise
    data["status"] = ["published"]
    assert revert(client, revert_url, data).status_code == 302
    site.refresh_from_db()
    assert site.status == "published" and site.published_by == second_reviewer


@pytest.mark.parametrize("status", [PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD])
def test_editor_cannot_change_a_published_or_withheld_record(client, editor, status):
    testimony = TestimonyFactory(status=status, witness_label="Daniil")
    url = admin_url(Testimony, "change", testimony.pk)
    page = client.get(url)
    assert page.status_code == 200 and 'name="witness_label"' not in page.content.decode()
    assert client.post(url, {"witness_label": "Real Name"}).status_code == 403
    testimony.refresh_from_db()
    assert testimony.witness_label == "Daniil"


def test_a_form_without_the_version_it_started_from_is_refused(client, editor):
    """No lost edits: a change that cannot say which version it started from is not trusted to be current."""
    site = SiteFactory(status="draft", name="Start")
    url = admin_url(Site, "change", site.pk)
    data = form_data(client.get(url), Site)
    assert data.pop("seen_version") == ["1"]
    data["name"] = ["Blind overwrite"]

    response = client.post(url, data)

    assert response.status_code == 200 and "saved this record after you opened it" in response.content.decode()
    site.refresh_from_db()
    assert (site.name, site.version) == ("Start", 1)


def test_a_stale_form_that_changes_nothing_is_not_refused(client, editor):
    """Someone saved the record after it was opened, but the form changes nothing: it overwrites nothing either."""
    site = SiteFactory(status="draft", name="Start")
    url = admin_url(Site, "change", site.pk)
    first_form = form_data(client.get(url), Site)
    second_form = form_data(client.get(url), Site)
    assert client.post(url, first_form).status_code == 302
    assert Site.objects.get(pk=site.pk).version == 2

    response = client.post(url, second_form)

    assert response.status_code == 302, response.context and response.context["errors"]
    second_form["name"] = ["A change on top of version 1"]
    assert "saved this record after you opened it" in client.post(url, second_form).content.decode()
    assert Site.objects.get(pk=site.pk).name == "Start"


def test_an_inline_row_left_as_it_was_is_not_refused_when_someone_saved_that_row(client, editor):
    from testimonies.models import EvidenceImage
    from tests.factories import EvidenceImageFactory

    testimony = TestimonyFactory(status="draft", witness_label="Before")
    evidence = EvidenceImageFactory(testimony=testimony, status="draft", caption="Caption")
    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    assert data["evidence-0-seen_version"] == ["1"]
    # Someone else saves the image meanwhile, through its own admin page.
    evidence_url = admin_url(EvidenceImage, "change", evidence.pk)
    assert client.post(evidence_url, form_data(client.get(evidence_url), EvidenceImage)).status_code == 302
    assert EvidenceImage.objects.get(pk=evidence.pk).version == 2

    data["witness_label"] = ["After"]
    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    testimony.refresh_from_db()
    assert testimony.witness_label == "After"

    # The same row changed on top of its stale version is refused.
    data = form_data(client.get(url), Testimony)
    data["evidence-0-seen_version"] = ["1"]
    data["evidence-0-caption"] = ["Changed caption"]
    response = client.post(url, data)
    assert response.status_code == 200 and "saved this record after you opened it" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.caption == "Caption"


# --- Revert: a confirmation page that shows what changes, and the status kept (issue 20, item 2) -------------------


def published_testimony_with_an_older_review_version(reviewer):
    testimony = TestimonyFactory(status="review", quote="Full text with Ivan Petrov, +7 900 123 45 67.")
    CitationFactory(testimony=testimony)
    # Published as an older review let it through, before the re-identification check existed.
    testimony.status = PublicationStatus.PUBLISHED
    testimony.save()
    testimony.quote = "Full text."
    testimony._change_reason = "Personal data removed"
    testimony.save()
    return testimony, testimony.history.filter(status="review").earliest()


def test_a_revert_first_shows_what_it_changes_and_keeps_the_published_status(client, reviewer):
    testimony, review_version = published_testimony_with_an_older_review_version(reviewer)
    url = admin_url(Testimony, "simple_history", testimony.pk, review_version.history_id)
    data = form_data(client.get(url), Testimony.history.model)
    assert data["status"] == ["published"]

    page = client.post(url, data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confirm the revert" in text and "+7 900 123 45 67" in text and "Full text." in text
    assert "Publication status" not in text  # the status is not among the changes
    testimony.refresh_from_db()
    assert testimony.quote == "Full text."  # nothing saved before the confirmation

    assert client.post(url, {**data, "_confirm_revert": ["yes"]}).status_code == 302
    testimony.refresh_from_db()
    assert testimony.quote.startswith("Full text with") and testimony.status == "published"


def test_a_revert_that_changes_the_status_says_so_before_saving(client, reviewer):
    testimony, review_version = published_testimony_with_an_older_review_version(reviewer)
    url = admin_url(Testimony, "simple_history", testimony.pk, review_version.history_id)
    data = form_data(client.get(url), Testimony.history.model)
    data["status"] = ["review"]
    text = client.post(url, data).content.decode()
    assert "Publication status" in text and "In review" in text and "Published" in text
    assert Testimony.objects.get(pk=testimony.pk).status == "published"
    assert revert(client, url, data).status_code == 302
    assert Testimony.objects.get(pk=testimony.pk).status == "review"
