"""Columns of the public CSV export of units (their data dictionary is docs/data-dictionary.md)."""

from django.db.models import OuterRef, Subquery

from core.csv_export import Column, joined, public_url
from core.curation import public_related

from .models import Commander, Unit

# Sites, their unit links and testimonies belong to higher apps; reached through the relations they declare.
public_site_links = public_related(Unit, "site_units")
public_sites = public_related(Unit, "sites")
public_testimonies = public_related(Unit, "testimonies")

UNIT_COLUMNS = [
    Column("id", "Record number of the unit.", "integer"),
    Column("slug", "Stable identifier of the unit, used in its URL and in the other files."),
    public_url("units:unit_detail", "slug"),
    Column("name", "Full name of the unit."),
    Column("short_name", "Short name."),
    Column("unit_number", "Military unit number (в/ч), text because it may hold letters or leading zeros."),
    Column("kind", f"Kind of unit: {', '.join(Unit.Kind.values)}.", "code"),
    Column(
        "parent_slug",
        "Slug of the parent unit, empty when there is none or it is not public.",
        "text",
        Subquery(Unit.objects.public().filter(pk=OuterRef("parent")).values("slug")[:1]),
    ),
    Column("branch", "Branch of the armed forces."),
    Column("garrison", "Garrison or location."),
    Column("description", "Description of the unit."),
    Column(
        "commanders",
        "Names of the commanders recorded for the unit.",
        "list",
        joined(Commander.objects.public().filter(unit=OuterRef("pk")), "name"),
    ),
    Column(
        "commander_call_signs",
        "Call signs of those commanders.",
        "list",
        joined(Commander.objects.public().filter(unit=OuterRef("pk")).exclude(call_sign=""), "call_sign"),
    ),
    Column(
        "site_slugs",
        "Slugs of the sites linked to the unit; join with sites.csv `slug`.",
        "list",
        joined(
            public_sites.filter(pk__in=public_site_links.filter(unit=OuterRef(OuterRef("pk"))).values("site")),
            "slug",
        ),
    ),
    Column(
        "testimony_ids",
        "Record numbers of the public testimonies naming the unit.",
        "list",
        joined(public_testimonies.filter(units=OuterRef("pk")), "pk"),
    ),
]
