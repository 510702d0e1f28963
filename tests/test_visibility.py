"""The visibility matrix: a record that is not published is absent from every public page, export, count,
filter choice and search; restricted witness fields never reach the public."""

import pytest
from django.urls import reverse

from core.curation import PublicationStatus
from sites.models import Site
from testimonies.models import EvidenceImage, Source, Testimony
from tests.factories import (
    AbuseTypeTranslationFactory,
    CitationFactory,
    EvidenceImageFactory,
    PersonAliasFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteAliasFactory,
    SiteFactory,
    SiteTranslationFactory,
    SiteUnitFactory,
    SourceAliasFactory,
    SourceFactory,
    SourceTranslationFactory,
    TestimonyFactory,
    TestimonyPersonFactory,
    UnitAliasFactory,
    UnitFactory,
    UnitParentFactory,
    UnitTranslationFactory,
)
from tests.public_crawl import everything_public, fetch, search_hits
from units.models import Person, Unit

pytestmark = pytest.mark.django_db

HIDDEN_STATUSES = [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD]
MARK = "Zqxhidden"
# Ten digits: a five-digit number turned up by chance in a release file's SHA-256 checksum on a public page.
HIDDEN_UNIT_NUMBER = "9753186420"


@pytest.fixture
def public_world():
    """Published records that link to each other, so that a hidden record has every place to leak into."""
    source = SourceFactory(name="Public source", slug="public-source")
    publication = PublicationFactory(source=source, title="Public report")
    unit = UnitFactory(name="Public brigade", slug="public-brigade")
    site = SiteFactory(name="Public basement", slug="public-basement", latitude=48.0, longitude=37.8)
    SiteUnitFactory(site=site, unit=unit)
    testimony = TestimonyFactory(witness_label="Public witness", sites=[site], units=[unit])
    CitationFactory(testimony=testimony, publication=publication)
    person = PersonFactory(name="Public officer", slug="public-officer")
    PostingFactory(person=person, unit=unit, publication=publication)
    TestimonyPersonFactory(testimony=testimony, person=person, publication=publication)
    EvidenceImageFactory(testimony=testimony, caption="Public image of a testimony")
    EvidenceImageFactory(site=site, caption="Public image of a site")
    return {
        "source": source,
        "publication": publication,
        "unit": unit,
        "site": site,
        "testimony": testimony,
        "person": person,
    }


# A hidden testimony's record number, which no other number on the public pages can be mistaken for.
HIDDEN_NUMBER = 987123


def hide_testimony(world, status):
    testimony = TestimonyFactory(
        id=HIDDEN_NUMBER,
        status=status,
        witness_label=f"{MARK} witness",
        quote=f"{MARK} quote",
        sites=[world["site"]],
        units=[world["unit"]],
    )
    CitationFactory(testimony=testimony, publication=world["publication"])
    return testimony


def hide_site(world, status):
    site = SiteFactory(
        status=status,
        name=f"{MARK} site",
        slug=f"{MARK.lower()}-site",
        region=f"{MARK}region",
        latitude=47.1,
        longitude=37.5,
    )
    SiteUnitFactory(site=site, unit=world["unit"])
    SiteAliasFactory(site=site, name=f"{MARK} alias of a site")
    SiteTranslationFactory(site=site, text=f"{MARK} translated name of a site")
    SiteTranslationFactory(site=site, field="description", language="nl", text=f"{MARK} vertaalde beschrijving")
    world["testimony"].sites.add(site)
    EvidenceImageFactory(site=site, caption=f"{MARK} published image of a hidden site")
    return site


def hide_unit(world, status):
    unit = UnitFactory(status=status, name=f"{MARK} unit", slug=f"{MARK.lower()}-unit", unit_number=HIDDEN_UNIT_NUMBER)
    world["unit"].parent = unit
    world["unit"].save()
    UnitFactory(name="Child of hidden", slug="child-of-hidden", parent=unit)
    # A public person's posting to the hidden unit is hidden with the unit, title and all.
    PostingFactory(unit=unit, person=PersonFactory(name="Officer of a hidden unit"), title=f"{MARK} title")
    UnitAliasFactory(unit=unit, name=f"{MARK} alias of a unit")
    UnitTranslationFactory(unit=unit, text=f"{MARK} translated name of a unit")
    UnitParentFactory(unit=world["unit"], parent=unit, period="2023")
    SiteUnitFactory(site=world["site"], unit=unit)
    world["testimony"].units.add(unit)
    return unit


def hide_source(world, status):
    source = SourceFactory(status=status, name=f"{MARK} source", slug=f"{MARK.lower()}-source")
    SourceAliasFactory(source=source, name=f"{MARK} alias of a source")
    SourceTranslationFactory(source=source, field="description", language="uk", text=f"{MARK} translated description")
    publication = PublicationFactory(source=source, title=f"{MARK} publication of a hidden source")
    CitationFactory(testimony=world["testimony"], publication=publication)
    world["site"].reported_in.add(publication)
    return source


def hide_publication(world, status):
    publication = PublicationFactory(status=status, source=world["source"], title=f"{MARK} publication")
    CitationFactory(testimony=world["testimony"], publication=publication, quoted_passage="passage")
    world["site"].reported_in.add(publication)
    PostingFactory(unit=world["unit"], person=world["person"], publication=publication)
    SiteUnitFactory(
        site=world["site"], unit=UnitFactory(name="Other unit", slug="other-unit"), publication=publication
    )
    return publication


def hide_person(world, status):
    person = PersonFactory(status=status, name=f"{MARK} person", slug=f"{MARK.lower()}-person")
    PersonAliasFactory(person=person, name=f"{MARK} call sign")
    PostingFactory(person=person, unit=world["unit"], publication=world["publication"])
    TestimonyPersonFactory(testimony=world["testimony"], person=person, publication=world["publication"])
    return person


def hide_evidence(world, status):
    """Images that are not public themselves, on public records; and a published image of a hidden testimony."""
    EvidenceImageFactory(site=world["site"], status=status, caption=f"{MARK} image of a site")
    EvidenceImageFactory(testimony=world["testimony"], status=status, caption=f"{MARK} image")
    hidden_testimony = TestimonyFactory(status=status, sites=[world["site"]])
    image = EvidenceImageFactory(testimony=hidden_testimony, caption=f"{MARK} image of a hidden testimony")
    EvidenceImage.objects.filter(pk=image.pk).update(id=HIDDEN_NUMBER)  # a number to look for
    return EvidenceImage.objects.get(pk=HIDDEN_NUMBER)


HIDERS = {
    "testimony": hide_testimony,
    "site": hide_site,
    "unit": hide_unit,
    "source": hide_source,
    "publication": hide_publication,
    "person": hide_person,
    "evidence": hide_evidence,
}


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
@pytest.mark.parametrize("kind", list(HIDERS))
def test_non_public_record_leaks_nowhere(client, public_world, kind, status):
    hidden = HIDERS[kind](public_world, status)
    if hasattr(hidden, "get_absolute_url") and kind != "publication":
        assert client.get(hidden.get_absolute_url()).status_code == 404
    assert search_hits(client, MARK) == 0
    public_text = everything_public(client)
    assert MARK not in public_text
    assert MARK.lower() not in public_text
    if kind == "unit":
        assert HIDDEN_UNIT_NUMBER not in public_text
    # Neither the record number nor the public id of a hidden testimony or image (core.public_ids).
    for record in (hidden, getattr(hidden, "testimony", None)):
        if hasattr(record, "public_id"):
            assert record.public_id not in public_text
    if kind in ("testimony", "evidence"):
        assert str(HIDDEN_NUMBER) not in public_text
        Testimony.objects.filter(pk=HIDDEN_NUMBER).update(has_numbered_url=True)
        assert client.get(f"/testimonies/{HIDDEN_NUMBER}/").status_code == 404
    # The images that must not be served are chosen by how they were made (their caption), not by the rule
    # under test; the public world's own images are served, so that a 404 for everything cannot pass.
    hidden_images = EvidenceImage.objects.filter(caption__startswith=MARK)
    assert hidden_images.count() == {"evidence": 3, "site": 1}.get(kind, 0)
    for evidence in hidden_images:
        urls = (evidence.display.url, evidence.thumbnail.url, f"/evidence/{evidence.public_id}/thumbnail/")
        for url in (*urls, f"/evidence/{evidence.public_id}/", f"/evidence/{evidence.pk}/"):
            assert url not in public_text
            assert client.get(url).status_code == 404, (evidence.caption, url)
    for evidence in EvidenceImage.objects.filter(caption__startswith="Public image"):
        assert client.get(evidence.thumbnail.url).status_code == 200


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_counts_ignore_non_public_records(client, public_world, status):
    TestimonyFactory(status=status)
    SiteFactory(status=status)
    UnitFactory(status=status)
    SourceFactory(status=status)
    PostingFactory(person=PersonFactory(status=status), unit=public_world["unit"])
    response = client.get(reverse("archive:home"))
    assert response.context["counts"] == {"testimonies": 1, "sites": 1, "units": 1, "sources": 1}
    lists = ("testimonies:testimony_list", "sites:site_list", "units:unit_list", "testimonies:source_list")
    for name in (*lists, "units:person_list"):
        assert client.get(reverse(name)).context["result_count"] == 1
    # The overview's charts and their numbers as data (archive/overview.py).
    overview = client.get(reverse("archive:overview"))
    assert overview.context["total"] == 1
    assert client.get(reverse("archive:overview"), {"format": "json"}).json()["total"] == 1
    charts = {chart.slug: chart for chart in overview.context["charts"]}
    assert charts["site_kinds"].total == 1 and charts["sites"].total == 1 and charts["units"].total == 1


def offered_choices(response) -> set[str]:
    """Every value a list's filter form offers: its choices, and the facets' choices and counts."""
    offered = set()
    for entry in response.context["filter_fields"]:
        offered |= {choice.value for choice in entry["choices"]}
        offered |= {str(value) for value, _label in getattr(entry["field"].field, "choices", ())}
    return offered


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_filter_choices_offer_only_public_records(client, public_world, status):
    hidden = [hide_site(public_world, status), hide_unit(public_world, status), hide_source(public_world, status)]
    response = client.get(reverse("testimonies:testimony_list"))
    offered = offered_choices(response)
    assert {public_world["site"].slug, public_world["unit"].slug, public_world["source"].slug} <= offered
    assert not offered & {record.slug for record in hidden}
    assert f"{MARK}region" not in offered
    for entry in response.context["filter_fields"]:
        assert sum(choice.count for choice in entry["choices"]) <= 1, entry["field"].name
    assert not offered_choices(client.get(reverse("units:unit_list"))) & {record.slug for record in hidden}
    for kind in ("site", "unit", "source"):
        assert client.get(reverse("archive:suggest"), {"type": kind, "q": MARK}).json() == {"results": []}


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_filtering_on_a_non_public_record_reveals_nothing(client, public_world, status):
    """A hidden record's slug or name is answered exactly like one that does not exist: no result, no error."""
    site = hide_site(public_world, status)
    export = reverse("testimonies:testimony_export")
    for value in (site.slug, site.name, MARK):
        response = client.get(reverse("testimonies:testimony_list"), {"site": value})
        assert response.context["result_count"] == 0 and not response.context["filter_errors"]
        assert fetch(client, f"{export}?site={value}").count("\n") == 1
        assert client.get("/api/testimonies/", {"site": value}).json()["count"] == 0


def test_restricted_witness_fields_never_reach_the_public(client, public_world):
    TestimonyFactory(
        witness_label="Ivan, former detainee",
        real_name="Ivan Secretovich Realname",
        contact="+7 900 000-00-00, ivan.secret@example.org",
        internal_notes="Met in Riga; fears reprisals against his mother",
        sites=[public_world["site"]],
    )
    assert search_hits(client, "Secretovich") == 0
    public_text = everything_public(client)
    for secret in ("Secretovich", "+7 900", "ivan.secret", "Riga", "reprisals"):
        assert secret not in public_text
    response = client.get(reverse("testimonies:testimony_list"), {"q": "Secretovich"})
    assert response.context["result_count"] == 0


def test_published_records_are_visible_as_a_control(client, public_world):
    """The matrix above is only meaningful if a published record does show up where it was looked for."""
    assert search_hits(client, "Public") >= 12
    public_text = everything_public(client)
    for text in (
        "Public officer",
        "Public witness",
        "Public basement",
        "Public brigade",
        "Public source",
        "Public report",
        "Public image of a testimony",
        "Public image of a site",
    ):
        assert text in public_text
    for model in (Testimony, Site, Unit, Source, Person):
        assert model.objects.public().count() == 1
    # The testimony's own page shows its citation, the person it names and its image (the publication and the
    # officer also appear in the chain of command, so the sections are what is looked for).
    detail = fetch(client, public_world["testimony"].get_absolute_url())
    for text in ("They kept us underground.", "Persons named", "Public image of a testimony"):
        assert text in detail, text


# --- Consent (testimonies.consent) ----------------------------------------------------------------------------------


def test_a_withdrawn_testimony_leaks_nowhere_and_its_evidence_is_gone(
    client, public_world, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from testimonies.consent import withdraw_consent
    from testimonies.models import Consent
    from tests.factories import UserFactory

    testimony = hide_testimony(public_world, PublicationStatus.PUBLISHED)
    testimony.real_name, testimony.contact = "Ivan Zqxhiddenov", "+7 900 123 45 67"
    testimony.save()
    image = EvidenceImageFactory(testimony=testimony, caption=f"{MARK} caption", keep_original=True)
    files = [Path(file.path) for file in (image.display, image.thumbnail, image.original)]
    url, image_url = testimony.get_absolute_url(), image.display.url
    assert client.get(url).status_code == 200 and all(path.exists() for path in files)

    editor = UserFactory(username="withdrawing-editor", is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, editor, "The witness called and asked; fears for his family")
    testimony.refresh_from_db()
    assert testimony.consent == Consent.WITHDRAWN
    assert (testimony.real_name, testimony.contact, testimony.internal_notes) == ("", "", "")
    assert client.get(url).status_code == 404 and client.get(image_url).status_code == 404
    assert client.get(f"/api/testimonies/{testimony.public_id}/").status_code == 404
    assert search_hits(client, MARK) == 0
    public_text = everything_public(client)
    assert MARK not in public_text and MARK.lower() not in public_text
    assert client.get(reverse("archive:home")).context["counts"]["testimonies"] == 1
    assert not any(path.exists() for path in files)
    assert not EvidenceImage.objects.filter(testimony=testimony).exists()
    assert not EvidenceImage.history.filter(testimony_id=testimony.pk).exists()
    last = testimony.history.first()
    assert last.history_user == editor and "fears for his family" in last.history_change_reason
    assert "Zqxhiddenov" not in str(last.__dict__)


LIMITED_DAY = "2019-03-17"


@pytest.fixture
def limited(public_world):
    import datetime

    from testimonies.models import Consent

    testimony = TestimonyFactory(
        witness_label="Limited witness",
        consent=Consent.LIMITED,
        given_on=datetime.date(2019, 3, 17),
        events="2019-02-11/2019-02-23",
        sites=[public_world["site"]],
        units=[public_world["unit"]],
    )
    CitationFactory(testimony=testimony, publication=public_world["publication"])
    return testimony


def test_a_limited_consent_testimony_shows_months_and_regions_only(client, public_world, limited):
    site = public_world["site"]
    detail = fetch(client, limited.get_absolute_url())
    assert "Limited witness" in detail and "March 2019" in detail and "February 2019" in detail
    assert site.name not in detail and site.get_absolute_url() not in detail and site.region.name in detail
    public_text = everything_public(client)
    for exact in ("2019-03-17", "2019-02-11", "2019-02-23", "March 17, 2019", "Feb. 11, 2019", "Feb. 23, 2019"):
        assert exact not in public_text
    # Its site does not name it: not on the site's page, in the site filter, the site's CSV or the search.
    assert "Limited witness" not in fetch(client, site.get_absolute_url())
    assert client.get(reverse("testimonies:testimony_list"), {"site": site.slug}).context["result_count"] == 1
    assert client.get("/api/testimonies/", {"site": site.slug}).json()["count"] == 1
    import csv
    import io

    [site_row] = csv.DictReader(io.StringIO(fetch(client, reverse("sites:site_export"))))
    assert limited.public_id not in site_row["testimony_ids"].split("; ")
    # Found by its region and by whole months, never by the day.
    assert client.get(reverse("testimonies:testimony_list"), {"region": site.region.slug}).context["result_count"] == 2
    for after, before, found in (("2019-02-24", "", 1), ("", "2019-02-10", 1), ("2019-03-01", "", 0)):
        response = client.get("/api/testimonies/", {"date_after": after, "date_before": before, "q": "Limited"})
        assert response.json()["count"] == found, (after, before)
    # The overview counts it in its region and by month, never at its site or by the day (archive/overview.py).
    charts = {
        chart["id"]: {row["key"]: row["count"] for row in chart["rows"]}
        for chart in client.get(reverse("archive:overview"), {"format": "json"}).json()["charts"]
    }
    assert charts["regions"] == {site.region.slug: 2} and charts["sites"] == {site.slug: 1}
    assert charts["months"]["2019-02"] == 1 and not any(key.count("-") > 1 for key in charts["months"])
    site_only = client.get(reverse("archive:overview"), {"site": site.slug, "format": "json"}).json()
    assert site_only["total"] == 1
    api = client.get(f"/api/testimonies/{limited.public_id}/").json()
    assert (api["given_on"], api["events"], api["events_earliest"], api["events_latest"]) == (
        "2019-03-01",
        "2019-02",
        "2019-02-01",
        "2019-02-28",
    )
    assert api["sites"] == [] and api["regions"] == [site.region.name] and api["consent"] == "limited"
    import csv
    import io

    [row] = csv.DictReader(io.StringIO(fetch(client, f"{reverse('testimonies:testimony_export')}?q=Limited")))
    assert (row["given_on"], row["events"], row["events_earliest"], row["site_slugs"], row["site_regions"]) == (
        "2019-03-01",
        "2019-02",
        "2019-02-01",
        "",
        site.region.name,
    )


def test_the_images_of_a_limited_consent_testimony_are_not_public(client, public_world, limited):
    """Limited consent allows the quote at month and region precision; an image can show the place, the day or the
    person, so it is published nowhere (issue 14), while the testimony itself is."""
    image = EvidenceImageFactory(testimony=limited, caption=f"{MARK} image under limited consent")
    assert not EvidenceImage.objects.public().filter(pk=image.pk).exists()
    assert EvidenceImage.objects.public().filter(caption="Public image of a site").exists()
    detail = fetch(client, limited.get_absolute_url())
    assert "Limited witness" in detail and MARK not in detail
    assert MARK not in everything_public(client)
    for url in (
        image.display.url,
        image.thumbnail.url,
        reverse("testimonies:evidence_image", args=[image.public_id]),
        reverse("testimonies:evidence_thumbnail", args=[image.public_id]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("factory", "parent"),
    [
        (SiteAliasFactory, "site"),
        (SiteTranslationFactory, "site"),
        (UnitAliasFactory, "unit"),
        (UnitTranslationFactory, "unit"),
        (PersonAliasFactory, "person"),
        (SourceAliasFactory, "source"),
        (SourceTranslationFactory, "source"),
        (AbuseTypeTranslationFactory, "abuse_type"),
    ],
)
def test_a_records_aliases_and_translations_are_public_exactly_when_it_is(factory, parent):
    """Their own `.public()`, which any code that lists them directly applies, follows their record's rule (the
    pages above reach them through a public record, so they never meet it)."""
    shown, hidden = factory(), factory(**{f"{parent}__status": PublicationStatus.WITHHELD})
    public = type(shown).objects.public()
    assert shown in public
    assert hidden not in public
