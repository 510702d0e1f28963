"""The units of the JSON API (/api/units/); the machinery is in core/json_api.py."""

from core.curation import Confidence, related_model
from core.json_api import (
    DATE,
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

from .filters import UnitFilter
from .models import Unit

COMMANDER = obj(
    {
        "name": STRING,
        "call_sign": STRING,
        "position": STRING,
        "period_start": DATE,
        "period_end": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "A person's post in the unit over a period, with the publication that names them.",
)
UNIT_SITE = obj(
    {
        "site": NAMED_REF,
        "role": code(related_model(Unit, "site_units").Role),
        "period_start": DATE,
        "period_end": DATE,
        "confidence": code(Confidence),
        "publication": nullable(PUBLICATION_REF),
    },
    "The unit's link to a site, the role it played there and the publication that says so.",
)


def commanders(unit, request) -> list[dict]:
    return [
        {
            "name": commander.name,
            "call_sign": commander.call_sign,
            "position": commander.position,
            "period_start": to_json(commander.period_start),
            "period_end": to_json(commander.period_end),
            "confidence": commander.confidence,
            "publication": publication_ref(commander.public_publication),
        }
        for commander in unit.public_commanders
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
        ApiField("commanders", array_of(COMMANDER), "The commanders recorded for the unit.", commanders),
        ApiField("sites", array_of(UNIT_SITE), "The public sites linked to the unit.", unit_sites),
        ApiField(
            "testimonies",
            URL,
            "The API list of the public testimonies naming the unit.",
            api_list_url("testimonies", unit="slug"),
        ),
    ],
)
