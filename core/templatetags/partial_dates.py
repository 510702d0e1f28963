"""`{{ value|partial_date }}`: a stored EDTF date or period (core.dates) as a reader says it, in the page's language.

"2019-02" reads "February 2019", "2022-23" "autumn 2022", "2022/2024-04" "2022 – April 2024", "2022-11/.." "from
November 2022", "2024~" "2024 (approximate)". A form this does not know is shown as stored, never hidden.
"""

import datetime
import re

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()

DATE = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>\d{2}))?(?:-(?P<day>\d{2}))?(?P<qualifier>[~?%]?)$")


def season_name(code: int) -> str | None:
    # EDTF seasons: 21 spring, 22 summer, 23 autumn, 24 winter.
    return {21: _("spring"), 22: _("summer"), 23: _("autumn"), 24: _("winter")}.get(code)


def one_date(text: str) -> str | None:
    """One EDTF date as words, or None when it is not one this knows."""
    match = DATE.match(text)
    if not match:
        return None
    year, part, day, qualifier = (match["year"], match["part"], match["day"], match["qualifier"])
    try:
        if day:
            words = date_format(datetime.date(int(year), int(part), int(day)), "DATE_FORMAT")
        elif part and int(part) <= 12:
            words = date_format(datetime.date(int(year), int(part), 1), "YEAR_MONTH_FORMAT")
        elif part:
            season = season_name(int(part))
            if season is None:
                return None
            words = _("%(season)s %(year)s") % {"season": season, "year": year}
        else:
            words = year
    except ValueError:
        return None
    if qualifier == "~":
        return _("%(date)s (approximate)") % {"date": words}
    if qualifier in ("?", "%"):
        return _("%(date)s (uncertain)") % {"date": words}
    return words


@register.filter
def partial_date(value) -> str:
    text = str(value or "").strip()
    if "/" not in text:
        return one_date(text) or text
    start, _slash, end = text.partition("/")
    if start in ("", "..") and end not in ("", ".."):
        words = one_date(end)
        return _("until %(end)s") % {"end": words} if words else text
    if end in ("", "..") and start not in ("", ".."):
        words = one_date(start)
        return _("from %(start)s") % {"start": words} if words else text
    start_words, end_words = one_date(start), one_date(end)
    if start_words and end_words:
        return f"{start_words} – {end_words}"
    return text
