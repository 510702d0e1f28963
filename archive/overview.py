"""The archive at a glance (/overview/): what the public testimonies of a filter add up to, chart by chart.

Every number is one aggregate query over `.public()` records and their public related records, read through the
same link querysets as the testimony list's facets (testimonies.filters), so a hidden testimony, site, unit,
region or abuse type never changes a count, a bar or a label. Limited consent (month and region only) is kept as
everywhere else: the month chart counts by whole months at most, the site chart leaves such testimonies out (the
region chart counts them), and the sites of the territory chart are never found through them.

`count_charts` computes the numbers (cached per publication generation, core.generation); `build_charts` names
them in the reader's language and links every bar to the list of the records it counts.
"""

import datetime
from collections.abc import Callable

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import ExtractYear, TruncMonth, TruncYear
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.charts import Bar, BarChart, Chart, MonthChart, month_bounds, month_key
from core.facets import by_link
from sites.models import Site
from testimonies.filters import public_abuse_links, public_region_links, public_site_links, public_unit_links
from testimonies.models import Testimony

TOP = 20

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


def by_region(testimonies) -> list[tuple[str, tuple[str, str, str], int]]:
    """(region slug, (its names in English, Russian, Ukrainian), testimonies) for every public region of a public
    site of the testimonies, limited consent included (a region is what it shows)."""
    rows = (
        public_region_links(testimonies)
        .order_by()
        .values_list("site__region__slug", "site__region__name", "site__region__name_ru", "site__region__name_uk")
        .annotate(testimonies=Count("testimony_id", distinct=True))
        .order_by()
    )
    return [(slug, (name, name_ru, name_uk), count) for slug, name, name_ru, name_uk, count in rows]


def by_field(testimonies, name: str) -> dict[str, int]:
    rows = testimonies.order_by().values_list(name).annotate(testimonies=Count("pk")).order_by()
    return {str(value): count for value, count in rows}


def by_independent_sources(testimonies) -> dict[int, int]:
    """{number of independent sources: testimonies} (testimonies.models.independent_sources), in one query."""
    rows = (
        testimonies.order_by()
        .with_corroboration()
        .values_list("independent_sources")
        .annotate(testimonies=Count("pk"))
        .order_by()
    )
    return {int(sources): count for sources, count in rows}


def sites_by_territory_and_kind(sites) -> list[tuple[str, str, int]]:
    rows = sites.order_by().values_list("territory", "kind").annotate(sites=Count("pk")).order_by()
    return list(rows)


def chart_sites(testimonies, filtered: bool):
    """The public sites the territory chart counts: all of them, or, when the testimonies are filtered, those the
    matching testimonies are about (never through a testimony under limited consent, whose site is not public)."""
    if not filtered:
        return Site.objects.public()
    return Site.objects.public().filter(pk__in=public_site_links(testimonies).values("site_id"))


def plain(testimonies):
    """The testimonies as a bare queryset when filters added annotations (a search's rank, a date filter's
    months), so that the aggregates group by their own columns only."""
    if testimonies.query.annotations:
        return Testimony.objects.filter(pk__in=testimonies.order_by().values("pk"))
    return testimonies


def count_charts(testimonies, filtered: bool) -> dict:
    """Every chart's numbers for the public testimonies `testimonies`: one query per chart."""
    testimonies = plain(testimonies)
    return {
        "total": testimonies.order_by().count(),
        "months": events_by_precision(testimonies),
        "regions": by_region(testimonies),
        "sites": by_link(public_site_links, "testimony_id", "site__slug", "site__name")(testimonies, TOP),
        "units": by_link(public_unit_links, "testimony_id", "unit__slug", "unit__name")(testimonies, TOP),
        "abuse_types": by_link(public_abuse_links, "testimony_id", "abusetype__slug", "abusetype__name")(
            testimonies, None
        ),
        "witness_roles": by_field(testimonies, "witness_role"),
        "verification": by_field(testimonies, "verification"),
        "sources": by_independent_sources(testimonies),
        "site_kinds": sites_by_territory_and_kind(chart_sites(testimonies, filtered)),
    }


def number(value: int) -> str:
    """A count in the reader's language's number format."""
    return str(intcomma(value))


def most_frequent(bars: list[Bar], total: int, noun: str) -> str:
    top = max(bars, key=lambda bar: bar.count, default=None)
    if top is None or not top.count:
        return ""
    values = {"label": top.label, "count": number(top.count), "total": number(total)}
    if noun == "sites":
        return (
            ngettext(
                "The longest bar: %(label)s, %(count)s of %(total)s site.",
                "The longest bar: %(label)s, %(count)s of %(total)s sites.",
                total,
            )
            % values
        )
    return (
        ngettext(
            "The longest bar: %(label)s, %(count)s of %(total)s testimony.",
            "The longest bar: %(label)s, %(count)s of %(total)s testimonies.",
            total,
        )
        % values
    )


def region_name(names: tuple[str, str, str]) -> str:
    """A region's name in the reader's language (sites.models.Region.localized_name)."""
    name, name_ru, name_uk = names
    return {"ru": name_ru, "uk": name_uk}.get((get_language() or "en")[:2]) or name


def month_chart(numbers: dict, testimony_link: Callable[..., str]) -> MonthChart:
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
        title=_("Testimonies per month of the events"),
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


def build_charts(
    numbers: dict, testimony_link: Callable[..., str], site_link: Callable[..., str], filtered: bool
) -> list[Chart]:
    """The charts of `count_charts`'s numbers, named in the reader's language, each bar linking to its list."""
    total = numbers["total"]
    several = _("A testimony about several of them counts once in each bar.")
    nothing = _("No public testimonies match these filters.")
    charts: list[Chart] = [month_chart(numbers, testimony_link)]

    regions = sorted(
        (
            Bar(slug, region_name(names), count, testimony_link(region=slug))
            for slug, names, count in numbers["regions"]
        ),
        key=lambda bar: (-bar.count, bar.label.casefold()),
    )
    charts.append(
        BarChart(
            slug="regions",
            title=_("Testimonies per region"),
            summary=most_frequent(regions, total, "testimonies"),
            label_header=_("Region"),
            count_header=_("Testimonies"),
            bars=regions,
            empty_text=_("None of these testimonies names a public site with a public region."),
            note=several,
        )
    )
    for slug, title, header, parameter, empty, extra in (
        (
            "sites",
            _("Testimonies per site (the 20 with the most)"),
            _("Site"),
            "site",
            _("None of these testimonies names a public site that may be shown."),
            " "
            + _("Testimonies whose witnesses allowed the month and the region only are counted per region, not here."),
        ),
        (
            "units",
            _("Testimonies per unit (the 20 with the most)"),
            _("Unit"),
            "unit",
            _("None of these testimonies names a public unit."),
            "",
        ),
        (
            "abuse_types",
            _("Testimonies per abuse type"),
            _("Abuse"),
            "abuse_type",
            _("None of these testimonies has an abuse type recorded."),
            "",
        ),
    ):
        bars = [
            Bar(value, label, count, testimony_link(**{parameter: value})) for value, label, count in numbers[slug]
        ]
        charts.append(
            BarChart(
                slug=slug,
                title=title,
                summary=most_frequent(bars, total, "testimonies"),
                label_header=header,
                count_header=_("Testimonies"),
                bars=bars,
                empty_text=empty,
                note=several + extra,
            )
        )
    for slug, title, header, parameter, choices in (
        ("witness_roles", _("Testimonies per witness role"), _("Witness role"), "witness_role", Testimony.WitnessRole),
        (
            "verification",
            _("Testimonies per verification level"),
            _("Verification"),
            "verification",
            Testimony.Verification,
        ),
    ):
        counted = numbers[slug]
        bars = [
            Bar(value, str(label), counted.get(value, 0), testimony_link(**{parameter: value}))
            for value, label in choices.choices
        ]
        charts.append(
            BarChart(
                slug=slug,
                title=title,
                summary=most_frequent(bars, total, "testimonies"),
                label_header=header,
                count_header=_("Testimonies"),
                bars=bars,
                empty_text=nothing,
            )
        )
    charts.append(sources_chart(numbers, testimony_link))
    charts.append(site_kinds_chart(numbers, site_link, filtered))
    return charts


def sources_chart(numbers: dict, testimony_link: Callable[..., str]) -> BarChart:
    total = numbers["total"]
    exactly = numbers["sources"]
    most = max(exactly, default=0)
    bars = []
    for minimum in range(1, most + 1):
        count = sum(testimonies for sources, testimonies in exactly.items() if sources >= minimum)
        label = ngettext(
            "At least %(count)s independent source", "At least %(count)s independent sources", minimum
        ) % {"count": number(minimum)}
        bars.append(Bar(str(minimum), label, count, testimony_link(min_sources=minimum)))
    corroborated = sum(testimonies for sources, testimonies in exactly.items() if sources >= 2)
    summary = (
        ngettext(
            "%(count)s of %(total)s testimony rests on at least two independent sources.",
            "%(count)s of %(total)s testimonies rest on at least two independent sources.",
            total,
        )
        % {"count": number(corroborated), "total": number(total)}
        if total
        else ""
    )
    return BarChart(
        slug="sources",
        title=_("Testimonies by number of independent sources"),
        summary=summary,
        label_header=_("Independent sources"),
        count_header=_("Testimonies"),
        bars=bars,
        empty_text=_("None of these testimonies cites a public publication."),
        note=ngettext(
            "Counted from the public citations: a publication that only reports what another cited source found is "
            "not an independent source. %(count)s testimony cites no public publication.",
            "Counted from the public citations: a publication that only reports what another cited source found is "
            "not an independent source. %(count)s testimonies cite no public publication.",
            exactly.get(0, 0),
        )
        % {"count": number(exactly.get(0, 0))},
    )


def site_kinds_chart(numbers: dict, site_link: Callable[..., str], filtered: bool) -> BarChart:
    territories = dict(Site.Territory.choices)
    kinds = dict(Site.Kind.choices)
    order = {value: index for index, value in enumerate(territories)}
    rows = sorted(numbers["site_kinds"], key=lambda row: (order.get(row[0], len(order)), -row[2], row[1]))
    bars = [
        Bar(
            f"{territory}/{kind}",
            f"{territories.get(territory, territory)}: {kinds.get(kind, kind)}",
            count,
            site_link(territory=territory, kind=kind),
        )
        for territory, kind, count in rows
    ]
    note = (
        _(
            "The public sites that the matching testimonies name. The site list a bar leads to shows every public "
            "site of that territory and kind."
        )
        if filtered
        else _("Every public site, whether or not a testimony names it yet.")
    )
    return BarChart(
        slug="site_kinds",
        title=_("Sites per territory and kind"),
        summary=most_frequent(bars, sum(bar.count for bar in bars), "sites"),
        label_header=_("Territory and kind"),
        count_header=_("Sites"),
        bars=bars,
        empty_text=_("No public sites match these filters."),
        note=note,
    )
