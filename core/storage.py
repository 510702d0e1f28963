"""Where files live: a local folder by default, an S3-compatible object store when STORAGE_S3_* are set.

`SwitchingStorage` is the storage of a model field (so migrations name one class whatever the deployment): on
each use it hands the call to its local folder storage, or to django-storages' S3Storage when the four
STORAGE_S3_* settings (endpoint, bucket, access key, secret key) are set. Any failure of the store to answer
(refused connection, time-out, an error status other than "no such key") is raised as `StorageUnavailable`,
which core.errors answers with a 503. Locations and settings are read when used (not when the models are
imported), so that a test or a deployment that changes them is followed.

`PrivateStorage`: private files, never served, outside every served directory (MEDIA_ROOT, STATIC_ROOT; see
core.checks), or in the private bucket (or prefix) of the store.
"""

import functools
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.deconstruct import deconstructible


class StorageUnavailable(OSError):
    """The object store did not answer (down, unreachable, timed out, or refused the keys)."""


def s3_configured() -> bool:
    return all(
        getattr(settings, name, "")
        for name in (
            "STORAGE_S3_ENDPOINT_URL",
            "STORAGE_S3_BUCKET",
            "STORAGE_S3_ACCESS_KEY",
            "STORAGE_S3_SECRET_KEY",
        )
    )


def s3_options(private: bool) -> dict:
    """The S3Storage options of the public (evidence) or the private part of the configured store."""
    private_bucket = settings.STORAGE_S3_PRIVATE_BUCKET
    if private and private_bucket:
        bucket, location = private_bucket, ""
    elif private:
        bucket, location = settings.STORAGE_S3_BUCKET, settings.STORAGE_S3_PRIVATE_PREFIX.strip("/") or "private"
    else:
        bucket, location = settings.STORAGE_S3_BUCKET, "evidence"
    return {
        "endpoint_url": settings.STORAGE_S3_ENDPOINT_URL,
        "bucket_name": bucket,
        "location": location,
        "access_key": settings.STORAGE_S3_ACCESS_KEY,
        "secret_key": settings.STORAGE_S3_SECRET_KEY,
        "region_name": settings.STORAGE_S3_REGION or "us-east-1",
        "timeout": settings.STORAGE_S3_TIMEOUT,
    }


@functools.lru_cache(maxsize=16)
def s3_storage(endpoint_url, bucket_name, location, access_key, secret_key, region_name, timeout):
    """One S3Storage per configuration (its boto3 client is reused); imported only when a store is configured."""
    from botocore.config import Config
    from storages.backends.s3 import S3Storage

    return S3Storage(
        endpoint_url=endpoint_url,
        bucket_name=bucket_name,
        location=location,
        access_key=access_key,
        secret_key=secret_key,
        region_name=region_name,
        addressing_style="path",
        signature_version="s3v4",
        # Objects are private; no URL of the store is ever handed out (the storages' url() is the checking view's).
        default_acl="private",
        querystring_auth=True,
        # Like a folder: a second file of the same name gets a new name instead of replacing the first.
        file_overwrite=False,
        client_config=Config(
            connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2, "mode": "standard"}
        ),
    )


def store_errors() -> tuple:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def s3_delegate(name):
    def method(self, *args, **kwargs):
        backend = self.backend()
        if isinstance(backend, FileSystemStorage):
            return getattr(backend, name)(*args, **kwargs)
        try:
            return getattr(backend, name)(*args, **kwargs)
        except store_errors() as error:
            raise StorageUnavailable(f"The object store did not answer: {error}") from error

    method.__name__ = name
    return method


class SwitchingStorage(Storage):
    """A local folder storage (`local()`), or the configured object store (see the module's docstring)."""

    private = False

    def local(self) -> FileSystemStorage:
        raise NotImplementedError

    def s3(self):
        """The object store's storage for this kind of file, or None when no store is configured."""
        if not s3_configured():
            return None
        return s3_storage(**s3_options(self.private))

    def backend(self) -> Storage:
        return self.s3() or self.local()

    def open_stream(self, name):
        """(file-like object to read `name` from, its size): the local file, or the store's response body read as
        it arrives, so that a large image is never held in memory. FileNotFoundError when it does not exist."""
        store = self.s3()
        if store is None:
            local = self.local()
            return local.open(name, "rb"), local.size(name)
        from botocore.exceptions import ClientError

        try:
            answer = store.bucket.Object(store._normalize_name(name)).get()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from error
            raise StorageUnavailable(f"The object store did not answer: {error}") from error
        except store_errors() as error:
            raise StorageUnavailable(f"The object store did not answer: {error}") from error
        return answer["Body"], answer["ContentLength"]

    def url(self, name):
        return self.local().url(name)

    open = s3_delegate("open")
    save = s3_delegate("save")
    get_valid_name = s3_delegate("get_valid_name")
    get_alternative_name = s3_delegate("get_alternative_name")
    get_available_name = s3_delegate("get_available_name")
    generate_filename = s3_delegate("generate_filename")
    path = s3_delegate("path")
    delete = s3_delegate("delete")
    exists = s3_delegate("exists")
    listdir = s3_delegate("listdir")
    size = s3_delegate("size")
    get_accessed_time = s3_delegate("get_accessed_time")
    get_created_time = s3_delegate("get_created_time")
    get_modified_time = s3_delegate("get_modified_time")


@deconstructible
class PrivateStorage(SwitchingStorage):
    """Files for staff only (originals of evidence kept by reviewers, CSV files waiting to be imported), in
    PRIVATE_MEDIA_ROOT or the store's private bucket (prefix): never served."""

    private = True

    def local(self) -> FileSystemStorage:
        return LocalPrivateStorage()

    def url(self, name):
        raise ValueError("Private files have no URL; they are never served.")


@deconstructible
class LocalPrivateStorage(FileSystemStorage):
    """PRIVATE_MEDIA_ROOT."""

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
