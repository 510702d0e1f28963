"""Backups: a round trip through `manage.py backup` and `manage.py restore` loses no record, relation or file,
on SQLite and on PostgreSQL; a damaged, foreign or hostile archive is refused before anything is replaced."""

import io
import json
import shutil
import stat
import tarfile

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


@pytest.fixture(autouse=True)
def needs_pg_dump_on_postgresql():
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump and pg_restore (PostgreSQL's client tools) are not on PATH")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_ROOT = tmp_path / "backups"
    for name, content in MEDIA.items():
        path = settings.MEDIA_ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return settings.MEDIA_ROOT


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


def wipe(media_root):
    call_command("flush", "--no-input", stdout=io.StringIO())
    shutil.rmtree(media_root)
    media_root.mkdir()
    (media_root / "added-after-the-backup.txt").write_text("must not survive a restore")


def restore(archive):
    out = io.StringIO()
    call_command("restore", str(archive), "--no-input", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_round_trip_loses_no_record_relation_or_file(archive_of_world, media_root):
    before, files_before = snapshot(), files(media_root)
    assert len(before["testimonies.Testimony_sites"]) == 1 and len(before["testimonies.Testimony_units"]) == 2
    assert before["testimonies.HistoricalTestimony"], "history is part of what is backed up"
    assert files_before == MEDIA
    assert_private_and_complete(archive_of_world)

    wipe(media_root)
    assert not Testimony.objects.exists()

    output = restore(archive_of_world)

    assert snapshot() == before
    assert files(media_root) == files_before
    assert "4 media files" in output
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
    assert names == {MANIFEST, database} | {f"media/{name}" for name in MEDIA}
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
    """A member that escapes the folder, listed in the manifest: only the safe unpacking stops it."""

    def change(name, data):
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["media"][evil] = {"size": 11, "sha256": "0" * 64}
            return [(name, json.dumps(manifest).encode()), (f"media/{evil}", b"overwritten")]
        return [(name, data)]

    return change


REFUSED_ARCHIVES = [
    (damage_a_media_file, "does not match its checksum"),
    (relabel_as_other_engine, "backup is of a (sqlite|postgresql) database"),
    (smuggle_unlisted("../outside.txt"), "does not list"),
    (smuggle_unlisted("/etc/cron.d/absolute"), "does not list"),
    (smuggle_unlisted("media/../../outside.txt"), "does not list"),
    (smuggle_listed("../../outside.txt"), "cannot be read safely"),
    (smuggle_listed("evidence/../../../outside.txt"), "cannot be read safely"),
]


def test_damaged_foreign_and_hostile_archives_are_refused_before_anything_changes(
    archive_of_world, media_root, tmp_path
):
    before, files_before = snapshot(), files(media_root)
    not_a_backup = tmp_path / "photo.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("photo.jpg"), io.BytesIO(b""))
    cases = [(not_a_backup, "no readable manifest")]
    cases += [(rewrite(archive_of_world, tmp_path, change), match) for change, match in REFUSED_ARCHIVES]

    for archive, match in cases:
        with pytest.raises(CommandError, match=match):
            restore(archive)
        assert snapshot() == before, match
        assert files(media_root) == files_before, match
        assert not (tmp_path / "outside.txt").exists() and not (tmp_path.parent / "outside.txt").exists()


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
