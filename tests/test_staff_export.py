"""The admin's "Export selected as CSV" action: non-public records for staff, restricted fields by permission."""

import csv
import io

import pytest

from testimonies.models import Testimony
from tests.admin_forms import admin_url
from tests.factories import SiteFactory, TestimonyFactory, UserFactory

pytestmark = pytest.mark.django_db

EDITING = ["testimonies.view_testimony", "testimonies.change_testimony"]


def exported(client, records):
    response = client.post(
        admin_url(Testimony, "changelist"),
        {"action": "export_selected_as_csv", "_selected_action": [record.pk for record in records]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


@pytest.fixture
def drafts():
    site = SiteFactory(slug="mine", name="Mine")
    return [
        TestimonyFactory(status="draft", real_name="Secret Name", witness_label="=cmd()", sites=[site]),
        TestimonyFactory(status="withheld", contact="secret@example.org"),
    ]


def test_staff_export_includes_non_public_records_and_restricted_fields_with_permission(client, drafts):
    client.force_login(UserFactory(permissions=[*EDITING, "testimonies.view_restricted_fields"]))
    rows = exported(client, drafts)
    assert {row["status"] for row in rows} == {"draft", "withheld"}
    assert {row["real_name"] for row in rows} == {"Secret Name", ""}
    first = next(row for row in rows if row["real_name"])
    assert first["witness_label"] == "'=cmd()" and first["sites"] == "Mine"


def test_staff_export_leaves_restricted_fields_out_without_permission(client, drafts):
    client.force_login(UserFactory(permissions=EDITING))
    rows = exported(client, drafts)
    assert len(rows) == 2
    assert not {"real_name", "contact", "internal_notes"} & set(rows[0])
    assert "secret" not in str(rows).lower()


def test_the_action_is_offered_on_every_changelist(rf, superuser):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("testimonies", "sites", "units"):
            assert "export_selected_as_csv" in model_admin.get_actions(request), model
