"""Backups: the database and the media files in one archive, and the way back.

An archive is a gzipped tar with
- `manifest.json`: format, time, database vendor, record counts of this project's models, and every media
  file with its size and SHA-256;
- the database: `database.pgdump` (`pg_dump --format=custom`, a consistent snapshot) on PostgreSQL, or
  `database.sqlite3` (SQLite's online backup API, also consistent while the site runs) on SQLite;
- `media/`: a copy of MEDIA_ROOT.

The archive holds witnesses' identities: it is written with mode 600, and belongs on encrypted storage.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from .apps import project_app_configs

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    pass


@dataclass
class Result:
    archive: Path
    manifest: dict


def record_counts(alias: str) -> dict[str, int]:
    """Rows of every model of this project's apps, history and link tables included."""
    counts = {}
    for app_config in project_app_configs():
        for model in app_config.get_models(include_auto_created=True):
            counts[model._meta.label] = model._base_manager.using(alias).count()
    return counts


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    """Every regular file under `root`; symbolic links are refused rather than followed out of it."""
    if not root.exists():
        return []
    files = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in sorted(names) + [d for d in subdirectories if (Path(directory) / d).is_symlink()]:
            path = Path(directory) / name
            if path.is_symlink():
                raise BackupError(f"{path} is a symbolic link; media files must be plain files.")
            files.append(path)
    return files


def libpq_environment(settings_dict: dict) -> dict[str, str]:
    """The connection of a Django database as the environment that pg_dump and pg_restore read."""
    env = {**os.environ}
    mapping = {"NAME": "PGDATABASE", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "HOST": "PGHOST", "PORT": "PGPORT"}
    for key, variable in mapping.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("service", "PGSERVICE")):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def run_tool(command: list[str], settings_dict: dict) -> None:
    executable = shutil.which(command[0])
    if executable is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools are needed for this).")
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client tool with arguments built here)
        [executable, *command[1:]],
        env=libpq_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def outside_transactions(connection) -> None:
    # SQLite's backup API works through this very connection; inside a transaction it would wait for ever.
    if connection.in_atomic_block:
        raise BackupError("Backups and restores cannot run inside a database transaction.")


def dump_database(alias: str, target: Path) -> None:
    connection = connections[alias]
    outside_transactions(connection)
    if connection.vendor == "postgresql":
        run_tool(["pg_dump", "--format=custom", f"--file={target}"], connection.settings_dict)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def load_database(alias: str, source: Path) -> None:
    connection = connections[alias]
    outside_transactions(connection)
    if connection.vendor == "postgresql":
        # One transaction: a failed restore leaves the database as it was.
        run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(source),
            ],
            connection.settings_dict,
        )
        # The tables were recreated: start a fresh session rather than reuse one that knew the old ones.
        connection.close()
    else:
        backup = sqlite3.connect(source)
        try:
            connection.ensure_connection()
            backup.backup(connection.connection)
        finally:
            backup.close()


def create_backup(output: Path, alias: str = "default") -> Result:
    """Write the database and MEDIA_ROOT to the archive `output` (mode 600) and return its manifest."""
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    media_root = Path(settings.MEDIA_ROOT)
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        database_file = Path(scratch) / DATABASE_FILES[vendor]
        dump_database(alias, database_file)
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "vendor": vendor,
            "database": DATABASE_FILES[vendor],
            "counts": record_counts(alias),
            "media": {
                path.relative_to(media_root).as_posix(): {"size": path.stat().st_size, "sha256": sha256(path)}
                for path in files
            },
        }
        partial = Path(scratch) / "archive.tar.gz"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w:gz") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=database_file.name)
            for path in files:
                archive.add(path, arcname=f"{MEDIA_PREFIX}/{path.relative_to(media_root).as_posix()}")
        # Only a complete archive gets the final name.
        os.replace(partial, output)
    return Result(output, manifest)


def media_files_phrase(manifest: dict) -> str:
    count = len(manifest["media"])
    return f"{count} media file" if count == 1 else f"{count} media files"


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.load(archive.extractfile(member))
    except (KeyError, ValueError) as error:
        raise BackupError("This is not a Testimony DB backup: it has no readable manifest.json.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def restore_backup(archive_path: Path, alias: str = "default") -> dict:
    """Replace the database and MEDIA_ROOT with the archive's; return its manifest.

    Everything is checked before anything is replaced: the archive's members are unpacked with tarfile's
    "data" filter (no absolute paths, no `..`, no links out of the folder), the database vendor must match,
    and every media file must have the size and checksum the manifest gives.
    """
    vendor = connections[alias].vendor
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as scratch:
        scratch = Path(scratch)
        try:
            with tarfile.open(archive_path, mode="r:gz") as archive:
                manifest = read_manifest(archive)
                if manifest["vendor"] != vendor:
                    raise BackupError(
                        f"This backup is of a {manifest['vendor']} database; this site runs on {vendor}."
                    )
                expected = {MANIFEST, manifest["database"], *(f"{MEDIA_PREFIX}/{name}" for name in manifest["media"])}
                unexpected = sorted(set(archive.getnames()) - expected)
                if unexpected:
                    raise BackupError(f"The archive has members its manifest does not list: {unexpected[:5]}")
                archive.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"The archive cannot be read safely: {error}") from error
        unpacked_media = scratch / MEDIA_PREFIX
        unpacked_media.mkdir(exist_ok=True)
        found = {
            path.relative_to(unpacked_media).as_posix(): path for path in unpacked_media.rglob("*") if path.is_file()
        }
        if set(found) != set(manifest["media"]):
            raise BackupError("The media files in the archive are not those its manifest lists.")
        for name, path in found.items():
            expected = manifest["media"][name]
            if path.stat().st_size != expected["size"] or sha256(path) != expected["sha256"]:
                raise BackupError(f"The media file {name} does not match its checksum: the archive is damaged.")

        load_database(alias, scratch / manifest["database"])
        counts = record_counts(alias)
        if counts != manifest["counts"]:
            changed = sorted(label for label in manifest["counts"] if counts.get(label) != manifest["counts"][label])
            raise BackupError(f"After the restore, these tables do not have the backed-up row counts: {changed}")

        # Swap the media folder in whole, on the same file system.
        previous = scratch / "previous-media"
        if media_root.exists():
            media_root.rename(previous)
        unpacked_media.rename(media_root)
    return manifest
