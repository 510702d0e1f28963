"""The testimonies and sources of the JSON API (the machinery is in core/json_api.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.curation import Confidence
from core.json_api import (
    DATE,
    PUBLIC_ID,
    ApiListUrlField,
    ApiResource,
    NamedRefSerializer,
    PublicationRefSerializer,
    PublicIdField,
    PublicUrlField,
    code_field,
    date_field,
    edtf_field,
    record_translations_field,
    translated_fields,
)

from .filters import SourceFilter, TestimonyFilter
from .models import Consent, Publication, Source, Testimony


class CitationSerializer(serializers.Serializer):
    """A public publication the testimony rests on, where in it, and how far it can be trusted."""

    publication = PublicationRefSerializer(read_only=True)
    locator = serializers.CharField(read_only=True, help_text="Page or timestamp in the publication; may be empty.")
    quoted_passage = serializers.CharField(read_only=True, help_text="The passage of the publication; may be empty.")
    confidence = code_field(Confidence)


class TranslationSerializer(serializers.Serializer):
    """The quote translated into another language, with its translator."""

    language = code_field(Testimony.Language)
    text = serializers.CharField(read_only=True, help_text="The quote in that language.")
    translator = serializers.CharField(read_only=True, help_text="Who translated it, as shown to readers.")
    machine = serializers.BooleanField(read_only=True, help_text="True for a machine translation.")


class AbuseTypeRefSerializer(NamedRefSerializer):
    """A public abuse type by its slug, with its name in every language."""

    name_nl, name_ru, name_uk = translated_fields("name", "abuse type")


class TestimonySerializer(serializers.Serializer):
    """One person's account, under its public witness label. Identities and contact details of witnesses are never
    part of the API."""

    id = PublicIdField(help_text="Public id of the testimony, as in its URL and the `id` column of testimonies.csv.")
    url = PublicUrlField(help_text="Public page of the testimony.")
    witness_label = serializers.CharField(
        read_only=True, help_text="Public label of the witness, never a real name unless the witness went public."
    )
    witness_role = code_field(Testimony.WitnessRole, "The witness's relation to the facts.")
    quote = serializers.CharField(read_only=True, help_text="The quote in its original language.")
    quote_language = code_field(Testimony.Language, "ISO 639-1 code of the quote's language.")
    translation = serializers.CharField(
        read_only=True, help_text="English translation; empty when the quote is in English."
    )
    translations = TranslationSerializer(
        many=True,
        read_only=True,
        help_text="The quote in other languages, one per language, each with its translator and whether a machine "
        "made it.",
    )
    context = serializers.CharField(read_only=True, help_text="What the sources say around the quote.")
    given_on = date_field(
        "Date the testimony was given; the first of its month when consent is limited.", source="public_given_on"
    )
    events = edtf_field(
        "Date or period of the events as the sources give it; to the month at most when consent is limited.",
        source="public_events",
    )
    events_earliest = serializers.SerializerMethodField(
        help_text="Earliest day the events can have begun (of `events` as given here); null when open or unknown."
    )
    events_latest = serializers.SerializerMethodField(
        help_text="Latest day the events can have ended (of `events` as given here); null when open or unknown."
    )
    consent = serializers.ChoiceField(
        [Consent.GIVEN.value, Consent.LIMITED.value],
        read_only=True,
        help_text="`limited`: the witness allowed publication at month and region precision only (dates to the "
        "month, `sites` empty, `regions` given); otherwise `given`.",
    )
    verification = code_field(Testimony.Verification, "Verification status (the curators' judgement).")
    independent_sources = serializers.IntegerField(
        read_only=True,
        help_text="Number of independent sources among the public citations, computed: a source whose cited "
        "publications only report another cited source does not count; 0 without a public citation.",
    )
    sites = serializers.SerializerMethodField(
        help_text="The public sites the testimony is about; empty when consent is limited."
    )
    regions = serializers.SerializerMethodField(
        help_text="The regions of those sites (given also when consent is limited)."
    )
    units = NamedRefSerializer(
        source="public_units", many=True, read_only=True, help_text="The public units it names."
    )
    abuse_types = AbuseTypeRefSerializer(
        source="public_abuse_types",
        many=True,
        read_only=True,
        help_text="The abuses it describes (controlled vocabulary).",
    )
    citations = CitationSerializer(
        source="public_citations", many=True, read_only=True, help_text="The public publications it rests on."
    )

    @extend_schema_field(DATE)
    def get_events_earliest(self, testimony):
        earliest = testimony.public_events_bounds[0]
        return earliest.isoformat() if earliest else None

    @extend_schema_field(DATE)
    def get_events_latest(self, testimony):
        latest = testimony.public_events_bounds[1]
        return latest.isoformat() if latest else None

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_sites(self, testimony):
        return [] if testimony.is_limited else NamedRefSerializer(testimony.public_sites, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_regions(self, testimony):
        # By their English names, whatever the reader's language, as in the CSV.
        return sorted({region.name for region in testimony.public_region_terms})


TESTIMONIES = ApiResource(
    name="testimonies",
    serializer_class=TestimonySerializer,
    filterset_class=TestimonyFilter,
    queryset=lambda: Testimony.objects.for_public_detail(),
    lookup="public_id",  # any other key, an old record number too, is this API's 404
    lookup_schema=PUBLIC_ID,
)


class PublicationSerializer(serializers.Serializer):
    """A public publication of the source; `cites` holds the record numbers of the public publications it cites."""

    id = serializers.IntegerField(source="pk", read_only=True)
    title = serializers.CharField(read_only=True)
    kind = code_field(Publication.Kind)
    url = serializers.CharField(read_only=True, help_text="Web address; may be empty.")
    archived_url = serializers.CharField(read_only=True, help_text="Web address of an archived copy; may be empty.")
    published_on = edtf_field()
    published_on_earliest = date_field()
    published_on_latest = date_field()
    language = serializers.CharField(read_only=True, help_text="ISO 639-1 code of its language; may be empty.")
    excerpt = serializers.CharField(read_only=True)
    cites = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_cites(self, publication):
        return [cited.pk for cited in publication.public_cites]


class SourceSerializer(serializers.Serializer):
    """An organisation or outlet whose publications the records rest on."""

    id = serializers.IntegerField(read_only=True, help_text="Record number of the source.")
    slug = serializers.CharField(
        read_only=True, help_text="Stable identifier of the source, used in its URL and in the filters."
    )
    url = PublicUrlField(help_text="Public page of the source.")
    name = serializers.CharField(read_only=True, help_text="Name of the organisation or outlet.")
    kind = code_field(Source.Kind, "Kind of source.")
    website = serializers.CharField(read_only=True, help_text="Website of the source; may be empty.")
    country = serializers.CharField(read_only=True, help_text="Country the source works from.")
    languages = serializers.CharField(read_only=True, help_text="Languages the source publishes in.")
    description = serializers.CharField(read_only=True, help_text="Description of the source.")
    name_nl, name_ru, name_uk = translated_fields("name", "source")
    description_nl, description_ru, description_uk = translated_fields("description", "source")
    translations = record_translations_field()
    publications = PublicationSerializer(
        source="public_publications", many=True, read_only=True, help_text="Its public publications."
    )
    testimonies = ApiListUrlField(
        "testimonies", {"source": "slug"}, help_text="The API list of the public testimonies citing its publications."
    )


SOURCES = ApiResource(
    name="sources",
    serializer_class=SourceSerializer,
    filterset_class=SourceFilter,
    queryset=lambda: Source.objects.for_public_detail(),
)
