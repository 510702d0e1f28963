"""Backups: a round trip through `manage.py backup` and `manage.py restore` loses no record, relation or file
(kept originals included), on SQLite and on PostgreSQL; a damaged, foreign or hostile archive is refused before
anything is replaced; a failure during the restore puts everything back; a backup taken while staff save restores."""

import io
import json
import shutil
import sqlite3
import stat
import tarfile
import threading

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.backups import MANIFEST, BackupError, create_backup
from sites.models import Site
from testimonies.models import Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
)

# Backups run outside transactions (pg_dump reads committed data on its own connection), so the records must
# really be committed. Emptying every table after each such test takes seconds on PostgreSQL: the refusals are
# checked together, in one test.
pytestmark = pytest.mark.django_db(transaction=True)

MEDIA = {
    "evidence/2025/photo of the pit.jpg": bytes(range(256)) * 40,
    "evidence/2025/witness-statement.pdf": b"%PDF-1.7 statement",
    "evidence/свидетель.txt": "Показания, записанные 21-07-2025.".encode(),
    "empty.bin": b"",
}
# Originals that reviewers chose to keep (PRIVATE_MEDIA_ROOT), and a pending import preview.
PRIVATE = {
    "evidence/originals/ab12.jpg": b"\xff\xd8\xff original with its GPS",
    "imports/preview.csv": b"public_id,quote\n",
}


@pytest.fixture(autouse=True)
def needs_pg_dump_on_postgresql():
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump and pg_restore (PostgreSQL's client tools) are not on PATH")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private" / "originals"
    settings.BACKUP_ROOT = tmp_path / "backups"
    for root, contents in ((settings.MEDIA_ROOT, MEDIA), (settings.PRIVATE_MEDIA_ROOT, PRIVATE)):
        for name, content in contents.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return settings.MEDIA_ROOT


@pytest.fixture
def private_root(media_root, settings):
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def archive_of_world(media_root, tmp_path):
    """Records of every model with every kind of relation, users with permissions, history: then a backup."""
    editor = UserFactory(username="editor", permissions=["testimonies.view_restricted_fields"])
    editor.groups.add(Group.objects.get_or_create(name="editor")[0])
    source = SourceFactory()
    publication = PublicationFactory(source=source)
    publication.cites.add(PublicationFactory(source=SourceFactory(status="draft")))
    parent = UnitFactory()
    unit = UnitFactory(parent=parent, unit_number="40463")
    PostingFactory(unit=unit, publication=publication, person=PersonFactory(name="Alexei Korchagin"))
    site = SiteFactory(latitude="48.123456", longitude="-37.800001")
    SiteUnitFactory(site=site, unit=unit, publication=publication)
    site.reported_in.add(publication)
    testimony = TestimonyFactory(
        sites=[site],
        units=[unit, parent],
        abuse_types=[AbuseTypeFactory(), AbuseTypeFactory()],
        real_name="Иван Петров",
        contact="Signal: +7 900 000-00-00",
        created_by=editor,
        status="review",
    )
    CitationFactory(testimony=testimony, publication=publication, quoted_passage="‘Two wires’\n\tand more")
    output = tmp_path / "backups" / "world.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(output), stdout=out)
    assert f"to {output}" in out.getvalue()
    return output


def snapshot() -> dict:
    """Every row of every table Django knows of, link tables and history included, as plain values."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        rows[model._meta.label] = [
            {key: str(value) for key, value in row.items()} for row in model._base_manager.order_by("pk").values()
        ]
    return rows


def files(root) -> dict:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def wipe(*roots):
    call_command("flush", "--no-input", stdout=io.StringIO())
    for root in roots:
        shutil.rmtree(root)
        root.mkdir()
        (root / "added-after-the-backup.txt").write_text("must not survive a restore")


def restore(archive):
    out = io.StringIO()
    call_command("restore", str(archive), "--no-input", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_round_trip_loses_no_record_relation_or_file(archive_of_world, media_root, private_root, settings):
    before, files_before = snapshot(), files(media_root)
    assert len(before["testimonies.Testimony_sites"]) == 1 and len(before["testimonies.Testimony_units"]) == 2
    assert before["testimonies.HistoricalTestimony"], "history is part of what is backed up"
    assert files_before == MEDIA
    assert files(private_root) == PRIVATE
    assert_private_and_complete(archive_of_world)

    wipe(media_root)
    assert not Testimony.objects.exists()
    # The private folder restored where none of its parents exists yet (a new machine): the restore creates them.
    shutil.rmtree(private_root.parent)
    settings.PRIVATE_MEDIA_ROOT = private_root = private_root.parent / "new disk" / "originals"

    output = restore(archive_of_world)

    assert snapshot() == before
    assert files(media_root) == files_before
    assert files(private_root) == PRIVATE, "the kept originals come back too"
    assert "6 media files" in output
    restored = Testimony.objects.get()
    assert restored.real_name == "Иван Петров"
    assert list(restored.sites.all()) == list(Site.objects.all())
    assert restored.citations.get().publication.source.publications.count() == 1
    # Sequences come back too: a new record does not collide with a restored one.
    assert TestimonyFactory().pk > restored.pk


def assert_private_and_complete(archive_path):
    assert stat.S_IMODE(archive_path.stat().st_mode) == 0o600
    with tarfile.open(archive_path) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile(MANIFEST))
    database = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}[connection.vendor]
    assert names == {MANIFEST, database} | {f"media/{name}" for name in MEDIA} | {
        f"private_media/{name}" for name in PRIVATE
    }
    assert manifest["vendor"] == connection.vendor and manifest["database"] == database
    assert manifest["counts"]["testimonies.Testimony"] == 1
    assert manifest["counts"]["testimonies.Testimony_units"] == 2
    assert manifest["media"]["empty.bin"] == {
        "size": 0,
        "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    }


def test_archives_go_to_a_private_backup_root_and_are_never_overwritten(media_root, settings):
    call_command("backup", stdout=io.StringIO())

    (archive,) = settings.BACKUP_ROOT.glob("testimony-*.tar.gz")
    assert stat.S_IMODE(settings.BACKUP_ROOT.stat().st_mode) == 0o700
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", "--output", str(archive), stdout=io.StringIO())


def rewrite(archive, tmp_path, change):
    """A copy of `archive` with its members passed through `change(name, data) -> [(name, data), ...]`."""
    copy = tmp_path / f"altered-{len(list(tmp_path.glob('altered-*')))}.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            for name, content in change(member.name, data):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                target.addfile(info, io.BytesIO(content))
    return copy


def damage_a_media_file(name, data):
    return [(name, data.replace(b"%PDF", b"%XSS") if name.endswith(".pdf") else data)]


def relabel_as_other_engine(name, data):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    if name == MANIFEST:
        return [(name, json.dumps(json.loads(data) | {"vendor": other}).encode())]
    return [(name, data)]


def smuggle_unlisted(evil):
    def change(name, data):
        return [(name, data), (evil, b"overwritten")] if name == MANIFEST else [(name, data)]

    return change


def smuggle_listed(evil):
    """A member that escapes the folder, listed in the manifest: only the safe unpacking stops it. It comes after
    a media file, once the folder it climbs out of exists (placed first, tarfile would fail to create that folder
    through the `..` and refuse the archive whatever its filter)."""

    def change(name, data):
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["media"][evil] = {"size": 11, "sha256": "0" * 64}
            return [(name, json.dumps(manifest).encode())]
        if name == "media/evidence/2025/witness-statement.pdf":
            return [(name, data), (f"media/{evil}", b"overwritten")]
        return [(name, data)]

    return change


def name_the_database(path):
    """A manifest that names another database file than the one the backup wrote."""

    def change(name, data):
        if name == MANIFEST:
            return [(name, json.dumps(json.loads(data) | {"database": str(path)}).encode())]
        return [(name, data)]

    return change


def miscount(label, by=1):
    def change(name, data):
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["counts"][label] += by
            return [(name, json.dumps(manifest).encode())]
        return [(name, data)]

    return change


def garble_the_database(name, data):
    return [(name, b"not a database" * 100 if name.startswith("database.") else data)]


def count_as_text(name, data):
    if name == MANIFEST:
        manifest = json.loads(data)
        manifest["counts"]["testimonies.Testimony"] = "1; DROP TABLE x"
        return [(name, json.dumps(manifest).encode())]
    return [(name, data)]


def alter_manifest(alter):
    """A change that passes the manifest (parsed) through `alter(manifest)`."""

    def change(name, data):
        if name == MANIFEST:
            manifest = json.loads(data)
            alter(manifest)
            return [(name, json.dumps(manifest).encode())]
        return [(name, data)]

    return change


# Each refusal's whole message, from its start: the message is all the operator learns of what is wrong.
COUNTS_REFUSED = r"^The manifest's row counts are not those of this version's tables\.$"
DATABASE_NAMED = (
    r"^The manifest names the database '.+'; a (postgresql|sqlite) backup holds 'database\.(pgdump|sqlite3)'\.$"
)
NOT_LISTED = r"^The archive has members its manifest does not list: \[.+\]$"
UNSAFE = r"^The archive cannot be read safely: .+"


def miscounted(label):
    """PostgreSQL refuses the load, which rolls back; SQLite refuses the file before anything is replaced."""
    return (
        rf"(?s)^(Loading the database failed and was rolled back: .*row count of {label} differs from the manifest.*"
        rf"Nothing was restored: the previous database and media files are in place\.|"
        rf"The database in the archive does not have the backed-up row counts of \['{label}'\]\.)$"
    )


def manifest_as_a_list(name, data):
    return [(name, b"[]" if name == MANIFEST else data)]


REFUSED_ARCHIVES = [
    (manifest_as_a_list, r"^Unknown backup format None\.$"),
    (
        alter_manifest(lambda manifest: manifest["media"].update({"lost.jpg": {"size": 1, "sha256": "0" * 64}})),
        r"^The media files in the archive are not those its manifest lists\.$",
    ),
    (
        lambda name, data: [] if name.startswith("database.") else [(name, data)],
        r"^The archive has no database file\.$",
    ),
    (alter_manifest(lambda manifest: manifest.update(format=3)), r"^Unknown backup format 3\.$"),
    (alter_manifest(lambda manifest: manifest["counts"].pop("sites.Site")), COUNTS_REFUSED),
    (alter_manifest(lambda manifest: manifest["counts"].update({"sites.Gone": 0})), COUNTS_REFUSED),
    (alter_manifest(lambda manifest: manifest["counts"].update({"sites.Site": -1})), COUNTS_REFUSED),
    (
        alter_manifest(lambda manifest: manifest["private_media"]["imports/preview.csv"].update(size="16")),
        r"^The manifest's list of private_media files is not readable\.$",
    ),
    (
        alter_manifest(lambda manifest: manifest["media"]["empty.bin"].update(sha256=None)),
        r"^The manifest's list of media files is not readable\.$",
    ),
    # The database member must be the one name a backup writes, inside the unpacked folder (issue 18, item 1);
    # the test adds an absolute path to a real SQLite file.
    (name_the_database("../../foreign.sqlite3"), DATABASE_NAMED),
    (garble_the_database, r"^The database file in the archive cannot be read: .+"),
    (count_as_text, COUNTS_REFUSED),
    # Row counts that the dump does not have: refused before the database or the media are replaced (item 2).
    (miscount("testimonies.Testimony"), miscounted("testimonies.Testimony")),
    (miscount("testimonies.HistoricalTestimony", by=-1), miscounted("testimonies.HistoricalTestimony")),
    (
        damage_a_media_file,
        r"^The media file evidence/2025/witness-statement\.pdf does not match its checksum: the archive is damaged\.$",
    ),
    (
        relabel_as_other_engine,
        r"^This backup is of a (sqlite|postgresql) database; this site runs on (postgresql|sqlite)\.$",
    ),
    (smuggle_unlisted("../outside.txt"), NOT_LISTED),
    (smuggle_unlisted("/etc/cron.d/absolute"), NOT_LISTED),
    (smuggle_unlisted("media/../../outside.txt"), NOT_LISTED),
    (smuggle_listed("../../outside.txt"), UNSAFE),
    (smuggle_listed("evidence/../../../outside.txt"), UNSAFE),
]


def test_damaged_foreign_and_hostile_archives_are_refused_before_anything_changes(
    archive_of_world, media_root, private_root, tmp_path
):
    # A real SQLite file where a forged manifest points: it must never be loaded.
    foreign = sqlite3.connect(tmp_path.parent / "foreign.sqlite3")
    foreign.execute("CREATE TABLE IF NOT EXISTS stolen (x)")
    foreign.commit()
    foreign.close()
    before, files_before, private_before = snapshot(), files(media_root), files(private_root)
    not_a_backup = tmp_path / "photo.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("photo.jpg"), io.BytesIO(b""))
    cases = [(not_a_backup, r"^This is not a Testimony DB backup: it has no readable manifest\.json\.$")]
    refused = [
        *REFUSED_ARCHIVES,
        (name_the_database(tmp_path.parent / "foreign.sqlite3"), DATABASE_NAMED),
    ]
    cases += [(rewrite(archive_of_world, tmp_path, change), match) for change, match in refused]

    for archive, match in cases:
        with pytest.raises(CommandError, match=match):
            restore(archive)
        assert snapshot() == before, match
        assert files(media_root) == files_before, match
        assert files(private_root) == private_before, match
        assert not (tmp_path / "outside.txt").exists() and not (tmp_path.parent / "outside.txt").exists()


@pytest.mark.parametrize(("folder", "linked"), [("media", "file"), ("private", "folder")])
def test_a_symbolic_link_in_a_media_folder_is_refused_not_followed(media_root, private_root, tmp_path, folder, linked):
    """A link would carry into the archive (and so onto the restored site) whatever it points at outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not media")
    root = {"media": media_root, "private": private_root}[folder]
    link = root / "evidence" / "a-link"
    link.symlink_to(outside / "secret.txt" if linked == "file" else outside)

    with pytest.raises(BackupError, match=f"{link} is a symbolic link"):
        create_backup(tmp_path / "linked.tar.gz")
    assert not (tmp_path / "linked.tar.gz").exists()


def as_format_1(name, data):
    """The archive as the first format wrote it: no private media (a restore of it leaves them as they are)."""
    if name == MANIFEST:
        manifest = json.loads(data)
        del manifest["private_media"]
        return [(name, json.dumps(manifest | {"format": 1}).encode())]
    return [] if name.startswith("private_media/") else [(name, data)]


def test_an_archive_of_the_first_format_restores_and_leaves_the_private_media_as_they_are(
    archive_of_world, media_root, private_root, tmp_path
):
    before, files_before = snapshot(), files(media_root)
    (private_root / "kept-since.jpg").write_bytes(b"an original kept after the backup")
    private_before = files(private_root)
    wipe(media_root)

    restore(rewrite(archive_of_world, tmp_path, as_format_1))

    assert snapshot() == before
    assert files(media_root) == files_before
    assert files(private_root) == private_before


def test_backups_refuse_to_run_inside_a_transaction(media_root, tmp_path):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(BackupError, match="inside a database transaction"):
        create_backup(tmp_path / "inside.tar.gz")
    assert not (tmp_path / "inside.tar.gz").exists()


def test_restore_asks_first(archive_of_world, media_root, monkeypatch):
    (media_root / "keep.txt").write_text("still here")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(archive_of_world), stdout=io.StringIO())

    assert (media_root / "keep.txt").exists()


def test_a_failure_while_replacing_puts_the_previous_state_back(
    archive_of_world, media_root, private_root, monkeypatch
):
    """Issue 18, item 2: if loading the database fails after the media folders were swapped, the previous media
    folders come back and the command says that nothing was restored; a folder that did not exist is gone again."""
    (media_root / "new-since-the-backup.jpg").write_bytes(b"kept")
    shutil.rmtree(private_root)
    before, files_before = snapshot(), files(media_root)

    def failing_load(*args, **kwargs):
        assert files(media_root) == MEDIA, "the media folders are swapped before the database is loaded"
        # Staged next to the folder each replaces, so that the swap is a rename on one file system.
        assert list(media_root.parent.glob(".restore-media-*")) and list(
            private_root.parent.glob(".restore-originals-*")
        )
        raise BackupError("The disk is full.")

    monkeypatch.setattr("core.backups.load_database", failing_load)
    with pytest.raises(CommandError, match="Nothing was restored: the previous database and media files are in place"):
        restore(archive_of_world)

    assert snapshot() == before
    assert files(media_root) == files_before
    assert not private_root.exists()
    assert not list(media_root.parent.glob(".restore-*")), "no staging folder is left behind"


def test_a_backup_taken_while_staff_save_restores(media_root, tmp_path, monkeypatch):
    """Issue 22, item 5: a save committed after the dump (here: while the media files are listed) must not make
    the manifest's row counts disagree with the dump, or the restore would refuse the archive."""
    TestimonyFactory()
    import core.backups

    list_media = core.backups.media_files

    def save_meanwhile(root):
        # Another connection (another thread) commits while the backup runs.
        thread = threading.Thread(target=lambda: (TestimonyFactory(), connection.close()))
        thread.start()
        thread.join()
        return list_media(root)

    monkeypatch.setattr("core.backups.media_files", save_meanwhile)
    result = create_backup(tmp_path / "during-saves.tar.gz")
    monkeypatch.undo()
    assert Testimony.objects.count() > 1, "the saves happened during the backup"
    assert result.manifest["counts"]["testimonies.Testimony"] == 1, "the counts are those of the dumped snapshot"

    restore(result.archive)

    assert Testimony.objects.count() == 1


def test_the_backup_holds_its_snapshot_under_the_commands_limits(media_root, tmp_path, monkeypatch):
    """pg_dump reads a snapshot that the command's own transaction holds open, idle, for as long as the dump takes:
    under the web's idle-in-transaction limit a large archive's dump would lose its snapshot."""
    if connection.vendor != "postgresql":
        pytest.skip("the limits are PostgreSQL settings")
    import core.backups

    seen, run_tool = [], core.backups.run_tool

    def run_tool_noting_limits(command, settings_dict):
        with connection.cursor() as cursor:
            cursor.execute("SHOW idle_in_transaction_session_timeout")
            seen.append(cursor.fetchone()[0])
        return run_tool(command, settings_dict)

    monkeypatch.setattr(core.backups, "run_tool", run_tool_noting_limits)
    call_command("backup", "--output", str(tmp_path / "limits.tar.gz"), stdout=io.StringIO())
    assert seen[0] == "0"
