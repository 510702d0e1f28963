"""Columns of the public CSV exports of testimonies and sources (their data dictionary is docs/data-dictionary.md)."""

from django.db.models import Case, DateField, F, OuterRef, Q, When
from django.db.models.functions import Cast, TruncMonth

from core.csv_export import (
    Column,
    JoinedText,
    Packed,
    joined,
    packed_translations,
    public_url,
    record_translation_columns,
    translation_columns,
)
from core.dates import bounds, to_month
from core.public_ids import DESCRIPTION as PUBLIC_ID
from sites.models import Region, Site
from units.models import Unit

from .models import (
    AbuseType,
    Citation,
    Consent,
    Publication,
    QuoteTranslation,
    Source,
    Testimony,
    independent_sources,
)

LIMITED = Q(consent=Consent.LIMITED)


def public_date(field: str):
    """A date column as the public may see it: the first of its month under limited consent."""
    return Case(
        # PostgreSQL's DATE_TRUNC gives a timestamp: cast back to a date (inside a Case no converter runs).
        When(LIMITED, then=Cast(TruncMonth(field, output_field=DateField()), DateField())),
        default=F(field),
        output_field=DateField(),
    )


def public_events(row: dict) -> tuple:
    """The events' EDTF text and its earliest and latest day as the public may see them (the month at most under
    limited consent: testimonies.models.Testimony.public_events)."""
    if row["csv_consent"] != Consent.LIMITED:
        return row["csv_events"], row["csv_events_earliest"], row["csv_events_latest"]
    text = to_month(row["csv_events"])
    return (text, *bounds(text))


def public_regions_of_testimony():
    """The public regions of the public sites of the testimony of the enclosing export row, each once."""
    return Region.objects.public().filter(
        pk__in=Site.objects.public().filter(testimonies=OuterRef(OuterRef("pk"))).values("region")
    )


def cited_by_outer_testimony(field: str):
    """Values of `field` over the public citations of the testimony of the enclosing export row."""
    return Citation.objects.public().filter(testimony=OuterRef(OuterRef("pk"))).values(field)


def public_sources_of_testimony():
    return Source.objects.public().filter(pk__in=cited_by_outer_testimony("publication__source"))


def public_publications_of_testimony():
    return Publication.objects.public().filter(pk__in=cited_by_outer_testimony("publication"))


# The languages a quote has a column of translations into.
QUOTE_LANGUAGES = {"nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "en": "English"}


def quote_translation_columns() -> list[Column]:
    """The quote's translation into each of QUOTE_LANGUAGES, with its translator and machine mark: one subquery."""
    translations = packed_translations(
        "quote_translations",
        QuoteTranslation.objects.filter(testimony=OuterRef("pk")),
        {f"quote_{language}": Q(language=language) for language in QUOTE_LANGUAGES},
    )
    return [
        column
        for language, name in QUOTE_LANGUAGES.items()
        for column in translation_columns(
            f"quote_{language}",
            name,
            translations,
            f"The quote translated into {name}; empty when there is no such translation (or the quote is in {name}).",
        )
    ]


# The related records of a testimony, each kind read once per row for all of its columns.
SITES = Packed(
    "sites",
    Site.objects.public().filter(testimonies=OuterRef("pk")),
    {"site_slugs": JoinedText("slug"), "site_names": JoinedText("name", "slug")},
    empty_when=LIMITED,
)
REGIONS = Packed(
    "regions",
    public_regions_of_testimony(),
    {"site_regions": JoinedText("name"), "site_region_codes": JoinedText("code", "name")},
)
UNITS = Packed(
    "units",
    Unit.objects.public().filter(testimonies=OuterRef("pk")),
    {"unit_slugs": JoinedText("slug"), "unit_names": JoinedText("name", "slug")},
)
PUBLICATIONS = Packed(
    "publications",
    public_publications_of_testimony(),
    {
        "publication_ids": JoinedText("pk"),
        "citation_urls": JoinedText("url", where=~Q(url="")),
    },
)
CITATIONS = Packed(
    "citations",
    Citation.objects.public().filter(testimony=OuterRef("pk")),
    {
        "citation_publication_ids": JoinedText("publication_id", "pk"),
        "citation_locators": JoinedText("locator", "pk"),
        "citation_confidences": JoinedText("confidence", "pk"),
    },
)


TESTIMONY_COLUMNS = [
    Column("id", f"Public id of the testimony ({PUBLIC_ID}), as in its URL and the API.", "text", F("public_id")),
    public_url("testimonies:testimony_detail", "csv_id"),
    Column("witness_label", "Public label of the witness, never a real name unless the witness went public."),
    Column(
        "witness_role",
        f"Code of the witness's relation to the facts: {', '.join(Testimony.WitnessRole.values)}.",
        "code",
    ),
    Column("quote", "The quote in its original language; line breaks are kept inside the quoted cell."),
    Column("quote_language", "ISO 639-1 code of the quote's language.", "code"),
    Column("translation", "English translation, empty when the quote is in English."),
    *quote_translation_columns(),
    Column("context", "What the sources say around the quote."),
    Column(
        "given_on",
        "Date the testimony was given; the first of its month when the witness's consent is limited.",
        "date (ISO 8601)",
        public_date("given_on"),
    ),
    Column(
        "events",
        "Date or period of the events as the sources give it (EDTF: 2022-11, 2022-23 for autumn, 2022-11~ for "
        "about, 2022-11/.. for open-ended); empty when unknown; to the month at most when consent is limited.",
        "date (EDTF)",
        F("events"),
        python=lambda row, context: public_events(row)[0],
    ),
    Column(
        "events_earliest",
        "Earliest day the events can have begun (of `events` as exported), if known.",
        "date (ISO 8601)",
        F("events_earliest"),
        python=lambda row, context: public_events(row)[1],
    ),
    Column(
        "events_latest",
        "Latest day the events can have ended (of `events` as exported), if known.",
        "date (ISO 8601)",
        F("events_latest"),
        python=lambda row, context: public_events(row)[2],
    ),
    Column(
        "consent",
        "`limited` when the witness allowed publication at month and region precision only (dates are then given "
        "to the month and the sites only as regions); otherwise `given`.",
        "code",
        F("consent"),
    ),
    Column("verification", f"Verification status: {', '.join(Testimony.Verification.values)}.", "code"),
    Column(
        "independent_sources",
        "Number of independent sources among the public citations (computed): distinct sources, not counting a "
        "source whose cited publications only report another cited source (an article citing ASTRA's finding "
        "beside ASTRA's own is one source); 0 without a public citation.",
        "integer",
        independent_sources(),
    ),
    Column(
        "site_slugs",
        "Slugs of the sites the testimony is about; join with sites.csv `slug`. Empty when consent is limited.",
        "list",
        packed=SITES,
    ),
    Column(
        "site_names",
        "Names of those sites, in the order of `site_slugs`. Empty when consent is limited.",
        "list",
        packed=SITES,
    ),
    Column(
        "site_regions",
        "Regions of the sites the testimony is about (given also when consent is limited).",
        "list",
        packed=REGIONS,
    ),
    Column(
        "site_region_codes",
        "ISO 3166-2 codes of those regions (e.g. `UA-14`), in the order of `site_regions`; empty for a region "
        "that has none.",
        "list",
        packed=REGIONS,
    ),
    Column(
        "unit_slugs",
        "Slugs of the units named; join with units.csv `slug`.",
        "list",
        packed=UNITS,
    ),
    Column(
        "unit_names",
        "Names of those units, in the order of `unit_slugs`.",
        "list",
        packed=UNITS,
    ),
    Column(
        "abuse_type_slugs",
        "Slugs of the abuses described (controlled vocabulary).",
        "list",
        joined(AbuseType.objects.public().filter(testimonies=OuterRef("pk")), "slug"),
    ),
    Column(
        "source_slugs",
        "Slugs of the sources whose publications the testimony cites; join with sources.csv `slug`.",
        "list",
        joined(public_sources_of_testimony(), "slug"),
    ),
    Column(
        "publication_ids",
        "Record numbers of the cited publications.",
        "list",
        packed=PUBLICATIONS,
    ),
    Column(
        "citation_urls",
        "Web addresses of the cited publications (those that have one).",
        "list",
        packed=PUBLICATIONS,
    ),
    # One item per public citation, in the same order in each of these three columns.
    Column(
        "citation_publication_ids",
        "Record number of the publication of each public citation (a publication cited at two places appears twice).",
        "list",
        packed=CITATIONS,
    ),
    Column(
        "citation_locators",
        "Page or timestamp of each citation, in the order of `citation_publication_ids` (empty when not given).",
        "list",
        packed=CITATIONS,
    ),
    Column(
        "citation_confidences",
        "Confidence of each citation (low, medium, high), in the order of `citation_publication_ids`.",
        "list",
        packed=CITATIONS,
    ),
]

SOURCE_PUBLICATIONS = Packed(
    "publications",
    Publication.objects.public().filter(source=OuterRef("pk")),
    {
        "publication_titles": JoinedText("title"),
        "publication_urls": JoinedText("url", where=~Q(url="")),
    },
)

SOURCE_COLUMNS = [
    Column("id", "Record number of the source.", "integer"),
    Column("slug", "Stable identifier of the source, used in its URL and in the other files."),
    public_url("testimonies:source_detail", "slug"),
    Column("name", "Name of the organisation or outlet."),
    Column("kind", f"Kind of source: {', '.join(Source.Kind.values)}.", "code"),
    Column("website", "Website of the source.", "url"),
    Column("country", "Country the source works from."),
    Column("languages", "Languages the source publishes in."),
    Column("description", "Description of the source."),
    *record_translation_columns(Source, ("name", "description"), "source"),
    Column(
        "publication_titles",
        "Titles of the source's public publications.",
        "list",
        packed=SOURCE_PUBLICATIONS,
    ),
    Column(
        "publication_urls",
        "Web addresses of those publications (those that have one).",
        "list",
        packed=SOURCE_PUBLICATIONS,
    ),
]
