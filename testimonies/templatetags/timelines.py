"""`{% events_timeline record %}`: on a site, unit or person page, when the events of its public testimonies happened
(testimonies/timeline.py), drawn like the overview's month chart, with the periods of its public site–unit links and
postings on the same time axis. A selector of the higher app, so that the pages of sites and units need not import
testimonies (the layers in pyproject.toml)."""

from django import template
from django.utils.translation import gettext as _

from core.charts import Period
from core.templatetags.partial_dates import partial_date

from ..models import Testimony
from ..timeline import record_timeline

register = template.Library()


def period(label: str, link, target) -> Period:
    """A Period of a site–unit link or a posting (`link`), leading to `target`'s page."""
    when = partial_date(link.period) if link.period else _("period not recorded")
    return Period(label, link.period_earliest, link.period_latest, when, target.get_absolute_url())


def periods_of(record, kind: str) -> list[Period]:
    """The public periods the record's page already loaded (its `for_public_detail()` prefetches them)."""
    if kind == "site":
        links = getattr(record, "public_site_units", [])
        return [period(f"{link.unit} ({link.get_role_display().lower()})", link, link.unit) for link in links]
    if kind == "unit":
        sites = getattr(record, "public_site_units", [])
        postings = getattr(record, "public_postings", [])
        return [
            *(period(f"{link.site.name} ({link.get_role_display().lower()})", link, link.site) for link in sites),
            *(
                period(f"{posting.person.name} ({posting.get_role_display().lower()})", posting, posting.person)
                for posting in postings
            ),
        ]
    postings = getattr(record, "public_postings", [])
    return [
        period(f"{posting.unit} ({posting.get_role_display().lower()})", posting, posting.unit) for posting in postings
    ]


@register.inclusion_tag("includes/record_timeline.html")
def events_timeline(record):
    public = Testimony.objects.public()
    kind = record._meta.model_name
    # As on the record's own page and the list's filters: a site is never shown for a testimony under limited
    # consent (at_sites leaves them out); units and persons are, by month at most.
    testimonies = {
        "site": lambda: public.at_sites([record]),
        "unit": lambda: public.naming_units([record]),
        "person": lambda: public.naming_persons([record]),
    }[kind]()
    return {"chart": record_timeline(testimonies, kind, record.slug, periods_of(record, kind))}
