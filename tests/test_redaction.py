"""History redaction (issue 20, item 1): a reviewer removes a field's value from chosen historical versions,
leaving "[redacted by <user>, <when>, <why>]"; the redaction is itself recorded and cannot be undone."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from core.models import Redaction
from core.redaction import redact_history
from core.roles import EDITOR, REVIEWER
from testimonies.models import Testimony
from tests.admin_forms import admin_url
from tests.factories import TestimonyFactory, UserFactory

pytestmark = pytest.mark.django_db

LEAK = "Ivan Sidorenko, +7 900 123 45 67"


def login(client, role, username):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def leaked():
    """A testimony whose quote held a name and a phone number in an older version, since removed."""
    testimony = TestimonyFactory(status="draft", quote="They held us there.")
    testimony.quote = f"They held us there. {LEAK}"
    testimony.save()
    testimony.quote = "They held us there."
    testimony.save()
    return testimony


def leaking_version(testimony):
    return testimony.history.get(quote__contains="Sidorenko")


def test_a_reviewer_redacts_the_leaking_version_for_good(client, leaked):
    reviewer = login(client, REVIEWER, "reviewer")
    version = leaking_version(leaked)
    url = admin_url(Testimony, "redact", leaked.pk)
    history = client.get(admin_url(Testimony, "history", leaked.pk)).content.decode()
    assert url in history
    page = client.get(url, {"field": "quote"})
    assert page.status_code == 200 and "Sidorenko" in page.content.decode()  # the reviewer sees what to remove
    before = leaked.history.count()

    response = client.post(
        f"{url}?field=quote",
        {"versions": [str(version.history_id)], "reason": "personal data of the witness", "irreversible": "on"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.quote.startswith("[redacted by reviewer, ") and version.quote.endswith(
        ", personal data of the witness]"
    )
    assert not Testimony.history.filter(quote__contains="Sidorenko").exists()
    assert leaked.history.count() == before  # no new version that could be reverted to
    redaction = Redaction.objects.get()
    assert (redaction.field, redaction.versions, redaction.redacted_by) == ("quote", [version.history_id], reviewer)
    history = client.get(admin_url(Testimony, "history", leaked.pk)).content.decode()
    assert "Sidorenko" not in history and "personal data of the witness" in history


def test_only_the_chosen_versions_and_field_are_redacted(leaked):
    reviewer = UserFactory(username="rev", permissions=["testimonies.publish_records"])
    redact_history(leaked, "quote", [leaking_version(leaked).history_id], reviewer, "phone number")
    assert leaked.history.earliest().quote == "They held us there."
    assert leaked.history.latest().quote == "They held us there."
    assert Testimony.objects.get(pk=leaked.pk).quote == "They held us there."


def test_editors_cannot_redact(client, leaked):
    editor = login(client, EDITOR, "editor")
    version = leaking_version(leaked)
    url = admin_url(Testimony, "redact", leaked.pk)
    assert client.get(url, {"field": "quote"}).status_code == 403
    data = {"versions": [str(version.history_id)], "reason": "x", "irreversible": "on"}
    assert client.post(f"{url}?field=quote", data).status_code == 403
    with pytest.raises(PermissionDenied):
        redact_history(leaked, "quote", [version.history_id], editor, "x")
    assert "Sidorenko" in leaking_version(leaked).quote


def test_a_redaction_needs_a_reason_the_acknowledgement_and_a_version_of_this_record(client, leaked):
    login(client, REVIEWER, "reviewer")
    version = leaking_version(leaked)
    url = f"{admin_url(Testimony, 'redact', leaked.pk)}?field=quote"
    assert (
        client.post(url, {"versions": [str(version.history_id)], "reason": "", "irreversible": "on"}).status_code
        == 200
    )
    assert client.post(url, {"versions": [str(version.history_id)], "reason": "why"}).status_code == 200
    other = TestimonyFactory()
    response = client.post(
        url, {"versions": [str(other.history.get().history_id)], "reason": "why", "irreversible": "on"}
    )
    assert response.status_code == 200
    assert not Redaction.objects.exists()
    assert "Sidorenko" in leaking_version(leaked).quote


def test_restricted_fields_are_not_offered_and_not_redactable(client, leaked):
    login(client, REVIEWER, "reviewer")
    page = client.get(admin_url(Testimony, "redact", leaked.pk)).content.decode()
    assert "?field=quote" in page and "?field=real_name" not in page and "?field=status" not in page


def test_redactions_cannot_be_changed_or_deleted_in_the_admin(admin_client):
    assert admin_client.get("/admin/core/redaction/").status_code == 404
