"""Where evidence display images and thumbnails live (originals go to core.storage.PrivateStorage).

The location is read from the settings when used (not when the models are imported), so that a test or a
deployment that changes MEDIA_ROOT is followed.
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
