"""CSV import of units.csv (the machinery and its rules are in core.csv_import)."""

from django.utils.translation import gettext as _

from core.csv_import import CsvImporter, register

from .exports import PERSON_COLUMNS, UNIT_COLUMNS
from .models import Person, Unit


@register
class UnitImporter(CsvImporter):
    """`parent_slug` names a unit in the database or in the same file; an empty cell removes a public parent
    but keeps one that is not public (the export shows none)."""

    kind = "units"
    model = Unit
    export_columns = UNIT_COLUMNS
    relations = ("parent_slug",)
    derived = ("commander_slugs", "person_slugs", "site_slugs", "testimony_ids")

    def plan_relations(self, plan, cells):
        if "parent_slug" not in cells:
            return
        slug = cells["parent_slug"].strip()
        current = None if plan.adding else plan.record.parent
        if not slug:
            if current is not None and not Unit.objects.public().filter(pk=current.pk).exists():
                return  # a parent the export could not show
            wanted = None
        else:
            wanted = slug
        if (current.slug if current else None) != wanted:
            plan.extra["parent_slug"] = wanted
            if not plan.adding:
                plan.changed.append("parent_slug")

    def check_together(self):
        """Parents name a unit of the database or of the file, and no unit becomes its own ancestor."""
        by_slug = {plan.record.slug: plan for plan in self.plans}
        wanted = {plan.record.slug: plan.extra["parent_slug"] for plan in self.plans if "parent_slug" in plan.extra}
        names = {slug for slug in wanted.values() if slug}
        stored = {unit.slug: unit for unit in Unit.objects.filter(slug__in=names)}
        parent_of = dict(Unit.objects.filter(parent__isnull=False).values_list("slug", "parent__slug"))
        parent_of.update(wanted)
        for slug, parent in wanted.items():
            plan = by_slug[slug]
            if parent and parent not in stored and parent not in by_slug:
                self.refuse(plan.row, "parent_slug", _("No unit with slug %(slug)s.") % {"slug": parent})
                continue
            seen, current = {slug}, parent
            while current:
                if current in seen:
                    self.refuse(plan.row, "parent_slug", _("A unit cannot be its own parent or ancestor."))
                    break
                seen.add(current)
                current = parent_of.get(current)

    def ordered(self, plans):
        """Parents created by the same file first."""
        by_slug = {plan.record.slug: plan for plan in plans}
        done, ordered = set(), []

        def visit(plan):
            if plan.record.slug in done:
                return
            done.add(plan.record.slug)
            parent = plan.extra.get("parent_slug")
            if parent in by_slug:
                visit(by_slug[parent])
            ordered.append(plan)

        for plan in plans:
            visit(plan)
        return ordered

    def before_save(self, plan):
        if "parent_slug" in plan.extra:
            slug = plan.extra["parent_slug"]
            # Checked in check_together: the unit exists (now) and is no ancestor of this one.
            plan.record.parent = Unit.objects.get(slug=slug) if slug else None


@register
class PersonImporter(CsvImporter):
    """Persons by slug: name, rank, date of birth (EDTF) and description. Aliases, postings and the testimonies
    that name a person are edited in the admin."""

    kind = "persons"
    model = Person
    export_columns = PERSON_COLUMNS
    derived = ("aliases", "call_signs", "unit_slugs", "testimony_ids")
