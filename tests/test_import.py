"""Bulk import from CSV: every error by row and column, all or nothing, no-op re-imports and export round trips,
and the publication rules (an editor's import never publishes)."""

import csv
import datetime
import io
import os
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.csv_export import neutralise_formula, restore_formula
from core.csv_import import import_csv
from core.roles import EDITOR, REVIEWER
from sites.models import Site, SiteUnit
from testimonies.models import AbuseType, Source, Testimony
from tests.admin_forms import admin_url
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    UnitFactory,
    UserFactory,
    staff_user,
    upload,
)
from units.models import Unit

pytestmark = pytest.mark.django_db

MODELS = (Testimony, Site, Unit, Source, SiteUnit)
SITE_HEADER = ["id", "slug", "url", "name", "kind", "region", "territory", "latitude", "longitude", "unit_roles"]


@pytest.fixture
def editor():
    return staff_user("editor", EDITOR)


@pytest.fixture
def reviewer():
    return staff_user("reviewer", REVIEWER)


def csv_text(header, *rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def site_row(slug, name="Basement", kind="basement", territory="russia", latitude="", longitude="", unit_roles=""):
    return ["", slug, f"http://x/sites/{slug}/", name, kind, "Donetsk", territory, latitude, longitude, unit_roles]


def state():
    """Everything an import could change: records with their versions and update times, links and history."""
    return {
        model.__name__: list(model.objects.order_by("pk").values()) + [model.history.count()] for model in MODELS
    } | {
        "testimony_sites": sorted(Testimony.sites.through.objects.values_list("testimony_id", "site_id")),
        "testimony_units": sorted(Testimony.units.through.objects.values_list("testimony_id", "unit_id")),
        "testimony_abuse_types": sorted(
            Testimony.abuse_types.through.objects.values_list("testimony_id", "abusetype_id")
        ),
        "site_publications": sorted(Site.reported_in.through.objects.values_list("site_id", "publication_id")),
    }


def exported(client, kind, **params) -> str:
    response = client.get(f"/export/{kind}.csv", params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


# --- Errors, all at once, and nothing written -----------------------------------------------------------------------


def test_three_bad_rows_among_good_ones_are_all_reported_and_nothing_is_written(reviewer):
    UnitFactory(slug="5th-brigade")
    before = state()
    text = csv_text(
        SITE_HEADER,
        site_row("petrovskaya", "Petrovskaya coal mine", "coal_mine", unit_roles="5th-brigade:operated"),
        site_row("bad-kind", kind="dungeon"),
        site_row("makiivka", "Makiivka former factory", "former_factory"),
        site_row("bad-latitude", latitude="91.5", longitude="37.1"),
        site_row("nizhny", "Weapons store", "weapons_store"),
        site_row("bad-unit", unit_roles="no-such-brigade:operated"),
    )

    result = import_csv("sites", text, reviewer)

    assert [(problem.row, problem.column) for problem in result.problems] == [
        (3, "kind"),
        (5, "latitude"),
        (7, "unit_roles"),
    ]
    assert "not a valid choice" in result.problems[0].message
    assert "no-such-brigade" in result.problems[2].message
    assert not result.applied
    assert state() == before


def test_errors_name_their_row_and_column_in_the_dry_run_too(reviewer):
    text = csv_text(
        ["id", "witness_label", "witness_role", "quote", "given_on"], ["", "", "relative", "q", "2024-02-30"]
    )
    result = import_csv("testimonies", text, reviewer, dry_run=True)
    assert {(problem.row, problem.column) for problem in result.problems} == {(2, "given_on"), (2, "witness_label")}


def test_a_bad_header_is_reported_before_any_row(reviewer):
    text = csv_text(["slug", "name", "nmae", "slug"], ["a", "b", "c", "a"])
    columns = {problem.column for problem in import_csv("sites", text, reviewer).problems}
    assert columns == {"nmae", "slug"}
    assert not Site.objects.exists()


def test_restricted_witness_fields_are_never_imported(reviewer):
    testimony = TestimonyFactory(status="draft", real_name="Hidden Person", contact="hidden@example.org")
    text = csv_text(["id", "witness_label", "real_name"], [testimony.public_id, "Changed", "Forged"])
    result = import_csv("testimonies", text, reviewer)
    assert [(problem.row, problem.column) for problem in result.problems] == [(1, "real_name")]
    assert "never imported" in result.problems[0].message

    text = csv_text(["id", "witness_label"], [testimony.public_id, "Changed"])
    assert import_csv("testimonies", text, reviewer).applied
    testimony.refresh_from_db()
    assert (testimony.witness_label, testimony.real_name, testimony.contact) == (
        "Changed",
        "Hidden Person",
        "hidden@example.org",
    )


# --- All or nothing, in one transaction ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_good_file_is_written_in_one_transaction(reviewer):
    """Every row is saved before anything is committed: one commit, after the last row (each row's own savepoint
    would also be "in an atomic block", so the test watches the commits themselves)."""
    events = []

    def watch(sender, instance, **kwargs):
        events.append(f"save {instance.slug}")
        transaction.on_commit(lambda: events.append(f"commit after {instance.slug}"))

    post_save.connect(watch, sender=Site, dispatch_uid="watch-import")
    try:
        assert not connection.in_atomic_block
        text = csv_text(SITE_HEADER, *(site_row(f"site-{n}", f"Site {n}") for n in range(5)))
        result = import_csv("sites", text, reviewer)
    finally:
        post_save.disconnect(dispatch_uid="watch-import")
    assert result.applied and result.counts["create"] == 5
    assert events == [f"save site-{n}" for n in range(5)] + [f"commit after site-{n}" for n in range(5)]
    for site in Site.objects.all():
        latest = site.history.get()
        assert (latest.history_user, latest.history_change_reason) == (reviewer, "Imported from CSV")
        assert (site.created_by, site.updated_by, site.status) == (reviewer, reviewer, "draft")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_matched_records_are_locked_while_the_import_writes(reviewer):
    """A record the file matches cannot be changed by anyone else until the import is committed, even one whose
    row changes nothing (so it is never written, only locked)."""
    SiteFactory(slug="first", name="First", kind="basement", region="Donetsk", territory="russia")
    SiteFactory(slug="unchanged", name="Unchanged", kind="basement", region="Donetsk", territory="russia")
    seen_from_elsewhere = []

    def try_to_lock(slug):
        try:
            with transaction.atomic():
                Site.objects.select_for_update(nowait=True).get(slug=slug)
            seen_from_elsewhere.append(f"{slug} free")
        except DatabaseError:
            seen_from_elsewhere.append(f"{slug} locked")
        finally:
            connection.close()

    def while_writing(sender, instance, **kwargs):
        if instance.slug == "first":
            other = threading.Thread(target=try_to_lock, args=("unchanged",))  # its own database connection
            other.start()
            other.join()

    post_save.connect(while_writing, sender=Site, dispatch_uid="lock-import")
    try:
        text = csv_text(SITE_HEADER, site_row("first", "First, renamed"), site_row("unchanged", "Unchanged"))
        result = import_csv("sites", text, reviewer)
    finally:
        post_save.disconnect(dispatch_uid="lock-import")
    assert result.applied and result.counts["update"] == 1
    assert seen_from_elsewhere == ["unchanged locked"]
    try_to_lock("unchanged")
    assert seen_from_elsewhere == ["unchanged locked", "unchanged free"]


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_the_last_row_undoes_the_whole_file(reviewer):
    def fail_on_last(sender, instance, **kwargs):
        if instance.slug == "site-4":
            raise RuntimeError("disk full")

    post_save.connect(fail_on_last, sender=Site, dispatch_uid="fail-import")
    try:
        text = csv_text(SITE_HEADER, *(site_row(f"site-{n}") for n in range(5)))
        with pytest.raises(RuntimeError):
            import_csv("sites", text, reviewer)
    finally:
        post_save.disconnect(dispatch_uid="fail-import")
    assert not Site.objects.exists() and not Site.history.exists()


def test_a_database_refusal_of_one_row_is_reported_and_undoes_the_file(reviewer):
    # Two new units with the same number pass each row's checks; the database refuses the second.
    header = ["slug", "name", "kind", "unit_number"]
    text = csv_text(header, ["a", "A", "brigade", "40463"], ["b", "B", "brigade", "40463"])
    result = import_csv("units", text, reviewer)
    assert [problem.row for problem in result.problems] == [3]
    assert not Unit.objects.exists()


def test_a_dry_run_writes_nothing_but_reports_what_would_change(reviewer):
    SiteFactory(slug="known", name="Old name", status="draft")
    before = state()
    text = csv_text(SITE_HEADER, site_row("known", "New name"), site_row("new-one"))
    result = import_csv("sites", text, reviewer, dry_run=True)
    assert not result.problems and not result.applied
    assert [(outcome.row, outcome.action) for outcome in result.outcomes] == [(2, "update"), (3, "create")]
    assert "name" in result.outcomes[0].columns
    assert state() == before


# --- No change, no write ---------------------------------------------------------------------------------------------


def test_a_second_import_of_the_same_file_changes_nothing(reviewer):
    UnitFactory(slug="5th-brigade", status="draft")
    AbuseTypeFactory(slug="beating")
    sites = csv_text(
        SITE_HEADER,
        site_row("petrovskaya", "Petrovskaya", "coal_mine", latitude="47.9784", longitude="-37.6553"),
        site_row("makiivka", "Makiivka", unit_roles="5th-brigade:operated"),
    )
    testimonies = csv_text(
        ["id", "witness_label", "witness_role", "quote", "given_on", "site_slugs", "abuse_type_slugs"],
        ["", "Daniil", "former_detainee", "=They chained us", "2025-07-01", "petrovskaya; makiivka", "beating"],
        ["", "Ivan", "fellow_soldier", "Line one\r\nline two", "", "", ""],
    )
    assert import_csv("sites", sites, reviewer).applied
    assert import_csv("testimonies", testimonies, reviewer).applied
    assert Testimony.objects.get(witness_label="Daniil").quote == "=They chained us"
    before = state()

    for kind, text in (("sites", sites), ("testimonies", testimonies)):
        result = import_csv(kind, text, reviewer)
        assert result.applied and {outcome.action for outcome in result.outcomes} == {"unchanged"}
    assert state() == before


def test_only_changed_rows_are_written(reviewer):
    unchanged = SiteFactory(slug="same", name="Same", kind="basement", region="Donetsk", territory="russia")
    changed = SiteFactory(slug="other", name="Before", kind="basement", region="Donetsk", territory="russia")
    text = csv_text(["slug", "name", "region"], ["same", "Same", "Donetsk"], ["other", "After", "Donetsk"])
    result = import_csv("sites", text, reviewer)
    assert [(outcome.action, outcome.columns) for outcome in result.outcomes] == [
        ("unchanged", []),
        ("update", ["name"]),
    ]
    unchanged_after, changed_after = Site.objects.get(pk=unchanged.pk), Site.objects.get(pk=changed.pk)
    assert (unchanged_after.version, unchanged_after.updated_at) == (unchanged.version, unchanged.updated_at)
    assert (changed_after.name, changed_after.version, changed_after.updated_by) == ("After", 2, reviewer)
    assert changed_after.history.first().history_change_reason == "Imported from CSV"


# --- Round trip: export, import, nothing changes -------------------------------------------------------------------


@pytest.fixture
def world():
    """Published records with every kind of relation, some of them to records that are not public."""
    source = SourceFactory(slug="astra", name="=ASTRA", description="-minus first")
    publication = PublicationFactory(source=source)
    hidden_publication = PublicationFactory(source=source, status="draft")
    division = UnitFactory(slug="47th", kind="division", status="withheld")
    regiment = UnitFactory(slug="272nd", parent=division, unit_number="00123")
    brigade = UnitFactory(slug="5th")
    battalion = UnitFactory(slug="1st-bn", parent=brigade, kind="battalion")
    draft_unit = UnitFactory(slug="draft-unit", status="draft")
    site = SiteFactory(slug="petrovskaya", latitude="47.978400", longitude="-37.655300", description="+plus")
    site.reported_in.add(publication, hidden_publication)
    SiteUnitFactory(site=site, unit=brigade, role="operated", publication=publication, confidence="high")
    SiteUnitFactory(site=site, unit=battalion, role="held_soldiers_of")
    SiteUnitFactory(site=site, unit=draft_unit, role="guarded")
    hidden_site = SiteFactory(slug="hidden", status="review")
    testimony = TestimonyFactory(
        witness_label="@Daniil",
        quote="Строки\r\nс переносом",
        real_name="Secret",
        sites=[site, hidden_site],
        units=[regiment, draft_unit],
        abuse_types=[AbuseTypeFactory(slug="beating")],
        events="2024-01",
    )
    CitationFactory(testimony=testimony, publication=publication)
    return locals()


@pytest.mark.parametrize("kind", ["testimonies", "sites", "units", "sources"])
@pytest.mark.parametrize("role", [REVIEWER, EDITOR])
def test_an_export_imported_again_changes_nothing(client, world, kind, role):
    importer = staff_user(f"{role}-user", role)
    before = state()
    text = exported(client, kind, bom="1")
    assert text.count("\n") > 1
    result = import_csv(kind, text, importer)
    assert result.applied, result.problems
    assert {outcome.action for outcome in result.outcomes} == {"unchanged"}
    assert "url" in result.ignored_columns
    assert state() == before


def test_an_edited_export_changes_what_was_edited_and_keeps_what_the_export_could_not_show(client, world, reviewer):
    text = exported(client, "testimonies")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["site_slugs"] == "petrovskaya" and rows[0]["witness_label"] == "'@Daniil"
    rows[0]["witness_label"] = "'@Daniil, former platoon commander"
    rows[0]["site_slugs"] = ""
    rows[0]["unit_slugs"] = "5th"
    edited = csv_text(list(rows[0]), *[list(row.values()) for row in rows])

    result = import_csv("testimonies", edited, reviewer)

    assert result.applied and result.outcomes[0].columns == ["witness_label", "site_slugs", "unit_slugs"]
    testimony = Testimony.objects.get(pk=world["testimony"].pk)
    assert testimony.witness_label == "@Daniil, former platoon commander"
    # The public site was removed; the site in review and the draft unit, absent from the export, are kept.
    assert set(testimony.sites.values_list("slug", flat=True)) == {"hidden"}
    assert set(testimony.units.values_list("slug", flat=True)) == {"5th", "draft-unit"}
    assert testimony.real_name == "Secret"
    assert testimony.status == "published" and testimony.version == 2


def test_a_site_export_edit_adds_and_removes_public_links_only(client, world, reviewer):
    rows = list(csv.DictReader(io.StringIO(exported(client, "sites"), newline="")))
    assert rows[0]["unit_roles"] == "1st-bn:held_soldiers_of; 5th:operated" or set(
        rows[0]["unit_roles"].split("; ")
    ) == {"1st-bn:held_soldiers_of", "5th:operated"}
    rows[0]["unit_roles"] = "5th:operated; 272nd:guarded"
    rows[0]["publication_ids"] = ""
    assert import_csv("sites", csv_text(list(rows[0]), list(rows[0].values())), reviewer).applied
    links = set(SiteUnit.objects.filter(site=world["site"]).values_list("unit__slug", "role"))
    assert links == {("5th", "operated"), ("272nd", "guarded"), ("draft-unit", "guarded")}
    kept = SiteUnit.objects.get(site=world["site"], unit__slug="5th")
    assert (kept.confidence, kept.publication) == ("high", world["publication"]), "details of kept links stay"
    assert list(world["site"].reported_in.all()) == [world["hidden_publication"]]
    assert SiteUnit.history.filter(history_type="-", unit__slug="1st-bn").get().history_user == reviewer


def test_formula_neutralisation_is_undone_exactly():
    values = ("=1+1", "+7 900", "-minus", "@SUM", "\tx", "\rx", "\nx", "'=quoted", "''=two", "'plain", "plain")
    values += (" =1", "\u00a0=x", "\ufeff@x", "\u200b+x", "' =x", " plain", "' plain")
    for value in values:
        assert restore_formula(neutralise_formula(value)) == value


# --- Relations -------------------------------------------------------------------------------------------------------


def test_parents_may_come_later_in_the_file_and_cycles_are_refused(reviewer):
    header = ["slug", "name", "kind", "parent_slug"]
    text = csv_text(header, ["bn", "Battalion", "battalion", "bde"], ["bde", "Brigade", "brigade", "div"])
    text += "div,Division,division,\r\n"
    result = import_csv("units", text, reviewer)
    assert result.applied, result.problems
    assert Unit.objects.get(slug="bn").parent.parent.slug == "div"
    assert Unit.objects.get(slug="bn").history.count() == 1, "one history row per new unit"

    cycle = csv_text(header, ["div", "Division", "division", "bn"])
    problems = import_csv("units", cycle, reviewer).problems
    assert [(problem.row, problem.column) for problem in problems] == [(2, "parent_slug")]
    assert Unit.objects.get(slug="div").parent is None


def test_an_empty_parent_removes_a_public_parent_but_keeps_a_hidden_one(reviewer):
    public_parent, hidden_parent = UnitFactory(slug="public"), UnitFactory(slug="hidden", status="draft")
    UnitFactory(slug="a", parent=public_parent, status="draft")
    UnitFactory(slug="b", parent=hidden_parent, status="draft")
    assert import_csv("units", csv_text(["slug", "parent_slug"], ["a", ""], ["b", ""]), reviewer).applied
    assert Unit.objects.get(slug="a").parent is None
    assert Unit.objects.get(slug="b").parent == hidden_parent


def test_a_row_without_id_matches_the_same_witness_and_quote(reviewer):
    existing = TestimonyFactory(witness_label="Anna", quote="Video statement", status="draft")
    text = csv_text(["id", "witness_label", "quote", "translation"], ["", "Anna", "Video statement", "New"])
    result = import_csv("testimonies", text, reviewer)
    assert result.applied and result.outcomes[0].action == "update"
    assert Testimony.objects.get().pk == existing.pk
    unknown = csv_text(["id", "witness_label"], ["999999", "Nobody"])
    assert [p.column for p in import_csv("testimonies", unknown, reviewer).problems] == ["id"]


def test_a_version_column_refuses_rows_saved_by_someone_since(reviewer):
    site = SiteFactory(slug="s", name="Mine", status="draft")
    Site.objects.filter(pk=site.pk).update(version=3)
    result = import_csv("sites", csv_text(["slug", "name", "version"], ["s", "Yours", "2"]), reviewer)
    assert [(p.row, p.column) for p in result.problems] == [(2, "version")]
    assert import_csv("sites", csv_text(["slug", "name", "version"], ["s", "Yours", "3"]), reviewer).applied


# --- Who may do what -------------------------------------------------------------------------------------------------


def test_an_editors_import_never_publishes(editor):
    header = ["slug", "name", "kind", "status"]
    result = import_csv(
        "sources", csv_text(header, ["a", "A", "media", "published"], ["b", "B", "ngo", "withheld"]), editor
    )
    assert [(p.row, p.column) for p in result.problems] == [(2, "status"), (3, "status")]
    assert not Source.objects.exists()

    assert import_csv(
        "sources", csv_text(header, ["a", "A", "media", ""], ["b", "B", "ngo", "review"]), editor
    ).applied
    assert dict(Source.objects.values_list("slug", "status")) == {"a": "draft", "b": "review"}
    assert not Source.objects.public().exists()


def test_an_editor_cannot_change_a_published_or_withheld_record_by_import(editor):
    SourceFactory(slug="pub", name="Published", status="published")
    SourceFactory(slug="held", name="Withheld", status="withheld")
    text = csv_text(["slug", "name"], ["pub", "Changed"], ["held", "Changed"])
    result = import_csv("sources", text, editor)
    assert [(p.row, p.column) for p in result.problems] == [(2, ""), (3, "")]
    assert "only reviewers" in result.problems[0].message
    unpublish = import_csv("sources", csv_text(["slug", "status"], ["pub", "draft"]), editor)
    assert [p.column for p in unpublish.problems] == ["status"]
    assert set(Source.objects.values_list("name", "status")) == {("Published", "published"), ("Withheld", "withheld")}


def test_an_editor_links_a_draft_site_to_a_published_unit_by_import(editor):
    """The link is not public until the site is published (issue 20, item 4); the published site stays locked."""
    UnitFactory(slug="published-unit")
    SiteFactory(slug="published-site")
    text = csv_text(
        ["slug", "name", "kind", "region", "territory", "unit_roles"],
        ["new", "New", "pit", "Donetsk", "russia", "published-unit:operated"],
    )
    assert import_csv("sites", text, editor).applied
    assert SiteUnit.objects.get().unit.slug == "published-unit"
    assert not SiteUnit.objects.public().exists()
    text = text.replace("new,New", "published-site,New")
    assert import_csv("sites", text, editor).problems


def test_a_reviewer_imports_published_records_and_is_stamped(reviewer):
    text = csv_text(["slug", "name", "kind", "status"], ["a", "A", "media", "published"])
    assert import_csv("sources", text, reviewer).applied
    source = Source.objects.get()
    assert (source.status, source.published_by, source.created_by) == ("published", reviewer, reviewer)
    assert source.published_at is not None


def test_a_user_without_add_permission_cannot_import_new_records():
    viewer = UserFactory(username="viewer", permissions=["testimonies.view_source"])
    result = import_csv("sources", csv_text(["slug", "name", "kind"], ["a", "A", "media"]), viewer)
    assert [(p.row, p.column) for p in result.problems] == [(2, "")]
    assert not Source.objects.exists()


# --- The command -----------------------------------------------------------------------------------------------------


def test_the_command_imports_reports_and_refuses(tmp_path, reviewer, capsys):
    good = tmp_path / "sources.csv"
    good.write_text(csv_text(["slug", "name", "kind", "status"], ["a", "A", "media", "review"]), encoding="utf-8")
    call_command("import_csv", "sources", str(good), "--dry-run", "--user", "reviewer")
    assert "Dry run, nothing written. 1 rows: 1 to create" in capsys.readouterr().out
    assert not Source.objects.exists()

    call_command("import_csv", "sources", str(good), "--user", "reviewer")
    assert Source.objects.get().created_by == reviewer

    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(["slug", "name", "kind"], ["b", "", "media"], ["c", "C", "blog"]), encoding="utf-8")
    with pytest.raises(CommandError, match="2 errors; nothing was imported"):
        call_command("import_csv", "sources", str(bad))
    errors = capsys.readouterr().err
    assert "row 2, name:" in errors and "row 3, kind:" in errors
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_csv", "sources", str(good), "--user", "nobody")


def test_the_command_without_a_user_may_not_publish(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_text(csv_text(["slug", "name", "kind", "status"], ["a", "A", "media", "published"]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_csv", "sources", str(path))
    assert not Source.objects.exists()


# --- The admin page --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Testimony, Site, Unit, Source])
def test_each_changelist_links_to_its_import_page(client, editor, model):
    client.force_login(editor)
    page = client.get(admin_url(model, "changelist")).content.decode()
    assert f'href="{admin_url(model, "import")}"' in page
    assert client.get(admin_url(model, "import")).status_code == 200


def test_the_import_page_needs_staff_with_permission(client):
    url = admin_url(Source, "import")
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(UserFactory(username="viewer", permissions=["testimonies.view_source"]))
    assert client.get(url).status_code == 403
    assert "Import CSV" not in client.get(admin_url(Source, "changelist")).content.decode()


def test_the_admin_preview_lists_every_error_and_offers_no_apply(client, reviewer):
    client.force_login(reviewer)
    text = csv_text(SITE_HEADER, site_row("ok"), site_row("bad", kind="dungeon"), site_row("worse", territory="mars"))
    response = client.post(admin_url(Site, "import"), {"file": upload(text.encode(), "sites.csv", "text/csv")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>3</td><td>kind</td>" in page and "<td>4</td><td>territory</td>" in page
    assert 'name="apply"' not in page
    assert not Site.objects.exists()


def test_the_admin_previews_then_applies(client, editor):
    client.force_login(editor)
    text = csv_text(SITE_HEADER, site_row("a", "Alpha"), site_row("b", "Beta"))
    preview = client.post(admin_url(Site, "import"), {"file": upload(text.encode(), "sites.csv", "text/csv")})
    page = preview.content.decode()
    assert "2 rows: 2 to create" in page and 'name="apply"' in page
    assert not Site.objects.exists()
    token = preview.context["token"]

    response = client.post(admin_url(Site, "import"), {"apply": "1", "token": token})
    assert response.status_code == 302 and response["Location"] == admin_url(Site, "changelist")
    assert set(Site.objects.values_list("slug", "status", "created_by")) == {
        ("a", "draft", editor.pk),
        ("b", "draft", editor.pk),
    }
    # The previewed file is gone once applied: applying twice does nothing.
    assert client.post(admin_url(Site, "import"), {"apply": "1", "token": token}).status_code == 302
    assert Site.objects.count() == 2


def test_a_preview_token_is_only_good_for_its_own_session(client, editor, reviewer):
    client.force_login(editor)
    text = csv_text(SITE_HEADER, site_row("a", "Alpha"))
    token = client.post(admin_url(Site, "import"), {"file": upload(text.encode(), "s.csv")}).context["token"]
    client.force_login(reviewer)
    client.post(admin_url(Site, "import"), {"apply": "1", "token": token})
    assert not Site.objects.exists()


def test_the_admin_refuses_a_file_that_is_not_utf8(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        admin_url(Source, "import"), {"file": upload("slug,name\nä,b\n".encode("latin-1"), "s.csv")}
    )
    assert "not UTF-8" in response.content.decode()


def test_abuse_types_by_slug_and_unknown_ones_reported(reviewer):
    AbuseTypeFactory(slug="beating")
    text = csv_text(
        ["id", "witness_label", "witness_role", "quote", "abuse_type_slugs"], ["", "W", "other", "Q", "beating; nope"]
    )
    problems = import_csv("testimonies", text, reviewer).problems
    assert [(p.row, p.column) for p in problems] == [(2, "abuse_type_slugs")] and "nope" in problems[0].message
    assert AbuseType.objects.count() == 1 and not Testimony.objects.exists()


def test_the_import_pages_are_reachable_from_the_admin_index_urls():
    assert reverse("admin:testimonies_testimony_import").endswith("/testimonies/testimony/import/")


def test_a_previewed_file_waits_at_most_a_day(client, editor, settings):
    client.force_login(editor)

    def preview(slug):
        text = csv_text(SITE_HEADER, site_row(slug))
        return client.post(admin_url(Site, "import"), {"file": upload(text.encode(), "s.csv")}).context["token"]

    def age(token, hours):
        path = settings.PRIVATE_MEDIA_ROOT / "imports" / f"{token}.csv"
        then = time.time() - hours * 3600
        os.utime(path, (then, then))
        return path

    old, recent = preview("old"), preview("recent")
    old_file, recent_file = age(old, 25), age(recent, 23)
    # An expired preview is not applied, even before anything cleaned it away.
    response = client.post(admin_url(Site, "import"), {"apply": "1", "token": old}, follow=True)
    assert "This preview has expired" in response.content.decode()
    assert not Site.objects.exists() and not old_file.exists()
    # The next preview removes every file older than a day; a younger one waits.
    old = preview("old")
    age(old, 25)
    preview("other")
    assert not (settings.PRIVATE_MEDIA_ROOT / "imports" / f"{old}.csv").exists()
    assert recent_file.exists()
    assert client.post(admin_url(Site, "import"), {"apply": "1", "token": recent}).status_code == 302
    assert list(Site.objects.values_list("slug", flat=True)) == ["recent"]


def test_new_testimonies_are_inserted_together_with_the_same_history_and_links(reviewer):
    """The fast path (CsvImporter.bulk_create): the statements do not grow with the rows, and each record still gets
    its history row with the importing user and reason, its stamps and its links."""
    site, other = SiteFactory(slug="pit"), SiteFactory(slug="mine")
    AbuseTypeFactory(slug="beating")
    header = ["id", "witness_label", "witness_role", "quote", "site_slugs", "abuse_type_slugs"]

    def statements(rows, label):
        text = csv_text(header, *(["", f"{label} {n}", "relative", "q", "pit; mine", "beating"] for n in range(rows)))
        with CaptureQueriesContext(connection) as queries:
            assert import_csv("testimonies", text, reviewer).applied
        return len(queries)

    statements(1, "warm-up")  # the reviewer's permissions are read once
    assert statements(3, "few") == statements(30, "many")
    for testimony in Testimony.objects.all():
        (history,) = testimony.history.all()
        assert (history.history_user, history.history_change_reason) == (reviewer, "Imported from CSV")
        assert (testimony.created_by, testimony.status, testimony.version) == (reviewer, "draft", 1)
        assert set(testimony.sites.all()) == {site, other} and testimony.abuse_types.get().slug == "beating"


def test_changed_testimonies_are_saved_together_with_their_history_versions_and_links(reviewer):
    """Updates take the fast path too (CsvImporter.update_together): the statements do not grow with the rows, and
    each changed record gets its next version, a history row with the importing user and reason, and its new links;
    an unchanged row is left alone."""
    pit, mine = SiteFactory(slug="pit"), SiteFactory(slug="mine")
    header = ["id", "version", "witness_label", "witness_role", "quote", "events", "site_slugs"]

    def statements(count, label):
        testimonies = TestimonyFactory.create_batch(count, sites=[pit], witness_label=label, quote="before")
        rows = [
            [t.public_id, str(t.version), label, t.witness_role, f"after {t.pk}", "November 2022", "mine"]
            for t in testimonies
        ]
        with CaptureQueriesContext(connection) as queries:
            result = import_csv("testimonies", csv_text(header, *rows), reviewer)
        assert result.applied, result.problems
        return len(queries), testimonies

    statements(1, "warm-up")
    few, _ = statements(3, "few")
    many, changed = statements(30, "many")
    assert few == many
    untouched = TestimonyFactory(sites=[pit], quote="kept")
    for testimony in changed:
        testimony.refresh_from_db()
        latest = testimony.history.first()
        assert testimony.quote == f"after {testimony.pk}" and testimony.version == 2
        assert testimony.updated_at > testimony.created_at and testimony.updated_by == reviewer
        assert (testimony.events, testimony.events_earliest) == ("2022-11", datetime.date(2022, 11, 1))
        assert (latest.history_user, latest.history_change_reason, latest.quote) == (
            reviewer,
            "Imported from CSV",
            testimony.quote,
        )
        assert list(testimony.sites.all()) == [mine]
    assert list(untouched.sites.all()) == [pit] and untouched.history.count() == 1


def test_the_admin_import_runs_under_the_import_commands_database_limits(client, editor, monkeypatch):
    """A large file is planned in Python between statements for longer than a web request may sit idle in a
    transaction (PostgreSQL ended the benchmark's 5,000-row update with "idle-in-transaction timeout")."""
    if connection.vendor != "postgresql":
        pytest.skip("the limits are PostgreSQL settings")
    import core.admin_import

    seen = []

    def import_noting_limits(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW idle_in_transaction_session_timeout")
            seen.append(cursor.fetchone()[0])
        return import_csv(*args, **kwargs)

    monkeypatch.setattr(core.admin_import, "import_csv", import_noting_limits)
    client.force_login(editor)
    text = csv_text(SITE_HEADER, site_row("a", "Alpha"))
    token = client.post(admin_url(Site, "import"), {"file": upload(text.encode(), "s.csv")}).context["token"]
    client.post(admin_url(Site, "import"), {"apply": "1", "token": token})
    assert seen == ["0", "0"] and Site.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] != "0"  # the web's own limit is back after the import
