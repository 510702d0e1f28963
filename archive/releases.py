"""Data releases: one zip with every public export, its `datapackage.json` and a `manifest.json`, on the storage
STORAGES["releases"]; numbered, dated, never rewritten except to take out a record that stopped being public.

A release is written streaming (rows from a server-side cursor straight into the compressed member, hashed as they
pass), first into a temporary file: only a complete archive is saved to the storage and listed. What changed since
the previous release is found by reading both archives side by side, each file in the order of its record numbers,
so memory stays flat however many rows there are.
"""

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.csv_export import (
    MULTI_VALUE_SEPARATOR,
    URL_PLACEHOLDER,
    ExportContext,
    csv_lines,
    export_rows,
    neutralise_formula,
    restore_formula,
)
from sites.geo import feature_collection_chunks, site_features
from sites.models import Site
from testimonies.models import Publication

from .models import DataRelease, ReleasedRecord
from .open_data import EXPORT_FILES, GEOJSON_FILE_NAME, datapackage

MANIFEST = "manifest.json"
# The released records that have no file of their own (archive.models.ReleasedRecord.resource).
PUBLICATIONS = "publications"
DATAPACKAGE = "datapackage.json"
HASH_CHUNK = 1024 * 1024
RECORD_BATCH = 2000
# Columns left out when rows are compared: the public URL depends only on the address of the site.
UNCOMPARED_COLUMNS = {"url"}


class ReleaseError(Exception):
    """A release that could not be made or checked, with a message for the person who asked."""


@dataclass
class FileEntry:
    sha256: str
    size: int
    rows: int | None = None

    def as_dict(self) -> dict:
        return {"sha256": self.sha256, "size": self.size, **({"rows": self.rows} if self.rows is not None else {})}


class HashingWriter:
    """Writes text to a binary member as UTF-8, keeping its SHA-256 and size."""

    def __init__(self, member):
        self.member = member
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.member.write(data)
        self.digest.update(data)
        self.size += len(data)


def code_version() -> str:
    """The version of the code that wrote the release: CODE_VERSION from the environment, else the git commit."""
    if version := os.environ.get("CODE_VERSION"):
        return version
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        found = subprocess.run(  # noqa: S603 - git by its full path, fixed arguments
            [git, "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip() if found.returncode == 0 else "unknown"


def release_context() -> ExportContext:
    """Public URLs of a release point at SITE_URL: a release is written without a request."""
    patterns = {}
    for export in EXPORT_FILES:
        if export.view.detail_viewname:
            kwargs = {export.view.detail_url_kwarg: URL_PLACEHOLDER}
            patterns[export.view.detail_viewname] = settings.SITE_URL + reverse(
                export.view.detail_viewname, kwargs=kwargs
            )
    return ExportContext(request=None, url_patterns=patterns)


def write_export(archive: zipfile.ZipFile, export, context: ExportContext, release: DataRelease) -> FileEntry:
    """One CSV into the archive, and its records into ReleasedRecord (in batches, so memory stays flat)."""
    rows = 0
    batch = []
    with archive.open(export.file_name, "w", force_zip64=True) as member:
        writer = HashingWriter(member)

        def counted():
            nonlocal rows, batch
            id_column = next(column for column in export.columns if column.name == "id")
            for row in export_rows(export.release_queryset(), export.columns):
                rows += 1
                key = str(id_column.value(row, context))
                batch.append(ReleasedRecord(release=release, resource=export.name, record_id=row["pk"], key=key))
                if len(batch) >= RECORD_BATCH:
                    ReleasedRecord.objects.bulk_create(batch)
                    batch = []
                yield row

        for line in csv_lines(export.columns, counted(), context, bom=False):
            writer.write(line)
    ReleasedRecord.objects.bulk_create(batch)
    return FileEntry(writer.digest.hexdigest(), writer.size, rows)


def record_publications(release: DataRelease) -> None:
    """Publications have no file of their own, but every public one is named in the files (by title and address in
    sources.csv, by record number in the others): record them, so that one withheld later leaves the release."""
    publications = Publication.objects.public().order_by("pk").values_list("pk", flat=True)
    ReleasedRecord.objects.bulk_create(
        (
            ReleasedRecord(release=release, resource=PUBLICATIONS, record_id=pk, key=str(pk))
            for pk in publications.iterator(chunk_size=RECORD_BATCH)
        ),
        batch_size=RECORD_BATCH,
    )


def write_text(archive: zipfile.ZipFile, name: str, chunks) -> FileEntry:
    with archive.open(name, "w", force_zip64=True) as member:
        writer = HashingWriter(member)
        for chunk in chunks:
            writer.write(chunk)
    return FileEntry(writer.digest.hexdigest(), writer.size)


def csv_rows(archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    with archive.open(name) as member:
        yield from csv.DictReader(io.TextIOWrapper(member, encoding="utf-8", newline=""))


def compared(row: dict) -> tuple:
    return tuple(value for key, value in row.items() if key not in UNCOMPARED_COLUMNS)


def differences(previous: Iterator[dict], current: Iterator[dict]) -> dict[str, int]:
    """Rows added, removed and changed between two files, matched by their `id` (a record number, or a testimony's
    public id, which has no order): the previous file is held as one digest per row, so memory stays small."""
    before = {row["id"]: hashlib.sha256(repr(compared(row)).encode()).digest() for row in previous}
    counts = {"added": 0, "removed": 0, "changed": 0}
    for row in current:
        digest = before.pop(row["id"], None)
        if digest is None:
            counts["added"] += 1
        else:
            counts["changed"] += digest != hashlib.sha256(repr(compared(row)).encode()).digest()
    counts["removed"] = len(before)
    return counts


def changes_since(previous: DataRelease | None, archive_path: str) -> dict:
    if previous is None:
        return {}
    changes = {}
    with (
        previous.file.open("rb") as previous_file,
        zipfile.ZipFile(previous_file) as old,
        zipfile.ZipFile(archive_path) as new,
    ):
        old_names = set(old.namelist())
        for export in EXPORT_FILES:
            before = csv_rows(old, export.file_name) if export.file_name in old_names else iter(())
            changes[export.name] = differences(before, csv_rows(new, export.file_name))
    return changes


def sha256_of(file) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def start_release(notes: str, user) -> DataRelease:
    """The release's row, marked as being written; refused while another release is being written."""
    try:
        with transaction.atomic():
            last = DataRelease.objects.order_by("-number").values_list("number", flat=True).first() or 0
            return DataRelease.objects.create(number=last + 1, notes=notes, created_by=user)
    except IntegrityError as error:
        running = DataRelease.objects.filter(state=DataRelease.State.WRITING).first()
        if running is None:
            raise ReleaseError(f"The release could not be started: {error}") from error
        raise ReleaseError(
            f"Release {running.number} is being written since {running.created_at:%Y-%m-%d %H:%M} UTC; try again "
            "when it is done. (If its process died, delete it with `manage.py release_data --abandon`.)"
        ) from error


def make_release(notes: str = "", user=None) -> DataRelease:
    """Write a release of every public export; all or nothing."""
    release = start_release(notes, user)
    previous = DataRelease.objects.public().filter(number__lt=release.number).order_by("-number").first()
    created = timezone.now()
    stored_name = None
    try:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "release.zip")
            files = {}
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                context = release_context()
                for export in EXPORT_FILES:
                    files[export.file_name] = write_export(archive, export, context, release)
                record_publications(release)
                features = site_features(Site.objects.public().order_by("pk"), context)
                files[GEOJSON_FILE_NAME] = write_text(archive, GEOJSON_FILE_NAME, feature_collection_chunks(features))
                package = datapackage({name: name for name in files}, created=created, version=str(release.number))
                files[DATAPACKAGE] = write_text(
                    archive, DATAPACKAGE, [json.dumps(package, ensure_ascii=False, indent=2)]
                )
                manifest = {
                    "release": release.number,
                    "created": created.isoformat(timespec="seconds"),
                    "code_version": code_version(),
                    "notes": notes,
                    "files": {name: entry.as_dict() for name, entry in files.items()},
                }
                write_text(archive, MANIFEST, [json.dumps(manifest, ensure_ascii=False, indent=2)])
            changes = changes_since(previous, path)
            with open(path, "rb") as finished:
                sha256, size = sha256_of(finished)
                finished.seek(0)
                name = f"testimony-db-release-{release.number:04d}-{created:%Y-%m-%d}.zip"
                stored_name = release.file.storage.save(name, File(finished, name=name))
        release.file.name = stored_name
        release.sha256, release.size, release.manifest, release.changes = sha256, size, manifest, changes
        release.created_at = created
        release.state = DataRelease.State.PUBLISHED
        release.save()
    except BaseException:
        # Nothing half-written stays: neither the stored file nor the row (its records go with it).
        if stored_name:
            release.file.storage.delete(stored_name)
        release.delete()
        raise
    return release


def abandon_releases() -> int:
    """Delete releases left half-written by a process that died; returns how many."""
    abandoned = DataRelease.objects.filter(state=DataRelease.State.WRITING)
    for release in abandoned:
        if release.file.name:
            release.file.storage.delete(release.file.name)
    return abandoned.delete()[1].get("archive.DataRelease", 0)


def verify_release(release: DataRelease) -> list[str]:
    """Every problem found in the stored file of `release`: the archive's checksum and size, and each member's
    checksum, size and rows against the manifest. An empty list means the file is intact."""
    storage = release.file.storage
    if not release.file.name or not storage.exists(release.file.name):
        return [f"release {release.number}: the file {release.file.name!r} is missing"]
    problems = []
    with release.file.open("rb") as stored:
        sha256, size = sha256_of(stored)
        if (sha256, size) != (release.sha256, release.size):
            problems.append(f"release {release.number}: the archive's SHA-256 or size differs from the recorded one")
        stored.seek(0)
        try:
            with zipfile.ZipFile(stored) as archive:
                manifest = json.loads(archive.read(MANIFEST))
                if manifest != release.manifest:
                    problems.append(f"release {release.number}: manifest.json differs from the recorded manifest")
                for name, entry in release.manifest.get("files", {}).items():
                    with archive.open(name) as member:
                        member_sha256, member_size = sha256_of(member)
                    if (member_sha256, member_size) != (entry["sha256"], entry["size"]):
                        problems.append(f"release {release.number}: {name} does not match its SHA-256 or size")
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            problems.append(f"release {release.number}: the archive cannot be read ({error})")
    return problems


# --- Amendments: safety before immutability -------------------------------------------------------------------------

# Cells that name records of another file, by record number or slug: an amended release takes removed ones out too.
ID_LISTS = {"testimony_ids": "testimonies"}
SLUG_LISTS = {
    "site_slugs": "sites",
    "unit_slugs": "units",
    "person_slugs": "persons",
    "commander_slugs": "persons",
    "source_slugs": "sources",
}
# Names listed in the order of a slug column lose the same items.
ALIGNED_NAMES = {"site_slugs": "site_names", "unit_slugs": "unit_names"}
# Cells that name publications: by record number (a list, or one), by the citations' numbers with the citations'
# other lists in step, and by title or web address.
PUBLICATION_ID_LISTS = ("publication_ids",)
PUBLICATION_ID_CELLS = ("publication_id",)
CITATION_LISTS = ("citation_publication_ids", "citation_locators", "citation_confidences")
PUBLICATION_TITLE_LISTS = ("publication_titles",)
PUBLICATION_URL_LISTS = ("citation_urls", "publication_urls")


@dataclass
class Removal:
    """What an amendment takes out: record numbers per file, and the slugs of those records."""

    ids: dict[str, set[str]]  # the ids as the files give them (a record number, or a testimony's public id)
    slugs: dict[str, set[str]]
    publication_titles: set[str] = frozenset()
    publication_urls: set[str] = frozenset()

    @property
    def rows(self) -> int:
        return sum(len(ids) for resource, ids in self.ids.items() if resource != PUBLICATIONS)


def removed_publications(ids: set[str]) -> tuple[set[str], set[str]]:
    """The titles and web addresses of the removed publications that no public publication shares."""
    gone = Publication.objects.filter(pk__in=[int(pk) for pk in ids])
    public = Publication.objects.public()
    titles = set(gone.values_list("title", flat=True))
    titles -= set(public.filter(title__in=titles).values_list("title", flat=True))
    urls = set(gone.exclude(url="").values_list("url", flat=True))
    urls -= set(public.filter(url__in=urls).values_list("url", flat=True))
    return titles, urls


def without(value, gone) -> str | list:
    """A list cell (or a GeoJSON list) without the items in `gone`."""
    if isinstance(value, list):
        return [item for item in value if str(item) not in gone]
    return MULTI_VALUE_SEPARATOR.join(item for item in items(value) if item not in gone)


def clean_publications(row: dict, removal: Removal) -> None:
    gone = removal.ids.get(PUBLICATIONS)
    if not gone:
        return
    for column in PUBLICATION_ID_LISTS:
        if column in row:
            row[column] = without(row[column], gone)
    for column in PUBLICATION_ID_CELLS:
        if str(row.get(column, "")) in gone:
            row[column] = ""
    if CITATION_LISTS[0] in row:
        kept = [index for index, pk in enumerate(items(row[CITATION_LISTS[0]])) if pk not in gone]
        for column in CITATION_LISTS:
            if column in row:
                listed = items(row[column])
                row[column] = MULTI_VALUE_SEPARATOR.join(listed[i] for i in kept if i < len(listed))
    for columns, values in (
        (PUBLICATION_TITLE_LISTS, removal.publication_titles),
        (PUBLICATION_URL_LISTS, removal.publication_urls),
    ):
        for column in columns:
            if column in row and values:
                row[column] = without(row[column], values)


def items(cell) -> list:
    return cell.split(MULTI_VALUE_SEPARATOR) if cell else []


def cleaned_row(row: dict, removal: Removal) -> dict:
    """`row` (a CSV row or GeoJSON properties) without references to removed records."""
    for column, resource in ID_LISTS.items():
        gone = removal.ids.get(resource, set())
        if column in row and gone:
            row[column] = without(row[column], gone)
    clean_publications(row, removal)
    for column, resource in SLUG_LISTS.items():
        gone = removal.slugs.get(resource, set())
        if column not in row or not gone:
            continue
        value = row[column]
        listed = value if isinstance(value, list) else items(value)
        kept = [index for index, slug in enumerate(listed) if slug not in gone]
        names = ALIGNED_NAMES.get(column)
        if names in row:
            listed_names = items(row[names])
            row[names] = MULTI_VALUE_SEPARATOR.join(listed_names[i] for i in kept if i < len(listed_names))
        row[column] = (
            [listed[i] for i in kept]
            if isinstance(value, list)
            else MULTI_VALUE_SEPARATOR.join(listed[i] for i in kept)
        )
    gone_units = removal.slugs.get("units", set())
    if "unit_roles" in row and gone_units:
        value = row["unit_roles"]
        listed = value if isinstance(value, list) else items(value)
        kept = [item for item in listed if item.rsplit(":", 1)[0] not in gone_units]
        row["unit_roles"] = kept if isinstance(value, list) else MULTI_VALUE_SEPARATOR.join(kept)
    if row.get("parent_slug") in gone_units:
        row["parent_slug"] = ""
    return row


def removed_slugs(old: zipfile.ZipFile, ids: dict[str, set[int]]) -> dict[str, set[str]]:
    """The slugs of the removed records, read from the release's own files."""
    slugs = {}
    for export in EXPORT_FILES:
        gone = ids.get(export.name)
        if gone and "slug" in [column.name for column in export.columns]:
            slugs[export.name] = {row["slug"] for row in csv_rows(old, export.file_name) if row["id"] in gone}
    return slugs


def amended_row(row: dict, removal: Removal) -> dict:
    """A CSV row cleaned of removed records. The cells are cleaned as the records say them (without the apostrophe
    the export put before a formula), and a changed cell is neutralised again: an item that comes first once the
    one before it is gone may start with `=`. Unchanged cells stay as written (a negative number stays a number)."""
    restored = {column: restore_formula(value) for column, value in row.items()}
    cleaned = cleaned_row(dict(restored), removal)
    return {
        column: row[column] if cleaned[column] == restored[column] else neutralise_formula(cleaned[column])
        for column in row
    }


def amended_csv(old: zipfile.ZipFile, new: zipfile.ZipFile, name: str, own: set, removal: Removal) -> dict:
    """Copy one CSV without the rows numbered in `own` and without references to removed records; returns its
    manifest entry."""
    rows = 0
    with old.open(name) as source, new.open(name, "w", force_zip64=True) as member:
        hashing = HashingWriter(member)
        reader = csv.DictReader(io.TextIOWrapper(source, encoding="utf-8", newline=""))
        writer = csv.DictWriter(hashing, fieldnames=reader.fieldnames, lineterminator="\r\n")
        writer.writeheader()
        for row in reader:
            if row["id"] not in own:
                writer.writerow(amended_row(row, removal))
                rows += 1
    return FileEntry(hashing.digest.hexdigest(), hashing.size, rows).as_dict()


def amended_features(collection: dict, removal: Removal) -> Iterator[dict]:
    for feature in collection["features"]:
        if str(feature["id"]) not in removal.ids.get("sites", set()):
            cleaned_row(feature["properties"], removal)
            yield feature


def amend_release(release: DataRelease, ids: dict[str, set[int]]) -> int:
    """Rewrite `release` without the records in `ids` ({resource: record numbers}) and every reference to them;
    returns the rows removed.

    Its number, URL and file name stay; its checksums are those of the amended files, and the manifest and the
    page say when and how many rows were removed."""
    files = dict(release.manifest["files"])
    now = timezone.now()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "amended.zip")
        with (
            release.file.open("rb") as stored,
            zipfile.ZipFile(stored) as old,
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as new,
        ):
            removal = Removal(ids, removed_slugs(old, ids), *removed_publications(ids.get(PUBLICATIONS, set())))
            for export in EXPORT_FILES:
                own = ids.get(export.name, set())
                files[export.file_name] = amended_csv(old, new, export.file_name, own, removal)
            features = amended_features(json.loads(old.read(GEOJSON_FILE_NAME)), removal)
            files[GEOJSON_FILE_NAME] = write_text(
                new, GEOJSON_FILE_NAME, feature_collection_chunks(features)
            ).as_dict()
            package = json.loads(old.read(DATAPACKAGE))
            if gone_sources := ids.get("sources"):
                rows = csv_rows(old, "sources.csv")
                names = {restore_formula(row["name"]) for row in rows if row["id"] in gone_sources}
                package["sources"] = [source for source in package["sources"] if source["title"] not in names]
            package_text = json.dumps(package, ensure_ascii=False, indent=2)
            files[DATAPACKAGE] = write_text(new, DATAPACKAGE, [package_text]).as_dict()
            amendment = {"time": now.isoformat(timespec="seconds"), "rows_removed": removal.rows}
            amendments = [*release.manifest.get("amendments", []), amendment]
            manifest = {**release.manifest, "files": files, "amendments": amendments}
            write_text(new, MANIFEST, [json.dumps(manifest, ensure_ascii=False, indent=2)])
        with open(path, "rb") as finished:
            sha256, size = sha256_of(finished)
            finished.seek(0)
            name = release.file.name
            release.file.storage.delete(name)
            stored_name = release.file.storage.save(name, File(finished, name=name.rsplit("/", 1)[-1]))
    release.file.name = stored_name
    release.sha256, release.size, release.manifest = sha256, size, manifest
    release.amended_at = now
    release.amended_rows += removal.rows
    release.save()
    for resource, keys in ids.items():
        release.records.filter(resource=resource, key__in=keys).delete()
    return removal.rows


def no_longer_public(release: DataRelease) -> dict[str, set[str]]:
    """The records of `release` that are not public now, per file, by their ids in the files (one query per file,
    in SQL)."""
    gone = {}
    for resource, model in released_models().items():
        ids = set(
            release.records.filter(resource=resource)
            .exclude(record_id__in=model.objects.public().values("pk"))
            .values_list("key", flat=True)
        )
        if ids:
            gone[resource] = ids
    return gone


def released_models() -> dict:
    """{resource: model} of every kind of record a release holds."""
    return {export.name: export.model for export in EXPORT_FILES} | {PUBLICATIONS: Publication}


def amend_releases(resource: str, record_ids) -> int:
    """After a change to records of `resource`: every stored release that holds one of them loses every record that
    is no longer public (those, and any whose visibility followed them, such as a withheld person's postings)."""
    holding = DataRelease.objects.public().filter(records__resource=resource, records__record_id__in=record_ids)
    total = 0
    for release in holding.distinct():
        if gone := no_longer_public(release):
            total += amend_release(release, gone)
    return total
