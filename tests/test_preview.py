"""The staff-only preview of a record that is not public (issue 20, item 9): "view on site" for a draft opens its
public page with a banner instead of a 404, behind the admin's login, never cached and never indexed."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.curation import PublicationStatus
from core.roles import EDITOR
from sites.models import Site
from tests.admin_forms import admin_url
from tests.factories import (
    PersonFactory,
    SiteFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DRAFT = PublicationStatus.DRAFT
BANNER = "Preview for staff"


@pytest.fixture
def editor_client(client):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(user)
    return client


def preview_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_preview", args=[record.pk])


def test_view_on_site_of_a_draft_opens_a_private_preview_with_a_banner(editor_client):
    site = SiteFactory(name="Unpublished pit", status=DRAFT)
    change = editor_client.get(admin_url(Site, "change", site.pk)).content.decode()
    assert f'href="{preview_url(site)}"' in change  # the "view on site" button

    response = editor_client.get(preview_url(site))

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page and "Unpublished pit" in page and "Draft" in page
    assert set(response["Cache-Control"].replace(" ", "").split(",")) >= {"private", "no-store"}
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    # The public page itself still serves only public records.
    assert editor_client.get(site.get_absolute_url()).status_code == 404


def test_the_preview_is_never_reachable_without_a_staff_login(client):
    site = SiteFactory(name="Unpublished pit", status=DRAFT)
    anonymous = client.get(preview_url(site))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("admin:login"))
    assert "Unpublished pit" not in anonymous.content.decode()
    client.force_login(UserFactory(username="reader", is_staff=False))
    not_staff = client.get(preview_url(site))
    assert not_staff.status_code == 302 and "Unpublished pit" not in not_staff.content.decode()


def test_a_published_records_view_on_site_is_its_public_page(editor_client, admin_client):
    site = SiteFactory(name="Public pit")
    change = admin_client.get(admin_url(Site, "change", site.pk)).content.decode()
    shortcut = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Site).pk, site.pk])
    assert f'href="{shortcut}"' in change and preview_url(site) not in change
    assert admin_client.get(shortcut)["Location"].endswith(site.get_absolute_url())


def test_the_preview_shows_related_records_only_as_the_public_would_see_them(editor_client):
    testimony = TestimonyFactory(
        status=DRAFT,
        sites=[SiteFactory(name="Secret draft pit", status=DRAFT), SiteFactory(name="Known pit")],
    )
    page = editor_client.get(preview_url(testimony)).content.decode()
    assert "Known pit" in page and "Secret draft pit" not in page


def test_a_testimony_preview_shows_no_restricted_field(editor_client):
    testimony = TestimonyFactory(
        witness_label="Draft witness", status=DRAFT, real_name="Ivan Hiddenov", contact="+7 900 000 00 00"
    )
    page = editor_client.get(preview_url(testimony)).content.decode()
    assert "Draft witness" in page and BANNER in page
    assert "Hiddenov" not in page and "+7 900" not in page


@pytest.mark.parametrize("factory", [SiteFactory, UnitFactory, PersonFactory, SourceFactory, TestimonyFactory])
def test_every_record_with_a_public_page_has_a_preview(editor_client, factory):
    record = factory(status=DRAFT)
    response = editor_client.get(preview_url(record))
    assert response.status_code == 200 and BANNER in response.content.decode()
    assert editor_client.get(record.get_absolute_url()).status_code == 404


def test_previewing_survives_chaining_and_nothing_else_skips_the_public_rule():
    """`previewing()` is carried through every further queryset call (its `_clone`), so a page that filters before
    calling `.public()` still shows the previewed draft; a queryset not made by `previewing()` never does."""
    draft = SiteFactory(status=PublicationStatus.DRAFT)
    assert list(Site.objects.previewing().filter(pk=draft.pk).order_by("pk").public()) == [draft]
    assert not Site.objects.filter(pk=draft.pk).public().exists()
