"""Controlled vocabularies follow the publication workflow (issue 20, item 7): abuse types and regions.

A term an editor adds is a draft, seen by no public filter, facet, export, API answer or search until a reviewer
publishes it; the regions of Ukraine and Russia come as one vocabulary, with their Russian and Ukrainian names,
replacing the free text in which "Donetsk region" and "Donetsk" were two regions.
"""

import csv
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from core.csv_import import import_csv
from core.curation import PublicationStatus
from sites.models import Region, Site
from testimonies.models import AbuseType
from tests.admin_forms import form_data
from tests.factories import SiteFactory, TestimonyFactory, UserFactory, region_named

pytestmark = pytest.mark.django_db


def staff(role: str, username: str):
    from django.contrib.auth.models import Group

    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def csv_rows(client, url, params=None):
    response = client.get(url, params or {})
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# --- Abuse types --------------------------------------------------------------------------------------------------


def test_an_abuse_type_an_editor_adds_is_a_draft_off_every_public_output_until_a_reviewer_publishes_it(client):
    editor = staff("editor", "editor")
    editor_client = client_for(editor)
    response = editor_client.post(
        reverse("admin:testimonies_abusetype_add"),
        {**form_data(editor_client.get(reverse("admin:testimonies_abusetype_add")), AbuseType)}
        | {"name": "Mock execution", "slug": "mock-execution", "status": "draft"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    term = AbuseType.objects.get(slug="mock-execution")
    assert term.status == PublicationStatus.DRAFT and term.created_by == editor
    TestimonyFactory(witness_label="Witness M", abuse_types=[term])

    def public_outputs():
        page = client.get(reverse("testimonies:testimony_list")).content.decode()
        filtered = client.get(reverse("testimonies:testimony_list"), {"abuse_type": "mock-execution"})
        [row] = csv_rows(client, reverse("testimonies:testimony_export"))
        api = client.get("/api/testimonies/").json()["results"][0]
        detail = client.get(TestimonyFactory._meta.model.objects.get().get_absolute_url()).content.decode()
        return page, filtered, row, api, detail

    page, filtered, row, api, detail = public_outputs()
    assert "Mock execution" not in page and "Mock execution" not in detail
    # Not a choice the public is offered: it matches nothing, as an unknown one does (no error to tell them apart).
    assert filtered.context["result_count"] == 0 and not filtered.context["filter"].errors
    assert "mock-execution" not in row["abuse_type_slugs"]
    assert api["abuse_types"] == []

    # An editor cannot publish it; a reviewer can.
    data = form_data(editor_client.get(reverse("admin:testimonies_abusetype_change", args=[term.pk])), AbuseType)
    response = editor_client.post(
        reverse("admin:testimonies_abusetype_change", args=[term.pk]), data | {"status": "published"}
    )
    term.refresh_from_db()
    assert term.status == PublicationStatus.DRAFT
    reviewer_client = client_for(staff("reviewer", "reviewer"))
    data = form_data(reviewer_client.get(reverse("admin:testimonies_abusetype_change", args=[term.pk])), AbuseType)
    response = reviewer_client.post(
        reverse("admin:testimonies_abusetype_change", args=[term.pk]), data | {"status": "published"}
    )
    assert response.status_code == 302
    page, filtered, row, api, detail = public_outputs()
    assert "Mock execution" in page and "Mock execution" in detail
    assert filtered.context["result_count"] == 1
    assert row["abuse_type_slugs"] == "mock-execution"
    assert [abuse["slug"] for abuse in api["abuse_types"]] == ["mock-execution"]


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# --- The region vocabulary ---------------------------------------------------------------------------------------


def test_the_regions_of_ukraine_and_russia_are_loaded_with_their_russian_and_ukrainian_names():
    assert Region.objects.public().filter(country="UA").count() == 27
    assert Region.objects.public().filter(country="RU").count() == 83
    donetsk = Region.objects.get(code="UA-14")
    assert (donetsk.name, donetsk.name_ru, donetsk.name_uk) == (
        "Donetsk Oblast",
        "Донецкая область",
        "Донецька область",
    )
    assert Region.objects.get(code="RU-NIZ").name_ru == "Нижегородская область"
    with translation.override("uk"):
        assert str(donetsk) == "Донецька область"
    with translation.override("nl"):
        assert str(donetsk) == "Donetsk Oblast"


@pytest.mark.parametrize(
    "text, code",
    [
        ("Donetsk", "UA-14"),
        ("Donetsk region", "UA-14"),
        ("Donetsk oblast", "UA-14"),
        ("Донецкая обл.", "UA-14"),
        ("DNR", "UA-14"),
        ("Donetsk People's Republic", "UA-14"),
        ("Lugansk", "UA-09"),
        ("Nizhny Novgorod region", "RU-NIZ"),
        ("Нижегородская область", "RU-NIZ"),
        ("Republic of Crimea", "UA-43"),
        ("Zaporozhye", "UA-23"),
        ("Moscow", None),  # the city or the oblast: neither is guessed
        ("Atlantis", None),
        ("", None),
    ],
)
def test_free_text_is_read_as_one_region_or_none(text, code):
    region = Region.objects.matching(text)
    assert (region.code if region else None) == code


def test_a_region_an_editor_adds_is_a_draft_that_no_public_output_shows_until_published(client):
    region = Region.objects.create(name="Kursk Border Zone", slug="kursk-border-zone", status=PublicationStatus.DRAFT)
    site = SiteFactory(name="Border basement", slug="border-basement", region=region)
    TestimonyFactory(sites=[site])

    def outputs():
        listing = client.get(reverse("sites:site_list"))
        detail = client.get(site.get_absolute_url()).content.decode()
        [row] = csv_rows(client, reverse("sites:site_export"))
        [testimony_row] = csv_rows(client, reverse("testimonies:testimony_export"))
        api = client.get("/api/sites/").json()["results"][0]
        found = client.get(reverse("sites:site_list"), {"q": "Kursk Border"}).context["result_count"]
        return listing, detail, row, testimony_row, api, found

    listing, detail, row, testimony_row, api, found = outputs()
    assert "Kursk Border Zone" not in listing.content.decode() and "Kursk Border Zone" not in detail
    assert "kursk-border-zone" not in listing.content.decode()
    assert row["region"] == "" and testimony_row["site_regions"] == ""
    assert api["region"] == ""
    assert found == 0

    Region.objects.filter(pk=region.pk).update(status=PublicationStatus.PUBLISHED)
    listing, detail, row, testimony_row, api, found = outputs()
    assert "Kursk Border Zone" in listing.content.decode() and "Kursk Border Zone" in detail
    assert row["region"] == "Kursk Border Zone" and testimony_row["site_regions"] == "Kursk Border Zone"
    assert api["region"] == "Kursk Border Zone"
    assert found == 1


def test_sites_are_filtered_by_region_slug_or_name_and_exported_with_name_and_code(client):
    SiteFactory(slug="mine", region="Donetsk region")
    SiteFactory(slug="store", region="Нижегородская область")
    for value in ("donetsk", "Donetsk", "Donetsk oblast", "Донецкая область"):
        response = client.get(reverse("sites:site_list"), {"region": value})
        assert [site.slug for site in response.context["object_list"]] == ["mine"], value
    rows = csv_rows(client, reverse("sites:site_export"), {"region": "donetsk"})
    assert [(row["slug"], row["region"], row["region_code"]) for row in rows] == [("mine", "Donetsk Oblast", "UA-14")]
    api = client.get("/api/sites/", {"region": "nizhny-novgorod"}).json()["results"]
    assert [(site["slug"], site["region"], site["region_code"]) for site in api] == [
        ("store", "Nizhny Novgorod Oblast", "RU-NIZ")
    ]


def test_the_region_filter_and_the_site_region_read_in_the_readers_language(client, settings):
    SiteFactory(slug="mine", region="Donetsk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    html = client.get(reverse("sites:site_list")).content.decode()
    assert '<option value="donetsk">Донецька область (1)</option>' in html
    assert "<td>Донецька область</td>" in html


def test_a_search_for_a_region_name_finds_its_sites_in_every_script(client):
    SiteFactory(slug="mine", name="Mine", settlement="", region="Donetsk")
    for query in ("Донецкая", "Donetsk", "ДНР"):
        response = client.get(reverse("sites:site_list"), {"q": query})
        assert [site.slug for site in response.context["object_list"]] == ["mine"], query


def test_an_import_reads_the_region_by_code_or_by_name():
    reviewer = staff("reviewer", "reviewer")
    header = "slug,name,kind,region,region_code,territory\r\n"
    text = header + "a,A,pit,Донецкая область,,occupied_ukraine\r\nb,B,pit,,RU-BEL,russia\r\n"
    result = import_csv("sites", text, reviewer)
    assert result.applied, result.problems
    assert dict(Site.objects.values_list("slug", "region__code")) == {"a": "UA-14", "b": "RU-BEL"}
    refused = import_csv("sites", header + "c,C,pit,Atlantis,,other\r\n", reviewer)
    assert [(problem.column, "Atlantis" in str(problem.message)) for problem in refused.problems] == [("region", True)]


def test_the_admin_offers_regions_by_autocomplete_and_lists_the_sites_whose_region_is_not_chosen(admin_client):
    SiteFactory(slug="chosen", region="Donetsk")
    Site.objects.create(name="Unread", slug="unread", kind="pit", territory="other", unmatched_region="Atlantis")
    changelist = admin_client.get(reverse("admin:sites_site_changelist"), {"unmatched_region": "yes"})
    assert [site.slug for site in changelist.context["cl"].result_list] == ["unread"]
    assert "Atlantis (not chosen yet)" in changelist.content.decode()
    change = admin_client.get(reverse("admin:sites_site_change", args=[Site.objects.get(slug="unread").pk]))
    assert "Atlantis" in change.content.decode()
    autocomplete = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "sites", "model_name": "site", "field_name": "region", "term": "Донецк"},
    )
    assert [result["text"] for result in autocomplete.json()["results"]] == ["Donetsk Oblast"]


# --- The data migration -------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_free_text_regions_to_one_term_and_keeps_the_unreadable_ones_for_curators():
    executor = MigrationExecutor(connection)
    before = [("sites", "0007_region_vocabulary")]
    executor.migrate(before)
    executor.loader.build_graph()
    old = executor.loader.project_state(before).apps
    OldSite = old.get_model("sites", "Site")
    texts = {"a": "Donetsk region", "b": "Donetsk", "c": "Donetsk oblast", "d": "ДНР", "e": "Atlantis", "f": ""}
    for slug, text in texts.items():
        OldSite.objects.create(name=slug, slug=slug, kind="pit", territory="other", region=text)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    sites = {site.slug: site for site in Site.objects.select_related("region")}
    assert {sites[slug].region.code for slug in "abcd"} == {"UA-14"}
    assert (sites["e"].region, sites["e"].unmatched_region) == (None, "Atlantis")
    assert (sites["f"].region, sites["f"].unmatched_region) == (None, "")
    # A curator who chooses the region clears the note.
    sites["e"].region = region_named("Kherson")
    sites["e"].save()
    sites["e"].refresh_from_db()
    assert sites["e"].unmatched_region == "" and sites["e"].region.code == "UA-65"
