"""Migrations keep working on a database that an earlier release created.

The database is taken back to the migrations of an earlier release, filled through the historical models of that
state (as that release's code would have written it), then migrated forward to today's code.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from sites.models import Site as CurrentSite
from testimonies.models import Testimony as CurrentTestimony
from units.models import Person, UnitParent
from units.models import Unit as CurrentUnit

# The last migration of each app when the code was split into layers (core, units, sites, testimonies, archive):
# the state of every database that the releases before it created.
BEFORE_LAYERS = [
    ("testimonies", "0005_evidenceimage"),
    ("sites", "0004_site_search_vector"),
    ("units", "0003_unit_search_vector"),
]

# Each test takes the database back through many migrations and forward again: about a minute.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest_targets():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_a_database_from_before_the_layers_migrates_to_today_with_its_records():
    old = migrate_to(BEFORE_LAYERS)
    Source = old.get_model("testimonies", "Source")
    Publication = old.get_model("testimonies", "Publication")
    Unit = old.get_model("units", "Unit")
    Site = old.get_model("sites", "Site")
    Testimony = old.get_model("testimonies", "Testimony")
    source = Source.objects.create(name="ASTRA", slug="astra", kind="media", status="published")
    publication = Publication.objects.create(source=source, title="Report", status="published")
    division = Unit.objects.create(name="1st Army Corps", slug="1st-corps", kind="division", status="published")
    unit = Unit.objects.create(
        name="5th Brigade",
        slug="5th-brigade",
        kind="brigade",
        status="published",
        parent=division,
        unit_number="08801",
    )
    site = Site.objects.create(
        name="Coal mine", slug="coal-mine", kind="coal_mine", region="Donetsk", territory="occupied_ukraine"
    )
    Commander = old.get_model("units", "Commander")
    cap = Commander.objects.create(
        unit=unit,
        name="Alexei Korchagin",
        call_sign="Cap",
        position="Battalion commander",
        period_start=datetime.date(2023, 1, 1),
        publication=publication,
        confidence="high",
    )
    old.get_model("units", "HistoricalCommander").objects.create(
        id=cap.pk,
        unit_id=unit.pk,
        name=cap.name,
        call_sign="Cap",
        position="Battalion commander",
        period_start=cap.period_start,
        publication_id=publication.pk,
        confidence="high",
        history_date=timezone.now(),
        history_type="+",
        history_change_reason="Added from ASTRA",
    )
    # The same officer typed again on another unit, and once without a call sign.
    Commander.objects.create(unit=division, name="Alexei Korchagin", position="Deputy commander")
    testimony = Testimony.objects.create(witness_label="Daniil", witness_role="former_detainee", quote="…")
    testimony.sites.add(site)
    testimony.units.add(unit)
    site.reported_in.add(publication)

    migrate_to(latest_targets())

    migrated = CurrentTestimony.objects.get(witness_label="Daniil")
    assert CurrentUnit.objects.public().search("в/ч 08801").get().slug == "5th-brigade"
    assert CurrentSite.objects.search("coal").get().slug == "coal-mine"
    korchagin = Person.objects.get()
    assert (korchagin.name, korchagin.call_signs, korchagin.status) == ("Alexei Korchagin", ["Cap"], "published")
    postings = {posting.unit.slug: posting for posting in korchagin.postings.all()}
    assert postings["5th-brigade"].role == "commander" and postings["5th-brigade"].period == "2023-01-01/.."
    assert (postings["5th-brigade"].publication.title, postings["5th-brigade"].confidence) == ("Report", "high")
    assert postings["1st-corps"].role == "deputy_commander"
    assert postings["5th-brigade"].history.get().history_change_reason == "Added from ASTRA"
    assert Person.objects.public().search("Cap").get() == korchagin
    assert UnitParent.objects.get().parent.slug == "1st-corps"
    assert list(migrated.sites.values_list("slug", flat=True)) == ["coal-mine"]
    assert list(migrated.units.values_list("slug", flat=True)) == ["5th-brigade"]
    assert CurrentSite.objects.get(slug="coal-mine").reported_in.get().title == "Report"


def test_the_models_need_no_migration_that_is_not_written():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_plain_dates_become_partial_dates_in_records_and_their_history():
    old = migrate_to([("testimonies", "0009_restricted_fields_access_log"), ("sites", "0005_site_aliases")])
    source = old.get_model("testimonies", "Source").objects.create(name="ASTRA", slug="astra", kind="media")
    publication = old.get_model("testimonies", "Publication").objects.create(
        source=source, title="Report", published_on=datetime.date(2025, 7, 21)
    )
    Testimony = old.get_model("testimonies", "Testimony")
    month = Testimony.objects.create(
        witness_label="Novosibirsk",
        witness_role="other",
        quote="…",
        events_start=datetime.date(2024, 11, 1),
        events_end=datetime.date(2024, 11, 30),
        events_precision="month",
    )
    Testimony.objects.create(
        witness_label="Frolov",
        witness_role="relative",
        quote="…",
        events_start=datetime.date(2022, 1, 1),
        events_end=datetime.date(2024, 4, 30),
        events_precision="month",
    )
    Testimony.objects.create(
        witness_label="Open", witness_role="other", quote="…", events_start=datetime.date(2023, 5, 2)
    )
    old.get_model("testimonies", "HistoricalTestimony").objects.create(
        id=month.pk,
        witness_label="Novosibirsk",
        witness_role="other",
        quote="…",
        quote_language="ru",
        verification="unverified",
        status="draft",
        version=1,
        created_at=timezone.now(),
        updated_at=timezone.now(),
        events_start=datetime.date(2024, 11, 1),
        events_end=datetime.date(2024, 11, 30),
        events_precision="month",
        history_date=timezone.now(),
        history_type="+",
    )
    site = old.get_model("sites", "Site").objects.create(
        name="Mine",
        slug="mine",
        kind="coal_mine",
        region="Donetsk",
        territory="occupied_ukraine",
        first_reported=datetime.date(2024, 5, 1),
    )
    unit = old.get_model("units", "Unit").objects.create(name="5th Brigade", slug="5th", kind="brigade")
    old.get_model("sites", "SiteUnit").objects.create(
        site=site, unit=unit, role="operated", period_start=datetime.date(2023, 3, 1)
    )

    migrate_to(latest_targets())

    from sites.models import SiteUnit
    from testimonies.models import Publication

    events = {t.witness_label: (t.events, t.events_earliest, t.events_latest) for t in CurrentTestimony.objects.all()}
    assert events == {
        "Novosibirsk": ("2024-11", datetime.date(2024, 11, 1), datetime.date(2024, 11, 30)),
        "Frolov": ("2022-01/2024-04", datetime.date(2022, 1, 1), datetime.date(2024, 4, 30)),
        "Open": ("2023-05-02/..", datetime.date(2023, 5, 2), None),
    }
    assert CurrentTestimony.history.get().events == "2024-11"
    migrated = Publication.objects.get(pk=publication.pk)
    assert (migrated.published_on, migrated.published_on_earliest) == ("2025-07-21", datetime.date(2025, 7, 21))
    assert CurrentSite.objects.get().first_reported == "2024-05-01"
    link = SiteUnit.objects.get()
    assert (link.period, link.period_earliest, link.period_latest) == (
        "2023-03-01/..",
        datetime.date(2023, 3, 1),
        None,
    )


def test_existing_testimonies_and_images_get_public_ids_and_keep_their_numbered_addresses():
    """The data migration of public ids (testimonies 0011-0013, core.public_ids) fills every existing row and its
    history, each with an id of its own, and only those rows answer at their old numbered address."""
    old = migrate_to([("testimonies", "0010_partial_dates")])
    Testimony = old.get_model("testimonies", "Testimony")
    testimonies = [
        Testimony.objects.create(witness_label=f"Witness {n}", witness_role="other", quote="…") for n in range(3)
    ]
    now = timezone.now()
    History = old.get_model("testimonies", "HistoricalTestimony")
    common = {"witness_role": "other", "quote": "…", "quote_language": "ru", "verification": "unverified"}
    common |= {"status": "draft", "version": 1, "created_at": now, "updated_at": now, "consent": "given"}
    for testimony in testimonies[:2]:
        for history_type in ("+", "~"):
            History.objects.create(
                id=testimony.pk, witness_label="x", history_date=now, history_type=history_type, **common
            )
    History.objects.create(id=999, witness_label="deleted", history_date=now, history_type="-", **common)
    image = old.get_model("testimonies", "EvidenceImage").objects.create(
        testimony_id=testimonies[0].pk,
        sha256="0" * 64,
        byte_size=1,
        width=1,
        height=1,
        content_type="image/png",
        display="evidence/a.png",
        thumbnail="evidence/a-thumb.png",
        created_at=now,
        updated_at=now,
    )

    migrate_to(latest_targets())

    from core.public_ids import is_public_id
    from testimonies.models import EvidenceImage

    migrated = list(CurrentTestimony.objects.order_by("pk"))
    ids = [testimony.public_id for testimony in migrated]
    assert all(is_public_id(public_id) for public_id in ids) and len(set(ids)) == 3
    assert all(testimony.has_numbered_url for testimony in migrated)
    for testimony in migrated[:2]:
        assert {version.public_id for version in testimony.history.all()} == {testimony.public_id}
    assert is_public_id(CurrentTestimony.history.get(id=999).public_id)
    assert EvidenceImage.objects.get(pk=image.pk).has_numbered_url
    assert is_public_id(EvidenceImage.objects.get(pk=image.pk).public_id)
    # Made from now on: a public id, and no numbered address.
    new = CurrentTestimony.objects.create(witness_label="New", witness_role="other", quote="…")
    assert is_public_id(new.public_id) and new.public_id not in ids and not new.has_numbered_url
