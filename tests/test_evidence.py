"""Evidence images: what an upload must be, what is stored of it, who may publish it and who may see it."""

import hashlib
import io
import re
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image, ImageCms, PngImagePlugin

from core.curation import PublicationStatus, set_status
from core.roles import EDITOR, REVIEWER
from core.storage import StorageUnavailable
from sites.models import Region, Site
from testimonies import evidence as evidence_module
from testimonies.evidence import attach_evidence, process_upload
from testimonies.models import EvidenceImage, Testimony
from tests.admin_forms import admin_url, form_data, revert
from tests.factories import (
    EvidenceImageFactory,
    SiteFactory,
    TestimonyFactory,
    image_bytes,
    staff_user,
    upload,
)
from tests.test_object_storage import refuse_thumbnail_writes

pytestmark = pytest.mark.django_db

GPS = {1: "N", 2: (48.0, 1.0, 30.0), 3: "E", 4: (37.0, 48.0, 15.0)}
SECRET = b"Ivan Petrov, Donetsk, shot on his own phone"
# A colour profile can name the device it came from; Pillow's PNG and JPEG writers copy it from the image info.
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def editor():
    return staff_user("editor", EDITOR)


@pytest.fixture
def reviewer():
    return staff_user("reviewer", REVIEWER)


def jpeg_with_gps_and_comment(size=(40, 30), orientation=6) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X-1234"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = GPS
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", exif=exif, comment=SECRET, icc_profile=ICC)
    return buffer.getvalue()


def png_with_text_and_exif() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    info.add_itxt("Comment", "taken near the base at 48.0N")
    exif = Image.Exif()
    exif[0x8825] = GPS
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (10, 20, 30, 128)).save(buffer, "PNG", pnginfo=info, exif=exif, icc_profile=ICC)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few dozen bytes whose header claims a canvas of width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def stored(file) -> bytes:
    with file.storage.open(file.name, "rb") as handle:
        return handle.read()


def reopened(file) -> Image.Image:
    image = Image.open(io.BytesIO(stored(file)))
    image.load()
    return image


def refusal(content: bytes, name="photo.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        process_upload(upload(content, name))
    return refused.value


# --- What is stored of an upload ------------------------------------------------------------------------------------


def test_a_jpeg_is_stored_without_gps_exif_or_comment_and_upright(reviewer):
    original = jpeg_with_gps_and_comment()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), "the test image must carry GPS data"

    evidence = attach_evidence(TestimonyFactory(), upload(original, "IMG_Ivan_Petrov.jpg"), reviewer)

    for file in (evidence.display, evidence.thumbnail):
        image = reopened(file)
        assert image.format == "JPEG"
        assert "exif" not in image.info and not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        assert "comment" not in image.info
        assert not {"xmp", "icc_profile"} & set(image.info)
        raw = stored(file)
        assert SECRET not in raw and b"PhoneMaker" not in raw and b"Exif" not in raw
    # EXIF orientation 6 (rotate 90°) was applied to the pixels before the tag was dropped.
    assert (evidence.width, evidence.height) == (30, 40)
    assert reopened(evidence.display).size == (30, 40)


def test_a_png_is_stored_without_text_chunks_or_exif(reviewer):
    original = png_with_text_and_exif()
    assert Image.open(io.BytesIO(original)).text, "the test image must carry text chunks"
    assert Image.open(io.BytesIO(original)).info["icc_profile"] == ICC

    evidence = attach_evidence(SiteFactory(), upload(original, "basement.png"), reviewer)

    for file in (evidence.display, evidence.thumbnail):
        image = reopened(file)
        assert image.format == "PNG"
        assert image.text == {}
        assert "exif" not in image.info and not image.getexif()
        assert "icc_profile" not in image.info
        assert SECRET not in stored(file) and b"eXIf" not in stored(file)
    assert reopened(evidence.display).mode == "RGBA", "transparency is kept"


def test_a_webp_is_stored_without_exif(reviewer):
    exif = Image.Exif()
    exif[0x8825] = GPS
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "WEBP", exif=exif)
    evidence = attach_evidence(TestimonyFactory(), upload(buffer.getvalue(), "x.webp"), reviewer)
    image = reopened(evidence.display)
    assert image.format == "WEBP" and evidence.content_type == "image/webp"
    assert "exif" not in image.info and b"PhoneMaker" not in stored(evidence.display)


def test_the_hash_size_and_dimensions_describe_the_uploaded_file(reviewer):
    original = image_bytes("PNG", size=(64, 48), seed=7)
    evidence = attach_evidence(TestimonyFactory(), upload(original), reviewer)
    assert evidence.sha256 == hashlib.sha256(original).hexdigest()
    assert evidence.byte_size == len(original)
    assert (evidence.width, evidence.height, evidence.content_type) == (64, 48, "image/png")
    assert evidence.uploaded_by == reviewer and evidence.uploaded_at
    assert max(reopened(evidence.thumbnail).size) <= 320


def test_file_names_reveal_nothing_of_the_upload(reviewer, settings):
    original = image_bytes("JPEG", seed=3)
    evidence = attach_evidence(
        TestimonyFactory(), upload(original, "Ivan_Petrov_Makiivka_2024.jpg"), reviewer, keep_original=True
    )
    assert re.fullmatch(r"display/[0-9a-f]{64}\.jpg", evidence.display.name)
    assert re.fullmatch(r"thumbnails/[0-9a-f]{64}\.jpg", evidence.thumbnail.name)
    assert re.fullmatch(r"originals/[0-9a-f]{32}\.jpg", evidence.original.name)
    for name in (evidence.display.name, evidence.thumbnail.name, evidence.original.name):
        assert "Ivan" not in name and evidence.sha256 not in name
    # The display name is the hash of the served bytes, not of the original.
    assert evidence.display.name == f"display/{hashlib.sha256(stored(evidence.display)).hexdigest()}.jpg"


def test_the_original_is_kept_privately_only_when_a_reviewer_asks(reviewer, editor, settings):
    original = jpeg_with_gps_and_comment()
    kept = attach_evidence(TestimonyFactory(), upload(original), reviewer, keep_original=True)
    path = Path(kept.original.path)
    assert path.read_bytes() == original, "the original is kept byte for byte"
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert path.stat().st_mode & 0o077 == 0, "readable by the application's user only"
    with pytest.raises(ValueError):
        kept.original.url  # noqa: B018 - there is no URL to serve it from

    not_kept = attach_evidence(TestimonyFactory(), upload(original), reviewer)
    assert not not_kept.original
    with pytest.raises(PermissionDenied, match=r"^Only reviewers can keep the original file\.$"):
        attach_evidence(TestimonyFactory(), upload(original), editor, keep_original=True)


# --- What is refused ------------------------------------------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused():
    error = refusal(b"This is not an image, whatever its name says.\n", "evidence.jpg")
    assert error.code == "not_an_image" and "not a JPEG, PNG or WebP image" in error.message


def test_an_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
    assert refusal(svg, "map.svg").code == "not_an_image"


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    assert refusal(image_bytes(image_format), f"photo.{image_format.lower()}").code == "not_an_image"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(image_format):
    buffer = io.BytesIO()
    Image.effect_noise((120, 120), 60).convert("RGB").save(buffer, image_format)
    error = refusal(buffer.getvalue()[: len(buffer.getvalue()) * 2 // 3])
    assert error.code == "damaged" and "damaged or incomplete" in error.message


def test_a_small_file_claiming_a_huge_canvas_is_refused():
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    error = refusal(bomb, "bomb.png")
    assert error.code == "too_many_pixels" and "pixels" in error.message


def test_the_decompression_bomb_warning_is_an_error(settings, monkeypatch):
    # Between MAX_IMAGE_PIXELS and twice that, Pillow only warns; the warning must refuse the file too, even
    # where warnings are otherwise ignored and without the pixel check of our own.
    monkeypatch.setattr(evidence_module, "refuse_too_many_pixels", lambda image: None)
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 6_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = refusal(image_bytes("PNG", size=(100, 100)), "big.png")
    assert error.code == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS == 6_000, "Pillow's own limit follows the setting"


def test_a_large_solid_image_over_the_pixel_setting_is_refused(settings):
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 250_000
    solid = image_bytes("PNG", size=(1000, 1000), color=(0, 0, 0))
    assert len(solid) < 10_000
    assert refusal(solid, "solid.png").code == "too_many_pixels"
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 1_000_000
    assert process_upload(upload(solid, "solid.png")).width == 1000


def test_a_file_over_the_size_setting_is_refused(settings):
    content = image_bytes("PNG", size=(200, 200))
    settings.EVIDENCE_MAX_UPLOAD_BYTES = len(content) - 1
    error = refusal(content, "photo.png")
    assert error.code == "too_large" and "largest file accepted" in error.message


def test_an_empty_file_and_an_animation_are_refused():
    assert refusal(b"", "empty.jpg").code == "empty"
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (10, 10), color) for color in ("red", "blue")]
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    assert refusal(buffer.getvalue(), "anim.png").code == "animated"


def test_nothing_is_written_when_an_upload_is_refused(reviewer, settings):
    testimony = TestimonyFactory()
    with pytest.raises(ValidationError):
        attach_evidence(testimony, upload(b"not an image", "x.jpg"), reviewer)
    assert not EvidenceImage.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_the_same_image_twice_on_one_record_is_refused_but_not_on_another(reviewer):
    content = image_bytes(seed=11)
    testimony = TestimonyFactory()
    attach_evidence(testimony, upload(content), reviewer)
    with pytest.raises(ValidationError, match="already attached"):
        attach_evidence(testimony, upload(content), reviewer)
    attach_evidence(TestimonyFactory(), upload(content), reviewer)
    attach_evidence(SiteFactory(), upload(content), reviewer)
    assert EvidenceImage.objects.filter(sha256=hashlib.sha256(content).hexdigest()).count() == 3


@pytest.mark.parametrize("parents", ["both", "none"])
def test_the_database_holds_an_image_to_exactly_one_parent(parents):
    evidence = EvidenceImageFactory(testimony=TestimonyFactory())
    row = EvidenceImage.objects.filter(pk=evidence.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        if parents == "both":
            row.update(site=SiteFactory())
        else:
            row.update(testimony=None)


# --- Who may publish ------------------------------------------------------------------------------------------------


def test_an_editor_adds_drafts_but_cannot_publish_evidence(editor, reviewer):
    testimony = TestimonyFactory()
    with pytest.raises(PermissionDenied, match=r"^Only reviewers can publish or withhold evidence\.$"):
        attach_evidence(testimony, upload(image_bytes(seed=1)), editor, status=PublicationStatus.PUBLISHED)
    evidence = attach_evidence(testimony, upload(image_bytes(seed=2)), editor, status=PublicationStatus.REVIEW)
    assert evidence.status == "review" and evidence.created_by == editor
    assert evidence.caption == ""  # none given, none made up: the caption is public text
    assert evidence.history.get().history_user == editor

    with pytest.raises(PermissionDenied):
        set_status(EvidenceImage.objects.filter(pk=evidence.pk), PublicationStatus.PUBLISHED, editor)
    set_status(EvidenceImage.objects.filter(pk=evidence.pk), PublicationStatus.PUBLISHED, reviewer)
    evidence.refresh_from_db()
    assert (evidence.status, evidence.published_by) == ("published", reviewer)


def test_without_a_user_nothing_can_be_published():
    with pytest.raises(PermissionDenied):
        attach_evidence(TestimonyFactory(), upload(image_bytes()), None, status=PublicationStatus.PUBLISHED)


# --- Who may see it -------------------------------------------------------------------------------------------------


def test_public_evidence_is_served_with_safe_headers(client):
    # A PNG uploaded under a .jpg name is served as what it is, from the record.
    evidence = EvidenceImageFactory(testimony=TestimonyFactory(), content=image_bytes("PNG", seed=5))
    for url in (evidence.display.url, reverse("testimonies:evidence_image", args=[evidence.public_id])):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        stem = Path(evidence.display.name).stem
        assert response["Content-Disposition"] == f'inline; filename="{stem}.png"'
        assert b"".join(response.streaming_content) == stored(evidence.display)
    thumbnail = client.get(reverse("testimonies:evidence_thumbnail", args=[evidence.public_id]))
    assert b"".join(thumbnail.streaming_content) == stored(evidence.thumbnail)
    assert client.get(evidence.thumbnail.url).status_code == 200


def test_each_address_serves_its_own_file_with_its_length_and_etag(client):
    """Two public images, larger than a thumbnail (so that the thumbnail is another file): each public-id address
    and each file address serves its own variant's bytes."""
    images = [image_bytes(size=(400, 300), seed=seed) for seed in (6, 7)]
    for evidence in [EvidenceImageFactory(testimony=TestimonyFactory(), content=content) for content in images]:
        assert stored(evidence.display) != stored(evidence.thumbnail)
        addresses = {
            reverse("testimonies:evidence_image", args=[evidence.public_id]): evidence.display,
            reverse("testimonies:evidence_thumbnail", args=[evidence.public_id]): evidence.thumbnail,
            evidence.display.url: evidence.display,
            evidence.thumbnail.url: evidence.thumbnail,
        }
        for url, file in addresses.items():
            response = client.get(url)
            body = b"".join(response.streaming_content)
            assert body == stored(file), url
            assert response["Content-Length"] == str(len(body)), url
            assert response["ETag"] == f'"{Path(file.name).stem}"', url


def test_a_store_that_cannot_be_reached_gives_the_stores_503(client, monkeypatch):
    """The same answer as with an object store that is down (tests/test_object_storage.py), without one."""
    evidence = EvidenceImageFactory(testimony=TestimonyFactory())

    def unreachable(self, name):
        raise StorageUnavailable("down")

    monkeypatch.setattr(type(evidence.display.storage), "open_stream", unreachable)
    response = client.get(evidence.display.url)
    assert response.status_code == 503
    assert "The file store cannot be reached" in response.content.decode()


def test_a_revalidation_is_answered_only_while_public(client):
    evidence = EvidenceImageFactory(testimony=TestimonyFactory())
    etag = client.get(evidence.display.url)["ETag"]
    assert client.get(evidence.display.url, headers={"if-none-match": etag}).status_code == 304
    EvidenceImage.objects.filter(pk=evidence.pk).update(status=PublicationStatus.WITHHELD)
    assert client.get(evidence.display.url, headers={"if-none-match": etag}).status_code == 404


HIDDEN_CASES = {
    "draft image of a public testimony": (PublicationStatus.DRAFT, "testimony", PublicationStatus.PUBLISHED),
    "image in review": (PublicationStatus.REVIEW, "testimony", PublicationStatus.PUBLISHED),
    "withheld image": (PublicationStatus.WITHHELD, "site", PublicationStatus.PUBLISHED),
    "published image of a draft testimony": (PublicationStatus.PUBLISHED, "testimony", PublicationStatus.DRAFT),
    "published image of a withheld testimony": (PublicationStatus.PUBLISHED, "testimony", PublicationStatus.WITHHELD),
    "published image of a site in review": (PublicationStatus.PUBLISHED, "site", PublicationStatus.REVIEW),
}


@pytest.mark.parametrize("case", list(HIDDEN_CASES))
def test_non_public_evidence_is_not_served(client, reviewer, case):
    status, parent_kind, parent_status = HIDDEN_CASES[case]
    parent = (TestimonyFactory if parent_kind == "testimony" else SiteFactory)(status=parent_status)
    evidence = attach_evidence(
        parent, upload(jpeg_with_gps_and_comment()), reviewer, status=status, keep_original=True, caption="Zqx hidden"
    )
    assert not EvidenceImage.objects.public().filter(pk=evidence.pk).exists()
    urls = [
        reverse("testimonies:evidence_image", args=[evidence.public_id]),
        reverse("testimonies:evidence_thumbnail", args=[evidence.public_id]),
        evidence.display.url,
        evidence.thumbnail.url,
        f"/media/evidence/{evidence.original.name}",
        f"/media/{evidence.original.name}",
        "/media/evidence/../private_media/" + evidence.original.name,
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    if parent_status == PublicationStatus.PUBLISHED:
        page = client.get(parent.get_absolute_url()).content.decode()
        assert "Zqx hidden" not in page and evidence.thumbnail.url not in page


@pytest.mark.parametrize("parent_kind", ["testimony", "site"])
def test_public_pages_show_thumbnails_of_public_evidence_only(client, parent_kind):
    parent = (TestimonyFactory if parent_kind == "testimony" else SiteFactory)()
    shown = EvidenceImageFactory(**{parent_kind: parent}, caption="Entrance of the pit")
    hidden = EvidenceImageFactory(**{parent_kind: parent}, caption="Zqx draft", status=PublicationStatus.DRAFT)
    page = client.get(parent.get_absolute_url()).content.decode()
    assert f'<a href="{shown.display.url}"><img src="{shown.thumbnail.url}" alt="Entrance of the pit"' in page
    assert "Zqx draft" not in page and hidden.thumbnail.url not in page


# --- Through the admin ----------------------------------------------------------------------------------------------


def inline_upload(client, record, content, name="photo.jpg", **fields):
    url = admin_url(type(record), "change", record.pk)
    data = form_data(client.get(url), type(record))
    data.update(
        {
            "evidence-TOTAL_FORMS": ["1"],
            "evidence-0-upload": upload(content, name),
            "evidence-0-caption": ["Uploaded in the inline"],
            "evidence-0-status": ["draft"],
            **{f"evidence-0-{key}": [value] for key, value in fields.items()},
        }
    )
    return client.post(url, data)


@pytest.mark.parametrize("factory", [TestimonyFactory, SiteFactory])
def test_an_editor_uploads_in_the_inline_of_a_draft(client, editor, factory):
    record = factory(status=PublicationStatus.DRAFT)
    client.force_login(editor)
    response = inline_upload(client, record, jpeg_with_gps_and_comment())
    assert response.status_code == 302, response.context and response.context["errors"]
    evidence = EvidenceImage.objects.get()
    assert evidence.parent == record and evidence.status == "draft"
    assert (evidence.uploaded_by, evidence.created_by, evidence.history.get().history_user) == (editor, editor, editor)
    assert "comment" not in reopened(evidence.display).info and not evidence.original


def test_an_editor_adds_a_site_with_an_image_in_one_go(client, editor):
    client.force_login(editor)
    data = form_data(client.get(admin_url(Site, "add")), Site)
    data.update(
        {
            "name": ["Makiivka factory"],
            "slug": ["makiivka"],
            "kind": ["former_factory"],
            "region": [str(Region.objects.get(slug="donetsk").pk)],
            "territory": ["occupied_ukraine"],
            "evidence-TOTAL_FORMS": ["2"],
            "evidence-0-upload": upload(image_bytes(seed=21)),
            "evidence-0-status": ["draft"],
            "evidence-1-upload": upload(image_bytes(seed=21)),
            "evidence-1-status": ["draft"],
        }
    )
    response = client.post(admin_url(Site, "add"), data)
    assert response.status_code == 200 and "The same image was uploaded twice" in response.content.decode()
    assert not Site.objects.exists() and not EvidenceImage.objects.exists()

    # (An uploaded file is read by the first request; give both again.)
    data["evidence-0-upload"], data["evidence-1-upload"] = upload(image_bytes(seed=21)), upload(image_bytes(seed=22))
    assert client.post(admin_url(Site, "add"), data).status_code == 302
    site = Site.objects.get()
    assert site.evidence.count() == 2 and set(site.evidence.values_list("uploaded_by", flat=True)) == {editor.pk}


def test_the_inline_shows_why_an_upload_is_refused(client, editor):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT)
    client.force_login(editor)
    response = inline_upload(client, testimony, b"GIF89a? no, plain text", "photo.jpg")
    assert response.status_code == 200
    assert "not a JPEG, PNG or WebP image" in response.content.decode()
    assert not EvidenceImage.objects.exists()


def test_an_editor_cannot_publish_or_keep_the_original_in_the_inline(client, editor):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT)
    client.force_login(editor)
    assert (
        'name="evidence-0-keep_original"'
        not in client.get(admin_url(Testimony, "change", testimony.pk)).content.decode()
    )
    response = inline_upload(client, testimony, image_bytes(seed=1), status="published")
    # Editors are not offered "published" at all (issue 20, item 9): a forged choice is refused.
    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    response = inline_upload(client, testimony, image_bytes(seed=2), keep_original="on")
    assert response.status_code == 200 and "Only reviewers can keep the original" in response.content.decode()
    assert not EvidenceImage.objects.exists()


def test_a_reviewer_publishes_and_keeps_the_original_in_the_inline(client, reviewer):
    testimony = TestimonyFactory(status=PublicationStatus.PUBLISHED)
    client.force_login(reviewer)
    original = jpeg_with_gps_and_comment()
    response = inline_upload(client, testimony, original, status="published", keep_original="on")
    assert response.status_code == 302
    evidence = EvidenceImage.objects.get()
    assert evidence.status == "published" and evidence.published_by == reviewer
    assert Path(evidence.original.path).read_bytes() == original
    assert client.get(evidence.display.url).status_code == 200


def test_an_editor_adds_a_draft_image_to_a_published_testimony_in_the_evidence_admin(client, editor):
    testimony = TestimonyFactory(status=PublicationStatus.PUBLISHED)
    client.force_login(editor)
    data = {"testimony": str(testimony.pk), "caption": "Yard", "status": "draft", "upload": upload(image_bytes())}
    assert client.post(admin_url(EvidenceImage, "add"), data).status_code == 302
    evidence = EvidenceImage.objects.get()
    assert evidence.testimony == testimony and not EvidenceImage.objects.public().exists()

    data = {"testimony": str(testimony.pk), "status": "published", "upload": upload(image_bytes(seed=9))}
    response = client.post(admin_url(EvidenceImage, "add"), data)
    assert response.status_code == 200 and "not one of the available choices" in response.content.decode()
    data = {"testimony": str(testimony.pk), "site": str(SiteFactory().pk), "status": "draft", "upload": upload(b"x")}
    assert client.post(admin_url(EvidenceImage, "add"), data).status_code == 200
    assert EvidenceImage.objects.count() == 1


def test_staff_preview_non_public_evidence_and_the_public_does_not(client, editor):
    evidence = EvidenceImageFactory(status=PublicationStatus.DRAFT)
    url = reverse("admin:testimonies_evidenceimage_file", args=[evidence.pk, "thumbnail"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == evidence.content_type
    assert client.get(admin_url(EvidenceImage, "change", evidence.pk)).status_code == 200


def test_an_editor_sees_published_evidence_read_only_and_only_a_reviewer_reverts(client, editor, reviewer):
    evidence = EvidenceImageFactory(caption="First caption", status=PublicationStatus.DRAFT)
    client.force_login(editor)
    url = admin_url(EvidenceImage, "change", evidence.pk)
    data = form_data(client.get(url), EvidenceImage)
    data["caption"] = ["Second caption"]
    assert client.post(url, data).status_code == 302
    evidence.refresh_from_db()
    assert (evidence.caption, evidence.version) == ("Second caption", 2)

    first = evidence.history.earliest()
    revert_url = admin_url(EvidenceImage, "simple_history", evidence.pk, first.history_id)
    assert client.post(revert_url, form_data(client.get(revert_url), EvidenceImage.history.model)).status_code == 403
    client.force_login(reviewer)
    assert (
        revert(client, revert_url, form_data(client.get(revert_url), EvidenceImage.history.model)).status_code == 302
    )
    evidence.refresh_from_db()
    assert evidence.caption == "First caption" and stored(evidence.display)

    set_status(EvidenceImage.objects.filter(pk=evidence.pk), PublicationStatus.PUBLISHED, reviewer)
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200 and 'name="caption"' not in page.content.decode()
    assert client.post(url, {"caption": "Changed"}).status_code == 403


def test_anonymous_visitors_reach_no_upload_or_preview(client):
    evidence = EvidenceImageFactory()
    for url in (
        admin_url(EvidenceImage, "add"),
        admin_url(EvidenceImage, "change", evidence.pk),
        reverse("admin:testimonies_evidenceimage_file", args=[evidence.pk, "display"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(
        admin_url(EvidenceImage, "add"), {"testimony": evidence.testimony_id, "upload": upload(image_bytes())}
    )
    assert response.status_code == 302 and EvidenceImage.objects.count() == 1


def test_a_private_media_root_inside_media_root_fails_the_system_check(settings, tmp_path):
    from core.checks import private_media_is_not_public

    assert private_media_is_not_public(None) == []
    settings.PRIVATE_MEDIA_ROOT = Path(settings.MEDIA_ROOT) / "originals"
    assert [error.id for error in private_media_is_not_public(None)] == ["testimonies.E001"]


def test_a_private_media_root_overlapping_static_root_fails_the_system_check(settings, tmp_path):
    from core.checks import private_media_is_not_public

    settings.STATIC_ROOT = tmp_path / "static"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "static" / "originals"
    assert [error.id for error in private_media_is_not_public(None)] == ["testimonies.E001"]
    assert "STATIC_ROOT" in private_media_is_not_public(None)[0].msg
    # The other way round too: collected static files inside the private folder would be served from it.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STATIC_ROOT = tmp_path / "private" / "static"
    assert [error.id for error in private_media_is_not_public(None)] == ["testimonies.E001"]


# --- Promises the README makes about what is stored and how it is served ---------------------------------------------

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="' + SECRET + b'"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def image_with_xmp(image_format: str) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (40, 30), (90, 140, 20))
    if image_format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.save(buffer, "PNG", pnginfo=info)
    else:
        image.save(buffer, image_format, xmp=XMP)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_an_xmp_packet_is_not_stored(reviewer, image_format):
    original = image_with_xmp(image_format)
    assert SECRET in original and Image.open(io.BytesIO(original)).info.get("xmp"), "the test image must carry XMP"

    evidence = attach_evidence(TestimonyFactory(), upload(original, "photo"), reviewer)

    for file in (evidence.display, evidence.thumbnail):
        assert "xmp" not in reopened(file).info
        raw = stored(file)
        assert SECRET not in raw and b"xmpmeta" not in raw and b"XML:com.adobe.xmp" not in raw


@pytest.mark.parametrize(("size", "thumbnail_size"), [((800, 600), (320, 240)), ((300, 960), (100, 320))])
def test_thumbnails_are_at_most_320_pixels_and_keep_the_shape(reviewer, size, thumbnail_size):
    evidence = attach_evidence(TestimonyFactory(), upload(image_bytes("JPEG", size=size)), reviewer)

    assert reopened(evidence.thumbnail).size == thumbnail_size
    assert reopened(evidence.display).size == size == (evidence.width, evidence.height), "the display image is whole"


def evidence_urls(evidence):
    return [
        evidence.display.url,
        evidence.thumbnail.url,
        reverse("testimonies:evidence_image", args=[evidence.public_id]),
        reverse("testimonies:evidence_thumbnail", args=[evidence.public_id]),
    ]


def test_evidence_is_never_kept_in_a_cache_without_asking_again(client):
    """'A withheld image is not shown again from a cache': every answer, a 304 too, must be revalidated."""
    evidence = EvidenceImageFactory(testimony=TestimonyFactory())
    for url in evidence_urls(evidence):
        response = client.get(url)
        assert response["Cache-Control"] == "no-cache", url
        revalidated = client.get(url, headers={"if-none-match": response["ETag"]})
        assert revalidated.status_code == 304 and revalidated["Cache-Control"] == "no-cache", url


def test_evidence_can_never_run_as_a_page_of_this_site(client):
    """Each file is served under a sandbox policy that allows nothing, whatever the browser makes of its bytes."""
    evidence = EvidenceImageFactory(site=SiteFactory(), content=image_bytes("PNG", seed=44))
    for url in evidence_urls(evidence):
        response = client.get(url)
        policy = {
            directive.strip().split(" ")[0]: directive.strip()
            for directive in response["Content-Security-Policy"].split(";")
        }
        assert policy["sandbox"] == "sandbox", url
        assert policy["default-src"] == "default-src 'none'", url
        assert response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.parametrize("status", [PublicationStatus.PUBLISHED, PublicationStatus.WITHHELD])
@pytest.mark.parametrize("factory", [TestimonyFactory, SiteFactory])
def test_an_editor_cannot_change_or_delete_a_published_image_in_the_inline_of_a_draft(
    client, editor, reviewer, factory, status
):
    record = factory(status=PublicationStatus.DRAFT)
    parent = {"testimony": record} if factory is TestimonyFactory else {"site": record, "testimony": None}
    evidence = EvidenceImageFactory(caption="Reviewed caption", status=status, **parent)
    url = admin_url(type(record), "change", record.pk)
    client.force_login(editor)
    caption_box = re.search(r'<textarea[^>]*name="evidence-0-caption"[^>]*>', client.get(url).content.decode())
    assert caption_box and "disabled" in caption_box.group()

    data = form_data(client.get(url), type(record))
    data.update({"evidence-0-caption": ["Unreviewed caption"], "evidence-0-status": ["draft"]})
    assert client.post(url, data).status_code == 302
    evidence.refresh_from_db()
    assert (evidence.caption, evidence.status) == ("Reviewed caption", status)

    # Editors delete no images (reviewers only); a forged deletion changes nothing either.
    data = form_data(client.get(url), type(record))
    data["evidence-0-DELETE"] = ["on"]
    client.post(url, data)
    assert EvidenceImage.objects.filter(pk=evidence.pk).exists()

    client.force_login(reviewer)
    data = form_data(client.get(url), type(record))
    data["evidence-0-caption"] = ["Reviewed again"]
    assert client.post(url, data).status_code == 302
    evidence.refresh_from_db()
    assert evidence.caption == "Reviewed again"


def test_an_editor_still_edits_a_draft_image_in_the_inline(client, editor):
    testimony = TestimonyFactory(status=PublicationStatus.DRAFT)
    evidence = EvidenceImageFactory(testimony=testimony, caption="Draft caption", status=PublicationStatus.DRAFT)
    url = admin_url(Testimony, "change", testimony.pk)
    client.force_login(editor)
    data = form_data(client.get(url), Testimony)
    data["evidence-0-caption"] = ["Edited draft caption"]
    assert client.post(url, data).status_code == 302
    evidence.refresh_from_db()
    assert evidence.caption == "Edited draft caption"


# --- Found by mutation testing (bench/MUTATION.md) -------------------------------------------------------------------


def test_a_16_bit_greyscale_image_is_scaled_to_8_bits_not_clipped_to_white(reviewer):
    buffer = io.BytesIO()
    Image.new("I;16", (40, 30), 32768).save(buffer, "PNG")  # mid-grey on 16 bits
    evidence = attach_evidence(TestimonyFactory(), upload(buffer.getvalue()), reviewer)
    display = reopened(evidence.display)
    assert display.mode == "L" and display.getpixel((0, 0)) == 128


def test_a_write_that_fails_half_way_deletes_what_it_wrote_in_the_folder(reviewer, monkeypatch, settings):
    """The same promise as with the object store (tests/test_object_storage.py), on the local folder."""
    refuse_thumbnail_writes(monkeypatch)
    with pytest.raises(StorageUnavailable):
        attach_evidence(TestimonyFactory(), upload(image_bytes(seed=11)), reviewer)
    assert not EvidenceImage.objects.exists()
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []


def test_the_admin_path_refuses_to_keep_an_original_for_an_editor(editor):
    processed = process_upload(upload(image_bytes(seed=12)))
    with pytest.raises(PermissionDenied, match=r"^Only reviewers can keep the original file\.$"):
        evidence_module.store_files(EvidenceImage(testimony=TestimonyFactory()), processed, True, editor)


def test_a_draft_attached_without_a_user_names_no_uploader():
    evidence = attach_evidence(TestimonyFactory(), upload(image_bytes(seed=13)), None)
    assert (evidence.status, evidence.uploaded_by) == (PublicationStatus.DRAFT, None)


def test_a_palette_image_keeps_its_colours(reviewer):
    buffer = io.BytesIO()
    palette_image = Image.new("RGB", (40, 30), (200, 30, 40)).convert("P")
    palette_image.save(buffer, "PNG")
    evidence = attach_evidence(TestimonyFactory(), upload(buffer.getvalue()), reviewer)
    display = reopened(evidence.display)
    assert display.mode == "RGB" and display.getpixel((0, 0)) == palette_image.convert("RGB").getpixel((0, 0))
