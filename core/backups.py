"""Backups: the database and both media folders in one archive, and the way back.

An archive is a gzipped tar with
- `manifest.json`: format, time, database vendor, record counts of this project's models (taken from the very
  snapshot that was dumped), and every media file with its size and SHA-256;
- the database: `database.pgdump` (`pg_dump --format=custom`, a consistent snapshot) on PostgreSQL, or
  `database.sqlite3` (SQLite's online backup API, also consistent while the site runs) on SQLite;
- `media/`: a copy of MEDIA_ROOT; `private_media/`: a copy of PRIVATE_MEDIA_ROOT (originals reviewers kept). With
  an object store (STORAGE_S3_*), `media/evidence/` holds the objects of the store's evidence prefix and
  `private_media/` those of its private bucket (or prefix), in the same layout: an archive restores onto either.

The archive holds witnesses' identities: it is written with mode 600, and belongs on encrypted storage.

A restore checks everything it can before it replaces anything (members, checksums, the database file, its row
counts), then swaps the two media folders and loads the database; the load is the last step and is itself all or
nothing (PostgreSQL: one transaction that also verifies the row counts before it commits; SQLite: the previous
database is kept aside and put back). Any failure puts the previous media folders back. With an object store, the
archive's objects are uploaded first (the names are content hashes or random, so an object already there under the
same name holds the same bytes), the database is loaded, and only then are the objects the archive lacks deleted;
if the load fails, the objects the restore added are deleted again.
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

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from .apps import project_app_configs
from .storage import StorageUnavailable, s3_configured

FORMAT = 2
READABLE_FORMATS = {1, 2}  # format 1 archives have no private media; a restore of one leaves it as it is
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media"
PRIVATE_PREFIX = "private_media"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    pass


@dataclass
class Result:
    archive: Path
    manifest: dict


def counted_models() -> list:
    """Every model of this project's apps, history and link tables included."""
    return [
        model for app_config in project_app_configs() for model in app_config.get_models(include_auto_created=True)
    ]


def record_counts(alias: str) -> dict[str, int]:
    """Rows of every counted model, as the connection `alias` sees them now."""
    return {model._meta.label: model._base_manager.using(alias).count() for model in counted_models()}


def sqlite_file_counts(database: sqlite3.Connection, labels=None) -> dict[str, int]:
    """Rows of every counted model (or of the models with these labels) in an SQLite database file."""
    models = counted_models() if labels is None else [apps.get_model(label) for label in labels]
    counts = {}
    for model in models:
        table = model._meta.db_table.replace('"', '""')
        counts[model._meta.label] = database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
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


def executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools are needed for this).")
    return found


def run_tool(command: list[str], settings_dict: dict) -> str:
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client tool with arguments built here)
        [executable(command[0]), *command[1:]],
        env=libpq_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
    return result.stdout


def outside_transactions(connection) -> None:
    # SQLite's backup API works through this very connection; inside a transaction it would wait for ever.
    if connection.in_atomic_block:
        raise BackupError("Backups and restores cannot run inside a database transaction.")


def dump_database(alias: str, target: Path) -> dict[str, int]:
    """Dump the database to `target`; return the row counts of exactly what was dumped.

    Counting the live database after the dump would count the saves that happened meanwhile, and the restore would
    then refuse the archive. PostgreSQL: the counts are taken in a read-only repeatable-read transaction whose
    snapshot pg_dump is told to use (`--snapshot`); SQLite: they are read from the copy itself.
    """
    connection = connections[alias]
    outside_transactions(connection)
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = record_counts(alias)
            run_tool(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], connection.settings_dict
            )
        return counts
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
            return sqlite_file_counts(copy)
        finally:
            copy.close()
    raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def media_manifest(root: Path, files: list[Path]) -> dict:
    return {path.relative_to(root).as_posix(): {"size": path.stat().st_size, "sha256": sha256(path)} for path in files}


def create_backup(output: Path, alias: str = "default") -> Result:
    """Write the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT to the archive `output` (mode 600)."""
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    roots = {MEDIA_PREFIX: Path(settings.MEDIA_ROOT), PRIVATE_PREFIX: Path(settings.PRIVATE_MEDIA_ROOT)}
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        database_file = Path(scratch) / DATABASE_FILES[vendor]
        counts = dump_database(alias, database_file)
        if s3_configured():
            # The store's objects, downloaded after the dump: a file the dumped rows name was written before them.
            roots = {prefix: Path(scratch) / "store" / prefix for prefix in roots}
            download_store(roots)
        files = {prefix: media_files(root) for prefix, root in roots.items()}
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "vendor": vendor,
            "database": DATABASE_FILES[vendor],
            "counts": counts,
            **{prefix: media_manifest(roots[prefix], files[prefix]) for prefix in roots},
        }
        partial = Path(scratch) / "archive.tar.gz"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w:gz") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=database_file.name)
            for prefix, root in roots.items():
                for path in files[prefix]:
                    archive.add(path, arcname=f"{prefix}/{path.relative_to(root).as_posix()}")
        # Only a complete archive gets the final name.
        os.replace(partial, output)
    return Result(output, manifest)


def media_files_phrase(manifest: dict) -> str:
    count = len(manifest["media"]) + len(manifest.get(PRIVATE_PREFIX, {}))
    return f"{count} media file" if count == 1 else f"{count} media files"


def read_manifest(archive: tarfile.TarFile, vendor: str) -> dict:
    """The archive's manifest, refused unless every part of it has the shape and values a backup writes."""
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.load(archive.extractfile(member))
    except (KeyError, ValueError, AttributeError) as error:
        raise BackupError("This is not a Testimony DB backup: it has no readable manifest.json.") from error
    if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
        raise BackupError(f"Unknown backup format {manifest.get('format') if isinstance(manifest, dict) else None!r}.")
    if manifest.get("vendor") != vendor:
        raise BackupError(f"This backup is of a {manifest.get('vendor')} database; this site runs on {vendor}.")
    # Only the one name a backup writes, inside the unpacked folder: never a path the manifest chooses.
    if manifest.get("database") != DATABASE_FILES[vendor]:
        raise BackupError(
            f"The manifest names the database {manifest.get('database')!r}; a {vendor} backup holds "
            f"{DATABASE_FILES[vendor]!r}."
        )
    counts = manifest.get("counts")
    known = {model._meta.label for model in counted_models()}
    if (
        not isinstance(counts, dict)
        or not all(isinstance(value, int) and value >= 0 for value in counts.values())
        or set(counts) != known
    ):
        raise BackupError("The manifest's row counts are not those of this version's tables.")
    prefixes = [MEDIA_PREFIX, PRIVATE_PREFIX] if manifest["format"] >= 2 else [MEDIA_PREFIX]
    for prefix in prefixes:
        listed = manifest.get(prefix)
        if not isinstance(listed, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str)
            for entry in listed.values()
        ):
            raise BackupError(f"The manifest's list of {prefix} files is not readable.")
    return manifest


def check_database_file(path: Path, vendor: str, counts: dict[str, int], settings_dict: dict) -> None:
    """Refuse a database file that cannot be read or (SQLite) whose rows are not those the manifest counts."""
    if not path.is_file():
        raise BackupError("The archive has no database file.")
    if vendor == "postgresql":
        try:
            run_tool(["pg_restore", "--list", str(path)], settings_dict)
        except BackupError as error:
            raise BackupError(f"The database file in the archive cannot be read: {error}") from error
        return
    check_sqlite_file(path, counts)


def check_sqlite_file(path: Path, counts: dict[str, int]) -> None:
    """Refuse an SQLite file that is damaged or whose rows are not those the manifest counts (read-only)."""
    try:
        database = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            if database.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The database file in the archive is damaged.")
            found = sqlite_file_counts(database, counts)
        finally:
            database.close()
    except sqlite3.Error as error:
        raise BackupError(f"The database file in the archive cannot be read: {error}") from error
    differ_from_counts(found, counts)


def differ_from_counts(found: dict[str, int], counts: dict[str, int]) -> None:
    changed = sorted(label for label in counts if found.get(label) != counts[label])
    if changed:
        raise BackupError(f"The database in the archive does not have the backed-up row counts of {changed}.")


def unpack(archive_path: Path, scratch: Path, vendor: str) -> dict:
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            manifest = read_manifest(archive, vendor)
            prefixes = [MEDIA_PREFIX, PRIVATE_PREFIX] if manifest["format"] >= 2 else [MEDIA_PREFIX]
            expected = {MANIFEST, manifest["database"]}
            expected |= {f"{prefix}/{name}" for prefix in prefixes for name in manifest[prefix]}
            unexpected = sorted(set(archive.getnames()) - expected)
            if unexpected:
                raise BackupError(f"The archive has members its manifest does not list: {unexpected[:5]}")
            archive.extractall(scratch, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"The archive cannot be read safely: {error}") from error
    for prefix in prefixes:
        folder = scratch / prefix
        folder.mkdir(exist_ok=True)
        found = {path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()}
        if set(found) != set(manifest[prefix]):
            raise BackupError(f"The {prefix} files in the archive are not those its manifest lists.")
        for name, path in found.items():
            expected = manifest[prefix][name]
            if path.stat().st_size != expected["size"] or sha256(path) != expected["sha256"]:
                raise BackupError(f"The {prefix} file {name} does not match its checksum: the archive is damaged.")
    return manifest


class FolderSwap:
    """Replace folders by renames on their own file systems, and undo it on failure."""

    def __init__(self):
        self.done: list[tuple[Path, Path | None, Path]] = []  # (root, where its previous content went, staging)

    def stage(self, unpacked: Path, root: Path) -> Path:
        """Move `unpacked` next to `root` (a copy when on another file system), before anything is replaced."""
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".restore-{root.name}-"))
        shutil.move(unpacked, staging / "new")
        return staging

    def swap(self, root: Path, staging: Path) -> None:
        previous = None
        if root.exists():
            previous = staging / "previous"
            root.rename(previous)
        self.done.append((root, previous, staging))
        (staging / "new").rename(root)

    def undo(self) -> None:
        for root, previous, staging in reversed(self.done):
            if root.exists():
                root.rename(staging / "failed")
            if previous is not None:
                previous.rename(root)
        self.done = []


def load_database(alias: str, source: Path, counts: dict[str, int]) -> None:
    """Replace the database with `source`, all or nothing, and only if it then holds exactly `counts` rows."""
    connection = connections[alias]
    outside_transactions(connection)
    if connection.vendor == "postgresql":
        load_postgresql(connection, source, counts)
        return
    load_sqlite(connection, source, counts)


def load_sqlite(connection, source: Path, counts: dict[str, int]) -> None:
    """Copy `source` over the database; if its rows then differ from `counts`, copy the previous database back."""
    connection.ensure_connection()
    with tempfile.TemporaryDirectory(dir=source.parent) as aside:
        previous = sqlite3.connect(Path(aside) / "previous.sqlite3")
        try:
            connection.connection.backup(previous)
            backup = sqlite3.connect(source)
            try:
                backup.backup(connection.connection)
            finally:
                backup.close()
            try:
                differ_from_counts(sqlite_file_counts(connection.connection, counts), counts)
            except BackupError:
                previous.backup(connection.connection)
                raise
        finally:
            previous.close()


def load_postgresql(connection, source: Path, counts: dict[str, int]) -> None:
    """pg_restore's script piped into psql as one transaction that ends with a check of every table's row count:
    a dump whose rows differ from the manifest is rolled back and leaves the database as it was."""
    verify = source.parent / "verify.sql"
    verify.write_text(row_count_check(connection, counts))
    environment = libpq_environment(connection.settings_dict)
    restore_log = (source.parent / "pg_restore.log").open("w+b")
    restore = subprocess.Popen(  # noqa: S603 (PostgreSQL's client tool with arguments built here)
        [executable("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", str(source)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=restore_log,
    )
    load = subprocess.run(  # noqa: S603
        [
            executable("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--dbname={connection.settings_dict['NAME']}",
            "--file=-",
            f"--file={verify}",
        ],
        env=environment,
        stdin=restore.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    restore.stdout.close()
    restore.wait()
    restore_log.seek(0)
    restore_errors = restore_log.read().decode(errors="replace").strip()
    restore_log.close()
    # The tables may have been recreated: start a fresh session rather than reuse one that knew the old ones.
    connection.close()
    if restore.returncode != 0:
        raise BackupError(f"pg_restore failed: {restore_errors}")
    if load.returncode != 0:
        raise BackupError(f"Loading the database failed and was rolled back: {load.stderr.strip()}")


def row_count_check(connection, counts: dict[str, int]) -> str:
    """The SQL that ends the restore's transaction: it raises (and so rolls back the load) unless every table
    holds exactly the manifest's count of rows."""
    # Labels and counts were checked by read_manifest (known models, non-negative integers).
    checks = "\n".join(
        f"  IF (SELECT count(*) FROM {connection.ops.quote_name(apps.get_model(label)._meta.db_table)}) <> {count} "  # noqa: S608
        f"THEN RAISE EXCEPTION 'row count of % differs from the manifest', '{label}'; END IF;"
        for label, count in sorted(counts.items())
    )
    return f"RESET search_path;\nDO $$\nBEGIN\n{checks}\nEND\n$$;\n"


def restore_backup(archive_path: Path, alias: str = "default") -> dict:
    """Replace the database, MEDIA_ROOT and PRIVATE_MEDIA_ROOT with the archive's; return its manifest.

    Everything is checked before anything is replaced: the manifest (its database member is the one name a backup
    writes), the members (unpacked with tarfile's "data" filter: no absolute paths, no `..`, no links out of the
    folder), the vendor, every media file's size and checksum, and the database file (readable; on SQLite its
    row counts). Then the media folders are swapped and the database loaded last, all or nothing; if the load
    fails, the previous media folders are put back.
    """
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Restores of {vendor} databases are not supported.")
    outside_transactions(connections[alias])
    roots = {MEDIA_PREFIX: Path(settings.MEDIA_ROOT), PRIVATE_PREFIX: Path(settings.PRIVATE_MEDIA_ROOT)}
    roots[MEDIA_PREFIX].parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=roots[MEDIA_PREFIX].parent, prefix=".restore-") as scratch:
        scratch = Path(scratch)
        manifest = unpack(archive_path, scratch, vendor)
        database_file = scratch / DATABASE_FILES[vendor]
        check_database_file(database_file, vendor, manifest["counts"], connections[alias].settings_dict)
        if manifest["format"] < 2:
            del roots[PRIVATE_PREFIX]
        if s3_configured():
            restore_into_store(alias, scratch, manifest, list(roots), database_file)
            return manifest
        swap = FolderSwap()
        stagings = []
        try:
            for prefix, root in roots.items():
                stagings.append((root, swap.stage(scratch / prefix, root)))
            for root, staging in stagings:
                swap.swap(root, staging)
            load_database(alias, database_file, manifest["counts"])
        except (BackupError, OSError) as error:
            try:
                swap.undo()
            except OSError as undo_error:
                # Keep every staging folder: the previous media files are in one of them.
                raise BackupError(
                    f"{error} Putting the previous media folders back failed too ({undo_error}); they are in "
                    f"{', '.join(str(staging) for _, staging in stagings)}."
                ) from error
            for _, staging in stagings:
                shutil.rmtree(staging, ignore_errors=True)
            raise BackupError(
                f"{error} Nothing was restored: the previous database and media files are in place."
            ) from error
        for _, staging in stagings:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def store_parts() -> dict:
    """The object store's storages by archive prefix, and the folder of each inside that prefix."""
    from .storage import PrivateStorage, SwitchingStorage

    # The public part of the store keeps evidence files under `evidence/` of the bucket, as MEDIA_ROOT/evidence/.
    return {MEDIA_PREFIX: (SwitchingStorage().s3(), "evidence/"), PRIVATE_PREFIX: (PrivateStorage().s3(), "")}


def store_names(store) -> list[str]:
    """Every object's name in a storage of the store (relative to its location)."""
    location = f"{store.location.strip('/')}/" if store.location.strip("/") else ""
    try:
        return sorted(
            item.key[len(location) :]
            for item in store.bucket.objects.filter(Prefix=location)
            if not item.key.endswith("/")
        )
    except Exception as error:
        raise BackupError(f"The object store did not answer: {error}") from error


def download_store(roots: dict[str, Path]) -> None:
    for prefix, (store, folder) in store_parts().items():
        for name in store_names(store):
            target = roots[prefix] / folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                store.bucket.download_file(store._normalize_name(name), str(target))
            except Exception as error:
                raise BackupError(f"The object store did not answer: {error}") from error


def restore_into_store(alias: str, scratch: Path, manifest: dict, prefixes: list[str], database_file: Path) -> None:
    """Upload the archive's files to the store, load the database, then delete the objects the archive lacks
    (on a failed load, delete the objects this restore added instead)."""
    parts = store_parts()
    wanted, before = {}, {}
    for prefix in prefixes:
        store, folder = parts[prefix]
        names = {}
        for name in manifest[prefix]:
            if not name.startswith(folder):
                raise BackupError(
                    f"The archive's {prefix} file {name} lies outside {folder!r}, the only folder the object store "
                    "holds: restore it onto the local folders (without STORAGE_S3_*)."
                )
            names[name[len(folder) :]] = scratch / prefix / name
        wanted[prefix] = names
        before[prefix] = set(store_names(store))
    added = {prefix: [] for prefix in prefixes}
    try:
        for prefix in prefixes:
            store = parts[prefix][0]
            for name, path in wanted[prefix].items():
                if name not in before[prefix]:
                    added[prefix].append(name)
                store.bucket.upload_file(str(path), store._normalize_name(name))
        load_database(alias, database_file, manifest["counts"])
    except Exception as error:
        for prefix in prefixes:
            store = parts[prefix][0]
            for name in added[prefix]:
                try:
                    store.bucket.Object(store._normalize_name(name)).delete()
                except Exception:  # noqa: S112 - keep undoing the rest
                    continue
        if isinstance(error, (BackupError, StorageUnavailable)) or type(error).__module__.startswith("boto"):
            raise BackupError(
                f"{error} Nothing was restored: the previous database and objects are in place."
            ) from error
        raise
    for prefix in prefixes:
        store = parts[prefix][0]
        for name in sorted(before[prefix] - set(wanted[prefix])):
            try:
                store.bucket.Object(store._normalize_name(name)).delete()
            except Exception as error:
                raise BackupError(
                    f"The backup is restored, but deleting the object {name}, which it lacks, failed: {error}"
                ) from error
