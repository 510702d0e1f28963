"""Model rules: database constraints, the `.public()` visibility rule, string forms, URLs and the audit stamps."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import resolve
from django.utils.http import urlencode

from core.curation import PublicationStatus
from sites.models import Site, SiteUnit
from testimonies import models as testimony_models
from testimonies.models import AbuseType, Citation, Publication, Source
from tests import factories
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonAliasFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    UnitFactory,
    UserFactory,
)
from units.models import Person, Posting, Unit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 10)
DAY_BEFORE = DAY - datetime.timedelta(days=1)
NOT_PUBLISHED = [status for status in PublicationStatus.values if status != PublicationStatus.PUBLISHED]
END_BEFORE_START = "The end date cannot be before the start date."


def assert_rejected_by_full_clean(instance, message):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert message in excinfo.value.messages, excinfo.value.messages


def assert_rejected_by_database(instance):
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


# --- Unique slugs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "model"),
    [(SourceFactory, Source), (SiteFactory, Site), (UnitFactory, Unit)],
    ids=["source", "site", "unit"],
)
def test_duplicate_slug_is_rejected(factory, model):
    factory(slug="same-slug")
    duplicate = factory.build(slug="same-slug")

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "slug" in excinfo.value.message_dict
    assert excinfo.value.message_dict["slug"] == [
        f"{model._meta.verbose_name.capitalize()} with this Slug already exists."
    ]

    assert_rejected_by_database(duplicate)
    assert model.objects.filter(slug="same-slug").count() == 1


# --- Site coordinates and dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (Decimal("123"), Decimal("30"), "Latitude must be between -90 and 90."),
        (Decimal("-90.5"), Decimal("30"), "Latitude must be between -90 and 90."),
        (Decimal("48"), Decimal("200"), "Longitude must be between -180 and 180."),
        (Decimal("48"), Decimal("-180.000001"), "Longitude must be between -180 and 180."),
        (Decimal("48"), None, "Give both latitude and longitude, or neither."),
        (None, Decimal("37.8"), "Give both latitude and longitude, or neither."),
    ],
)
def test_site_rejects_bad_coordinates(latitude, longitude, message):
    site = SiteFactory.build(latitude=latitude, longitude=longitude)

    assert_rejected_by_full_clean(site, message)
    assert_rejected_by_database(site)
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(None, None), (Decimal("48.0159"), Decimal("37.8028")), (Decimal("-90"), Decimal("180")), (Decimal("90"), -180)],
)
def test_site_accepts_valid_coordinates(latitude, longitude):
    site = SiteFactory.build(latitude=latitude, longitude=longitude)
    site.full_clean()
    site.save()
    assert Site.objects.get().has_coordinates == (latitude is not None)


def test_site_last_reported_cannot_be_before_first_reported():
    site = SiteFactory.build(first_reported=DAY.isoformat(), last_reported=DAY_BEFORE.isoformat())

    assert_rejected_by_full_clean(site, "The site cannot be last reported before it was first reported.")
    assert_rejected_by_database(site)


def test_a_site_last_reported_in_the_month_it_was_first_reported_is_accepted():
    # Partial dates compare by what they may mean: "2024-05" may well be after 2024-05-20.
    site = SiteFactory.build(first_reported="2024-05-20", last_reported="2024-05")
    site.full_clean()
    site.save()
    assert (site.last_reported_earliest, site.last_reported_latest) == (
        datetime.date(2024, 5, 1),
        datetime.date(2024, 5, 31),
    )


@pytest.mark.parametrize(
    ("first", "last"),
    [(DAY, DAY), (DAY_BEFORE, DAY), ("", DAY), (DAY, "")],
    ids=["same", "after", "no-first", "no-last"],
)
def test_site_reporting_dates_in_order_are_accepted(first, last):
    site = SiteFactory.build(first_reported=str(first), last_reported=str(last))
    site.full_clean()
    site.save()


# --- Periods ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (factories.TestimonyFactory, "events"),
        (factories.PublicationFactory, "published_on"),
        (SiteFactory, "first_reported"),
    ],
)
def test_a_partial_date_that_ends_before_it_starts_is_refused(model, field):
    record = model.build(**{field: f"{DAY.isoformat()}/{DAY_BEFORE.isoformat()}"})
    with pytest.raises(ValidationError) as refusal:
        record.full_clean(exclude=["source"])
    assert "The period ends before it starts." in refusal.value.message_dict[field]


def test_testimony_events_on_one_day_are_accepted():
    testimony = factories.TestimonyFactory.build(events=f"{DAY.isoformat()}/{DAY.isoformat()}")
    testimony.full_clean()
    testimony.save()
    assert (testimony.events_earliest, testimony.events_latest) == (DAY, DAY)


def test_site_unit_period_end_cannot_be_before_start():
    link = SiteUnitFactory.build(site=SiteFactory(), unit=UnitFactory(), period="2024-05/2023")
    with pytest.raises(ValidationError) as refusal:
        link.full_clean()
    assert "The period ends before it starts." in refusal.value.message_dict["period"]


def test_a_posting_that_ends_before_it_starts_is_refused_with_a_message():
    posting = PostingFactory.build(unit=UnitFactory(), person=PersonFactory(), period="2024-05/2023-01")
    with pytest.raises(ValidationError) as refusal:
        posting.full_clean()
    assert "The period ends before it starts." in refusal.value.message_dict["period"]


def test_valid_periods_are_accepted():
    link = SiteUnitFactory.build(site=SiteFactory(), unit=UnitFactory(), period=f"{DAY_BEFORE}/{DAY}")
    link.full_clean()
    link.save()
    assert (link.period_earliest, link.period_latest) == (DAY_BEFORE, DAY)
    posting = PostingFactory.build(unit=UnitFactory(), person=PersonFactory(), period="2023-21/..")
    posting.full_clean()
    posting.save()
    assert (posting.period_earliest, posting.period_latest) == (datetime.date(2023, 3, 1), None)


# --- Units -------------------------------------------------------------------------------------------------------


def test_duplicate_unit_number_is_rejected():
    UnitFactory(unit_number="40463")
    duplicate = UnitFactory.build(unit_number="40463")

    assert_rejected_by_full_clean(duplicate, "Another unit already has this military unit number.")
    assert_rejected_by_database(duplicate)
    assert Unit.objects.filter(unit_number="40463").count() == 1


def test_units_without_a_number_may_be_many():
    UnitFactory(unit_number="")
    second = UnitFactory.build(unit_number="")
    second.full_clean()
    second.save()
    UnitFactory(unit_number="")
    assert Unit.objects.filter(unit_number="").count() == 3


def test_unit_cannot_be_its_own_parent():
    unit = UnitFactory()
    unit.parent = unit

    assert_rejected_by_full_clean(unit, "A unit cannot be its own parent.")
    assert_rejected_by_database(unit)
    unit.refresh_from_db()
    assert unit.parent is None


def test_unit_may_have_another_unit_as_parent():
    division = UnitFactory(kind=Unit.Kind.DIVISION)
    regiment = UnitFactory(kind=Unit.Kind.REGIMENT, parent=division)
    regiment.full_clean()
    assert list(division.children.all()) == [regiment]


# --- Visibility: .public() ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", PublicationStatus.values)
@pytest.mark.parametrize(
    ("factory", "model"),
    [
        (SourceFactory, Source),
        (PublicationFactory, Publication),
        (SiteFactory, Site),
        (UnitFactory, Unit),
        (factories.TestimonyFactory, testimony_models.Testimony),
    ],
    ids=["source", "publication", "site", "unit", "testimony"],
)
def test_public_includes_only_published_records(factory, model, status):
    record = factory(status=status)
    control = factory(status=PublicationStatus.PUBLISHED)

    public = model.objects.public()

    assert control in public
    assert (record in public) is (status == PublicationStatus.PUBLISHED)


@pytest.mark.parametrize("source_status", NOT_PUBLISHED)
def test_publication_of_a_non_public_source_is_not_public(source_status):
    publication = PublicationFactory(source=SourceFactory(status=source_status))
    assert publication.status == PublicationStatus.PUBLISHED
    assert not Publication.objects.public().filter(pk=publication.pk).exists()


@pytest.mark.parametrize("hidden", ["testimony", "publication", "source"])
@pytest.mark.parametrize("status", NOT_PUBLISHED)
def test_citation_needs_testimony_publication_and_source_public(hidden, status):
    visible = CitationFactory()
    citation = CitationFactory()
    target = {
        "testimony": citation.testimony,
        "publication": citation.publication,
        "source": citation.publication.source,
    }[hidden]
    target.status = status
    target.save()

    assert list(Citation.objects.public()) == [visible]


@pytest.mark.parametrize(
    ("site_status", "unit_status", "public"),
    [
        (PublicationStatus.PUBLISHED, PublicationStatus.PUBLISHED, True),
        *[(PublicationStatus.PUBLISHED, status, False) for status in NOT_PUBLISHED],
        *[(status, PublicationStatus.PUBLISHED, False) for status in NOT_PUBLISHED],
    ],
)
def test_site_unit_public_needs_site_and_unit_public(site_status, unit_status, public):
    link = SiteUnitFactory(site=SiteFactory(status=site_status), unit=UnitFactory(status=unit_status))
    assert SiteUnit.objects.public().filter(pk=link.pk).exists() is public


@pytest.mark.parametrize("person_status", PublicationStatus.values)
@pytest.mark.parametrize("unit_status", PublicationStatus.values)
def test_posting_public_needs_person_and_unit_public(person_status, unit_status):
    posting = PostingFactory(unit=UnitFactory(status=unit_status), person=PersonFactory(status=person_status))
    public = unit_status == person_status == PublicationStatus.PUBLISHED
    assert Posting.objects.public().filter(pk=posting.pk).exists() is public
    assert Person.objects.public().filter(pk=posting.person_id).exists() is (person_status == "published")


def test_abuse_types_are_all_public():
    abuse_type = AbuseTypeFactory()
    assert list(AbuseType.objects.public()) == [abuse_type]


# --- __str__ and get_absolute_url ----------------------------------------------------------------------------------


def test_source_str_and_url():
    source = SourceFactory(name="ASTRA", slug="astra")
    assert str(source) == "ASTRA"
    url = source.get_absolute_url()
    assert url == "/sources/astra/"
    match = resolve(url)
    assert match.view_name == "testimonies:source_detail"
    assert match.kwargs == {"slug": "astra"}


def test_publication_str_and_url():
    publication = PublicationFactory(
        title="Inside Russia's hidden prison system for deserters",
        source=SourceFactory(name="Platform Raam", slug="raam"),
    )
    assert str(publication) == "Inside Russia's hidden prison system for deserters (Platform Raam)"
    assert str(Publication(title="Untitled draft")) == "Untitled draft"
    url = publication.get_absolute_url()
    assert url == f"/sources/raam/#publication-{publication.pk}"
    path, _, fragment = url.partition("#")
    assert resolve(path).view_name == "testimonies:source_detail"
    assert fragment == f"publication-{publication.pk}"


def test_abuse_type_str_and_url():
    abuse_type = AbuseTypeFactory(name="Starvation", slug="starvation")
    assert str(abuse_type) == "Starvation"
    url = abuse_type.get_absolute_url()
    path, _, query = url.partition("?")
    assert resolve(path).view_name == "testimonies:testimony_list"
    assert query == urlencode({"abuse_type": "starvation"})


def test_testimony_str_and_url():
    testimony = factories.TestimonyFactory(witness_label="Daniil, former platoon commander", quote="Short quote.")
    assert str(testimony) == "Daniil, former platoon commander: Short quote."
    url = testimony.get_absolute_url()
    assert url == f"/testimonies/{testimony.public_id}/"
    match = resolve(url)
    assert match.view_name == "testimonies:testimony_detail"
    assert match.kwargs == {"public_id": testimony.public_id}


def test_testimony_str_truncates_a_long_quote():
    testimony = factories.TestimonyFactory(witness_label="Ivan", quote="word " * 100)
    label, _, quote = str(testimony).partition(": ")
    assert label == "Ivan"
    assert len(quote) <= 60
    assert quote.endswith("…")


def test_citation_str():
    publication = PublicationFactory(title="Report", source=SourceFactory(name="ASTRA"))
    assert str(CitationFactory(publication=publication, locator="03:12")) == "Report (ASTRA) 03:12"
    assert str(CitationFactory(publication=publication, locator="")) == "Report (ASTRA)"


def test_site_str_and_url():
    site = SiteFactory(name="Petrovskaya coal mine", slug="petrovskaya-coal-mine")
    assert str(site) == "Petrovskaya coal mine"
    url = site.get_absolute_url()
    assert url == "/sites/petrovskaya-coal-mine/"
    match = resolve(url)
    assert match.view_name == "sites:site_detail"
    assert match.kwargs == {"slug": "petrovskaya-coal-mine"}


def test_site_unit_str():
    link = SiteUnitFactory(
        site=SiteFactory(name="Petrovskaya coal mine"),
        unit=UnitFactory(name="5th Motorized Rifle Brigade"),
        role=SiteUnit.Role.OPERATED,
    )
    assert str(link) == "5th Motorized Rifle Brigade – Operated the site – Petrovskaya coal mine"


def test_unit_str_and_url():
    unit = UnitFactory(name="1st Motorized Rifle Battalion", slug="1st-battalion", unit_number="40463")
    assert str(unit) == "1st Motorized Rifle Battalion (#40463)"
    assert str(UnitFactory(name="47th Division", unit_number="")) == "47th Division"
    url = unit.get_absolute_url()
    assert url == "/units/1st-battalion/"
    match = resolve(url)
    assert match.view_name == "units:unit_detail"
    assert match.kwargs == {"slug": "1st-battalion"}


def test_a_person_is_shown_with_the_call_signs():
    korchagin = PersonFactory(name="Alexei Korchagin")
    PersonAliasFactory(person=korchagin, name="Cap", kind="call_sign")
    PersonAliasFactory(person=korchagin, name="Алексей Корчагин", kind="original")
    assert (str(korchagin), korchagin.display_name) == ("Alexei Korchagin", "Alexei Korchagin (“Cap”)")
    assert PersonFactory(name="Unnamed officer").display_name == "Unnamed officer"


# --- record_editor --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory",
    [SourceFactory, PublicationFactory, SiteFactory, UnitFactory, factories.TestimonyFactory],
    ids=lambda f: f.__name__,
)
def test_record_editor_sets_created_by_on_create_and_updated_by_always(factory):
    author, reviewer = UserFactory(), UserFactory()

    record = factory.build(source=SourceFactory()) if factory is PublicationFactory else factory.build()
    record.record_editor(author)
    assert record.created_by == author
    assert record.updated_by == author
    record.save()

    record.record_editor(reviewer)
    record.save()
    record.refresh_from_db()
    assert record.created_by == author
    assert record.updated_by == reviewer


def test_record_editor_does_not_set_created_by_on_an_existing_record():
    editor = UserFactory()
    site = SiteFactory()
    site.record_editor(editor)
    assert site.created_by is None
    assert site.updated_by == editor


@pytest.mark.parametrize("user", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_record_editor_ignores_a_missing_or_anonymous_user(user):
    site = SiteFactory.build()
    site.record_editor(user)
    assert site.created_by is None
    assert site.updated_by is None
