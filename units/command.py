"""Who was in command: the postings of units, and the units above them, at the time of some events.

`chains_of_command(units, start, end)` reads, for the public units a testimony or a site names, the public postings
that may overlap [start, end] and the public parent units at that time, up the hierarchy. It issues one query per
level of the hierarchy (at most MAX_LEVELS; two when a unit of the level has no dated parent link) and one for all
postings, whatever the number of units, and says for every step how far its period is known: covering the events,
overlapping them only in part, or not recorded.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from core.curation import public_related

from .models import Posting, Unit, UnitParent

MAX_LEVELS = 8

COVERS, PARTLY, UNKNOWN, UNDATED_EVENTS = "covers", "partly", "unknown", "undated_events"
NOTES = {
    COVERS: "",
    PARTLY: _("only part of the period overlaps the events"),
    UNKNOWN: _("its period is not recorded"),
    UNDATED_EVENTS: _("the events are not dated"),
}
ROLE_ORDER = {role: index for index, role in enumerate(Posting.Role.values)}


def overlap(earliest, latest, start, end) -> str:
    """How a period [earliest, latest] relates to the events' [start, end] (None: open or unknown)."""
    if earliest is None and latest is None:
        return UNKNOWN
    if start is None and end is None:
        return UNDATED_EVENTS
    starts_in_time = earliest is None or (start is not None and earliest <= start)
    lasts = latest is None or (end is not None and latest >= end)
    return COVERS if starts_in_time and lasts else PARTLY


@dataclass
class Dated:
    """A posting or a parent link, with how its period relates to the events."""

    record: object
    fit: str

    @property
    def note(self):
        return NOTES[self.fit]


@dataclass
class Step:
    unit: Unit
    postings: list[Dated] = field(default_factory=list)
    parents: list[Dated] = field(default_factory=list)  # the links to the next step up (usually one)
    current_parent_only: bool = False  # no dated link: the unit's present parent, period not recorded


@dataclass
class Chain:
    steps: list[Step]

    @property
    def unit(self):
        return self.steps[0].unit


def chains_of_command(
    units: list[Unit], start: datetime.date | None = None, end: datetime.date | None = None
) -> list[Chain]:
    """For each of `units` (public), its chain of command during [start, end]: the unit, its postings, its parent
    at that time and that parent's postings, up to the top."""
    public_ids = set(Unit.objects.public().filter(pk__in=[unit.pk for unit in units]).values_list("pk", flat=True))
    units = [unit for unit in units if unit.pk in public_ids]
    if not units:
        return []
    parent_links: dict[int, list[Dated]] = {}
    current_parents: dict[int, Unit] = {}
    records = {unit.pk: unit for unit in units}
    frontier, expanded = set(records), set()
    for _level in range(MAX_LEVELS):
        expanded |= frontier
        found = set()
        # Every public link of the level, in one query: those whose period may overlap [start, end] are the chain's
        # (the rule of core.dates.overlapping, tested here in Python); a unit with none at all has no dated parent.
        dated = set()
        for link in (
            UnitParent.objects.public()
            .with_public_publication()
            .filter(unit__in=frontier)
            .select_related("parent")
            .order_by("unit", "-period_earliest")
        ):
            dated.add(link.unit_id)
            if not periods_may_overlap((link.period_earliest, link.period_latest), (start, end)):
                continue
            parent_links.setdefault(link.unit_id, []).append(
                Dated(link, overlap(link.period_earliest, link.period_latest, start, end))
            )
            records.setdefault(link.parent_id, link.parent)
            found.add(link.parent_id)
        # A unit with no public dated parent link at all falls back on its present parent, and the page says so.
        undated = frontier - dated
        for child in Unit.objects.filter(pk__in=undated).with_public_parent() if undated else ():
            if child.public_parent is not None:
                current_parents[child.pk] = records.setdefault(child.parent_id, child.parent)
                found.add(child.parent_id)
        frontier = found - expanded
        if not frontier:
            break
    postings: dict[int, list[Dated]] = {}
    for posting in (
        Posting.objects.public()
        .with_public_publication()
        .during(start, end)
        .filter(unit__in=records)
        .select_related("person")
        .prefetch_related("person__aliases")
    ):
        postings.setdefault(posting.unit_id, []).append(
            Dated(posting, overlap(posting.period_earliest, posting.period_latest, start, end))
        )
    for dated in postings.values():
        dated.sort(key=lambda item: (ROLE_ORDER.get(item.record.role, len(ROLE_ORDER)), item.record.person.name))
    chains = []
    for unit in units:
        steps, seen, current = [], set(), unit
        while current is not None and current.pk not in seen and len(steps) < MAX_LEVELS:
            seen.add(current.pk)
            step = Step(current, postings.get(current.pk, []), parent_links.get(current.pk, []))
            if not step.parents and current.pk in current_parents:
                step.current_parent_only = True
            steps.append(step)
            current = step.parents[0].record.parent if step.parents else current_parents.get(current.pk)
        chains.append(Chain(steps))
    return chains


@dataclass
class PostingWithSites:
    """A person's posting, and the public site links of that unit whose period may overlap it."""

    posting: Posting
    site_links: list


def sites_during_postings(postings: list[Posting]) -> list[PostingWithSites]:
    """For a person's public postings, where their units held people at the time (one query for all postings)."""
    site_links = (
        public_related(Unit, "site_units")
        .with_public_publication()
        .filter(unit__in={posting.unit_id for posting in postings})
        .select_related("site")
    )
    by_unit: dict[int, list] = {}
    for link in site_links:
        by_unit.setdefault(link.unit_id, []).append(link)
    return [
        PostingWithSites(
            posting,
            [
                link
                for link in by_unit.get(posting.unit_id, [])
                if periods_may_overlap(
                    (link.period_earliest, link.period_latest), (posting.period_earliest, posting.period_latest)
                )
            ],
        )
        for posting in postings
    ]


def periods_may_overlap(first, second) -> bool:
    """Whether two (start, end) periods may overlap; a None end is open or unknown and overlaps."""
    (first_start, first_end), (second_start, second_end) = first, second
    if first_start and second_end and first_start > second_end:
        return False
    return not (second_start and first_end and second_start > first_end)
