"""Dates as the sources give them on testimonies, publications, sites and site–unit links: entered in EDTF or in
words, kept with their earliest and latest day, and followed by the filters, sorting, exports, API and import."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError

from core.csv_import import import_csv
from core.dates import normalise
from core.roles import EDITOR, REVIEWER
from sites.models import Site, SiteUnit
from testimonies.models import Publication, Testimony
from tests.admin_forms import admin_url, form_data
from tests.factories import (
    CitationFactory,
    PublicationFactory,
    SiteFactory,
    SiteUnitFactory,
    TestimonyFactory,
    UnitFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

D = datetime.date


# --- What a curator may type --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("November 2022", "2022-11"),
        ("early November 2022", "2022-11"),
        ("autumn 2022", "2022-23"),
        ("about November 2022", "2022-11~"),
        ("November 2022 to May 2023", "2022-11/2023-05"),
        ("from autumn 2022 until 2023", "2022-23/2023"),
        ("November 2022 to now", "2022-11/.."),
        ("2022-11-05 - 2023-05", "2022-11-05/2023-05"),
    ],
)
def test_words_for_dates_and_periods_are_stored_as_edtf(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "May 2023 to November 2022",
        "soon to later",
        "2022 to 2023 to 2024",
        # Words the library would read as a day of no known month or year, or a season of no year.
        '"><script>alert(1)</script>',
        "the 1st",
        "spring",
    ],
)
def test_a_period_in_words_that_cannot_be_read_or_runs_backwards_is_refused(typed):
    with pytest.raises(ValidationError):
        normalise(typed)


@pytest.mark.parametrize(
    ("model", "field", "typed", "stored", "earliest", "latest"),
    [
        (Testimony, "events", "early November 2022", "2022-11", D(2022, 11, 1), D(2022, 11, 30)),
        (Publication, "published_on", "autumn 2022", "2022-23", D(2022, 9, 1), D(2022, 11, 30)),
        (Site, "first_reported", "2022?", "2022?", D(2022, 1, 1), D(2022, 12, 31)),
        (Site, "last_reported", "2024-11/..", "2024-11/..", D(2024, 11, 1), None),
        (SiteUnit, "period", "November 2022 to May 2023", "2022-11/2023-05", D(2022, 11, 1), D(2023, 5, 31)),
    ],
)
def test_every_partial_date_keeps_its_earliest_and_latest_day(model, field, typed, stored, earliest, latest):
    factory = {
        Testimony: TestimonyFactory,
        Publication: PublicationFactory,
        Site: SiteFactory,
        SiteUnit: lambda **kw: SiteUnitFactory(site=SiteFactory(), unit=UnitFactory(), **kw),
    }[model]
    record = factory(**{field: ""})
    setattr(record, field, typed)
    record.full_clean()
    record.save()
    record = model.objects.get(pk=record.pk)
    assert getattr(record, field) == stored
    assert (getattr(record, f"{field}_earliest"), getattr(record, f"{field}_latest")) == (earliest, latest)
    assert record.history.latest().__dict__[field] == stored


def test_an_editor_enters_autumn_2022_in_the_admin_and_sees_help_with_examples(client):
    client.force_login(staff_user("curator", EDITOR))
    url = admin_url(Testimony, "add")
    page = client.get(url)
    assert "2022-23 (autumn 2022" in page.content.decode()
    data = form_data(page, Testimony)
    data.update(
        witness_label=["Former detainee"],
        witness_role=[Testimony.WitnessRole.FORMER_DETAINEE],
        quote=["They kept us in the mine."],
        events=["autumn 2022"],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    testimony = Testimony.objects.get()
    assert (testimony.events, testimony.events_earliest, testimony.events_latest) == (
        "2022-23",
        D(2022, 9, 1),
        D(2022, 11, 30),
    )

    data["events"] = ["sometime"]
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "is not a date this archive can read" in str(refused.context["adminform"].form.errors["events"])


# --- Filters and sorting -------------------------------------------------------------------------------------------


@pytest.fixture
def dated():
    return {
        "month": TestimonyFactory(status="published", events="2024-11"),
        "open": TestimonyFactory(status="published", events="2022-11/.."),
        "year": TestimonyFactory(status="published", events="2021?"),
        "undated": TestimonyFactory(status="published", events=""),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_after": "2024-11-20"}, {"month", "open"}),  # a month overlaps a day inside it
        ({"date_before": "2024-11-05"}, {"month", "open", "year"}),
        ({"date_after": "2023-01-01", "date_before": "2023-12-31"}, {"open"}),  # still going on
        ({"date_after": "2021-06-01", "date_before": "2021-06-30"}, {"year"}),
    ],
)
def test_the_period_filter_reads_what_partial_dates_may_mean(client, dated, params, expected):
    response = client.get("/testimonies/", params)
    names = {name for name, record in dated.items() if record in response.context["object_list"]}
    assert names == expected


def test_testimonies_sort_by_the_date_of_the_events(client, dated):
    response = client.get("/testimonies/", {"sort": "events"})
    listed = [record.pk for record in response.context["object_list"]]
    assert listed[:3] == [dated["year"].pk, dated["open"].pk, dated["month"].pk]


def test_sites_sort_by_when_they_were_first_reported(client):
    later = SiteFactory(status="published", first_reported="2024")
    earlier = SiteFactory(status="published", first_reported="2022-23")
    response = client.get("/sites/", {"sort": "first_reported"})
    assert list(response.context["object_list"]) == [earlier, later]


# --- Exports, API, import ------------------------------------------------------------------------------------------


def test_the_exports_give_the_edtf_text_and_its_earliest_and_latest_day(client):
    TestimonyFactory(status="published", events="2022-23")
    SiteFactory(status="published", first_reported="2024-11", last_reported="2025-07-21")
    testimony = next(csv.DictReader(io.StringIO(client.get("/export/testimonies.csv").getvalue().decode())))
    assert (testimony["events"], testimony["events_earliest"], testimony["events_latest"]) == (
        "2022-23",
        "2022-09-01",
        "2022-11-30",
    )
    site = next(csv.DictReader(io.StringIO(client.get("/export/sites.csv").getvalue().decode())))
    assert (site["first_reported"], site["first_reported_earliest"], site["first_reported_latest"]) == (
        "2024-11",
        "2024-11-01",
        "2024-11-30",
    )
    assert site["last_reported"] == "2025-07-21"


def test_the_api_gives_partial_dates_with_their_bounds(client):
    site = SiteFactory(status="published")
    unit = UnitFactory(status="published")
    publication = PublicationFactory(source__status="published", status="published", published_on="2024-11")
    SiteUnitFactory(site=site, unit=unit, period="2022-11/..", publication=publication)
    testimony = TestimonyFactory(status="published", events="2022-11~")
    CitationFactory(testimony=testimony, publication=publication)

    body = client.get(f"/api/testimonies/{testimony.public_id}/").json()
    assert (body["events"], body["events_earliest"], body["events_latest"]) == ("2022-11~", "2022-11-01", "2022-11-30")
    link = client.get(f"/api/sites/{site.slug}/").json()["units"][0]
    assert (link["period"], link["period_earliest"], link["period_latest"]) == ("2022-11/..", "2022-11-01", None)
    assert link["publication"]["published_on"] == "2024-11"
    assert link["publication"]["published_on_earliest"] == "2024-11-01"


def test_the_csv_import_reads_dates_in_words_and_refuses_unreadable_ones():
    reviewer = staff_user("curator", REVIEWER)
    header = ["id", "witness_label", "witness_role", "quote", "events"]
    good = import_csv("testimonies", to_csv(header, ["", "Witness", "relative", "A quote.", "autumn 2022"]), reviewer)
    assert good.applied, good.problems
    assert Testimony.objects.get().events == "2022-23"
    bad = import_csv("testimonies", to_csv(header, ["", "Other", "relative", "Another.", "sometime"]), reviewer)
    assert not bad.applied
    assert [problem.column for problem in bad.problems] == ["events"]


def to_csv(header, *rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([header, *rows])
    return buffer.getvalue()
