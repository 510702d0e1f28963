"""Columns of the public CSV export of units (their data dictionary is docs/data-dictionary.md)."""

from django.db import models
from django.db.models import OuterRef, Q, Subquery

from core.csv_export import Column, JoinedText, Packed, joined, public_url, record_translation_columns
from core.curation import public_related, related_model
from core.names import AliasKind

from .models import Person, PersonAlias, Posting, Unit

# Sites, their unit links and testimonies belong to higher apps; reached through the relations they declare.
public_site_links = public_related(Unit, "site_units")
public_sites = public_related(Unit, "sites")
public_testimonies = public_related(Unit, "testimonies")
# Testimonies name persons through a link of the testimonies app.
public_person_links = public_related(Person, "testimony_links")

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
    *record_translation_columns(Unit, ("name", "description"), "unit"),
    Column(
        "commander_slugs",
        "Slugs of the public persons posted to the unit as commander (at any time); join with persons.csv `slug`.",
        "list",
        joined(
            Person.objects.public().filter(
                pk__in=Posting.objects.public()
                .filter(unit=OuterRef(OuterRef("pk")), role=Posting.Role.COMMANDER)
                .values("person")
            ),
            "slug",
        ),
    ),
    Column(
        "person_slugs",
        "Slugs of every public person posted to the unit, in any role; the posts are in postings.csv.",
        "list",
        joined(
            Person.objects.public().filter(
                pk__in=Posting.objects.public().filter(unit=OuterRef(OuterRef("pk"))).values("person")
            ),
            "slug",
        ),
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
        "Public ids of the public testimonies naming the unit; join with testimonies.csv `id`.",
        "list",
        joined(public_testimonies.filter(units=OuterRef("pk")), "public_id"),
    ),
]


def public_publication_id(link_field: str = "publication"):
    """The record number of a link's publication, only when the public may see it."""
    return Subquery(public_related(Posting, link_field).filter(pk=OuterRef(link_field)).values("pk")[:1])


# A person's aliases, read once per row for both of their columns.
ALIASES = Packed(
    "aliases",
    PersonAlias.objects.filter(person=OuterRef("pk")),
    {
        "aliases": JoinedText("name"),
        "call_signs": JoinedText("name", where=Q(kind=AliasKind.CALL_SIGN)),
    },
)

PERSON_COLUMNS = [
    Column("id", "Record number of the person.", "integer"),
    Column("slug", "Stable identifier of the person, used in its URL and in the other files."),
    public_url("units:person_detail", "slug"),
    Column("name", "Name as sources write it in English."),
    Column(
        "aliases",
        "Other names and spellings: Cyrillic originals, transliterations, call signs.",
        "list",
        packed=ALIASES,
    ),
    Column(
        "call_signs",
        "Call signs (also among the aliases).",
        "list",
        packed=ALIASES,
    ),
    Column("rank", "Rank, as the latest source gives it."),
    Column("date_of_birth", "Date of birth, only when a source made it public (EDTF).", "date (EDTF)"),
    Column("description", "Description of the person."),
    Column(
        "unit_slugs",
        "Slugs of the public units the person was posted to; join with units.csv `slug`.",
        "list",
        joined(
            Unit.objects.public().filter(
                pk__in=Posting.objects.public().filter(person=OuterRef(OuterRef("pk"))).values("unit")
            ),
            "slug",
        ),
    ),
    Column(
        "testimony_ids",
        "Public ids of the public testimonies that name the person; join with testimonies.csv `id`.",
        "list",
        joined(
            related_model(Person, "testimony_links")
            ._meta.get_field("testimony")
            .related_model.objects.public()
            .filter(pk__in=public_person_links.filter(person=OuterRef(OuterRef("pk"))).values("testimony")),
            "public_id",
        ),
    ),
]

POSTING_COLUMNS = [
    Column("id", "Record number of the posting.", "integer"),
    Column("person_slug", "The person; join with persons.csv `slug`.", "text", models.F("person__slug")),
    Column("unit_slug", "The unit; join with units.csv `slug`.", "text", models.F("unit__slug")),
    Column("role", f"Role in the unit: {', '.join(Posting.Role.values)}.", "code"),
    Column("title", "Title or position as the source gives it."),
    Column("period", "Period of the posting as the source gives it (EDTF); empty when unknown.", "date (EDTF)"),
    Column("period_earliest", "Earliest day the period can mean; empty when open or unknown.", "date (ISO 8601)"),
    Column("period_latest", "Latest day the period can mean; empty when open or unknown.", "date (ISO 8601)"),
    Column(
        "publication_id",
        "Record number of the publication the posting rests on, when it is public.",
        "integer",
        public_publication_id(),
    ),
    Column("confidence", "How sure the posting is: low, medium or high.", "code"),
]
