"""The access log of restricted witness fields: every path that shows, searches, filters on, changes or exports
them writes a row (who, when, which testimony, which fields; never a value); reviewers with the permission read
it; nobody changes or deletes it through the admin; old rows are pruned by a command."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from core.roles import EDITOR, REVIEWER, WITNESS_IDENTITIES
from testimonies.models import AccessLogEntry, Testimony
from tests.admin_forms import admin_url, form_data
from tests.factories import TestimonyFactory, staff_user

pytestmark = pytest.mark.django_db
SECRET = "Ivan Loggedov"


staff = staff_user


@pytest.fixture
def identities():
    return staff("identities", EDITOR, WITNESS_IDENTITIES)


@pytest.fixture
def testimony():
    return TestimonyFactory(status="draft", real_name=SECRET, contact="+7 900 555 44 33")


def logged(**filters):
    rows = list(AccessLogEntry.objects.filter(**filters).values("user__username", "action", "testimony_id", "fields"))
    assert SECRET not in str(rows) and "Loggedov" not in str(rows)
    return rows


def test_viewing_the_change_page_is_logged(client, identities, testimony):
    client.force_login(identities)
    assert SECRET in client.get(admin_url(Testimony, "change", testimony.pk)).content.decode()
    assert logged() == [
        {
            "user__username": "identities",
            "action": "view",
            "testimony_id": testimony.pk,
            "fields": "real_name, contact, internal_notes",
        }
    ]


def test_an_editor_without_the_permission_sees_nothing_and_is_not_logged(client, testimony):
    client.force_login(staff("plain-editor", EDITOR))
    assert SECRET not in client.get(admin_url(Testimony, "change", testimony.pk)).content.decode()
    client.get(admin_url(Testimony, "changelist"), {"q": "Loggedov"})
    assert logged() == []


def test_changing_a_restricted_field_is_logged(client, identities, testimony):
    client.force_login(identities)
    url = admin_url(Testimony, "change", testimony.pk)
    data = form_data(client.get(url), Testimony)
    data["contact"] = ["+7 900 000 00 01"]
    assert client.post(url, data).status_code == 302
    assert logged(action="change") == [
        {"user__username": "identities", "action": "change", "testimony_id": testimony.pk, "fields": "contact"}
    ]


def test_searching_and_filtering_are_logged_without_the_words(client, identities, testimony):
    client.force_login(identities)
    response = client.get(admin_url(Testimony, "changelist"), {"q": "Loggedov"})
    assert response.context["cl"].result_count == 1
    client.get(admin_url(Testimony, "changelist"), {"real_name__startswith": "Ivan"})
    assert [(row["action"], row["fields"]) for row in logged()] == [("filter", "real_name"), ("search", "real_name")]


def test_the_staff_export_is_logged_per_testimony(client, identities, testimony):
    other = TestimonyFactory(real_name="Someone Else")
    client.force_login(identities)
    response = client.post(
        admin_url(Testimony, "changelist"),
        {"action": "export_selected_as_csv", "_selected_action": [testimony.pk, other.pk]},
    )
    assert SECRET in b"".join(response.streaming_content).decode()
    rows = logged(action="export")
    assert sorted(row["testimony_id"] for row in rows) == sorted([testimony.pk, other.pk])
    assert {row["fields"] for row in rows} == {"real_name, contact, internal_notes"}


def test_reviewers_with_the_permission_read_it_and_nobody_changes_it(client, identities, testimony):
    AccessLogEntry.record(identities, "view", ["real_name"], [testimony.pk])
    entry = AccessLogEntry.objects.get()
    client.force_login(identities)  # an editor, even with the permission
    assert client.get(admin_url(AccessLogEntry, "changelist")).status_code == 403
    client.force_login(staff("plain-reviewer", REVIEWER))  # a reviewer without it
    assert client.get(admin_url(AccessLogEntry, "changelist")).status_code == 403
    reader = staff("reader", REVIEWER, WITNESS_IDENTITIES)
    client.force_login(reader)
    assert client.get(admin_url(AccessLogEntry, "changelist")).status_code == 200
    assert client.post(admin_url(AccessLogEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert client.post(admin_url(AccessLogEntry, "change", entry.pk), {"fields": "x"}).status_code == 403
    assert client.get(admin_url(AccessLogEntry, "add")).status_code == 403
    with pytest.raises(PermissionDenied):
        entry.delete()
    entry.fields = "nothing"
    with pytest.raises(PermissionDenied):
        entry.save()
    assert AccessLogEntry.objects.get().fields == "real_name"


def test_prune_deletes_only_old_rows(identities, settings):
    AccessLogEntry.record(identities, "view", ["real_name"], [1, 2])
    AccessLogEntry.objects.filter(testimony_id=1).update(at=timezone.now() - datetime.timedelta(days=40))
    settings.ACCESS_LOG_RETENTION_DAYS = 100
    out = StringIO()
    call_command("prune_access_log", stdout=out)
    assert AccessLogEntry.objects.count() == 2 and "Deleted 0" in out.getvalue()
    call_command("prune_access_log", "--older-than", "30", stdout=out)
    assert list(AccessLogEntry.objects.values_list("testimony_id", flat=True)) == [2]
