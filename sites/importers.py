"""CSV import of sites.csv (the machinery and its rules are in core.csv_import)."""

from django.utils.translation import gettext as _

from core.csv_import import CHANGE_REASON, CsvImporter, register, split_list
from core.curation import link_locked_for, related_model
from units.models import Unit

from .exports import SITE_COLUMNS
from .models import Region, Site, SiteUnit
from .regions import region_index, region_key


@register
class SiteImporter(CsvImporter):
    """`unit_roles` (unit-slug:role) adds and removes site–unit links to public units; the link's period,
    publication and confidence are kept, and links to units that are not public are never removed."""

    kind = "sites"
    model = Site
    export_columns = SITE_COLUMNS
    many_to_many = {"publication_ids": ("reported_in", related_model(Site, "reported_in"), "pk")}
    relations = ("region", "region_code", "unit_roles", *many_to_many)
    derived = ("unit_slugs", "testimony_ids")

    def plan_relations(self, plan, cells):
        self.plan_region(plan, cells)
        self.resolve_many(plan, cells)
        if "unit_roles" not in cells:
            return
        wanted = set()
        for item in split_list(cells["unit_roles"]):
            slug, _sep, role = item.rpartition(":")
            if not slug or role not in SiteUnit.Role.values:
                self.refuse(
                    plan.row,
                    "unit_roles",
                    _("“%(item)s” is not unit-slug:role with a role of %(roles)s.")
                    % {"item": item, "roles": ", ".join(SiteUnit.Role.values)},
                )
                return
            wanted.add((slug, role))
        units = {unit.slug: unit for unit in Unit.objects.filter(slug__in={slug for slug, _role in wanted})}
        missing = sorted({slug for slug, _role in wanted} - set(units))
        if missing:
            self.refuse(plan.row, "unit_roles", _("No unit with slug %(slugs)s.") % {"slugs": ", ".join(missing)})
            return
        current = {}
        if not plan.adding:
            links = SiteUnit.objects.filter(site=plan.record).select_related("unit")
            current = {(link.unit.slug, link.role): link for link in links}
        public_units = set(Unit.objects.public().filter(site_units__site=plan.record.pk).values_list("pk", flat=True))
        add = [(units[slug], role) for slug, role in sorted(wanted - set(current))]
        # Only links to public units can be removed: the export shows no other.
        remove = [link for key, link in sorted(current.items()) if key not in wanted and link.unit_id in public_units]
        plan.extra["links"] = (add, remove)
        if add or remove:
            if not plan.adding:
                plan.changed.append("unit_roles")
            self.check_links(plan, add, remove)

    def plan_region(self, plan, cells):
        """`region_code` (ISO 3166-2) or else `region` (a name in any language, "Donetsk region" as well as
        "Донецкая область") names a term of the region vocabulary; a new site needs one."""
        code, name = cells.get("region_code", "").strip(), cells.get("region", "").strip()
        if not (code or name):
            if plan.adding and ("region" in cells or "region_code" in cells):
                self.refuse(plan.row, "region", _("Give the region of the site."))
            return
        if not hasattr(self, "region_index"):
            # One reading of the vocabulary per file, not per row.
            regions = list(Region.objects.all())
            self.region_index = region_index((region, region.name_variants()) for region in regions)
            self.region_codes = {region.code.upper(): region for region in regions if region.code}
        region = self.region_codes.get(code.upper()) if code else self.region_index.get(region_key(name))
        if region is None:
            column, text = ("region_code", code) if code else ("region", name)
            self.refuse(plan.row, column, _("No region is known as “%(text)s”.") % {"text": text})
            plan.invalid.append("region")
            return
        if plan.adding or plan.record.region_id != region.pk:
            plan.record.region = region
            if not plan.adding:
                plan.changed.append("region")

    def check_links(self, plan, add, remove):
        needed = (["sites.add_siteunit"] if add else []) + (["sites.delete_siteunit"] if remove else [])
        if self.check_permissions and not all(self.user.has_perm(permission) for permission in needed):
            self.refuse(plan.row, "unit_roles", _("You may not add or delete site–unit links."))
            return
        locked = []
        for unit, role in add:
            locked += link_locked_for(self.user, SiteUnit(site_id=plan.record.pk, unit=unit, role=role))
        for link in remove:
            locked += link_locked_for(self.user, link)
        if locked:
            names = sorted({f"{record._meta.verbose_name} “{record}”" for record in locked})
            self.refuse(
                plan.row,
                "unit_roles",
                _("Only reviewers can change links of published or withheld records: %(records)s.")
                % {"records": ", ".join(names)},
            )

    def apply_relations(self, plan):
        super().apply_relations(plan)
        add, remove = plan.extra.get("links", ((), ()))
        user = self.user if self.user is not None and self.user.is_authenticated else None
        for link in remove:
            link._history_user = user
            link._change_reason = CHANGE_REASON
            link.delete()
        for unit, role in add:
            link = SiteUnit(site=plan.record, unit=unit, role=role)
            link.full_clean()
            link._history_user = user
            link._change_reason = CHANGE_REASON
            link.save()
