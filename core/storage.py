"""Private files: never served, outside every served directory (MEDIA_ROOT, STATIC_ROOT; see core.checks).

The location is read from the settings when used (not when the models are imported), so that a test or a
deployment that changes PRIVATE_MEDIA_ROOT is followed.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files for staff only (originals of evidence kept by reviewers, CSV files waiting to be imported), in
    PRIVATE_MEDIA_ROOT: never served."""

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


@deconstructible
class ReleaseStorage(FileSystemStorage):
    """Data releases (archive.releases): public zip files, served by their own view (never as media), kept in
    RELEASE_ROOT. Configured as STORAGES["releases"], so that a deployment may put them elsewhere."""

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return Path(settings.RELEASE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def file_permissions_mode(self):
        return 0o644
