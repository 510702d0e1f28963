"""Evidence images: checking an upload, stripping what it reveals, and storing it.

Every path that adds evidence (the admin form and inlines, `attach_evidence()` for code and tests) goes
through `process_upload()`, which:

- refuses files over EVIDENCE_MAX_UPLOAD_BYTES before reading them;
- opens them with Pillow restricted to JPEG, PNG and WebP (`formats=`), with DecompressionBombWarning turned
  into an error and Pillow's MAX_IMAGE_PIXELS lowered to EVIDENCE_MAX_IMAGE_PIXELS;
- runs `verify()`, then opens the file again and decodes every pixel, so that a truncated or corrupt file is
  refused instead of stored;
- rebuilds the image from its pixels after `ImageOps.exif_transpose`, so that nothing of the file but the
  pixels survives: no EXIF (GPS, camera, serial numbers), no JPEG comment, no PNG text chunks, no XMP and no
  ICC profile. Re-saving the opened image is not enough: Pillow's JPEG writer copies `info["comment"]` and its
  PNG writer writes `info["exif"]`.

The display image and the thumbnail get names made of the SHA-256 of their own bytes, which reveal nothing of
the original file; the original (with all its metadata) is kept only when a reviewer asks for it, in private
storage that has no URL.
"""

import contextlib
import hashlib
import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.curation import PublicationStatus, may_publish, may_set_status
from sites.models import Site

from .models import EvidenceImage, Testimony

# Pillow format name → content type. The content type served is taken from the stored record, never from a file name.
ACCEPTED_FORMATS = {
    "JPEG": EvidenceImage.ContentType.JPEG,
    "PNG": EvidenceImage.ContentType.PNG,
    "WEBP": EvidenceImage.ContentType.WEBP,
}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class ProcessedImage:
    """An upload that passed every check, with the clean files to store."""

    sha256: str  # of the uploaded bytes
    byte_size: int  # of the uploaded file
    format: str
    width: int  # of the display image (after rotation)
    height: int
    display: bytes
    thumbnail: bytes
    original: bytes

    @property
    def content_type(self) -> str:
        return ACCEPTED_FORMATS[self.format]

    @property
    def extension(self) -> str:
        return EvidenceImage.EXTENSIONS[self.content_type]


def refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing an empty or oversized one before reading it."""
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        refuse(
            _("The file is %(size)s; the largest file accepted is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            "too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        refuse(_("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}, "too_large")
    if not data:
        refuse(_("The file is empty."), "empty")
    return data


def open_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))


def refuse_too_many_pixels(image: Image.Image) -> None:
    limit = settings.EVIDENCE_MAX_IMAGE_PIXELS
    width, height = image.size
    if width * height > limit:
        refuse(
            _(
                "The image is %(width)d × %(height)d pixels, more than the %(limit)s pixels accepted. "
                "Reduce its size and upload it again."
            )
            % {"width": width, "height": height, "limit": f"{limit:,}"},
            "too_many_pixels",
        )


def load_verified(data: bytes) -> Image.Image:
    """The decoded image, or a ValidationError that says why the file is refused."""
    # Pillow's own bomb check reads this module-level limit; keep it at the setting (the same value for every
    # request, so setting it again is harmless).
    Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_image(data) as probe:
                refuse_too_many_pixels(probe)
                probe.verify()
            # verify() leaves the image unusable: open it again and decode every pixel.
            image = open_image(data)
            refuse_too_many_pixels(image)
            if getattr(image, "n_frames", 1) > 1:
                refuse(_("Animated images are not accepted; upload a single still image."), "animated")
            image.load()
            return image
    except UnidentifiedImageError:
        refuse(
            _(
                "This file is not a JPEG, PNG or WebP image. Other types (SVG, GIF, TIFF, HEIC, PDF, …) are not "
                "accepted, whatever the file name says."
            ),
            "not_an_image",
        )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse(
            _("The image has more than the %(limit)s pixels accepted.")
            % {"limit": f"{settings.EVIDENCE_MAX_IMAGE_PIXELS:,}"},
            "too_many_pixels",
        )
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
        # Truncated files ("image file is truncated"), broken chunks or checksums, impossible headers.
        refuse(_("The image is damaged or incomplete and cannot be read. Upload the complete file."), "damaged")


def pixels_only(image: Image.Image) -> Image.Image:
    """A new image made of the pixels alone, upright: none of the file's metadata comes along."""
    image = ImageOps.exif_transpose(image)
    if image.mode.startswith(("I", "F")):
        # 16-bit and float greyscale: scale to 8 bits instead of clipping everything to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        has_alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def encode(image: Image.Image, image_format: str) -> bytes:
    """The image as a file of `image_format`, with no exif, comment, text chunks or ICC profile."""
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    options = {"JPEG": {"quality": JPEG_QUALITY}, "WEBP": {"quality": JPEG_QUALITY}}.get(image_format, {})
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def process_upload(upload) -> ProcessedImage:
    """Check an uploaded file and make its clean display image and thumbnail; ValidationError if refused."""
    data = read_upload(upload)
    image = load_verified(data)
    image_format = image.format
    clean = pixels_only(image)
    image.close()
    thumbnail = clean.copy()
    thumbnail.thumbnail((settings.EVIDENCE_THUMBNAIL_SIZE, settings.EVIDENCE_THUMBNAIL_SIZE))
    return ProcessedImage(
        sha256=hashlib.sha256(data).hexdigest(),
        byte_size=len(data),
        format=image_format,
        width=clean.width,
        height=clean.height,
        display=encode(clean, image_format),
        thumbnail=encode(thumbnail, image_format),
        original=data,
    )


def describe(evidence, processed: ProcessedImage) -> None:
    """Copy what the record states about its file (checked by the model's constraints before anything is stored)."""
    evidence.sha256 = processed.sha256
    evidence.byte_size = processed.byte_size
    evidence.width = processed.width
    evidence.height = processed.height
    evidence.content_type = processed.content_type


def content_name(folder: str, content: bytes, extension: str) -> str:
    return f"{folder}/{hashlib.sha256(content).hexdigest()}.{extension}"


def store_files(evidence, processed: ProcessedImage, keep_original: bool, user) -> None:
    """Write the display image, the thumbnail and (when a reviewer asks) the original; the record is saved
    by the caller, after this, in the same transaction."""
    if keep_original and not may_publish(user):
        raise PermissionDenied(_("Only reviewers can keep the original file."))
    describe(evidence, processed)
    extension = processed.extension
    written = []
    try:
        evidence.display.save(
            content_name("display", processed.display, extension), ContentFile(processed.display), False
        )
        written.append(evidence.display)
        evidence.thumbnail.save(
            content_name("thumbnails", processed.thumbnail, extension), ContentFile(processed.thumbnail), False
        )
        written.append(evidence.thumbnail)
        if keep_original:
            evidence.original.save(f"originals/{uuid.uuid4().hex}.{extension}", ContentFile(processed.original), False)
    except Exception:
        # A write failed (the object store is down, say): the record is not saved (the error propagates, and the
        # admin's transaction rolls back), and the files already written do not stay behind.
        for file in written:
            with contextlib.suppress(Exception):
                file.storage.delete(file.name)
        raise
    if user is not None and user.is_authenticated:
        evidence.uploaded_by = user


def attach_evidence(parent, upload, user, caption: str = "", keep_original: bool = False, status=None):
    """Add an evidence image to a testimony or a site outside the admin, with every check the admin makes.

    Raises ValidationError (the file, a duplicate, the status) or PermissionDenied (publishing or keeping the
    original without being a reviewer); nothing is written then.
    """
    status = status or PublicationStatus.DRAFT
    if not may_set_status(user, None, status):
        raise PermissionDenied(_("Only reviewers can publish or withhold evidence."))
    if keep_original and not may_publish(user):
        raise PermissionDenied(_("Only reviewers can keep the original file."))
    processed = process_upload(upload)
    evidence = EvidenceImage(
        testimony=parent if isinstance(parent, Testimony) else None,
        site=parent if isinstance(parent, Site) else None,
        caption=caption,
        status=status,
    )
    describe(evidence, processed)
    evidence.full_clean(exclude=["display", "thumbnail", "original"])
    store_files(evidence, processed, keep_original, user)
    evidence.stamp_save(user)
    evidence._history_user = user if user is not None and user.is_authenticated else None
    evidence.save()
    return evidence
