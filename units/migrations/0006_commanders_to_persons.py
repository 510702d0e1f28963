"""Every commander typed on a unit becomes a person (one per name, so the same officer on two units is one person)
with a posting that keeps its period, publication and confidence, and its call sign as an alias; the commanders'
history rows become the postings' history rows. Every unit's present parent becomes its first parent link."""

from anyascii import anyascii
from django.db import migrations
from django.utils.text import slugify

from core.search import fold, name_index


def period_of(start, end) -> str:
    if start and end:
        return f"{start.isoformat()}/{end.isoformat()}"
    if start:
        return f"{start.isoformat()}/.."
    if end:
        return f"../{end.isoformat()}"
    return ""


def role_of(position: str) -> str:
    position = (position or "").lower()
    if "deputy" in position:
        return "deputy_commander"
    if "chief of staff" in position:
        return "chief_of_staff"
    return "commander" if "command" in position or not position else "officer"


def unique_slug(Person, name: str, taken: set) -> str:
    base = slugify(anyascii(name))[:190] or "person"
    slug, number = base, 2
    while slug in taken or Person.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def posting_values(row, person_id) -> dict:
    return {
        "person_id": person_id,
        "unit_id": row.unit_id,
        "role": role_of(row.position),
        "title": row.position,
        "period": period_of(row.period_start, row.period_end),
        "period_earliest": row.period_start,
        "period_latest": row.period_end,
        "publication_id": row.publication_id,
        "confidence": row.confidence,
    }


def commanders_to_persons(apps, schema_editor):
    Commander = apps.get_model("units", "Commander")
    HistoricalCommander = apps.get_model("units", "HistoricalCommander")
    Person = apps.get_model("units", "Person")
    PersonAlias = apps.get_model("units", "PersonAlias")
    Posting = apps.get_model("units", "Posting")
    HistoricalPosting = apps.get_model("units", "HistoricalPosting")
    Unit = apps.get_model("units", "Unit")
    UnitParent = apps.get_model("units", "UnitParent")

    persons, taken, posting_of = {}, set(), {}
    for commander in Commander.objects.select_related("unit").order_by("pk"):
        key = fold(commander.name)
        person = persons.get(key)
        unit_published = commander.unit.status == "published"
        if person is None:
            person = Person.objects.create(
                name=commander.name,
                slug=unique_slug(Person, commander.name, taken),
                status="published" if unit_published else "draft",
                search_names=name_index([commander.name, commander.call_sign]),
            )
            persons[key] = person
        elif unit_published and person.status != "published":
            person.status = "published"
            person.save(update_fields=["status"])
        if commander.call_sign and not PersonAlias.objects.filter(person=person, name=commander.call_sign).exists():
            PersonAlias.objects.create(person=person, name=commander.call_sign, kind="call_sign")
            person.search_names = name_index([person.name, *PersonAlias.objects.filter(person=person).values_list("name", flat=True)])
            person.save(update_fields=["search_names"])
        posting = Posting.objects.create(**posting_values(commander, person.pk))
        posting_of[commander.pk] = posting

    for row in HistoricalCommander.objects.order_by("history_id"):
        posting = posting_of.get(row.id)
        person = posting.person if posting else persons.get(fold(row.name))
        if person is None:  # a commander deleted before this migration: its person is made for the record
            person = Person.objects.create(
                name=row.name, slug=unique_slug(Person, row.name, taken), status="draft",
                search_names=name_index([row.name]),
            )
            persons[fold(row.name)] = person
        HistoricalPosting.objects.create(
            id=posting.pk if posting else row.id,
            **posting_values(row, person.pk),
            history_date=row.history_date,
            history_change_reason=row.history_change_reason or "Commander recorded on the unit (before persons)",
            history_type=row.history_type,
            history_user_id=row.history_user_id,
        )

    for unit in Unit.objects.filter(parent__isnull=False):
        UnitParent.objects.create(unit=unit, parent_id=unit.parent_id, period="")


def persons_to_commanders(apps, schema_editor):
    """Back to one commander per posting (names, call signs, periods, publication, confidence)."""
    Commander = apps.get_model("units", "Commander")
    Posting = apps.get_model("units", "Posting")
    for posting in Posting.objects.select_related("person"):
        call_sign = posting.person.aliases.filter(kind="call_sign").values_list("name", flat=True).first() or ""
        Commander.objects.create(
            unit_id=posting.unit_id,
            name=posting.person.name,
            call_sign=call_sign,
            position=posting.title,
            period_start=posting.period_earliest,
            period_end=posting.period_latest,
            publication_id=posting.publication_id,
            confidence=posting.confidence,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0005_persons_and_postings"),
    ]

    operations = [
        migrations.RunPython(commanders_to_persons, persons_to_commanders),
    ]
