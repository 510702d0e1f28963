"""The sites of the JSON API (/api/sites/); the machinery is in core/json_api.py."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.json_api import (
    ApiListUrlField,
    ApiResource,
    NamedRefSerializer,
    PublicationRefSerializer,
    PublicUrlField,
    cited_link_fields,
    code_field,
    date_field,
    edtf_field,
    link_serializer,
    link_sources_field,
    record_translations_field,
    translated_fields,
)

from .filters import SiteFilter
from .models import Site, SiteUnit

SiteUnitSerializer = link_serializer(
    "SiteUnitSerializer",
    "A unit's link to the site, the role it played there and the publication that says so.",
    unit=NamedRefSerializer(read_only=True),
    **cited_link_fields(SiteUnit.Role),
    independent_sources=link_sources_field(),
)


class SiteSerializer(serializers.Serializer):
    """A place where soldiers are or were held illegally."""

    id = serializers.IntegerField(read_only=True, help_text="Record number of the site.")
    slug = serializers.CharField(
        read_only=True, help_text="Stable identifier of the site, used in its URL and in the filters."
    )
    url = PublicUrlField(help_text="Public page of the site.")
    name = serializers.CharField(read_only=True, help_text="Name of the site.")
    kind = code_field(Site.Kind, "Kind of site.")
    region = serializers.SerializerMethodField(
        help_text="Region of the site (oblast, republic, krai, federal city...), by its English name; empty while "
        "that vocabulary term is not public."
    )
    region_code = serializers.SerializerMethodField(
        help_text="ISO 3166-2 code of the region (e.g. `UA-14`), when it has one; may be empty."
    )
    territory = code_field(Site.Territory, "Territory.")
    settlement = serializers.CharField(read_only=True, help_text="Town or village; may be empty.")
    latitude = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Latitude in decimal degrees (WGS 84), null when unknown."
    )
    longitude = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Longitude in decimal degrees (WGS 84), null when unknown."
    )
    location_precision = code_field(Site.LocationPrecision, "Precision of the coordinates.", blank=True)
    first_reported = edtf_field("When the site was first reported, as the sources give it.")
    first_reported_earliest = date_field("Earliest day `first_reported` can mean.")
    first_reported_latest = date_field("Latest day `first_reported` can mean.")
    last_reported = edtf_field("When the site was last reported, as the sources give it.")
    last_reported_earliest = date_field("Earliest day `last_reported` can mean.")
    last_reported_latest = date_field("Latest day `last_reported` can mean.")
    description = serializers.CharField(read_only=True, help_text="Description of the site.")
    name_nl, name_ru, name_uk = translated_fields("name", "site")
    description_nl, description_ru, description_uk = translated_fields("description", "site")
    translations = record_translations_field()
    units = SiteUnitSerializer(
        source="public_site_units", many=True, read_only=True, help_text="The public units linked to the site."
    )
    publications = PublicationRefSerializer(
        source="public_publications",
        many=True,
        read_only=True,
        help_text="The public publications that report the site.",
    )
    testimonies = ApiListUrlField(
        "testimonies", {"site": "slug"}, help_text="The API list of the public testimonies about the site."
    )

    @extend_schema_field(OpenApiTypes.STR)
    def get_region(self, site) -> str:
        return site.public_region.name if site.public_region else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_region_code(self, site) -> str:
        return site.public_region.code if site.public_region else ""


SITES = ApiResource(
    name="sites",
    serializer_class=SiteSerializer,
    filterset_class=SiteFilter,
    queryset=lambda: Site.objects.for_public_api(),
)
