"""Charts drawn on the server as SVG from the site's own templates (templates/includes/bar_chart.html,
templates/includes/month_chart.html).

Why not a charting library such as pygal: it writes a `<style>` element and a `<script>` into every chart, and
the site's Content-Security-Policy (`default-src 'none'; style-src 'self'`, core.security) refuses both; its
tooltips need the script. Here a chart is numbers and geometry computed in Python (this module knows no model),
drawn by a template with SVG attributes (x, y, width, height) and the stylesheet's classes, never a style
attribute. Each chart comes with a title, a one-sentence summary and its numbers as an HTML table with the same
links, so that the SVG itself is decoration for the eye (`aria-hidden`) and nothing is lost without it.
"""

import datetime
from dataclasses import dataclass, field

# Horizontal bar charts, in SVG user units (the SVG scales down to the width of its column).
LABEL_WIDTH = 210
BAR_AREA = 250
VALUE_WIDTH = 60
ROW_HEIGHT = 24
BAR_HEIGHT = 16
# A label longer than this many characters is cut in the SVG (the table beside it gives it whole).
LABEL_CHARACTERS = 28


def shorten(label: str, limit: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    """One number of a chart: `key` identifies it in the data (a slug, a code, a month), `label` names it for
    readers, `url` is the list of the records it counts."""

    key: str
    label: str
    count: int
    url: str = ""


@dataclass(frozen=True)
class DrawnBar:
    bar: Bar
    short_label: str
    y: int
    text_y: int
    width: int
    value_x: int


@dataclass
class Chart:
    """A chart's words and numbers; `kind` chooses the template that draws it."""

    slug: str
    title: str
    summary: str
    label_header: str
    count_header: str
    bars: list[Bar]
    empty_text: str
    note: str = ""
    kind: str = "bar"

    @property
    def is_empty(self) -> bool:
        return not any(bar.count for bar in self.bars)

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    def rows(self) -> list[dict]:
        """The numbers as data (CSV and JSON): one dict per bar."""
        return [{"key": bar.key, "label": bar.label, "count": bar.count, "url": bar.url} for bar in self.bars]


@dataclass
class BarChart(Chart):
    """Horizontal bars, one row each, longest first or in the vocabulary's order."""

    label_width: int = LABEL_WIDTH
    bar_x: int = LABEL_WIDTH + 8
    bar_height: int = BAR_HEIGHT
    width: int = LABEL_WIDTH + 8 + BAR_AREA + VALUE_WIDTH

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 4

    def drawn(self) -> list[DrawnBar]:
        largest = max((bar.count for bar in self.bars), default=0) or 1
        drawn = []
        for index, bar in enumerate(self.bars):
            # A bar of a count above zero is at least one unit wide, so that it is seen.
            width = max(round(BAR_AREA * bar.count / largest), 1 if bar.count else 0)
            drawn.append(
                DrawnBar(
                    bar=bar,
                    short_label=shorten(bar.label),
                    y=index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                    text_y=index * ROW_HEIGHT + ROW_HEIGHT // 2 + 4,
                    width=width,
                    value_x=self.bar_x + width + 4,
                )
            )
        return drawn


# The month chart: one column per month, and below it one band per year for what is known to the year only. The
# columns are as wide as fits about PLOT_WIDTH units, between the two bounds (past them, the chart scrolls).
PLOT_WIDTH = 720
MONTH_STEP_BOUNDS = (6, 24)
MONTH_GAP = 1
MONTH_AREA_HEIGHT = 120
YEAR_BAND_HEIGHT = 22
LANE_LABEL_WIDTH = 170
TOP_MARGIN = 16
# Periods (a unit at a site, a posting) drawn as spans on the same axis, one row each, below the years.
PERIOD_ROW = 22
PERIOD_HEIGHT = 12
PERIOD_LABEL_CHARACTERS = 21


@dataclass(frozen=True)
class DrawnMonth:
    bar: Bar
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class DrawnYear:
    year: int
    bar: Bar | None
    x: int
    width: int
    centre: int


@dataclass(frozen=True)
class Period:
    """A span of time of a related record (a unit at a site, a posting): `start`/`end` are its earliest and latest
    day (None: not known or open), `when` the period as the record states it, for the table."""

    label: str
    start: datetime.date | None
    end: datetime.date | None
    when: str
    url: str = ""

    @property
    def is_dated(self) -> bool:
        return self.start is not None or self.end is not None


@dataclass(frozen=True)
class DrawnPeriod:
    period: Period
    short_label: str
    x: int
    width: int
    y: int
    text_y: int


@dataclass
class MonthChart(Chart):
    """Testimonies per month of the events, drawn as precisely as their dates are known.

    `bars` are the months (key `YYYY-MM`) whose events lie within that month; `years` the years (key `YYYY`)
    whose events lie within that year but not within one month (a year, a season, a period of some months): they
    are drawn as one band across the year, never as a month. `others` are counted in the table only: periods
    that cross a year's end, open periods and undated events.
    """

    years: list[Bar] = field(default_factory=list)
    others: list[Bar] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    kind: str = "month"

    @property
    def is_empty(self) -> bool:
        return not any(bar.count for bar in (*self.bars, *self.years, *self.others))

    @property
    def total(self) -> int:
        return sum(bar.count for bar in (*self.bars, *self.years, *self.others))

    @property
    def has_drawing(self) -> bool:
        return bool(self.bars or self.years or self.dated_periods)

    @property
    def dated_periods(self) -> list[Period]:
        return [period for period in self.periods if period.is_dated]

    def rows(self) -> list[dict]:
        rows = [{**row, "precision": "month"} for row in super().rows()]
        rows += [
            {"key": bar.key, "label": bar.label, "count": bar.count, "url": bar.url, "precision": "year"}
            for bar in self.years
        ]
        rows += [
            {"key": bar.key, "label": bar.label, "count": bar.count, "url": bar.url, "precision": bar.key}
            for bar in self.others
        ]
        return rows

    def year_range(self) -> list[int]:
        years = [int(bar.key[:4]) for bar in (*self.bars, *self.years)]
        years += [day.year for period in self.periods for day in (period.start, period.end) if day]
        return list(range(min(years), max(years) + 1)) if years else []

    @property
    def month_step(self) -> int:
        """The distance from one month's column to the next."""
        low, high = MONTH_STEP_BOUNDS
        return max(low, min(high, PLOT_WIDTH // (12 * max(len(self.year_range()), 1))))

    @property
    def year_width(self) -> int:
        return 12 * self.month_step

    @property
    def width(self) -> int:
        return LANE_LABEL_WIDTH + len(self.year_range()) * self.year_width + 8

    @property
    def height(self) -> int:
        return self.periods_y + PERIOD_ROW * len(self.dated_periods) + 4

    @property
    def periods_y(self) -> int:
        return TOP_MARGIN + MONTH_AREA_HEIGHT + 8 + YEAR_BAND_HEIGHT + 26

    @property
    def largest_month(self) -> int:
        return max((bar.count for bar in self.bars), default=0)

    @property
    def baseline(self) -> int:
        return TOP_MARGIN + MONTH_AREA_HEIGHT

    @property
    def band_y(self) -> int:
        return self.baseline + 8

    @property
    def band_text_y(self) -> int:
        return self.band_y + YEAR_BAND_HEIGHT // 2 + 5

    @property
    def axis_text_y(self) -> int:
        return self.band_y + YEAR_BAND_HEIGHT + 16

    @property
    def month_lane_text_y(self) -> int:
        return TOP_MARGIN + MONTH_AREA_HEIGHT // 2

    @property
    def lane_label_x(self) -> int:
        return LANE_LABEL_WIDTH - 8

    @property
    def plot_x(self) -> int:
        return LANE_LABEL_WIDTH

    @property
    def plot_right(self) -> int:
        return self.width - 8

    @property
    def top_y(self) -> int:
        return TOP_MARGIN

    @property
    def band_height(self) -> int:
        return YEAR_BAND_HEIGHT

    @property
    def month_width(self) -> int:
        return self.month_step - MONTH_GAP

    def drawn_months(self) -> list[DrawnMonth]:
        years = self.year_range()
        if not years:
            return []
        largest = self.largest_month or 1
        drawn = []
        for bar in self.bars:
            year, month = int(bar.key[:4]), int(bar.key[5:7])
            height = max(round(MONTH_AREA_HEIGHT * bar.count / largest), 1 if bar.count else 0)
            x = LANE_LABEL_WIDTH + (year - years[0]) * self.year_width + (month - 1) * self.month_step
            drawn.append(DrawnMonth(bar=bar, x=x, y=self.baseline - height, height=height))
        return drawn

    def x_of(self, day: datetime.date) -> int:
        years = self.year_range()
        return (
            LANE_LABEL_WIDTH
            + (day.year - years[0]) * self.year_width
            + round((day.timetuple().tm_yday - 1) / 366 * self.year_width)
        )

    def drawn_periods(self) -> list[DrawnPeriod]:
        """Each dated period as a span; an open or unknown end runs to the edge of the axis (drawn dashed)."""
        drawn = []
        for index, period in enumerate(self.dated_periods):
            left = self.x_of(period.start) if period.start else self.plot_x
            right = self.x_of(period.end) + 2 if period.end else self.plot_right
            y = self.periods_y + index * PERIOD_ROW
            drawn.append(
                DrawnPeriod(
                    period=period,
                    short_label=shorten(period.label, PERIOD_LABEL_CHARACTERS),
                    x=left,
                    width=max(right - left, 2),
                    y=y + (PERIOD_ROW - PERIOD_HEIGHT) // 2,
                    text_y=y + PERIOD_ROW // 2 + 4,
                )
            )
        return drawn

    @property
    def period_height(self) -> int:
        return PERIOD_HEIGHT

    def drawn_years(self) -> list[DrawnYear]:
        by_year = {int(bar.key): bar for bar in self.years}
        years = self.year_range()
        return [
            DrawnYear(
                year=year,
                bar=by_year.get(year),
                x=LANE_LABEL_WIDTH + index * self.year_width,
                width=self.year_width - MONTH_GAP,
                centre=LANE_LABEL_WIDTH + index * self.year_width + self.year_width // 2,
            )
            for index, year in enumerate(years)
        ]


def month_key(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month `YYYY-MM`."""
    first = datetime.date(int(key[:4]), int(key[5:7]), 1)
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, following - datetime.timedelta(days=1)
