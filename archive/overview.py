"""The archive at a glance (/overview/): what the public testimonies of a filter add up to, chart by chart.

Every number is one aggregate query over `.public()` records and their public related records, read through the
same link querysets as the testimony list's facets (testimonies.filters), so a hidden testimony, site, unit,
region or abuse type never changes a count, a bar or a label. Limited consent (month and region only) is kept as
everywhere else: the month chart counts by whole months at most, the site chart leaves such testimonies out (the
region chart counts them), and the sites of the territory chart are never found through them.

`count_charts` computes the numbers (cached per publication generation, core.generation); `build_charts` names
them in the reader's language and links every bar to the list of the records it counts.
"""

from collections.abc import Callable

from django.db.models import Count
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.charts import Bar, BarChart, Chart
from core.facets import by_link
from sites.models import Site
from testimonies.filters import public_abuse_links, public_region_links, public_site_links, public_unit_links
from testimonies.models import Testimony, independent_sources_counts
from testimonies.timeline import events_by_precision, month_chart, number

TOP = 20


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
    total = testimonies.order_by().count()
    return {
        "total": total,
        "months": events_by_precision(testimonies),
        "regions": by_region(testimonies),
        "sites": by_link(public_site_links, "testimony_id", "site__slug", "site__name")(testimonies, TOP),
        "units": by_link(public_unit_links, "testimony_id", "unit__slug", "unit__name")(testimonies, TOP),
        "abuse_types": by_link(public_abuse_links, "testimony_id", "abusetype__slug", "abusetype__name")(
            testimonies, None
        ),
        "witness_roles": by_field(testimonies, "witness_role"),
        "verification": by_field(testimonies, "verification"),
        "sources": independent_sources_counts(testimonies, total),
        "site_kinds": sites_by_territory_and_kind(chart_sites(testimonies, filtered)),
    }


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

    def testimony_chart(slug, title, header, bars, empty_text, note="") -> BarChart:
        return BarChart(
            slug=slug,
            title=title,
            summary=most_frequent(bars, total, "testimonies"),
            label_header=header,
            count_header=_("Testimonies"),
            bars=bars,
            empty_text=empty_text,
            note=note,
        )

    charts.append(
        testimony_chart(
            "regions",
            _("Testimonies per region"),
            _("Region"),
            regions,
            _("None of these testimonies names a public site with a public region."),
            several,
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
        charts.append(testimony_chart(slug, title, header, bars, empty, several + extra))
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
        charts.append(testimony_chart(slug, title, header, bars, nothing))
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
