"""Helpers for the data migrations that turned plain date columns into partial dates (core.dates).

Kept apart from core.dates so that a migration's meaning never changes with the models: it only reads plain values.
"""

import datetime

# How a plain date is written at a precision the old `events_precision` field recorded.
FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y", "approximate": "%Y-%m-%d"}


def date_text(day: datetime.date | None, precision: str = "day") -> str:
    if day is None:
        return ""
    text = day.strftime(FORMATS.get(precision, FORMATS["day"]))
    return f"{text}~" if precision == "approximate" else text


def period_text(start: datetime.date | None, end: datetime.date | None, precision: str = "day") -> str:
    """EDTF for a period given as two plain dates (either may be None: an open end) at one precision.

    "2024-11-01".."2024-11-30" at month precision is the month "2024-11", not a period of two months.
    """
    first, last = date_text(start, precision), date_text(end, precision)
    if first and last:
        return first if first == last else f"{first}/{last}"
    if first:
        return f"{first}/.."
    if last:
        return f"../{last}"
    return ""
