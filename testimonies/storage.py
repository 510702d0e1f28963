"""Where evidence files live: public display images and thumbnails, and private originals.

Both locations are read from the settings when used (not when the models are imported), so that a test or a
deployment that changes MEDIA_ROOT or PRIVATE_MEDIA_ROOT is followed.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.deconstruct import deconstructible


@deconstructible
class EvidenceStorage(FileSystemStorage):
    """Display images and thumbnails, under MEDIA_ROOT/evidence/.

    Their URLs lead to `testimonies.views.EvidenceFileView`, which serves a file only while its record is
    public. The web server must never serve MEDIA_ROOT itself: a withheld image would stay reachable there.
    """

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return Path(settings.MEDIA_ROOT) / "evidence"

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        # The URL of the view that checks `.public()`, without the placeholder file name.
        return reverse("testimonies:evidence_file", kwargs={"name": "_"})[:-1]


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Original uploads a reviewer chose to keep, in PRIVATE_MEDIA_ROOT (outside MEDIA_ROOT): never served."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return Path(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def file_permissions_mode(self):
        return 0o600

    @property
    def directory_permissions_mode(self):
        return 0o700

    def url(self, name):
        raise ValueError("Private files have no URL; they are never served.")
