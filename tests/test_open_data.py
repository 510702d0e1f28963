"""/export/datapackage.json: a Frictionless Data Package generated from the export registry, that the
`frictionless` library validates against a full export, and with whose types pandas loads every file."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import frictionless
import pandas as pd
import pytest
from django.urls import reverse

from archive.open_data import EXPORT_FILES, GEOJSON_FILE_NAME
from core.curation import PublicationStatus
from testimonies.models import Consent, Testimony
from tests.factories import (
    AbuseTypeFactory,
    CitationFactory,
    PersonAliasFactory,
    PersonFactory,
    PostingFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    SourceFactory,
    TestimonyFactory,
    TestimonyPersonFactory,
    UnitFactory,
)
from tests.public_crawl import fetch

pytestmark = pytest.mark.django_db

PANDAS_TYPES = {"integer": "Int64", "number": "Float64", "string": "string", "list": "string"}


@pytest.fixture
def open_world():
    """Records with every kind of value the exports write: negative coordinates, limited consent, partial dates,
    empty cells, lists of numbers, a unit tree, a posting, text that looks like a formula or a number."""
    astra = SourceFactory(slug="astra", name="ASTRA", website="https://astra.example/")
    raam = SourceFactory(slug="raam", name="Platform Raam", website="")
    report = PublicationFactory(source=astra, url="https://astra.example/a")
    article = PublicationFactory(source=raam, url="")
    brigade = UnitFactory(slug="brigade", name="123rd Brigade")
    battalion = UnitFactory(slug="battalion", parent=brigade, unit_number="040463")
    UnitFactory(slug="orphan", parent=UnitFactory(slug="hidden-parent", status=PublicationStatus.DRAFT))
    mine = SiteFactory(slug="mine", latitude=Decimal("48.015900"), longitude=Decimal("-37.802800"))
    basement = SiteFactory(slug="basement", latitude=None, longitude=None, first_reported="2022-11")
    SiteUnitFactory(site=mine, unit=battalion)
    beating = AbuseTypeFactory(slug="beating")
    first = TestimonyFactory(
        sites=[mine, basement],
        units=[battalion],
        abuse_types=[beating],
        witness_label="=1+1",
        quote="42",
        events="2022-11/2023-02",
        given_on=datetime.date(2023, 5, 17),
    )
    TestimonyFactory(sites=[basement], consent=Consent.LIMITED, events="2022-11-05", given_on=None)
    CitationFactory(testimony=first, publication=report)
    CitationFactory(testimony=first, publication=article)
    cap = PersonFactory(slug="korchagin", name="Alexei Korchagin")
    PersonAliasFactory(person=cap, name="Cap", kind="call_sign")
    PostingFactory(person=cap, unit=battalion, publication=report, period="2022/..")
    PostingFactory(person=PersonFactory(slug="other"), unit=brigade, publication=None, period="")
    TestimonyPersonFactory(testimony=first, person=cap, publication=report)


def download_package(client, directory: Path) -> dict:
    """Every file the data package names, downloaded into `directory`, and the package with local paths."""
    package = json.loads(fetch(client, reverse("archive:datapackage")))
    for resource in package["resources"]:
        path = resource["path"]
        assert path.startswith("http://testserver/export/"), path
        local = path.rsplit("/", 1)[1]
        (directory / local).write_text(fetch(client, path.removeprefix("http://testserver")), encoding="utf-8")
        resource["path"] = local
    (directory / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return package


def read_with_declared_types(directory: Path, resource: dict) -> pd.DataFrame:
    """What an analyst does: read a CSV with the column types the package declares, nothing guessed."""
    fields = resource["schema"]["fields"]
    dates = [field["name"] for field in fields if field["type"] == "date"]
    return pd.read_csv(
        directory / resource["path"],
        dtype={field["name"]: PANDAS_TYPES[field["type"]] for field in fields if field["type"] != "date"},
        parse_dates=dates,
        date_format="%Y-%m-%d",
        keep_default_na=False,
        na_values=resource["schema"]["missingValues"],
    )


def test_frictionless_validates_a_full_export(client, open_world, tmp_path):
    download_package(client, tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, [(task.name, error.message) for task in report.tasks for error in task.errors]
    checked = {task.name: task.stats.get("rows") for task in report.tasks}
    assert checked["testimonies"] == 2 and checked["postings"] == 2 and checked["units"] == 3


def test_a_broken_file_fails_the_validation(client, open_world, tmp_path):
    """The validation can fail: a date that is no date, and a posting of a person who is not in persons.csv."""
    download_package(client, tmp_path)
    testimonies = tmp_path / "testimonies.csv"
    testimonies.write_text(testimonies.read_text().replace("2023-05-17", "17 May 2023"), encoding="utf-8")
    postings = tmp_path / "postings.csv"
    postings.write_text(postings.read_text().replace(",korchagin,", ",nobody,"), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    problems = {(task.name, error.type) for task in report.tasks for error in task.errors}
    assert problems == {("testimonies", "type-error"), ("postings", "foreign-key")}


def test_pandas_loads_every_file_with_the_declared_types(client, open_world, tmp_path):
    package = download_package(client, tmp_path)
    frames = {
        resource["name"]: read_with_declared_types(tmp_path, resource)
        for resource in package["resources"]
        if resource["format"] == "csv"
    }
    testimonies = frames["testimonies"].set_index("id")
    first = Testimony.objects.get(witness_label="=1+1")
    assert str(testimonies["given_on"].dtype).startswith("datetime64")
    assert testimonies.loc[first.public_id, "given_on"] == pd.Timestamp(2023, 5, 17)
    assert testimonies.loc[first.public_id, "quote"] == "42", "text that looks like a number stays text"
    assert testimonies["given_on"].isna().sum() == 1
    sites = frames["sites"].set_index("slug")
    assert sites["longitude"].dtype == "Float64" and sites.loc["mine", "longitude"] == -37.8028
    assert pd.isna(sites.loc["basement", "latitude"])
    units = frames["units"].set_index("slug")
    assert units.loc["battalion", "unit_number"] == "040463", "unit numbers keep their leading zero"
    assert units.loc["battalion", "parent_slug"] == "brigade" and pd.isna(units.loc["orphan", "parent_slug"])
    postings = frames["postings"]
    assert postings["publication_id"].dtype == "Int64" and postings["publication_id"].isna().sum() == 1
    assert set(frames) == {export.name for export in EXPORT_FILES}


def test_the_package_describes_every_column_of_every_export(client, open_world):
    package = json.loads(fetch(client, reverse("archive:datapackage")))
    resources = {resource["name"]: resource for resource in package["resources"]}
    for export in EXPORT_FILES:
        fields = resources[export.name]["schema"]["fields"]
        assert [field["name"] for field in fields] == [column.name for column in export.columns]
        assert all(field["description"] for field in fields)
        header = fetch(client, export.url).splitlines()[0]
        assert header.split(",") == [column.name for column in export.columns]
    assert resources["sites-geojson"]["path"] == f"http://testserver/export/{GEOJSON_FILE_NAME}"
    roles = next(field for field in resources["testimonies"]["schema"]["fields"] if field["name"] == "witness_role")
    assert roles["constraints"]["enum"] == list(Testimony.WitnessRole.values)
    assert {"value": "former_detainee", "label": "Former detainee"} in roles["categories"]
    person_key = resources["postings"]["schema"]["foreignKeys"][0]
    assert person_key == {"fields": ["person_slug"], "reference": {"resource": "persons", "fields": ["slug"]}}
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert datetime.datetime.fromisoformat(package["created"])


def test_the_package_names_only_public_sources(client, open_world):
    SourceFactory(name="Zqxhidden source", status=PublicationStatus.DRAFT)
    package = fetch(client, reverse("archive:datapackage"))
    assert "Zqxhidden" not in package
    assert [source["title"] for source in json.loads(package)["sources"]] == ["ASTRA", "Platform Raam"]
