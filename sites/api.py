"""The sites of the JSON API (/api/sites/); the machinery is in core/json_api.py."""

from core.curation import Confidence
from core.json_api import (
    DATE,
    EDTF,
    INTEGER,
    NAMED_REF,
    NUMBER_OR_NULL,
    PUBLICATION_REF,
    STRING,
    URL,
    ApiField,
    ApiResource,
    api_list_url,
    array_of,
    cited_link,
    code,
    nullable,
    obj,
    public_url,
    publication_ref,
)

from .filters import SiteFilter
from .models import Site, SiteUnit

SITE_UNIT = obj(
    {
        "unit": NAMED_REF,
        "role": code(SiteUnit.Role),
        "period": EDTF,
        "period_earliest": DATE,
        "period_latest": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "A unit's link to the site, the role it played there and the publication that says so.",
)


def site_units(site, request) -> list[dict]:
    return [cited_link(link, "unit") for link in site.public_site_units]


SITES = ApiResource(
    name="sites",
    title="Site",
    description="A place where soldiers are or were held illegally.",
    filterset_class=SiteFilter,
    queryset=lambda: Site.objects.for_public_api(),
    fields=[
        ApiField("id", INTEGER, "Record number of the site."),
        ApiField("slug", STRING, "Stable identifier of the site, used in its URL and in the filters."),
        ApiField("url", URL, "Public page of the site.", public_url),
        ApiField("name", STRING, "Name of the site."),
        ApiField("kind", code(Site.Kind), "Kind of site."),
        ApiField(
            "region",
            STRING,
            "Region of the site (oblast, republic, krai, federal city...), by its English name; empty while that "
            "vocabulary term is not public.",
            lambda site, request: site.public_region.name if site.public_region else "",
        ),
        ApiField(
            "region_code",
            STRING,
            "ISO 3166-2 code of the region (e.g. `UA-14`), when it has one; may be empty.",
            lambda site, request: site.public_region.code if site.public_region else "",
        ),
        ApiField("territory", code(Site.Territory), "Territory."),
        ApiField("settlement", STRING, "Town or village; may be empty."),
        ApiField("latitude", NUMBER_OR_NULL, "Latitude in decimal degrees (WGS 84), null when unknown."),
        ApiField("longitude", NUMBER_OR_NULL, "Longitude in decimal degrees (WGS 84), null when unknown."),
        ApiField("location_precision", code(Site.LocationPrecision, blank=True), "Precision of the coordinates."),
        ApiField("first_reported", EDTF, "When the site was first reported, as the sources give it."),
        ApiField("first_reported_earliest", DATE, "Earliest day `first_reported` can mean."),
        ApiField("first_reported_latest", DATE, "Latest day `first_reported` can mean."),
        ApiField("last_reported", EDTF, "When the site was last reported, as the sources give it."),
        ApiField("last_reported_earliest", DATE, "Earliest day `last_reported` can mean."),
        ApiField("last_reported_latest", DATE, "Latest day `last_reported` can mean."),
        ApiField("description", STRING, "Description of the site."),
        ApiField("units", array_of(SITE_UNIT), "The public units linked to the site.", site_units),
        ApiField(
            "publications",
            array_of(PUBLICATION_REF),
            "The public publications that report the site.",
            lambda site, request: [publication_ref(publication) for publication in site.public_publications],
        ),
        ApiField(
            "testimonies",
            URL,
            "The API list of the public testimonies about the site.",
            api_list_url("testimonies", site="slug"),
        ),
    ],
)
