"""Where evidence display images and thumbnails live (originals go to core.storage.PrivateStorage):
MEDIA_ROOT/evidence/, or `evidence/` in the object store's bucket when STORAGE_S3_* are set
(core.storage.SwitchingStorage).

The location is read from the settings when used (not when the models are imported), so that a test or a
deployment that changes MEDIA_ROOT or the store is followed.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from core.storage import SwitchingStorage


@deconstructible
class EvidenceStorage(SwitchingStorage):
    """Display images and thumbnails, in the local folder or the object store.

    Their URLs, wherever they are stored, lead to `testimonies.views.EvidenceFileView`, which serves a file only
    while its record is public: never a URL of the store, and the web server must never serve MEDIA_ROOT itself
    (a withheld image would stay reachable there).
    """

    def local(self) -> FileSystemStorage:
        return LocalEvidenceStorage()


@deconstructible
class LocalEvidenceStorage(FileSystemStorage):
    """MEDIA_ROOT/evidence/."""

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
