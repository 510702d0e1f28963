"""Ids from outside (form fields, CSV cells, checkboxes) that cannot be a record id are no id, never an exception."""

import pytest

from core.ids import MAX_RECORD_ID, record_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), (str(MAX_RECORD_ID), MAX_RECORD_ID), (5, 5)],
)
def test_a_record_id_is_a_positive_number_the_id_column_holds(value, expected):
    assert record_id(value) == expected


@pytest.mark.parametrize("value", ["", "0", "-1", "1.5", "abc", "²", "١٢", str(MAX_RECORD_ID + 1), "9" * 30, None])
def test_anything_else_is_no_record_id(value):
    assert record_id(value) is None
