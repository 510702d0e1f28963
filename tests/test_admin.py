"""The curation admin: every page renders, search, autocomplete, restricted fields, bulk actions and audit stamps."""

import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.curation import PublicationStatus
from sites.models import Site
from testimonies import models as testimony_models
from tests import factories
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    EvidenceImageFactory,
    PersonAliasFactory,
    PostingFactory,
    PublicationFactory,
    RegionFactory,
    SiteAliasFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceAliasFactory,
    SourceFactory,
    TestimonyPersonFactory,
    UnitAliasFactory,
    UnitFactory,
    UnitParentFactory,
    UserFactory,
    region_named,
)
from units.models import Unit

pytestmark = pytest.mark.django_db

APPS = ("testimonies", "sites", "units")
REGISTERED_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in APPS), key=lambda model: model._meta.label
)

TESTIMONY_PERMISSIONS = [
    "testimonies.add_testimony",
    "testimonies.change_testimony",
    "testimonies.view_testimony",
]
# An editor also works on the citations of a testimony, so the citations inline is part of the form.
CITATION_PERMISSIONS = [
    "testimonies.add_citation",
    "testimonies.change_citation",
    "testimonies.view_citation",
    "testimonies.delete_citation",
]
RESTRICTED_PERMISSION = "testimonies.view_restricted_fields"


def make_testimony(**kwargs):
    """A testimony with every kind of related record, so each widget and inline of the admin has data."""
    testimony = factories.TestimonyFactory(
        sites=[SiteFactory()], units=[UnitFactory()], abuse_types=[AbuseTypeFactory()], **kwargs
    )
    CitationFactory(testimony=testimony)
    EvidenceImageFactory(testimony=testimony)
    return testimony


def make_site():
    site = SiteFactory(first_reported="2024-05-01")
    SiteUnitFactory(site=site, publication=PublicationFactory())
    site.reported_in.add(PublicationFactory())
    EvidenceImageFactory(site=site)
    return site


def make_unit():
    unit = UnitFactory(parent=UnitFactory(kind="division"), unit_number="40463")
    UnitFactory(parent=unit, kind="battalion")
    PostingFactory(unit=unit, publication=PublicationFactory())
    UnitParentFactory(unit=unit, parent=unit.parent)
    return unit


def make_publication():
    publication = PublicationFactory()
    publication.cites.add(PublicationFactory())
    return publication


INSTANCE_BUILDERS = {
    "testimonies.Source": SourceFactory,
    "testimonies.Publication": make_publication,
    "testimonies.AbuseType": AbuseTypeFactory,
    "testimonies.Testimony": make_testimony,
    "testimonies.Citation": CitationFactory,
    "testimonies.EvidenceImage": EvidenceImageFactory,
    "sites.Site": make_site,
    "sites.SiteUnit": lambda: SiteUnitFactory(publication=PublicationFactory()),
    "units.Unit": make_unit,
    "units.Person": lambda: PostingFactory(publication=PublicationFactory()).person,
    "units.Posting": lambda: PostingFactory(publication=PublicationFactory()),
    "units.PersonAlias": PersonAliasFactory,
    "units.UnitParent": UnitParentFactory,
    "testimonies.TestimonyPerson": TestimonyPersonFactory,
    "sites.SiteAlias": SiteAliasFactory,
    "sites.Region": RegionFactory,
    "units.UnitAlias": UnitAliasFactory,
    "testimonies.SourceAlias": SourceAliasFactory,
    "testimonies.AccessLogEntry": lambda: testimony_models.AccessLogEntry.objects.create(
        user=UserFactory(username="logged"), action="view", testimony_id=1, fields="real_name"
    ),
    "testimonies.ReviewerNotice": lambda: testimony_models.ReviewerNotice.objects.create(message="Consent withdrawn"),
}
# Written by services only, and never changed: their add pages are refused.
APPEND_ONLY = {"testimonies.ReviewerNotice", "testimonies.AccessLogEntry"}


def changelist_results(client, model, **params):
    response = client.get(admin_url(model, "changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# --- Every page renders ---------------------------------------------------------------------------------------------


def test_every_model_of_the_apps_is_covered():
    assert {model._meta.label for model in REGISTERED_MODELS} <= set(INSTANCE_BUILDERS), (
        "a newly registered admin model needs a builder in INSTANCE_BUILDERS"
    )


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_changelist_add_and_change_pages_render(admin_client, model):
    builder = INSTANCE_BUILDERS.get(model._meta.label)
    if builder is None:
        pytest.fail(f"no builder for {model._meta.label} in INSTANCE_BUILDERS")
    instance = builder()

    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    expected = 403 if model._meta.label in APPEND_ONLY else 200
    assert admin_client.get(admin_url(model, "add")).status_code == expected
    change = admin_client.get(admin_url(model, "change", instance.pk))
    assert change.status_code == 200
    assert change.context["original"] == instance


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_changelist_search_runs(admin_client, model):
    INSTANCE_BUILDERS[model._meta.label]()
    response = admin_client.get(admin_url(model, "changelist"), {"q": "zzz-nothing"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


# --- Search ---------------------------------------------------------------------------------------------------------


def test_testimony_search_finds_a_word_of_the_quote(admin_client):
    wanted = factories.TestimonyFactory(quote="They chained him to the ceiling of the pit.")
    factories.TestimonyFactory(quote="We were kept without food in the basement.")

    assert changelist_results(admin_client, testimony_models.Testimony, q="ceiling") == [wanted]


# --- Autocomplete -------------------------------------------------------------------------------------------------


def test_autocomplete_of_testimony_sites_returns_json(admin_client):
    wanted = SiteFactory(name="Petrovskaya coal mine")
    SiteFactory(name="Makiivka former factory")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Petrov", "app_label": "testimonies", "model_name": "testimony", "field_name": "sites"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert payload["results"] == [{"id": str(wanted.pk), "text": "Petrovskaya coal mine"}]
    assert payload["pagination"] == {"more": False}


# --- Restricted witness fields ------------------------------------------------------------------------------------


@pytest.fixture
def editor(client):
    user = UserFactory(username="editor", permissions=TESTIMONY_PERMISSIONS + CITATION_PERMISSIONS)
    client.force_login(user)
    return client


@pytest.fixture
def restricted_viewer(client):
    user = UserFactory(
        username="senior", permissions=TESTIMONY_PERMISSIONS + CITATION_PERMISSIONS + [RESTRICTED_PERMISSION]
    )
    client.force_login(user)
    return client


REAL_NAME = "Pyotr Ivanovich Sidorenko"
CONTACT = "signal: +371 2000 0000"
NOTES = "Met in Riga; fears for his family."


@pytest.fixture
def witness():
    # A draft: editors edit drafts; published records are read-only for them (tests/test_workflow.py).
    return make_testimony(real_name=REAL_NAME, contact=CONTACT, internal_notes=NOTES, status=PublicationStatus.DRAFT)


@pytest.mark.parametrize("page", ["add", "change"])
def test_editor_does_not_see_restricted_fields(editor, witness, page):
    model = testimony_models.Testimony
    url = admin_url(model, "add") if page == "add" else admin_url(model, "change", witness.pk)

    response = editor.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="quote"' in html
    for field in model.RESTRICTED_FIELDS:
        assert f'name="{field}"' not in html
        assert f'id="id_{field}"' not in html
    for value in (REAL_NAME, CONTACT, NOTES):
        assert value not in html


def test_editor_cannot_set_restricted_fields_by_posting_them(editor, witness):
    model = testimony_models.Testimony
    url = admin_url(model, "change", witness.pk)
    data = form_data(editor.get(url), model)
    assert "citations-TOTAL_FORMS" in data
    assert data["citations-TOTAL_FORMS"] == ["1"]
    assert "real_name" not in data
    data.update(
        witness_label=["Daniil, former platoon commander"],
        real_name=["Forged Name"],
        contact=["forged contact"],
        internal_notes=["forged notes"],
    )

    response = editor.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    witness.refresh_from_db()
    assert witness.witness_label == "Daniil, former platoon commander"  # the form was valid and saved
    assert (witness.real_name, witness.contact, witness.internal_notes) == (REAL_NAME, CONTACT, NOTES)
    assert witness.citations.count() == 1


def test_editor_cannot_set_restricted_fields_when_adding(editor):
    model = testimony_models.Testimony
    url = admin_url(model, "add")
    data = form_data(editor.get(url), model)
    data.update(
        witness_label=["Anonymous fellow soldier"],
        witness_role=[model.WitnessRole.FELLOW_SOLDIER],
        quote=["They took our phones."],
        real_name=["Forged Name"],
    )

    response = editor.post(url, data)

    assert response.status_code == 302
    created = model.objects.get(witness_label="Anonymous fellow soldier")
    assert created.real_name == ""


def test_editor_cannot_find_a_testimony_by_its_real_name(editor, witness):
    model = testimony_models.Testimony
    assert changelist_results(editor, model, q="Sidorenko") == []
    response = editor.get(admin_url(model, "changelist"), {"q": witness.witness_label})
    assert list(response.context["cl"].result_list) == [witness]
    assert REAL_NAME not in response.content.decode()


@pytest.mark.parametrize(
    ("lookup", "value"),
    [
        ("real_name", REAL_NAME),
        ("real_name__icontains", "Sidorenko"),
        ("real_name__startswith", "P"),
        ("contact__icontains", "signal"),
        ("internal_notes__icontains", "Riga"),
    ],
)
def test_editor_cannot_find_a_testimony_by_filtering_on_a_restricted_field(editor, witness, lookup, value):
    # The admin accepts any lookup on a model's own fields from the query string unless `lookup_allowed` says
    # no, so a hidden search field is not enough: `?real_name__startswith=P` would tell a real name letter by letter.
    response = editor.get(admin_url(testimony_models.Testimony, "changelist"), {lookup: value})
    if response.status_code == 200:
        assert witness not in response.context["cl"].result_list
    else:
        assert response.status_code in (302, 400)


def test_the_refusal_of_restricted_lookups_leaves_every_other_filter_to_editors(editor, witness):
    model = testimony_models.Testimony
    assert changelist_results(editor, model, status__exact=PublicationStatus.DRAFT) == [witness]
    # A lookup across a relation that no list filter offers stays refused, by Django's own rule.
    response = editor.get(admin_url(model, "changelist"), {"citations__quoted_passage__icontains": "x"})
    assert response.status_code in (302, 400)


def test_permitted_user_can_filter_on_a_restricted_field(restricted_viewer, witness):
    make_testimony(real_name="Somebody Else")
    model = testimony_models.Testimony
    assert changelist_results(restricted_viewer, model, real_name__startswith="Pyotr") == [witness]


def test_the_testimony_list_finds_a_record_by_its_public_id_or_public_address(editor, witness):
    make_testimony()
    quoting = make_testimony(quote=f"See also {witness.public_id}.", status=PublicationStatus.DRAFT)
    model = testimony_models.Testimony
    for typed in (witness.public_id, witness.public_id.upper()):
        assert set(changelist_results(editor, model, q=typed)) == {witness, quoting}, typed  # the id, or the text
    address = f"https://archive.example{witness.get_absolute_url()}"
    assert address.endswith("/") and changelist_results(editor, model, q=address) == [witness]


def test_the_testimony_form_posts_to_its_own_page(editor, witness):
    """The admin's `form_url` is left empty, so the form has no `action` and posts to the page it is on."""
    html = editor.get(admin_url(testimony_models.Testimony, "change", witness.pk)).content.decode()
    (form_tag,) = re.findall(r'<form[^>]*id="testimony_form"[^>]*>', html)
    assert "action=" not in form_tag


def test_a_change_in_the_testimony_form_is_recorded_as_a_change(editor, witness):
    model = testimony_models.Testimony
    url = admin_url(model, "change", witness.pk)
    data = form_data(editor.get(url), model)
    data["quote"] = ["A corrected quote."]
    assert editor.post(url, data).status_code == 302
    assert witness.history.first().history_change_reason == "Changed in the admin"


@pytest.mark.parametrize("page", ["add", "change"])
def test_permitted_user_sees_restricted_fields(restricted_viewer, witness, page):
    model = testimony_models.Testimony
    url = admin_url(model, "add") if page == "add" else admin_url(model, "change", witness.pk)

    html = restricted_viewer.get(url).content.decode()

    for field in model.RESTRICTED_FIELDS:
        assert f'name="{field}"' in html
    # Every other fieldset is still there, the restricted one inserted before the audit fieldset.
    for field in ("witness_label", "quote", "given_on", "sites", "consent"):
        assert f'name="{field}"' in html, field
    # The public id, once there is one, on the change page only.
    assert ("field-public_id" in html) == (page == "change")
    if page == "change":
        for value in (REAL_NAME, CONTACT, NOTES):
            assert value in html


def test_permitted_user_can_change_restricted_fields(restricted_viewer, witness):
    model = testimony_models.Testimony
    url = admin_url(model, "change", witness.pk)
    data = form_data(restricted_viewer.get(url), model)
    assert data["real_name"] == [REAL_NAME]
    data["real_name"] = ["Pyotr Sidorenko"]

    response = restricted_viewer.post(url, data)

    assert response.status_code == 302
    witness.refresh_from_db()
    assert witness.real_name == "Pyotr Sidorenko"
    assert (witness.contact, witness.internal_notes) == (CONTACT, NOTES)


def test_permitted_user_can_find_a_testimony_by_its_real_name(restricted_viewer, witness):
    make_testimony(real_name="Somebody Else")
    assert changelist_results(restricted_viewer, testimony_models.Testimony, q="Sidorenko") == [witness]


# --- Bulk status actions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", PublicationStatus.values)
def test_status_actions_change_selected_records_and_stamp_the_user(admin_client, superuser, status):
    model = testimony_models.Testimony
    other = PublicationStatus.DRAFT if status != PublicationStatus.DRAFT else PublicationStatus.REVIEW
    selected = [factories.TestimonyFactory(status=other) for _ in range(2)]
    for record in selected:
        factories.CitationFactory(testimony=record)  # a public publication to rest on, needed to publish
    untouched = factories.TestimonyFactory(status=other)

    response = admin_client.post(
        admin_url(model, "changelist"),
        {"action": f"mark_{status}", "_selected_action": [record.pk for record in selected], "index": 0},
    )

    assert response.status_code == 302
    for record in selected:
        record.refresh_from_db()
        assert record.status == status
        assert record.updated_by == superuser
    untouched.refresh_from_db()
    assert untouched.status == other
    assert untouched.updated_by is None


def test_status_action_is_offered_on_every_curated_changelist(admin_client):
    for model in (
        testimony_models.Source,
        testimony_models.Publication,
        testimony_models.Testimony,
        Site,
        Unit,
    ):
        response = admin_client.get(admin_url(model, "changelist"))
        choices = [value for value, _label in response.context["action_form"].fields["action"].choices]
        assert {f"mark_{status}" for status in PublicationStatus.values} <= set(choices), model


def test_status_action_on_sites_stamps_the_user(admin_client, superuser):
    site = SiteFactory(status=PublicationStatus.REVIEW)

    admin_client.post(
        admin_url(Site, "changelist"), {"action": "mark_withheld", "_selected_action": [site.pk], "index": 0}
    )

    site.refresh_from_db()
    assert site.status == PublicationStatus.WITHHELD
    assert site.updated_by == superuser


# --- Audit stamps through the forms -------------------------------------------------------------------------------


def test_adding_a_site_stamps_created_by_and_updated_by(admin_client, superuser):
    url = admin_url(Site, "add")
    data = form_data(admin_client.get(url), Site)
    assert "site_units-TOTAL_FORMS" in data
    data.update(
        name=["Petrovskaya coal mine"],
        slug=["petrovskaya-coal-mine"],
        kind=[Site.Kind.COAL_MINE],
        region=[str(region_named("Donetsk").pk)],
        territory=[Site.Territory.OCCUPIED_UKRAINE],
        latitude=["47.9784"],
        longitude=["37.6553"],
        status=[PublicationStatus.REVIEW],
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    site = Site.objects.get(slug="petrovskaya-coal-mine")
    assert site.created_by == superuser
    assert site.updated_by == superuser
    assert site.status == PublicationStatus.REVIEW


def test_changing_a_site_keeps_created_by_and_stamps_updated_by(admin_client, superuser):
    author = UserFactory()
    site = SiteFactory(created_by=author, updated_by=author)
    url = admin_url(Site, "change", site.pk)
    data = form_data(admin_client.get(url), Site)
    data["description"] = ["Soldiers were held underground."]

    response = admin_client.post(url, data)

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.description == "Soldiers were held underground."
    assert site.created_by == author
    assert site.updated_by == superuser


def test_site_form_rejects_half_coordinates(admin_client):
    url = admin_url(Site, "add")
    data = form_data(admin_client.get(url), Site)
    data.update(
        name=["Half located"],
        slug=["half-located"],
        kind=[Site.Kind.OTHER],
        region=["Luhansk"],
        territory=[Site.Territory.OCCUPIED_UKRAINE],
        latitude=["48.5"],
    )

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Give both latitude and longitude, or neither." in response.content.decode()
    assert not Site.objects.filter(slug="half-located").exists()


# --- View on site -------------------------------------------------------------------------------------------------


def test_site_change_page_links_to_the_public_page(admin_client):
    site = SiteFactory(slug="makiivka-factory")

    response = admin_client.get(admin_url(Site, "change", site.pk))

    html = response.content.decode()
    link = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Site).pk, site.pk])
    assert f'href="{link}"' in html
    assert "View on site" in html
    redirect = admin_client.get(link)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith("/sites/makiivka-factory/")


# --- The date hierarchy at any size -------------------------------------------------------------------------------


def hierarchy_links(response, lookup: str) -> list[int]:
    """The choices of the date hierarchy (the filters' links keep the year or month already picked)."""
    return list(dict.fromkeys(int(value) for value in re.findall(rf"{lookup}=(\d+)", response.content.decode())))


def test_the_date_hierarchy_lists_the_years_and_months_of_every_status_without_a_distinct(
    admin_client,
):
    for day in ("2016-03-05", "2019-07-01", "2019-11-30", "2024-01-31"):
        factories.TestimonyFactory(given_on=day)
    factories.TestimonyFactory(given_on="2021-02-02", status=PublicationStatus.DRAFT)
    url = admin_url(testimony_models.Testimony, "changelist")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert hierarchy_links(response, "given_on__year") == [2016, 2019, 2021, 2024]
    # The years are probed one by one (an EXISTS each); no query reads every record's distinct year.
    assert not [query for query in queries.captured_queries if "DATE_TRUNC" in query["sql"].upper()]
    in_2019 = admin_client.get(url, {"given_on__year": 2019})
    assert hierarchy_links(in_2019, "given_on__month") == [7, 11]
    drafts = admin_client.get(url, {"status__exact": PublicationStatus.DRAFT})
    # One year only: Django's hierarchy starts at its months.
    assert hierarchy_links(drafts, "given_on__month") == [2]
    published = admin_client.get(url, {"status__exact": PublicationStatus.PUBLISHED})
    assert hierarchy_links(published, "given_on__year") == [2016, 2019, 2024]


def test_a_hierarchy_of_more_years_than_it_probes_lists_them_the_usual_way(admin_client, monkeypatch):
    monkeypatch.setattr("core.admin_base.MAX_DATE_PROBES", 3)
    for day in ("2010-01-01", "2024-01-01"):
        factories.TestimonyFactory(given_on=day)
    response = admin_client.get(admin_url(testimony_models.Testimony, "changelist"))
    assert hierarchy_links(response, "given_on__year") == [2010, 2024]


def test_a_deep_changelist_page_reads_its_keys_first_and_lists_what_the_plain_slice_would(admin_client, monkeypatch):
    # The admin links the last pages of a list; past the first records a page is read by key (core.listing).
    factories.TestimonyFactory.create_batch(7)
    whole = [record.pk for record in changelist_results(admin_client, testimony_models.Testimony)]
    monkeypatch.setattr(admin.site._registry[testimony_models.Testimony], "list_per_page", 3)
    monkeypatch.setattr("core.listing.KEYS_FIRST_FROM", 3)
    with CaptureQueriesContext(connection) as queries:
        second = changelist_results(admin_client, testimony_models.Testimony, p=2)
    assert [record.pk for record in second] == whole[3:6]
    pages = [query["sql"] for query in queries if "OFFSET 3" in query["sql"]]
    assert len(pages) == 1 and pages[0].startswith('SELECT "testimonies_testimony"."id" AS "pk" FROM')
    # Past the public lists' exact count the admin still pages by number: no cursor, the page a queryset.
    monkeypatch.setattr("core.listing.EXACT_COUNT_UP_TO", 0)
    response = admin_client.get(reverse("admin:testimonies_testimony_changelist"), {"p": 2})
    assert response.status_code == 200
    assert not hasattr(response.context["cl"].paginator.page(2), "next_cursor")
    assert isinstance(response.context["cl"].result_list, QuerySet)
