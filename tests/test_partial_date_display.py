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
