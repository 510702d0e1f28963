"""When the events of public testimonies happened, counted by month as precisely as their dates are known: the month
chart of the overview (archive/overview.py) and of each site, unit and person page (templatetags/timelines.py).

A month's column counts only the testimonies whose events lie within that month; events known to a year, a season
or some months of one year are counted in a band across that year; the rest (periods across a year's end, open
periods, undated events) in the table only. No bucket is finer than a month, which is what limited consent allows.
"""

import datetime
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import ExtractYear, TruncMonth, TruncYear
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.charts import Bar, MonthChart, month_bounds, month_key

# The precision of a testimony's events, as the month chart draws them.
MONTH, YEAR, ACROSS_YEARS, OPEN, UNDATED = "month", "year", "across_years", "open", "undated"


def events_by_precision(testimonies) -> list[tuple[str, datetime.date | None, int]]:
    """(precision, first day of the month or year, testimonies), in one query: MONTH when the events lie within
    one month (a day, a month, a period inside a month), YEAR when within one year but not one month (a year, a
    season, a period of months), ACROSS_YEARS, OPEN (an open or unknown end) and UNDATED without a date.

    Whole months only: under limited consent the public may know the month of the events, never the day, and no
    bucket here is finer than a month.
    """
    month_start = TruncMonth("events_earliest", output_field=models.DateField())
    month_end = TruncMonth("events_latest", output_field=models.DateField())
    precision = Case(
        When(events_earliest__isnull=True, events_latest__isnull=True, then=Value(UNDATED)),
        When(Q(events_earliest__isnull=True) | Q(events_latest__isnull=True), then=Value(OPEN)),
        When(chart_month_start=F("chart_month_end"), then=Value(MONTH)),
        When(chart_year_start=F("chart_year_end"), then=Value(YEAR)),
        default=Value(ACROSS_YEARS),
        output_field=models.CharField(),
    )
    start = Case(
        When(chart_precision=MONTH, then=F("chart_month_start")),
        When(chart_precision=YEAR, then=TruncYear("events_earliest", output_field=models.DateField())),
        default=None,
        output_field=models.DateField(),
    )
    rows = (
        testimonies.order_by()
        .annotate(
            chart_month_start=month_start,
            chart_month_end=month_end,
            chart_year_start=ExtractYear("events_earliest"),
            chart_year_end=ExtractYear("events_latest"),
        )
        .annotate(chart_precision=precision)
        .annotate(chart_start=start)
        .values_list("chart_precision", "chart_start")
        .annotate(testimonies=Count("pk"))
        .order_by()
    )
    return [(precision, as_date(start), count) for precision, start, count in rows]


def as_date(value) -> datetime.date | None:
    """A date from the database (SQLite may answer a truncated date as text or a datetime)."""
    if value is None or type(value) is datetime.date:
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    return datetime.date.fromisoformat(str(value)[:10])


def number(value: int) -> str:
    """A count in the reader's language's number format."""
    return str(intcomma(value))


def month_chart(numbers: dict, testimony_link: Callable[..., str], title: str = "") -> MonthChart:
    """The month chart of `numbers` ({"total": testimonies, "months": events_by_precision's rows}), each column
    and band linking to `testimony_link(date_after=..., date_before=...)`."""
    total = numbers["total"]
    months, years, others = [], [], {ACROSS_YEARS: 0, OPEN: 0, UNDATED: 0}
    for precision, start, count in numbers["months"]:
        if precision == MONTH and start:
            key = month_key(start)
            first, last = month_bounds(key)
            label = formats.date_format(start, "YEAR_MONTH_FORMAT")
            months.append(Bar(key, label, count, testimony_link(date_after=first, date_before=last)))
        elif precision == YEAR and start:
            label = _("%(year)s, month not known or several months") % {"year": start.year}
            url = testimony_link(date_after=start, date_before=start.replace(month=12, day=31))
            years.append(Bar(str(start.year), label, count, url))
        else:
            others[precision] = others.get(precision, 0) + count
    months.sort(key=lambda bar: bar.key)
    years.sort(key=lambda bar: bar.key)
    other_labels = {
        ACROSS_YEARS: _("Periods across the end of a year"),
        OPEN: _("Open periods (an end not known)"),
        UNDATED: _("No date of the events"),
    }
    other_bars = [Bar(key, other_labels[key], count) for key, count in others.items() if count]
    chart = MonthChart(
        slug="months",
        title=title or _("Testimonies per month of the events"),
        summary="",
        label_header=_("Month or year of the events"),
        count_header=_("Testimonies"),
        bars=months,
        years=years,
        others=other_bars,
        empty_text=_("No public testimonies match these filters."),
        note=_(
            "A column is a month only when the events lie within that month. Events known to the year only (or to a "
            "season, or to a few months of one year) are counted in the band of that year, never as a month; longer, "
            "open and undated periods are counted in the table only. The list a column leads to also holds the "
            "testimonies whose period includes that month."
        ),
    )
    dated = sum(bar.count for bar in (*months, *years))
    if dated:
        span = chart.year_range()
        summary = ngettext(
            "%(dated)s of %(total)s testimony is dated to a month or a year, from %(first)s to %(last)s.",
            "%(dated)s of %(total)s testimonies are dated to a month or a year, from %(first)s to %(last)s.",
            total,
        ) % {"dated": number(dated), "total": number(total), "first": span[0], "last": span[-1]}
        if months:
            busiest = max(months, key=lambda bar: bar.count)
            summary += " " + _("The month with the most: %(month)s (%(count)s).") % {
                "month": busiest.label,
                "count": number(busiest.count),
            }
        chart.summary = summary
    elif total:
        chart.summary = _("None of these testimonies is dated to a month or a year.")
    return chart


def record_timeline(testimonies, parameter: str, slug: str, periods=()) -> MonthChart:
    """The month chart of the public `testimonies` of one site, unit or person (in one query); its columns lead to
    the testimony list filtered by that record (`parameter`=`slug`) and the month. `periods` (core.charts.Period:
    the record's site–unit links or postings) are drawn as spans on the same time axis."""
    rows = events_by_precision(testimonies)
    list_url = reverse("testimonies:testimony_list")

    def link(**params) -> str:
        return f"{list_url}?{urlencode({parameter: slug, **{key: str(value) for key, value in params.items()}})}"

    numbers = {"total": sum(count for _precision, _start, count in rows), "months": rows}
    chart = month_chart(numbers, link, title=_("When the events of its testimonies happened"))
    chart.periods = list(periods)
    if chart.periods:
        chart.title = _("Its testimonies and periods over time")
        chart.note += " " + _(
            "Below the years, the periods of its links to sites or units and of its postings; an end that is open or "
            "not known runs to the edge, dashed."
        )
    return chart
