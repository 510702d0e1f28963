"""Load the demo data set of `archive.demo_data` idempotently: a second run changes nothing."""

from collections import Counter

from django.db import transaction

from archive import demo_data
from core.curation import PublicationStatus
from core.database import LongerLimitsCommand
from sites.models import Region, Site, SiteAlias, SiteTranslation, SiteUnit
from testimonies.models import (
    AbuseType,
    AbuseTypeTranslation,
    Citation,
    Publication,
    QuoteTranslation,
    Source,
    SourceAlias,
    SourceTranslation,
    Testimony,
    TestimonyPerson,
)
from units.models import Person, PersonAlias, Posting, Unit, UnitAlias, UnitParent, UnitTranslation

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Keys of the data dicts that are not model fields but links, handled after the record itself.
LINK_KEYS = {
    "key",
    "translations",
    "cites",
    "citations",
    "reported_in",
    "units",
    "sites",
    "abuse_types",
    "aliases",
    "persons",
    "parent_according_to",
}


class Command(LongerLimitsCommand):
    help = "Load the demo data set built from the seed article. Safe to run again: existing records are kept."

    def handle(self, *args, **options):
        self.stats: dict[str, Counter] = {}
        with transaction.atomic():
            self.load()
        self.report()

    def load(self):
        sources = {}
        for row in demo_data.SOURCES:
            sources[row["slug"]] = self.upsert(Source, {"slug": row["slug"]}, fields(row, "slug"))
            self.set_aliases(SourceAlias, sources[row["slug"]], row)
            self.set_translations(SourceTranslation, sources[row["slug"]], demo_data.name_translations(row))

        publications = {}
        for row in demo_data.PUBLICATIONS:
            source = sources[row["source"]]
            publication = self.upsert(
                Publication, {"source": source, "title": row["title"]}, fields(row, "source", "title")
            )
            self.set_m2m(publication, "cites", [publications[key] for key in row.get("cites", [])])
            publications[row["key"]] = publication

        abuse_types = {
            # The demo's vocabulary is reviewed: published, as the terms of the migration are.
            row["slug"]: self.upsert(
                AbuseType, {"slug": row["slug"]}, fields(row, "slug") | {"status": PublicationStatus.PUBLISHED}
            )
            for row in demo_data.ABUSE_TYPES
        }
        for slug, abuse_type in abuse_types.items():
            self.set_translations(AbuseTypeTranslation, abuse_type, demo_data.abuse_type_translations(slug))

        units = {}
        for row in demo_data.UNITS:
            values = fields(row, "slug") | {"parent": units[row["parent"]] if row.get("parent") else None}
            units[row["slug"]] = self.upsert(Unit, {"slug": row["slug"]}, values)
            self.set_aliases(UnitAlias, units[row["slug"]], row)
            self.set_translations(UnitTranslation, units[row["slug"]], demo_data.name_translations(row))
            if row.get("parent"):
                lookup = {"unit": units[row["slug"]], "parent": units[row["parent"]]}
                self.upsert(UnitParent, lookup, {"publication": publications[row["parent_according_to"]]})

        persons = {}
        for row in demo_data.PERSONS:
            persons[row["slug"]] = self.upsert(Person, {"slug": row["slug"]}, fields(row, "slug"))
            self.set_aliases(PersonAlias, persons[row["slug"]], row)
        for row in demo_data.POSTINGS:
            lookup = {"person": persons[row["person"]], "unit": units[row["unit"]], "role": row["role"]}
            values = fields(row, "person", "unit", "role", "publication") | {
                "publication": publications.get(row.get("publication"))
            }
            self.upsert(Posting, lookup, values)

        sites = {}
        Region.objects.load_vocabulary()
        regions = {region.slug: region for region in Region.objects.all()}
        for row in demo_data.SITES:
            values = fields(row, "slug", "region") | {"region": regions[row["region"]]}
            site = self.upsert(Site, {"slug": row["slug"]}, values)
            self.set_aliases(SiteAlias, site, row)
            self.set_translations(SiteTranslation, site, demo_data.name_translations(row))
            self.set_m2m(site, "reported_in", [publications[key] for key in row["reported_in"]])
            for link in row["units"]:
                lookup = {"site": site, "unit": units[link["unit"]], "role": link["role"]}
                values = fields(link, "unit", "role") | {"publication": publications.get(link.get("publication"))}
                self.upsert(SiteUnit, lookup, values)
            sites[row["slug"]] = site

        for row in demo_data.TESTIMONIES:
            lookup = {"witness_label": row["witness_label"], "quote": row["quote"]}
            testimony = self.upsert(Testimony, lookup, fields(row, "witness_label", "quote"))
            self.set_m2m(testimony, "sites", [sites[slug] for slug in row.get("sites", [])])
            self.set_m2m(testimony, "units", [units[slug] for slug in row.get("units", [])])
            self.set_m2m(testimony, "abuse_types", [abuse_types[slug] for slug in row.get("abuse_types", [])])
            for citation in row.get("citations", []):
                lookup = {
                    "testimony": testimony,
                    "publication": publications[citation["publication"]],
                    "locator": citation.get("locator", ""),
                }
                values = {
                    "quoted_passage": citation.get("quoted_passage", row["quote"]),
                    "confidence": citation.get("confidence", "medium"),
                    "accessed_on": citation.get("accessed_on"),
                }
                self.upsert(Citation, lookup, values)
            for translation in row.get("translations", []):
                lookup = {"testimony": testimony, "language": translation["language"]}
                values = {"text": translation["text"], "translator": demo_data.DEMO_TRANSLATOR, "machine": True}
                self.upsert(QuoteTranslation, lookup, values)
            for link in row.get("persons", []):
                lookup = {"testimony": testimony, "person": persons[link["person"]], "role": link["role"]}
                values = {"publication": publications[link["publication"]], "confidence": link["confidence"]}
                self.upsert(TestimonyPerson, lookup, values)

    def upsert(self, model, lookup: dict, values: dict):
        """Like `update_or_create`, but saves only when a value differs, so a repeated load keeps `updated_at`."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.count(model, CREATED)
            return obj
        changed = [name for name, value in values.items() if not same_value(obj, name, value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save()
        self.count(model, UPDATED if changed else UNCHANGED)
        return obj

    def set_aliases(self, alias_model, record, row: dict):
        for alias in row.get("aliases", []):
            lookup = {alias_model.PARENT_FIELD: record, "name": alias["name"], "language": alias["language"]}
            self.upsert(alias_model, lookup, {"kind": alias["kind"]})

    def set_translations(self, translation_model, record, translations: list[dict]):
        for translation in translations:
            lookup = {
                translation_model.PARENT_FIELD: record,
                "field": translation["field"],
                "language": translation["language"],
            }
            values = {key: translation.get(key, False) for key in ("text", "translator", "machine")}
            self.upsert(translation_model, lookup, values)

    def set_m2m(self, obj, name: str, targets: list):
        manager = getattr(obj, name)
        if set(manager.values_list("pk", flat=True)) != {target.pk for target in targets}:
            manager.set(targets)
            self.count(type(obj), UPDATED, links=True)

    def count(self, model, action: str, links: bool = False):
        counter = self.stats.setdefault(model._meta.object_name, Counter())
        counter["link sets changed" if links else action] += 1

    def report(self):
        models = [Source, SourceAlias, SourceTranslation, Publication, AbuseType, AbuseTypeTranslation]
        models += [Unit, UnitAlias, UnitTranslation, UnitParent, Person, PersonAlias, Posting]
        models += [Site, SiteAlias, SiteTranslation, SiteUnit, Testimony, QuoteTranslation, Citation, TestimonyPerson]
        self.stdout.write("Demo data loaded:")
        for model in models:
            counter = self.stats.get(model._meta.object_name, Counter())
            changes = ", ".join(
                f"{counter[action]} {action}" for action in (CREATED, UPDATED, UNCHANGED, "link sets changed")
            )
            self.stdout.write(f"  {model._meta.object_name:<20} {model.objects.count():>4} in database ({changes})")
        hidden = Testimony.objects.exclude(pk__in=Testimony.objects.public()).count()
        self.stdout.write(f"  of which testimonies not public (draft, review, withheld): {hidden}")


def fields(row: dict, *exclude: str) -> dict:
    """The plain field values of a data row, without its natural-key and link entries."""
    return {name: value for name, value in row.items() if name not in LINK_KEYS and name not in exclude}


def same_value(obj, name: str, value) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == (field.to_python(value) if value is not None else None)
