"""The units and persons of the JSON API (/api/units/, /api/persons/); the machinery is in core/json_api.py."""

from rest_framework import serializers

from core.curation import related_model
from core.json_api import (
    ApiListUrlField,
    ApiResource,
    NamedRefSerializer,
    PublicUrlField,
    cited_link_fields,
    code_field,
    link_serializer,
    link_sources_field,
    record_translations_field,
    translated_fields,
)

from .filters import PersonFilter, UnitFilter
from .models import Person, Posting, Unit

POSTING_PERIOD = "The period as the source gives it (EDTF); empty when unknown."


def posting_fields(other_end: str) -> dict:
    """A posting's fields seen from one end: the other end, then its role and title, then the rest."""
    role, *rest = cited_link_fields(Posting.Role, POSTING_PERIOD).items()
    return {
        other_end: NamedRefSerializer(read_only=True),
        role[0]: role[1],
        "title": serializers.CharField(read_only=True),
        **dict(rest),
    }


PostingSerializer = link_serializer(
    "PostingSerializer",
    "A person's post in the unit over a period, with the publication that names them.",
    **posting_fields("person"),
)

UnitSiteSerializer = link_serializer(
    "UnitSiteSerializer",
    "The unit's link to a site, the role it played there and the publication that says so.",
    site=NamedRefSerializer(read_only=True),
    **cited_link_fields(related_model(Unit, "site_units").Role),
    independent_sources=link_sources_field(),
)


class UnitSerializer(serializers.Serializer):
    """A military unit, placed in its chain of command by its parent unit."""

    id = serializers.IntegerField(read_only=True, help_text="Record number of the unit.")
    slug = serializers.CharField(
        read_only=True, help_text="Stable identifier of the unit, used in its URL and in the filters."
    )
    url = PublicUrlField(help_text="Public page of the unit.")
    name = serializers.CharField(read_only=True, help_text="Full name of the unit.")
    short_name = serializers.CharField(read_only=True, help_text="Short name; may be empty.")
    unit_number = serializers.CharField(
        read_only=True, help_text="Military unit number (в/ч); text, as it may hold letters or leading zeros."
    )
    kind = code_field(Unit.Kind, "Kind of unit.")
    parent = NamedRefSerializer(
        source="public_parent",
        read_only=True,
        allow_null=True,
        help_text="The parent unit; null when there is none or it is not public.",
    )
    branch = serializers.CharField(read_only=True, help_text="Branch of the armed forces.")
    garrison = serializers.CharField(read_only=True, help_text="Garrison or location.")
    description = serializers.CharField(read_only=True, help_text="Description of the unit.")
    name_nl, name_ru, name_uk = translated_fields("name", "unit")
    description_nl, description_ru, description_uk = translated_fields("description", "unit")
    translations = record_translations_field()
    sub_units = NamedRefSerializer(
        source="public_children", many=True, read_only=True, help_text="The public units whose parent this unit is."
    )
    postings = PostingSerializer(
        source="public_postings",
        many=True,
        read_only=True,
        help_text="The public persons posted to the unit, in any role.",
    )
    sites = UnitSiteSerializer(
        source="public_site_units", many=True, read_only=True, help_text="The public sites linked to the unit."
    )
    testimonies = ApiListUrlField(
        "testimonies", {"unit": "slug"}, help_text="The API list of the public testimonies naming the unit."
    )


UNITS = ApiResource(
    name="units",
    serializer_class=UnitSerializer,
    filterset_class=UnitFilter,
    queryset=lambda: Unit.objects.for_public_api(),
)


PersonPostingSerializer = link_serializer(
    "PersonPostingSerializer",
    "The person's post in a public unit over a period, with the publication that names them.",
    **posting_fields("unit"),
)


class PersonSerializer(serializers.Serializer):
    """A commander, officer or named perpetrator, with the public units they were posted to."""

    id = serializers.IntegerField(read_only=True, help_text="Record number of the person.")
    slug = serializers.CharField(
        read_only=True, help_text="Stable identifier of the person, used in their URL and in the filters."
    )
    url = PublicUrlField(help_text="Public page of the person.")
    name = serializers.CharField(read_only=True, help_text="Name as sources write it in English.")
    rank = serializers.CharField(read_only=True, help_text="Rank; may be empty.")
    call_signs = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Call signs the person is known by."
    )
    date_of_birth = serializers.CharField(
        read_only=True, help_text="Date of birth (EDTF), only where it is public; empty otherwise."
    )
    description = serializers.CharField(read_only=True, help_text="Description of the person.")
    postings = PersonPostingSerializer(
        source="public_postings", many=True, read_only=True, help_text="The person's public postings, in any role."
    )
    testimonies = ApiListUrlField(
        "testimonies", {"person": "slug"}, help_text="The API list of the public testimonies naming the person."
    )


PERSONS = ApiResource(
    name="persons",
    serializer_class=PersonSerializer,
    filterset_class=PersonFilter,
    queryset=lambda: Person.objects.for_public_detail().order_by("name", "pk"),
)
