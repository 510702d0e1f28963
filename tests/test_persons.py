"""Who was in command: persons, their postings, units' parents over time, the chain of command at the time of the
events, the persons a testimony names, and merging two persons who turn out to be one."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.curation import PublicationStatus
from core.dates import bounds, normalise
from core.merge import merge_records
from core.roles import EDITOR, REVIEWER
from tests.factories import (
    PersonAliasFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    TestimonyFactory,
    TestimonyPersonFactory,
    UnitFactory,
    UnitParentFactory,
    UserFactory,
)
from units.command import COVERS, PARTLY, UNKNOWN, chains_of_command
from units.models import Person, Posting, Unit, UnitParent

pytestmark = pytest.mark.django_db

D = datetime.date


# --- Dates as the sources give them ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored", "earliest", "latest"),
    [
        ("2022-11", "2022-11", D(2022, 11, 1), D(2022, 11, 30)),
        ("November 2022", "2022-11", D(2022, 11, 1), D(2022, 11, 30)),
        ("2022-23", "2022-23", D(2022, 9, 1), D(2022, 11, 30)),
        ("autumn 2022", "2022-23", D(2022, 9, 1), D(2022, 11, 30)),
        ("2022-11~", "2022-11~", D(2022, 11, 1), D(2022, 11, 30)),
        ("2022?", "2022?", D(2022, 1, 1), D(2022, 12, 31)),
        ("2022-11-05/2023-05", "2022-11-05/2023-05", D(2022, 11, 5), D(2023, 5, 31)),
        ("2022-11/..", "2022-11/..", D(2022, 11, 1), None),
        ("", "", None, None),
    ],
)
def test_dates_are_kept_as_the_sources_give_them(typed, stored, earliest, latest):
    assert normalise(typed) == stored
    assert bounds(stored) == (earliest, latest)


@pytest.mark.parametrize("typed", ["soon", "2023-13", "2024/2022", "x" * 500, "2022-11-31"])
def test_an_unreadable_date_or_a_backwards_period_is_refused_with_a_message(typed):
    with pytest.raises(ValidationError) as refusal:
        normalise(typed)
    assert refusal.value.messages[0]


# --- The chain of command ----------------------------------------------------------------------------------------


@pytest.fixture
def hierarchy():
    publication = PublicationFactory(title="Hidden prisons")
    division = UnitFactory(name="47th Division", slug="47th", kind=Unit.Kind.DIVISION)
    brigade = UnitFactory(name="123rd Brigade", slug="123rd", parent=division)
    other_division = UnitFactory(name="20th Division", slug="20th", kind=Unit.Kind.DIVISION)
    battalion = UnitFactory(name="1st Battalion", slug="1st-bn", unit_number="40463", parent=brigade)
    UnitParentFactory(unit=battalion, parent=brigade, period="2022/..", publication=publication)
    # The brigade changed division in mid-2023.
    UnitParentFactory(unit=brigade, parent=other_division, period="2022/2023-06", publication=publication)
    UnitParentFactory(unit=brigade, parent=division, period="2023-07/..", publication=publication)
    korchagin = PersonFactory(name="Alexei Korchagin", slug="korchagin")
    PersonAliasFactory(person=korchagin, name="Cap")
    PostingFactory(person=korchagin, unit=battalion, period="2023-01/2024-12", publication=publication)
    PostingFactory(person=PersonFactory(name="Earlier commander"), unit=battalion, period="2021/2022-12")
    PostingFactory(person=PersonFactory(name="Undated deputy"), unit=battalion, role="deputy_commander")
    PostingFactory(person=PersonFactory(name="Division commander"), unit=division, period="2023-05/2024-02")
    return {"battalion": battalion, "brigade": brigade, "division": division, "other": other_division}


def summary(chain):
    return [
        (step.unit.slug, [(dated.record.person.name, dated.fit) for dated in step.postings]) for step in chain.steps
    ]


def test_the_chain_at_the_time_follows_the_hierarchy_and_postings_of_that_time(hierarchy):
    [chain] = chains_of_command([hierarchy["battalion"]], D(2024, 1, 5), D(2024, 1, 20))
    assert summary(chain) == [
        ("1st-bn", [("Alexei Korchagin", COVERS), ("Undated deputy", UNKNOWN)]),
        ("123rd", []),
        ("47th", [("Division commander", COVERS)]),
    ]
    [earlier] = chains_of_command([hierarchy["battalion"]], D(2022, 10, 1), D(2022, 10, 2))
    assert [step.unit.slug for step in earlier.steps] == ["1st-bn", "123rd", "20th"]
    assert ("Earlier commander", COVERS) in summary(earlier)[0][1]


def test_a_posting_that_only_partly_overlaps_the_events_says_so(hierarchy):
    [chain] = chains_of_command([hierarchy["battalion"]], D(2022, 12, 1), D(2023, 2, 1))
    fits = dict(summary(chain)[0][1])
    assert fits == {"Alexei Korchagin": PARTLY, "Earlier commander": PARTLY, "Undated deputy": UNKNOWN}


def test_hidden_postings_units_and_persons_never_enter_a_chain(hierarchy):
    hierarchy["division"].status = PublicationStatus.WITHHELD
    hierarchy["division"].save()
    Person.objects.filter(name="Undated deputy").update(status=PublicationStatus.DRAFT)
    [chain] = chains_of_command([hierarchy["battalion"]], D(2024, 1, 5), D(2024, 1, 20))
    assert summary(chain) == [("1st-bn", [("Alexei Korchagin", COVERS)]), ("123rd", [])]
    assert chains_of_command([hierarchy["division"]]) == []


def test_the_chain_costs_a_query_per_level_not_per_record(hierarchy, django_assert_max_num_queries):
    for number in range(20):
        PostingFactory(unit=hierarchy["battalion"], period="2023/2024", person=PersonFactory(name=f"Officer {number}"))
    # The public units; level 1 (both units have dated links): one query; level 2 (the division, with none): its
    # links and its present parent; the postings and their persons' aliases.
    with django_assert_max_num_queries(1 + 1 + 2 + 2):
        chains = chains_of_command([hierarchy["battalion"], hierarchy["brigade"]], D(2024, 1, 5), D(2024, 1, 20))
        for chain in chains:
            for step in chain.steps:
                for dated in step.postings:
                    assert dated.record.person.display_name


def test_a_unit_cannot_become_its_own_ancestor(hierarchy):
    link = UnitParent(unit=hierarchy["division"], parent=hierarchy["battalion"], period="2024")
    with pytest.raises(ValidationError) as refusal:
        link.full_clean()
    assert "own ancestor" in refusal.value.message_dict["parent"][0]
    hierarchy["division"].parent = hierarchy["battalion"]
    with pytest.raises(ValidationError):
        hierarchy["division"].full_clean()


# --- The pages ----------------------------------------------------------------------------------------------------


def test_the_testimony_page_shows_who_was_in_command_with_source_and_confidence(client, hierarchy):
    testimony = TestimonyFactory(units=[hierarchy["battalion"]], events="2024-01-05/2024-01-20")
    korchagin = Person.objects.get(slug="korchagin")
    TestimonyPersonFactory(testimony=testimony, person=korchagin, role="perpetrator", confidence="low")
    html = client.get(testimony.get_absolute_url()).content.decode()
    assert "1st Battalion</a> (unit 40463)" in html
    assert f'commander <a href="{korchagin.get_absolute_url()}">Alexei Korchagin (“Cap”)</a>' in html
    assert "according to" in html and "Hidden prisons" in html and "confidence: Medium" in html
    assert "Undated deputy" in html and "its period is not recorded" in html
    assert "Earlier commander" not in html
    assert "named as perpetrator" in html


def test_the_site_page_shows_the_chain_for_the_period_a_reader_chooses(client, hierarchy):
    site = SiteFactory(slug="pit")
    SiteUnitFactory(site=site, unit=hierarchy["battalion"])
    html = client.get(site.get_absolute_url(), {"start": "2022-10-01", "end": "2022-10-02"}).content.decode()
    assert "Earlier commander" in html and "Alexei Korchagin" not in html and "20th Division" in html
    refused = client.get(site.get_absolute_url(), {"start": "2023-10-01", "end": "2022-10-02"})
    assert refused.status_code == 200 and "The end date cannot be before the start date." in refused.content.decode()


def test_the_person_page_lists_postings_sites_of_their_units_then_and_testimonies(client, hierarchy):
    korchagin = Person.objects.get(slug="korchagin")
    site_then = SiteFactory(name="Coal mine", slug="mine")
    site_later = SiteFactory(name="Later basement", slug="later")
    SiteUnitFactory(site=site_then, unit=hierarchy["battalion"], period="2023-03-01/2023-09-01")
    SiteUnitFactory(site=site_later, unit=hierarchy["battalion"], period="2025-06-01/..")
    testimony = TestimonyFactory(witness_label="Soldier who served under Cap")
    TestimonyPersonFactory(testimony=testimony, person=korchagin, role="commander")
    TestimonyPersonFactory(testimony=TestimonyFactory(status="draft", witness_label="Draft account"), person=korchagin)
    html = client.get(korchagin.get_absolute_url()).content.decode()
    assert "1st Battalion" in html and "January 2023 – December 2024" in html
    assert site_then.get_absolute_url() in html and site_later.get_absolute_url() not in html
    assert testimony.get_absolute_url() in html and "Draft account" not in html


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.REVIEW, PublicationStatus.WITHHELD])
def test_a_hidden_person_has_no_page_and_shows_nowhere(client, hierarchy, status):
    hidden = PersonFactory(name="Zqxhidden officer", slug="zqx", status=status)
    PostingFactory(person=hidden, unit=hierarchy["battalion"])
    TestimonyPersonFactory(person=hidden, testimony=TestimonyFactory(units=[hierarchy["battalion"]]))
    assert client.get(hidden.get_absolute_url()).status_code == 404
    for url in ("/persons/", "/export/persons.csv", "/export/postings.csv", hierarchy["battalion"].get_absolute_url()):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Zqxhidden" not in body and b"zqx" not in body, url


def test_the_api_gives_a_person_with_public_postings_and_the_testimonies_that_name_them(client, hierarchy):
    korchagin = Person.objects.get(slug="korchagin")
    hidden_unit = UnitFactory(name="Zqxhidden unit", status=PublicationStatus.DRAFT)
    PostingFactory(person=korchagin, unit=hidden_unit)
    named = TestimonyFactory(witness_label="Soldier who served under Cap")
    TestimonyPersonFactory(testimony=named, person=korchagin, role="commander")
    TestimonyPersonFactory(testimony=TestimonyFactory(status="draft"), person=korchagin)
    body = client.get("/api/persons/korchagin/").json()
    assert body["name"] == "Alexei Korchagin" and body["call_signs"] == ["Cap"]
    assert [(posting["unit"]["slug"], posting["period"]) for posting in body["postings"]] == [
        ("1st-bn", "2023-01/2024-12")
    ]
    listed = client.get(body["testimonies"]).json()
    assert [row["witness_label"] for row in listed["results"]] == ["Soldier who served under Cap"]
    testimony_list = client.get(reverse("testimonies:testimony_list"), {"person": "korchagin"})
    assert list(testimony_list.context["object_list"]) == [named]
    assert client.get("/api/persons/", {"unit": "1st-bn", "role": "commander"}).json()["count"] == 2


def test_the_person_list_filters_by_unit_role_and_period(client, hierarchy):
    url = reverse("units:person_list")

    def names(**params):
        return sorted(person.name for person in client.get(url, params).context["object_list"])

    assert names(unit="1st-bn", role="commander") == ["Alexei Korchagin", "Earlier commander"]
    assert names(role="deputy_commander") == ["Undated deputy"]
    assert names(period_after="2024-01-01", period_before="2024-01-31") == [
        "Alexei Korchagin",
        "Division commander",
        "Undated deputy",
    ]
    assert names(q="Cap") == ["Alexei Korchagin"]
    assert names(q="Корчагин") == ["Alexei Korchagin"]  # transliterated, it is the Latin name
    assert names(q="Капитан") == []
    PersonAliasFactory(person=Person.objects.get(slug="korchagin"), name="Капитан", kind="call_sign")
    assert names(q="Капитан") == ["Alexei Korchagin"]


def test_persons_and_postings_exports_join_on_ids_with_the_unit_and_testimony_exports(client, hierarchy):
    testimony = TestimonyFactory(units=[hierarchy["battalion"]])
    TestimonyPersonFactory(testimony=testimony, person=Person.objects.get(slug="korchagin"))
    PersonAliasFactory(person=Person.objects.get(slug="korchagin"), name="Алексей Корчагин", kind="original")

    def rows(name):
        response = client.get(reverse(name))
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    persons = {row["slug"]: row for row in rows("units:person_export")}
    postings = rows("units:posting_export")
    units = {row["slug"] for row in rows("units:unit_export")}
    testimonies = {row["id"] for row in rows("testimonies:testimony_export")}
    # Both columns from one reading of the aliases (core.csv_export.Packed): the call signs are those of that kind.
    assert persons["korchagin"]["call_signs"] == "Cap"
    assert sorted(persons["korchagin"]["aliases"].split("; ")) == ["Cap", "Алексей Корчагин"]
    assert persons["korchagin"]["testimony_ids"] == testimony.public_id and testimony.public_id in testimonies
    assert {row["person_slug"] for row in postings} <= set(persons)
    assert {row["unit_slug"] for row in postings} <= units
    posting = next(row for row in postings if row["person_slug"] == "korchagin")
    assert (posting["period"], posting["period_earliest"], posting["period_latest"]) == (
        "2023-01/2024-12",
        "2023-01-01",
        "2024-12-31",
    )
    assert posting["publication_id"]


# --- Merging ------------------------------------------------------------------------------------------------------


def test_merging_two_persons_keeps_every_posting_link_and_history_and_redirects(client, hierarchy):
    reviewer = UserFactory(is_superuser=True)
    korchagin = Person.objects.get(slug="korchagin")
    duplicate = PersonFactory(name="A. Korchagin", slug="a-korchagin")
    PersonAliasFactory(person=duplicate, name="Капитан")
    PostingFactory(person=duplicate, unit=hierarchy["brigade"], role="officer")
    testimony = TestimonyFactory()
    TestimonyPersonFactory(testimony=testimony, person=duplicate, role="commander")
    TestimonyPersonFactory(testimony=testimony, person=korchagin, role="commander")  # the same link twice after
    duplicate_id, duplicate_history = duplicate.pk, duplicate.history.count()

    merge_records(korchagin, duplicate, reviewer, reason="The same officer.")

    assert not Person.objects.filter(pk=duplicate_id).exists()
    assert set(korchagin.postings.values_list("unit__slug", flat=True)) == {"1st-bn", "123rd"}
    assert set(korchagin.aliases.values_list("name", flat=True)) == {"Cap", "Капитан", "A. Korchagin"}
    assert korchagin.testimony_links.get().testimony == testimony
    assert Person.history.filter(id=duplicate_id).count() == duplicate_history + 1
    assert "A. Korchagin" in korchagin.history.first().history_change_reason
    assert Person.objects.public().search("Капитан").get() == korchagin
    response = client.get("/persons/a-korchagin/")
    assert response.status_code == 301 and response["Location"] == korchagin.get_absolute_url()


def test_a_person_merged_into_itself_or_by_an_editor_is_refused_and_nothing_changes(hierarchy):
    korchagin = Person.objects.get(slug="korchagin")
    with pytest.raises(ValidationError):
        merge_records(korchagin, korchagin, UserFactory(is_superuser=True))
    with pytest.raises(PermissionDenied):
        merge_records(korchagin, PersonFactory(), UserFactory(username="editor"))
    with pytest.raises(ValidationError):
        merge_records(korchagin, hierarchy["battalion"], UserFactory(is_superuser=True))
    assert Posting.objects.count() == 4 and Person.objects.count() == 5


def test_a_reviewer_merges_two_persons_from_the_admin_after_a_confirmation(client, hierarchy):
    korchagin = Person.objects.get(slug="korchagin")
    duplicate = PersonFactory(name="A. Korchagin", slug="a-korchagin")
    PostingFactory(person=duplicate, unit=hierarchy["brigade"])
    url = reverse("admin:units_person_changelist")
    selection = {"action": "merge_selected", "_selected_action": [korchagin.pk, duplicate.pk]}
    editor = UserFactory(username="editor")
    editor.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(editor)
    assert "merge_selected" not in client.get(url).context["action_form"].fields["action"].choices.__repr__()
    reviewer = UserFactory(username="reviewer")
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    client.force_login(reviewer)
    confirmation = client.post(url, selection)
    assert confirmation.status_code == 200 and "cannot be undone" in confirmation.content.decode()
    assert Person.objects.filter(pk=duplicate.pk).exists()
    refused = client.post(url, {**selection, "confirm_merge": "yes", "keep": str(korchagin.pk), "reason": ""})
    assert refused.status_code == 200 and Person.objects.filter(pk=duplicate.pk).exists()
    done = client.post(url, {**selection, "confirm_merge": "yes", "keep": str(korchagin.pk), "reason": "Same man."})
    assert done.status_code == 302
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    assert korchagin.postings.filter(unit=hierarchy["brigade"]).exists()
    only_one = client.post(url, {"action": "merge_selected", "_selected_action": [korchagin.pk]}, follow=True)
    assert "Select exactly two records to merge." in only_one.content.decode()
