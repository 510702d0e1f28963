"""Opaque public ids (core.public_ids): testimonies and evidence images are known to the public only by a random id;
their record numbers appear in no public address, page, export or API response, and an old numbered address
redirects only for a public record made before public ids, answering every other number with the same 404."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.csv_import import import_csv
from core.curation import PublicationStatus
from core.public_ids import LENGTH, is_public_id, new_public_id
from core.roles import REVIEWER
from testimonies.consent import withdraw_consent
from testimonies.models import EvidenceImage, Testimony
from tests.factories import (
    CitationFactory,
    EvidenceImageFactory,
    PersonFactory,
    PublicationFactory,
    SiteFactory,
    TestimonyFactory,
    TestimonyPersonFactory,
    UnitFactory,
    UserFactory,
)
from tests.public_crawl import everything_public, fetch

pytestmark = pytest.mark.django_db

# Record numbers no other number on the pages can be mistaken for.
PUBLIC_NUMBER, HIDDEN_NUMBER, IMAGE_NUMBER, HIDDEN_IMAGE_NUMBER = 876543, 987123, 765432, 654329


def renumber(evidence, number: int):
    """Evidence is made through the upload service, which takes no id: give it a recognisable one afterwards."""
    EvidenceImage.objects.filter(pk=evidence.pk).update(id=number)
    return EvidenceImage.objects.get(pk=number)


@pytest.fixture
def world():
    site, unit, person = SiteFactory(slug="yard"), UnitFactory(slug="brigade"), PersonFactory(slug="officer")
    publication = PublicationFactory()
    testimony = TestimonyFactory(id=PUBLIC_NUMBER, sites=[site], units=[unit])
    CitationFactory(testimony=testimony, publication=publication)
    TestimonyPersonFactory(testimony=testimony, person=person, publication=publication)
    image = renumber(EvidenceImageFactory(testimony=testimony, caption="A public image"), IMAGE_NUMBER)
    hidden = TestimonyFactory(id=HIDDEN_NUMBER, status=PublicationStatus.DRAFT, sites=[site], units=[unit])
    CitationFactory(testimony=hidden, publication=publication)
    hidden_image = renumber(EvidenceImageFactory(testimony=hidden, caption="A hidden image"), HIDDEN_IMAGE_NUMBER)
    return {"testimony": testimony, "image": image, "hidden": hidden, "hidden_image": hidden_image}


def test_public_ids_are_random_short_url_safe_and_never_a_number():
    ids = {new_public_id() for _ in range(2000)}
    assert len(ids) == 2000
    for public_id in ids:
        assert len(public_id) == LENGTH and is_public_id(public_id)
        assert public_id[0].isalpha() and public_id.isascii() and public_id == public_id.lower()
        assert not set(public_id) & set("ilou-_=+@")
    assert not is_public_id("12345678901a") and not is_public_id("ABCDEFGHJKMN") and not is_public_id("abc")


def test_every_record_gets_one_on_creation_and_keeps_it(world):
    testimony = world["testimony"]
    assert is_public_id(testimony.public_id) and is_public_id(world["image"].public_id)
    before = testimony.public_id
    testimony.witness_label = "Renamed"
    testimony.save()
    testimony.refresh_from_db()
    assert testimony.public_id == before
    assert testimony.history.first().public_id == before
    # New records do not answer at a numbered address (core.public_ids).
    assert not testimony.has_numbered_url
    assert Testimony.objects.values("public_id").distinct().count() == Testimony.objects.count()


def test_pages_exports_and_the_api_show_public_ids_never_record_numbers(client, world):
    testimony, image = world["testimony"], world["image"]
    public_text = everything_public(client)
    assert testimony.public_id in public_text
    assert f"/testimonies/{testimony.public_id}/" in public_text
    assert str(PUBLIC_NUMBER) not in public_text and str(IMAGE_NUMBER) not in public_text
    # A hidden record: neither its number nor its public id, nor those of its image.
    for hidden in (world["hidden"], world["hidden_image"]):
        assert hidden.public_id not in public_text
    assert str(HIDDEN_NUMBER) not in public_text and str(HIDDEN_IMAGE_NUMBER) not in public_text
    assert client.get(reverse("testimonies:evidence_image", args=[image.public_id])).status_code == 200


def test_csv_and_api_ids_are_the_public_id(client, world):
    testimony = world["testimony"]
    [row] = csv.DictReader(io.StringIO(fetch(client, reverse("testimonies:testimony_export"))))
    assert row["id"] == testimony.public_id and row["url"].endswith(f"/testimonies/{testimony.public_id}/")
    for export in ("sites:site_export", "units:unit_export", "units:person_export"):
        [linked] = csv.DictReader(io.StringIO(fetch(client, reverse(export))))
        assert linked["testimony_ids"] == testimony.public_id, export
    [record] = client.get("/api/testimonies/").json()["results"]
    assert record["id"] == testimony.public_id
    assert client.get(f"/api/testimonies/{testimony.public_id}/").json()["id"] == testimony.public_id
    # An old record number is no identifier of the API: the same JSON 404 as any unknown one.
    answers = set()
    for key in (PUBLIC_NUMBER, HIDDEN_NUMBER, world["hidden"].public_id, new_public_id()):
        response = client.get(f"/api/testimonies/{key}/")
        assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
        answers.add((str(key).isdigit(), response.content))
    # A hidden record's id is answered exactly as an id that never existed (numbers take no route at all).
    assert len(answers) == 2
    [found] = next(
        t for t in client.get("/api/search/", {"q": "underground"}).json()["types"] if t["type"] == "testimony"
    )["results"]
    assert found["api_url"] == f"http://testserver/api/testimonies/{testimony.public_id}/"


def numbered(world, *records):
    for record in records:
        type(record).objects.filter(pk=record.pk).update(has_numbered_url=True)


def test_an_old_numbered_address_of_a_public_record_redirects_permanently(client, world):
    testimony, image = world["testimony"], world["image"]
    numbered(world, testimony, image)
    for old, new in (
        (f"/testimonies/{PUBLIC_NUMBER}/", testimony.get_absolute_url()),
        (f"/evidence/{IMAGE_NUMBER}/", reverse("testimonies:evidence_image", args=[image.public_id])),
        (f"/evidence/{IMAGE_NUMBER}/thumbnail/", reverse("testimonies:evidence_thumbnail", args=[image.public_id])),
    ):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert client.get(new).status_code == 200


def test_no_number_tells_a_hidden_record_from_one_that_never_existed(
    client, world, django_capture_on_commit_callbacks
):
    """The same 404, byte for byte: a hidden record's old number, a public record's number when it was made after
    public ids (its number could reveal how many were made in between), and a number that never existed."""
    testimony, hidden = world["testimony"], world["hidden"]
    numbered(world, hidden, world["hidden_image"])
    never_url = "/testimonies/5550001/"
    never = client.get(never_url)
    assert never.status_code == 404

    def same_as_never(url):
        # The page echoes its own address (the language switcher returns to it); all else is the same.
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.content.replace(url.encode(), b"") == never.content.replace(never_url.encode(), b""), url

    same_as_never(f"/testimonies/{HIDDEN_NUMBER}/")
    same_as_never(f"/testimonies/{PUBLIC_NUMBER}/")  # public, but made after public ids
    same_as_never(f"/testimonies/{hidden.public_id}/")
    same_as_never(f"/testimonies/{new_public_id()}/")
    for status in (PublicationStatus.REVIEW, PublicationStatus.WITHHELD):
        Testimony.objects.filter(pk=hidden.pk).update(status=status)
        same_as_never(f"/testimonies/{HIDDEN_NUMBER}/")
    for url in (
        f"/evidence/{HIDDEN_IMAGE_NUMBER}/",
        f"/evidence/{HIDDEN_IMAGE_NUMBER}/thumbnail/",
        "/evidence/5550001/",
    ):
        assert client.get(url).status_code == 404, url
    # A withdrawn consent: published before, numbered, and from then on a number like any other.
    numbered(world, testimony)
    assert client.get(f"/testimonies/{PUBLIC_NUMBER}/").status_code == 301
    editor = UserFactory(username="withdrawing", is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, editor, "asked")
    same_as_never(f"/testimonies/{PUBLIC_NUMBER}/")


@pytest.fixture
def reviewer():
    user = UserFactory(username="importing-reviewer")
    user.groups.add(Group.objects.get(name=REVIEWER))
    return user


def test_the_csv_import_matches_rows_by_public_id(client, world, reviewer):
    testimony = world["testimony"]
    exported = fetch(client, reverse("testimonies:testimony_export")).replace(
        testimony.witness_label, "Relabelled witness"
    )
    result = import_csv("testimonies", exported, reviewer)
    assert result.applied and not result.problems
    testimony.refresh_from_db()
    assert testimony.witness_label == "Relabelled witness" and Testimony.objects.count() == 2
    # A file from before public ids, a made-up id and an unknown one are refused, by row and column.
    for key, says in ((str(PUBLIC_NUMBER), "old record number"), ("nonsense!", "public id"), (new_public_id(), "No")):
        text = f"id,witness_label\r\n{key},Changed\r\n"
        result = import_csv("testimonies", text, reviewer)
        [problem] = result.problems
        assert (problem.row, problem.column) == (2, "id") and says in problem.message, key
    assert Testimony.objects.get(pk=PUBLIC_NUMBER).witness_label == "Relabelled witness"


def test_new_records_of_an_import_get_public_ids_too(reviewer):
    text = "id,witness_label,witness_role,quote\r\n" + "".join(
        f",Imported {n},relative,Quote {n}\r\n" for n in range(3)
    )
    assert import_csv("testimonies", text, reviewer).applied
    ids = list(Testimony.objects.filter(witness_label__startswith="Imported").values_list("public_id", flat=True))
    assert len(set(ids)) == 3 and all(is_public_id(public_id) for public_id in ids)


def test_staff_find_a_record_by_the_public_id_in_its_address(admin_client, world):
    testimony = world["testimony"]
    response = admin_client.get(reverse("admin:testimonies_testimony_changelist"), {"q": testimony.public_id})
    assert list(response.context["cl"].result_list) == [testimony]
    page = admin_client.get(reverse("admin:testimonies_testimony_change", args=[testimony.pk])).content.decode()
    assert testimony.public_id in page
