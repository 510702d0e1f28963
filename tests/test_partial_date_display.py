"""Stored EDTF dates read as words on the public pages, in the reader's language (core/templatetags/partial_dates)."""

import pytest
from django.utils import translation

from core.templatetags.partial_dates import partial_date


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("2019", "2019"),
        ("2019-02", "February 2019"),
        ("2025-07-21", "July 21, 2025"),
        ("2022-23", "autumn 2022"),
        ("2024~", "2024 (approximate)"),
        ("2024-03?", "March 2024 (uncertain)"),
        ("2022/2024-04", "2022 – April 2024"),
        ("2022-11/..", "from November 2022"),
        ("../2024-06", "until June 2024"),
        ("", ""),
        ("2022-99", "2022-99"),  # not a form it knows: shown as stored, never hidden
        ("[2022, 2024]", "[2022, 2024]"),
    ],
)
def test_a_partial_date_reads_as_words(stored, read):
    with translation.override("en"):
        assert partial_date(stored) == read


def test_a_partial_date_reads_in_the_pages_language():
    with translation.override("nl"):
        assert partial_date("2019-02") == "februari 2019"
        assert partial_date("2022-11/..").startswith("vanaf")
    with translation.override("ru"):
        assert "2019" in partial_date("2019-02") and "Февраль" in partial_date("2019-02")


@pytest.mark.django_db
def test_every_public_page_reads_partial_dates_as_words(client):
    """Site reporting dates, site–unit and posting periods, unit parents and publication dates: words, not EDTF."""
    from tests.factories import (
        CitationFactory,
        PersonFactory,
        PostingFactory,
        PublicationFactory,
        SiteFactory,
        SiteUnitFactory,
        TestimonyFactory,
        UnitFactory,
        UnitParentFactory,
    )

    publication = PublicationFactory(published_on="2024-10")
    site = SiteFactory(first_reported="2022-23", last_reported="2024-03")
    unit, parent = UnitFactory(), UnitFactory()
    SiteUnitFactory(site=site, unit=unit, publication=publication, period="2022-11/..")
    UnitParentFactory(unit=unit, parent=parent, publication=publication, period="2019/2024-04")
    person = PersonFactory()
    PostingFactory(unit=unit, person=person, publication=publication, period="2023-05")
    site.reported_in.add(publication)
    CitationFactory(testimony=TestimonyFactory(sites=[site]), publication=publication)
    pages = {
        site.get_absolute_url(): ["autumn 2022", "March 2024", "from November 2022", "October 2024"],
        unit.get_absolute_url(): ["2019 – April 2024", "May 2023"],
        person.get_absolute_url(): ["May 2023"],
        publication.source.get_absolute_url(): ["October 2024"],
    }
    for url, words in pages.items():
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for text in words:
            assert text in page, (url, text)
        for stored in ("2022-23", "2022-11/..", "2019/2024-04"):
            assert stored not in page, (url, stored)
