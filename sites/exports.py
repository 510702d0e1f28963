"""Columns of the public CSV export of sites (their data dictionary is docs/data-dictionary.md)."""

from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat

from core.csv_export import Column, JoinedText, Packed, joined, public_url, record_translation_columns
from core.curation import public_related
from units.models import Unit

from .models import Region, Site, SiteUnit

# Testimonies and publications belong to a higher app; reached through the relations they declare.
# Testimonies with limited consent show their site at region level only, so the site does not list them.
public_testimonies = public_related(Site, "testimonies", "public_with_site")
public_publications = public_related(Site, "reported_in")


def public_region_field(field: str):
    """A field of the site's region when that term is public, else empty (the region vocabulary's workflow)."""
    return Coalesce(
        Subquery(Region.objects.public().filter(pk=OuterRef("region")).values(field)[:1]),
        Value(""),
        output_field=TextField(),
    )


# The site's public links to units, read once per row for both of their columns.
UNIT_LINKS = Packed(
    "unit_links",
    SiteUnit.objects.public()
    .filter(site=OuterRef("pk"))
    .with_corroboration()
    .annotate(unit_role=Concat(F("unit__slug"), Value(":"), F("role"))),
    {
        "unit_roles": JoinedText("unit_role"),
        "unit_independent_sources": JoinedText("independent_sources", "unit_role"),
    },
)

SITE_COLUMNS = [
    Column("id", "Record number of the site.", "integer"),
    Column("slug", "Stable identifier of the site, used in its URL and in the other files."),
    public_url("sites:site_detail", "slug"),
    Column("name", "Name of the site."),
    Column("kind", f"Kind of site: {', '.join(Site.Kind.values)}.", "code"),
    Column(
        "region",
        "Region of the site (oblast, republic, krai, federal city...), by its English name; empty while that "
        "vocabulary term is not public.",
        "text",
        public_region_field("name"),
    ),
    Column(
        "region_code",
        "ISO 3166-2 code of the region (e.g. `UA-14` for Donetsk Oblast), when it has one.",
        "code",
        public_region_field("code"),
    ),
    Column("territory", f"Territory: {', '.join(Site.Territory.values)}.", "code"),
    Column("settlement", "Town or village."),
    Column("latitude", "Latitude in decimal degrees (WGS 84), empty when unknown.", "decimal"),
    Column("longitude", "Longitude in decimal degrees (WGS 84), empty when unknown.", "decimal"),
    Column("location_precision", f"Precision of the coordinates: {', '.join(Site.LocationPrecision.values)}.", "code"),
    Column("first_reported", "When the site was first reported, as the sources give it (EDTF).", "date (EDTF)"),
    Column("first_reported_earliest", "Earliest day `first_reported` can mean, if known.", "date (ISO 8601)"),
    Column("first_reported_latest", "Latest day `first_reported` can mean, if known.", "date (ISO 8601)"),
    Column("last_reported", "When the site was last reported, as the sources give it (EDTF).", "date (EDTF)"),
    Column("last_reported_earliest", "Earliest day `last_reported` can mean, if known.", "date (ISO 8601)"),
    Column("last_reported_latest", "Latest day `last_reported` can mean, if known.", "date (ISO 8601)"),
    Column("description", "Description of the site."),
    *record_translation_columns(Site, ("name", "description"), "site"),
    Column(
        "unit_slugs",
        "Slugs of the units linked to the site; join with units.csv `slug`.",
        "list",
        joined(
            Unit.objects.public().filter(
                pk__in=SiteUnit.objects.public().filter(site=OuterRef(OuterRef("pk"))).values("unit")
            ),
            "slug",
        ),
    ),
    Column(
        "unit_roles",
        f"Each linked unit as `unit-slug:role`, role one of {', '.join(SiteUnit.Role.values)}.",
        "list",
        packed=UNIT_LINKS,
    ),
    Column(
        "unit_independent_sources",
        "For each item of `unit_roles`, in the same order, how many independent sources link that unit to the site "
        "(its links in every role counted together; a source that merely reports another counts once; 0: none is "
        "public).",
        "list",
        packed=UNIT_LINKS,
    ),
    Column(
        "testimony_ids",
        "Public ids of the public testimonies about the site; join with testimonies.csv `id`.",
        "list",
        joined(public_testimonies.filter(sites=OuterRef("pk")), "public_id"),
    ),
    Column(
        "publication_ids",
        "Record numbers of the publications that report the site.",
        "list",
        joined(public_publications.filter(sites=OuterRef("pk")), "pk"),
    ),
]
