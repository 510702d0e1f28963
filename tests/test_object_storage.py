"""Evidence on an S3-compatible object store (STORAGE_S3_*), against a real one: SeaweedFS started by the
`seaweedfs` fixture (tests/conftest.py). Display images, thumbnails and kept originals go to the store (originals
in the private bucket, or under the private prefix); they are served only through the checking view, streamed with
the same headers as from the local folder, and never from a URL of the store; a withdrawal deletes the objects; a
backup holds them and a restore puts them back; a store that is down gives a 503, and an upload it refuses leaves
no record behind."""

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.backups import create_backup, restore_backup
from core.curation import PublicationStatus
from core.storage import StorageUnavailable
from testimonies.consent import withdraw_consent
from testimonies.evidence import attach_evidence
from testimonies.models import EvidenceImage, ReviewerNotice
from tests.admin_forms import admin_url
from tests.conftest import S3_ACCESS_KEY, S3_BUCKETS, S3_SECRET_KEY, free_ports
from tests.factories import EvidenceImageFactory, TestimonyFactory, UserFactory, image_bytes, upload

# One worker starts the store once (pytest-xdist).
pytestmark = pytest.mark.xdist_group("seaweedfs")


def use_store(settings, endpoint, private_bucket=True) -> dict:
    """Point the settings at the store's buckets; their names."""
    settings.STORAGE_S3_ENDPOINT_URL = endpoint
    settings.STORAGE_S3_BUCKET = S3_BUCKETS[0]
    settings.STORAGE_S3_PRIVATE_BUCKET = S3_BUCKETS[1] if private_bucket else ""
    settings.STORAGE_S3_PRIVATE_PREFIX = "private"
    settings.STORAGE_S3_ACCESS_KEY = S3_ACCESS_KEY
    settings.STORAGE_S3_SECRET_KEY = S3_SECRET_KEY
    settings.STORAGE_S3_REGION = "us-east-1"
    settings.STORAGE_S3_TIMEOUT = 2
    return {"public": S3_BUCKETS[0], "private": S3_BUCKETS[1]}


def empty_buckets(client) -> None:
    for bucket in S3_BUCKETS:
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])


@pytest.fixture
def store(settings, seaweedfs):
    """The store's two buckets, empty."""
    empty_buckets(seaweedfs["client"])
    buckets = use_store(settings, seaweedfs["endpoint"])
    yield {**seaweedfs, **buckets}
    empty_buckets(seaweedfs["client"])


def keys(store, bucket_kind: str) -> set[str]:
    answer = store["client"].list_objects_v2(Bucket=store[bucket_kind])
    return {item["Key"] for item in answer.get("Contents", [])}


def stored_keys(evidence) -> dict[str, str]:
    return {
        "display": f"evidence/{evidence.display.name}",
        "thumbnail": f"evidence/{evidence.thumbnail.name}",
        "original": evidence.original.name,
    }


def local_files(settings) -> list[Path]:
    return [path for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT) for path in Path(root).rglob("*.*")]


@pytest.fixture
def reviewer(db):
    return UserFactory(username="store-reviewer", is_superuser=True)


def test_an_admin_upload_goes_to_the_store_and_is_streamed_with_the_checking_views_headers(
    client, store, reviewer, settings
):
    testimony = TestimonyFactory(status=PublicationStatus.PUBLISHED)
    client.force_login(reviewer)
    data = {
        "testimony": str(testimony.pk),
        "caption": "Yard",
        "status": "published",
        "keep_original": "on",
        "upload": upload(image_bytes(seed=3)),
    }
    assert client.post(admin_url(EvidenceImage, "add"), data).status_code == 302
    evidence = EvidenceImage.objects.get()
    names = stored_keys(evidence)
    assert keys(store, "public") == {names["display"], names["thumbnail"]}
    assert keys(store, "private") == {names["original"]} and names["original"].startswith("originals/")
    assert local_files(settings) == []

    client.logout()
    for url, key in (
        (evidence.display.url, names["display"]),
        (reverse("testimonies:evidence_image", args=[evidence.public_id]), names["display"]),
        (reverse("testimonies:evidence_thumbnail", args=[evidence.public_id]), names["thumbnail"]),
    ):
        assert url.startswith("/") and store["endpoint"] not in url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Cache-Control"] == "no-cache"
        body = b"".join(response.streaming_content)
        assert body == store["client"].get_object(Bucket=store["public"], Key=key)["Body"].read()
        assert response["Content-Length"] == str(len(body))
        assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_a_withheld_image_is_not_served_and_the_store_refuses_anyone_without_the_keys(client, store, reviewer):
    evidence = attach_evidence(
        TestimonyFactory(),
        upload(image_bytes(seed=4)),
        reviewer,
        status=PublicationStatus.PUBLISHED,
        keep_original=True,
    )
    assert client.get(evidence.display.url).status_code == 200
    EvidenceImage.objects.filter(pk=evidence.pk).update(status=PublicationStatus.WITHHELD)
    for url in (
        evidence.display.url,
        evidence.thumbnail.url,
        reverse("testimonies:evidence_image", args=[evidence.public_id]),
        f"/media/{evidence.original.name}",
    ):
        assert client.get(url).status_code == 404, url
    names = stored_keys(evidence)
    for bucket, key in (
        (store["public"], names["display"]),
        (store["public"], names["thumbnail"]),
        (store["private"], names["original"]),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{store['endpoint']}/{bucket}/{key}", timeout=10)  # noqa: S310 (loopback)
        assert refused.value.code == 403, key
        # ... while the object is there, for the application's keys.
        assert store["client"].head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


def test_without_a_private_bucket_originals_go_under_the_private_prefix(store, settings, reviewer):
    settings.STORAGE_S3_PRIVATE_BUCKET = ""
    evidence = EvidenceImageFactory(keep_original=True)
    assert keys(store, "public") == {
        f"private/{evidence.original.name}",
        f"evidence/{evidence.display.name}",
        f"evidence/{evidence.thumbnail.name}",
    }
    assert keys(store, "private") == set()
    assert evidence.original.storage.open(evidence.original.name).read()[:4] == b"\x89PNG"


def test_withdrawal_deletes_the_objects_originals_included(store, reviewer, django_capture_on_commit_callbacks):
    testimony = TestimonyFactory()
    evidence = attach_evidence(
        testimony, upload(image_bytes(seed=6)), reviewer, status=PublicationStatus.PUBLISHED, keep_original=True
    )
    other = EvidenceImageFactory(testimony=TestimonyFactory())
    assert len(keys(store, "public")) == 4 and len(keys(store, "private")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, reviewer, "Asked by phone")
    assert keys(store, "public") == {f"evidence/{other.display.name}", f"evidence/{other.thumbnail.name}"}
    assert keys(store, "private") == set()
    assert not EvidenceImage.objects.filter(pk=evidence.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_stores_objects_and_a_restore_puts_them_back(store, tmp_path, client):
    kept = EvidenceImageFactory(keep_original=True)
    names = stored_keys(kept)
    archive = tmp_path / "backups" / "testimony.tar.gz"
    manifest = create_backup(archive).manifest
    assert set(manifest["media"]) == {names["display"], names["thumbnail"]}
    assert set(manifest["private_media"]) == {names["original"]}

    # Lost from the store, and a newer image the backup does not know.
    store["client"].delete_object(Bucket=store["public"], Key=names["display"])
    store["client"].delete_object(Bucket=store["private"], Key=names["original"])
    newer = EvidenceImageFactory(keep_original=True)
    assert client.get(kept.display.url).status_code == 404

    restore_backup(archive)
    assert keys(store, "public") == {names["display"], names["thumbnail"]}
    assert keys(store, "private") == {names["original"]}
    assert list(EvidenceImage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not EvidenceImage.objects.filter(pk=newer.pk).exists()
    response = client.get(kept.display.url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"\x89PNG"


@pytest.fixture
def store_down(settings):
    """The store's settings pointing at a loopback port where nothing listens."""
    (port,) = free_ports(1)
    use_store(settings, f"http://127.0.0.1:{port}")


def test_a_store_that_is_down_gives_a_503_for_the_evidence_file_never_a_500(store, reviewer, settings):
    evidence = EvidenceImageFactory()
    (port,) = free_ports(1)
    settings.STORAGE_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    client = Client(raise_request_exception=False)
    for url in (evidence.display.url, reverse("testimonies:evidence_thumbnail", args=[evidence.public_id])):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] and response["Cache-Control"] == "no-store"
        assert "file store" in response.content.decode()


def test_an_upload_the_store_refuses_leaves_no_record_and_no_file(store_down, reviewer, settings):
    testimony = TestimonyFactory()
    with pytest.raises(StorageUnavailable):
        attach_evidence(testimony, upload(image_bytes(seed=8)), reviewer)
    assert not EvidenceImage.objects.exists()

    client = Client(raise_request_exception=False)
    client.force_login(reviewer)
    data = {"testimony": str(testimony.pk), "status": "draft", "keep_original": "on", "upload": upload(image_bytes())}
    response = client.post(admin_url(EvidenceImage, "add"), data)
    assert response.status_code == 503 and "Nothing was saved" in response.content.decode()
    assert not EvidenceImage.objects.exists() and not EvidenceImage.history.exists()
    assert local_files(settings) == []


def refuse_thumbnail_writes(monkeypatch) -> None:
    """The storage writes the display image and refuses the thumbnail, as a store that fails half-way does."""
    from core.storage import SwitchingStorage

    real_save = SwitchingStorage.save

    def refuse_thumbnails(self, name, *args, **kwargs):
        if name.startswith("thumbnails/"):
            raise StorageUnavailable("refused")
        return real_save(self, name, *args, **kwargs)

    monkeypatch.setattr(SwitchingStorage, "save", refuse_thumbnails)


def test_a_write_that_fails_half_way_deletes_what_it_wrote(store, reviewer, monkeypatch):
    """The display image is written, the thumbnail is refused: the display image does not stay behind."""
    refuse_thumbnail_writes(monkeypatch)
    with pytest.raises(StorageUnavailable):
        attach_evidence(TestimonyFactory(), upload(image_bytes(seed=10)), reviewer)
    assert not EvidenceImage.objects.exists() and keys(store, "public") == set()


def test_create_buckets_makes_the_configured_buckets(store, settings):
    settings.STORAGE_S3_PRIVATE_BUCKET = "testimony-created-private"
    out = io.StringIO()
    call_command("create_buckets", stdout=out)
    assert "Bucket testimony-created-private is ready." in out.getvalue()
    assert store["client"].head_bucket(Bucket="testimony-created-private")
    assert store["client"].list_objects_v2(Bucket="testimony-created-private").get("KeyCount", 0) == 0


def test_a_withdrawal_while_the_store_is_down_names_the_files_left_to_reviewers(
    store, reviewer, settings, django_capture_on_commit_callbacks
):
    testimony = TestimonyFactory()
    evidence = attach_evidence(testimony, upload(image_bytes(seed=12)), reviewer, keep_original=True)
    names = stored_keys(evidence)
    endpoint = settings.STORAGE_S3_ENDPOINT_URL
    (port,) = free_ports(1)
    settings.STORAGE_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_consent(testimony, reviewer, "Asked by phone")
    assert not EvidenceImage.objects.exists()
    notice = ReviewerNotice.objects.get(created_by=None)
    assert "must be deleted from it by hand" in notice.message
    assert evidence.display.name in notice.message and evidence.original.name in notice.message
    settings.STORAGE_S3_ENDPOINT_URL = endpoint
    assert keys(store, "private") == {names["original"]}
