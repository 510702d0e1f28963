"""The testimonies and sources of the JSON API (the machinery is in core/json_api.py)."""

from core.curation import Confidence
from core.json_api import (
    DATE,
    EDTF,
    INTEGER,
    NAMED_REF,
    PUBLIC_ID,
    PUBLICATION_REF,
    STRING,
    URL,
    ApiField,
    ApiResource,
    api_list_url,
    array_of,
    code,
    named_ref,
    obj,
    public_url,
    publication_ref,
    to_json,
)

from .filters import SourceFilter, TestimonyFilter
from .models import Consent, Publication, Source, Testimony

CITATION = obj(
    {
        "publication": PUBLICATION_REF,
        "locator": {"type": "string", "description": "Page or timestamp in the publication; may be empty."},
        "quoted_passage": {"type": "string", "description": "The passage of the publication; may be empty."},
        "confidence": code(Confidence),
    },
    "A public publication the testimony rests on, where in it, and how far it can be trusted.",
)


TRANSLATION = obj(
    {
        "language": code(Testimony.Language),
        "text": {"type": "string", "description": "The quote in that language."},
        "translator": {"type": "string", "description": "Who translated it, as shown to readers."},
        "machine": {"type": "boolean", "description": "True for a machine translation."},
    },
    "The quote translated into another language, with its translator.",
)


def translations(testimony, request) -> list[dict]:
    return [
        {
            "language": translation.language,
            "text": translation.text,
            "translator": translation.translator,
            "machine": translation.machine,
        }
        for translation in testimony.translations.all()
    ]


def citations(testimony, request) -> list[dict]:
    return [
        {
            "publication": publication_ref(citation.publication),
            "locator": citation.locator,
            "quoted_passage": citation.quoted_passage,
            "confidence": citation.confidence,
        }
        for citation in testimony.public_citations
    ]


TESTIMONIES = ApiResource(
    name="testimonies",
    title="Testimony",
    description=(
        "One person's account, under its public witness label. Identities and contact details of witnesses are "
        "never part of the API."
    ),
    filterset_class=TestimonyFilter,
    queryset=lambda: Testimony.objects.for_public_detail(),
    lookup="public_id",
    lookup_schema=PUBLIC_ID,
    fields=[
        ApiField(
            "id",
            PUBLIC_ID,
            "Public id of the testimony, as in its URL and the `id` column of testimonies.csv.",
            lambda testimony, request: testimony.public_id,
        ),
        ApiField("url", URL, "Public page of the testimony.", public_url),
        ApiField(
            "witness_label", STRING, "Public label of the witness, never a real name unless the witness went public."
        ),
        ApiField("witness_role", code(Testimony.WitnessRole), "The witness's relation to the facts."),
        ApiField("quote", STRING, "The quote in its original language."),
        ApiField("quote_language", code(Testimony.Language), "ISO 639-1 code of the quote's language."),
        ApiField("translation", STRING, "English translation; empty when the quote is in English."),
        ApiField(
            "translations",
            array_of(TRANSLATION),
            "The quote in other languages, one per language, each with its translator and whether a machine made it.",
            translations,
        ),
        ApiField("context", STRING, "What the sources say around the quote."),
        ApiField(
            "given_on",
            DATE,
            "Date the testimony was given; the first of its month when consent is limited.",
            lambda testimony, request: testimony.public_given_on,
        ),
        ApiField(
            "events",
            EDTF,
            "Date or period of the events as the sources give it; to the month at most when consent is limited.",
            lambda testimony, request: testimony.public_events,
        ),
        ApiField(
            "events_earliest",
            DATE,
            "Earliest day the events can have begun (of `events` as given here); null when open or unknown.",
            lambda testimony, request: testimony.public_events_bounds[0],
        ),
        ApiField(
            "events_latest",
            DATE,
            "Latest day the events can have ended (of `events` as given here); null when open or unknown.",
            lambda testimony, request: testimony.public_events_bounds[1],
        ),
        ApiField(
            "consent",
            {"type": "string", "enum": [Consent.GIVEN, Consent.LIMITED]},
            "`limited`: the witness allowed publication at month and region precision only (dates to the month, "
            "`sites` empty, `regions` given); otherwise `given`.",
        ),
        ApiField("verification", code(Testimony.Verification), "Verification status (the curators' judgement)."),
        ApiField(
            "independent_sources",
            INTEGER,
            "Number of independent sources among the public citations, computed: a source whose cited publications "
            "only report another cited source does not count; 0 without a public citation.",
        ),
        ApiField(
            "sites",
            array_of(NAMED_REF),
            "The public sites the testimony is about; empty when consent is limited.",
            lambda testimony, request: (
                [] if testimony.is_limited else [named_ref(site) for site in testimony.public_sites]
            ),
        ),
        ApiField(
            "regions",
            array_of(STRING),
            "The regions of those sites (given also when consent is limited).",
            # By their English names, whatever the reader's language, as in the CSV.
            lambda testimony, request: sorted({region.name for region in testimony.public_region_terms}),
        ),
        ApiField(
            "units",
            array_of(NAMED_REF),
            "The public units it names.",
            lambda testimony, request: [named_ref(unit) for unit in testimony.public_units],
        ),
        ApiField(
            "abuse_types",
            array_of(NAMED_REF),
            "The abuses it describes (controlled vocabulary).",
            lambda testimony, request: [named_ref(abuse) for abuse in testimony.public_abuse_types],
        ),
        ApiField("citations", array_of(CITATION), "The public publications it rests on.", citations),
    ],
)

PUBLICATION = obj(
    {
        "id": INTEGER,
        "title": STRING,
        "kind": code(Publication.Kind),
        "url": {"type": "string", "description": "Web address; may be empty."},
        "archived_url": {"type": "string", "description": "Web address of an archived copy; may be empty."},
        "published_on": EDTF,
        "published_on_earliest": DATE,
        "published_on_latest": DATE,
        "language": {"type": "string", "description": "ISO 639-1 code of its language; may be empty."},
        "excerpt": STRING,
        "cites": array_of(INTEGER),
    },
    "A public publication of the source; `cites` holds the record numbers of the public publications it cites.",
)


def publications(source, request) -> list[dict]:
    return [
        {
            "id": publication.pk,
            "title": publication.title,
            "kind": publication.kind,
            "url": publication.url,
            "archived_url": publication.archived_url,
            "published_on": publication.published_on,
            "published_on_earliest": to_json(publication.published_on_earliest),
            "published_on_latest": to_json(publication.published_on_latest),
            "language": publication.language,
            "excerpt": publication.excerpt,
            "cites": [cited.pk for cited in publication.public_cites],
        }
        for publication in source.public_publications
    ]


SOURCES = ApiResource(
    name="sources",
    title="Source",
    description="An organisation or outlet whose publications the records rest on.",
    filterset_class=SourceFilter,
    queryset=lambda: Source.objects.for_public_detail(),
    fields=[
        ApiField("id", INTEGER, "Record number of the source."),
        ApiField("slug", STRING, "Stable identifier of the source, used in its URL and in the filters."),
        ApiField("url", URL, "Public page of the source.", public_url),
        ApiField("name", STRING, "Name of the organisation or outlet."),
        ApiField("kind", code(Source.Kind), "Kind of source."),
        ApiField("website", STRING, "Website of the source; may be empty."),
        ApiField("country", STRING, "Country the source works from."),
        ApiField("languages", STRING, "Languages the source publishes in."),
        ApiField("description", STRING, "Description of the source."),
        ApiField("publications", array_of(PUBLICATION), "Its public publications.", publications),
        ApiField(
            "testimonies",
            URL,
            "The API list of the public testimonies citing its publications.",
            api_list_url("testimonies", source="slug"),
        ),
    ],
)
