"""Data releases: `manage.py release_data`, the admin button, /data/, checksums, changes, amendments, verification."""

import csv
import hashlib
import io
import json
import zipfile

import frictionless
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import DataRelease
from archive.releases import ReleaseError, make_release
from core.curation import PublicationStatus
from testimonies.models import Consent
from tests.factories import (
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    source = SourceFactory(slug="astra", name="Astra Media")
    publication = PublicationFactory(source=source)
    unit = UnitFactory(slug="brigade")
    site = SiteFactory(slug="mine", latitude=48.0, longitude=37.8)
    first = TestimonyFactory(witness_label="First witness", sites=[site], units=[unit])
    second = TestimonyFactory(witness_label="Second witness", sites=[site])
    CitationFactory(testimony=first, publication=publication)
    PostingFactory(person=PersonFactory(slug="cap"), unit=unit, publication=publication)
    return {"site": site, "unit": unit, "first": first, "second": second}


def download(client, release) -> bytes:
    response = client.get(release.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_a_release_holds_every_export_with_checksums_the_page_shows(client, world, tmp_path):
    call_command("release_data", "--notes", "First public snapshot", stdout=io.StringIO())
    release = DataRelease.objects.get()
    data = download(client, release)
    assert hashlib.sha256(data).hexdigest() == release.sha256 and len(data) == release.size
    files = members(data)
    assert set(files) == {
        "testimonies.csv",
        "sites.csv",
        "units.csv",
        "sources.csv",
        "persons.csv",
        "postings.csv",
        "sites.geojson",
        "datapackage.json",
        "manifest.json",
    }
    manifest = json.loads(files["manifest.json"])
    assert manifest["notes"] == "First public snapshot" and manifest["release"] == 1 and manifest["code_version"]
    for name, entry in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == entry["sha256"] and len(files[name]) == entry["size"]
    assert manifest["files"]["testimonies.csv"]["rows"] == 2 == len(csv_rows(files["testimonies.csv"]))
    assert csv_rows(files["testimonies.csv"])[0]["url"].startswith("http://127.0.0.1:8000/testimonies/")
    page = client.get(release.get_absolute_url()).content.decode()
    assert release.sha256 in page and manifest["files"]["sites.csv"]["sha256"] in page
    assert "First public snapshot" in page and "Release 1 (" in page
    listing = client.get(reverse("archive:release_list")).content.decode()
    assert release.sha256 in listing and release.get_download_url() in listing
    # What an analyst does with it: unzip and validate with frictionless.
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, [(task.name, error.message) for task in report.tasks for error in task.errors]


def test_a_release_never_holds_a_hidden_record_or_a_restricted_field(client, world):
    TestimonyFactory(witness_label="Zqxhidden draft", status=PublicationStatus.DRAFT, sites=[world["site"]])
    TestimonyFactory(witness_label="Zqxhidden withdrawn", consent=Consent.WITHDRAWN)
    SiteFactory(name="Zqxhidden site", status=PublicationStatus.WITHHELD, latitude=1, longitude=1)
    world["first"].real_name = "Zqxsecret name"
    world["first"].save()
    release = make_release()
    text = "\n".join(content.decode("utf-8") for content in members(download(client, release)).values())
    assert "Zqxhidden" not in text and "Zqxsecret" not in text and "real_name" not in text
    assert "First witness" in text


def test_changes_since_the_previous_release_are_counted_per_file(world):
    make_release()
    world["second"].witness_label = "Second witness, corrected"
    world["second"].save()
    world["first"].status = PublicationStatus.WITHHELD
    world["first"].save()
    TestimonyFactory(witness_label="Third witness")
    second = make_release(notes="weekly")
    assert second.number == 2
    assert second.changes["testimonies"] == {"added": 1, "removed": 1, "changed": 1}
    assert second.changes["units"] == {"added": 0, "removed": 0, "changed": 1}  # its testimony_ids lost one
    assert second.changes["postings"] == {"added": 0, "removed": 0, "changed": 0}


def test_a_record_that_stops_being_public_is_removed_from_every_release(
    client, world, django_capture_on_commit_callbacks
):
    first, second = make_release(), make_release()
    world["first"].consent = Consent.WITHDRAWN
    with django_capture_on_commit_callbacks(execute=True):
        world["first"].save()
    for release in (first, second):
        release.refresh_from_db()
        assert release.amended_at is not None and release.amended_rows == 1
        files = members(download(client, release))
        ids = [row["id"] for row in csv_rows(files["testimonies.csv"])]
        assert ids == [world["second"].public_id]
        for name in ("sites.csv", "units.csv"):
            assert world["first"].public_id not in [
                item for row in csv_rows(files[name]) for item in row["testimony_ids"].split("; ")
            ]
        feature = json.loads(files["sites.geojson"])["features"][0]
        assert world["first"].public_id not in feature["properties"]["testimony_ids"]
        assert world["second"].public_id in feature["properties"]["testimony_ids"]
        manifest = json.loads(files["manifest.json"])
        assert manifest["files"]["testimonies.csv"]["rows"] == 1 and manifest["amendments"][0]["rows_removed"] == 1
        assert hashlib.sha256(download(client, release)).hexdigest() == release.sha256
        page = client.get(release.get_absolute_url()).content.decode()
        assert "Amended on" in page and "1 row was removed" in page
    call_command("verify_release", stdout=io.StringIO())


def test_verify_release_detects_a_tampered_file(world, settings):
    release = make_release()
    out = io.StringIO()
    call_command("verify_release", stdout=out)
    assert "Release 1: intact" in out.getvalue()
    path = release.file.path
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    contents["testimonies.csv"] = contents["testimonies.csv"].replace(b"First witness", b"Forged witness")
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
    with pytest.raises(CommandError, match="testimonies.csv does not match"):
        call_command("verify_release", "1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No release numbered 7"):
        call_command("verify_release", "7", stdout=io.StringIO())


def test_a_second_release_while_one_is_written_is_refused(world):
    DataRelease.objects.create(number=1)  # being written by another process
    with pytest.raises(ReleaseError, match="Release 1 is being written"):
        make_release()
    with pytest.raises(CommandError, match="being written"):
        call_command("release_data", stdout=io.StringIO())
    call_command("release_data", "--abandon", stdout=io.StringIO())
    assert make_release().number == 1


def test_a_failed_release_leaves_no_file_and_no_listed_release(client, world, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("archive.releases.changes_since", broken)
    with pytest.raises(OSError, match="disk full"):
        make_release()
    assert not DataRelease.objects.exists()
    assert not any(settings.RELEASE_ROOT.rglob("*.zip")) if settings.RELEASE_ROOT.exists() else True
    assert client.get(reverse("archive:release_list")).context["releases"].count() == 0


def test_unknown_and_unfinished_releases_are_not_found(client, world):
    DataRelease.objects.create(number=3)
    for url in ("/data/3/", "/data/3/download/", "/data/99/", "/data/99/download/"):
        assert client.get(url).status_code == 404


def test_reviewers_make_a_release_with_the_admin_button(client, world):
    reviewer = UserFactory(
        username="reviewer", permissions=["testimonies.publish_records", "archive.view_datarelease"]
    )
    editor = UserFactory(username="editor", permissions=["archive.view_datarelease"])
    changelist = reverse("admin:archive_datarelease_changelist")
    make = reverse("admin:archive_datarelease_make")
    client.force_login(editor)
    assert make not in client.get(changelist).content.decode()
    client.post(make, {"notes": "by an editor"})
    assert not DataRelease.objects.exists()
    client.force_login(reviewer)
    assert make in client.get(changelist).content.decode()
    assert client.get(make).status_code == 200
    response = client.post(make, {"notes": "<b>by a reviewer</b>"}, follow=True)
    release = DataRelease.objects.get()
    assert release.created_by == reviewer and release.notes == "<b>by a reviewer</b>"
    assert release.sha256 in response.content.decode()
    assert "&lt;b&gt;by a reviewer" in client.get(release.get_absolute_url()).content.decode()
    assert client.get(reverse("admin:archive_datarelease_change", args=[release.pk])).status_code == 200
    assert client.post(reverse("admin:archive_datarelease_delete", args=[release.pk])).status_code == 403


def test_a_withheld_person_leaves_the_releases_with_its_postings_and_every_mention(
    client, world, django_capture_on_commit_callbacks
):
    release = make_release()
    person = world["unit"].postings.get().person
    person.status = PublicationStatus.WITHHELD
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
    release.refresh_from_db()
    files = members(download(client, release))
    assert csv_rows(files["persons.csv"]) == [] and csv_rows(files["postings.csv"]) == []
    (unit,) = csv_rows(files["units.csv"])
    assert unit["commander_slugs"] == unit["person_slugs"] == ""
    assert release.amended_rows == 2
    call_command("verify_release", stdout=io.StringIO())


def test_a_withheld_source_leaves_the_files_and_the_data_package(client, world, django_capture_on_commit_callbacks):
    release = make_release()
    source = world["first"].citations.get().publication.source
    source.status = PublicationStatus.WITHHELD
    with django_capture_on_commit_callbacks(execute=True):
        source.save()
    release.refresh_from_db()
    files = members(download(client, release))
    assert csv_rows(files["sources.csv"]) == []
    assert all(row["source_slugs"] == "" for row in csv_rows(files["testimonies.csv"]))
    assert json.loads(files["datapackage.json"])["sources"] == []
    assert "Astra Media" not in files["datapackage.json"].decode()
    call_command("verify_release", stdout=io.StringIO())


def test_a_withheld_publication_leaves_every_cell_that_names_it(client, world, django_capture_on_commit_callbacks):
    """Publications have no file of their own; one withheld after a release leaves its record numbers, its
    citations' lists (in step), its title and its address, and the item that then comes first is still no formula."""
    source = SourceFactory(slug="raam", name="Platform Raam")
    kept = PublicationFactory(source=source, title="=HYPERLINK(1)", url="https://raam.example/kept")
    withheld = PublicationFactory(source=source, title="#1 Names a witness", url="https://raam.example/withheld")
    withheld.sites.add(world["site"])
    CitationFactory(testimony=world["second"], publication=withheld, locator="p. 3")
    CitationFactory(testimony=world["second"], publication=kept, locator="p. 9")
    release = make_release()
    withheld.status = PublicationStatus.WITHHELD
    with django_capture_on_commit_callbacks(execute=True):
        withheld.save()
    release.refresh_from_db()
    assert release.amended_at is not None and release.amended_rows == 0
    files = members(download(client, release))
    text = b"".join(files[name] for name in files).decode("utf-8")
    assert "Names a witness" not in text and "raam.example/withheld" not in text
    second = next(row for row in csv_rows(files["testimonies.csv"]) if row["id"] == world["second"].public_id)
    assert second["publication_ids"] == second["citation_publication_ids"] == str(kept.pk)
    assert second["citation_locators"] == "p. 9" and second["citation_urls"] == kept.url
    (site,) = csv_rows(files["sites.csv"])
    assert str(withheld.pk) not in site["publication_ids"].split("; ")
    raam = next(row for row in csv_rows(files["sources.csv"]) if row["slug"] == "raam")
    assert raam["publication_titles"] == "'=HYPERLINK(1)" and raam["publication_urls"] == kept.url
    assert "mentions of a publication" in client.get(release.get_absolute_url()).content.decode()
    call_command("verify_release", stdout=io.StringIO())
