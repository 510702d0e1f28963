"""The units of the JSON API (/api/units/); the machinery is in core/json_api.py."""

from core.curation import Confidence, related_model
from core.json_api import (
    DATE,
    EDTF,
    INTEGER,
    NAMED_REF,
    PUBLICATION_REF,
    STRING,
    URL,
    ApiField,
    ApiResource,
    api_list_url,
    array_of,
    cited_link,
    code,
    named_ref,
    nullable,
    obj,
    public_url,
    publication_ref,
    to_json,
)

from .filters import PersonFilter, UnitFilter
from .models import Person, Posting, Unit

POSTING = obj(
    {
        "person": NAMED_REF,
        "role": code(Posting.Role),
        "title": STRING,
        "period": {"type": "string", "description": "The period as the source gives it (EDTF); empty when unknown."},
        "period_earliest": DATE,
        "period_latest": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "A person's post in the unit over a period, with the publication that names them.",
)
UNIT_SITE = obj(
    {
        "site": NAMED_REF,
        "role": code(related_model(Unit, "site_units").Role),
        "period": EDTF,
        "period_earliest": DATE,
        "period_latest": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "The unit's link to a site, the role it played there and the publication that says so.",
)


def postings(unit, request) -> list[dict]:
    return [
        {
            "person": named_ref(posting.person),
            "role": posting.role,
            "title": posting.title,
            "period": posting.period,
            "period_earliest": to_json(posting.period_earliest),
            "period_latest": to_json(posting.period_latest),
            "confidence": posting.confidence,
            "publication": publication_ref(posting.public_publication),
        }
        for posting in unit.public_postings
    ]


def unit_sites(unit, request) -> list[dict]:
    return [cited_link(link, "site") for link in unit.public_site_units]


UNITS = ApiResource(
    name="units",
    title="Unit",
    description="A military unit, placed in its chain of command by its parent unit.",
    filterset_class=UnitFilter,
    queryset=lambda: Unit.objects.for_public_api(),
    fields=[
        ApiField("id", INTEGER, "Record number of the unit."),
        ApiField("slug", STRING, "Stable identifier of the unit, used in its URL and in the filters."),
        ApiField("url", URL, "Public page of the unit.", public_url),
        ApiField("name", STRING, "Full name of the unit."),
        ApiField("short_name", STRING, "Short name; may be empty."),
        ApiField("unit_number", STRING, "Military unit number (в/ч); text, as it may hold letters or leading zeros."),
        ApiField("kind", code(Unit.Kind), "Kind of unit."),
        ApiField(
            "parent",
            nullable(NAMED_REF),
            "The parent unit; null when there is none or it is not public.",
            lambda unit, request: named_ref(unit.public_parent) if unit.public_parent else None,
        ),
        ApiField("branch", STRING, "Branch of the armed forces."),
        ApiField("garrison", STRING, "Garrison or location."),
        ApiField("description", STRING, "Description of the unit."),
        ApiField(
            "sub_units",
            array_of(NAMED_REF),
            "The public units whose parent this unit is.",
            lambda unit, request: [named_ref(child) for child in unit.public_children],
        ),
        ApiField("postings", array_of(POSTING), "The public persons posted to the unit, in any role.", postings),
        ApiField("sites", array_of(UNIT_SITE), "The public sites linked to the unit.", unit_sites),
        ApiField(
            "testimonies",
            URL,
            "The API list of the public testimonies naming the unit.",
            api_list_url("testimonies", unit="slug"),
        ),
    ],
)


PERSON_POSTING = obj(
    {
        "unit": NAMED_REF,
        "role": code(Posting.Role),
        "title": STRING,
        "period": {"type": "string", "description": "The period as the source gives it (EDTF); empty when unknown."},
        "period_earliest": DATE,
        "period_latest": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "The person's post in a public unit over a period, with the publication that names them.",
)


def person_postings(person, request) -> list[dict]:
    return [
        {
            "unit": named_ref(posting.unit),
            "role": posting.role,
            "title": posting.title,
            "period": posting.period,
            "period_earliest": to_json(posting.period_earliest),
            "period_latest": to_json(posting.period_latest),
            "confidence": posting.confidence,
            "publication": publication_ref(posting.public_publication),
        }
        for posting in person.public_postings
    ]


PERSONS = ApiResource(
    name="persons",
    title="Person",
    description="A commander, officer or named perpetrator, with the public units they were posted to.",
    filterset_class=PersonFilter,
    queryset=lambda: Person.objects.for_public_detail().order_by("name", "pk"),
    fields=[
        ApiField("id", INTEGER, "Record number of the person."),
        ApiField("slug", STRING, "Stable identifier of the person, used in their URL and in the filters."),
        ApiField("url", URL, "Public page of the person.", public_url),
        ApiField("name", STRING, "Name as sources write it in English."),
        ApiField("rank", STRING, "Rank; may be empty."),
        ApiField("call_signs", array_of(STRING), "Call signs the person is known by."),
        ApiField(
            "date_of_birth",
            STRING,
            "Date of birth (EDTF), only where it is public; empty otherwise.",
        ),
        ApiField("description", STRING, "Description of the person."),
        ApiField("postings", array_of(PERSON_POSTING), "The person's public postings, in any role.", person_postings),
        ApiField(
            "testimonies",
            URL,
            "The API list of the public testimonies naming the person.",
            api_list_url("testimonies", person="slug"),
        ),
    ],
)
