"""Realistic synthetic records in bulk, for benchmarks and load tests (never for the real archive)."""

import datetime
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from core.curation import PublicationStatus
from core.dates import PartialDatesModel
from core.names import NamedModel
from sites.models import Region, Site, SiteAlias, SiteUnit
from testimonies.models import AbuseType, Citation, Publication, Source, Testimony
from units.models import Unit

from .demo_data import ABUSE_TYPES

BATCH = 5000
STATUS_WEIGHTS = {
    PublicationStatus.PUBLISHED: 85,
    PublicationStatus.DRAFT: 6,
    PublicationStatus.REVIEW: 5,
    PublicationStatus.WITHHELD: 4,
}
# Site names in English with the Russian name kept as an alias.
SITE_NAMES = [("Basement", "Подвал"), ("Pit", "Яма"), ("Coal mine", "Шахта"), ("Factory", "Завод")]
# Slugs of terms of the region vocabulary (loaded by a data migration: sites.regions).
REGIONS = ["donetsk", "luhansk", "kharkiv", "zaporizhzhia", "kherson", "nizhny-novgorod", "novosibirsk", "belgorod"]
ENGLISH = [
    "they",
    "kept",
    "us",
    "in",
    "the",
    "basement",
    "for",
    "days",
    "without",
    "food",
    "water",
    "or",
    "medical",
    "care",
    "beaten",
    "chained",
    "to",
    "the",
    "ceiling",
    "soaked",
    "with",
    "cold",
    "water",
    "sent",
    "back",
    "to",
    "the",
    "front",
    "assault",
    "commander",
    "brigade",
    "battalion",
    "pit",
    "coal",
    "mine",
    "wounded",
    "deserter",
    "contract",
    "evacuation",
    "money",
    "prosecutor",
    "phone",
    "wires",
    "electric",
    "torture",
    "guards",
    "crutches",
]
RUSSIAN = [
    "нас",
    "держали",
    "в",
    "подвале",
    "без",
    "еды",
    "воды",
    "и",
    "медицинской",
    "помощи",
    "били",
    "приковывали",
    "цепями",
    "к",
    "потолку",
    "обливали",
    "холодной",
    "водой",
    "отправляли",
    "обратно",
    "на",
    "штурм",
    "командир",
    "бригада",
    "батальон",
    "яма",
    "шахта",
    "раненые",
    "дезертир",
    "контракт",
]


@dataclass
class Generated:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number


class SyntheticArchive:
    """Builds an archive of `testimonies` testimonies and proportionate sites, units, sources and publications."""

    def __init__(self, testimonies: int, seed: int = 0):
        self.size = testimonies
        self.random = random.Random(seed)
        self.tag = secrets.token_hex(3)
        self.result = Generated()

    def status(self) -> str:
        return self.random.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]

    def sentence(self, words: list[str], length: int) -> str:
        return " ".join(self.random.choices(words, k=length)).capitalize() + "."

    def partial_date(self, first: datetime.date, days: int, periods: bool = False) -> str:
        """A date as sources give them (core.dates): a day, a month, a season or a year, sometimes approximate,
        and with `periods` sometimes a period with its own precision at each end, or open-ended."""
        start = first + datetime.timedelta(days=self.random.randrange(days))
        text = self.random.choice(
            [
                start.isoformat(),
                start.strftime("%Y-%m"),
                start.strftime("%Y-%m~"),
                f"{start.year}-{(24, 21, 22, 23)[(start.month % 12) // 3]}",  # EDTF seasons
                str(start.year),
            ]
        )
        if periods and self.random.random() < 0.3:
            end = start + datetime.timedelta(days=self.random.randrange(30, 400))
            text = f"{start.strftime('%Y-%m')}/{self.random.choice([end.isoformat(), end.strftime('%Y-%m'), '..'])}"
        return text

    def bulk(self, model, objects: list) -> list:
        if issubclass(model, NamedModel):
            # bulk_create skips save(), which keeps the folded names that search reads.
            for record in objects:
                if not record.search_names:
                    record.search_names = record.build_search_names(aliases=[])
        if issubclass(model, PartialDatesModel):
            # Nor the earliest and latest days of partial dates, which filters and sorting read.
            for record in objects:
                record.set_date_bounds()
        created = model.objects.bulk_create(objects, batch_size=BATCH)
        self.result.add(model._meta.verbose_name_plural.title(), len(created))
        return created

    def build(self) -> Generated:
        self.insert()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses badly about the new rows until autovacuum comes by.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return self.result

    @transaction.atomic
    def insert(self) -> None:
        size = self.size
        abuse_ids = self.abuse_type_ids()
        sources = self.bulk(
            Source,
            [
                Source(
                    name=f"Source {i} {self.tag}",
                    slug=f"gen-{self.tag}-source-{i}",
                    kind=Source.Kind.MEDIA,
                    status=self.status(),
                )
                for i in range(max(3, size // 333))
            ],
        )
        publications = self.bulk(
            Publication,
            [
                Publication(
                    source=self.random.choice(sources),
                    title=self.sentence(ENGLISH, 6),
                    url=f"https://news.example.org/{self.tag}/{i}",
                    published_on=self.partial_date(datetime.date(2022, 1, 1), 1400),
                    language="en",
                    status=self.status(),
                )
                for i in range(max(5, size // 20))
            ],
        )
        units = self.units(max(3, size // 100))
        sites = self.sites(max(3, size // 50), units)
        testimony_count = 0
        while testimony_count < size:
            batch = min(BATCH, size - testimony_count)
            self.testimonies(batch, sites, units, abuse_ids, publications)
            testimony_count += batch

    def abuse_type_ids(self) -> list[int]:
        # Published, as the demo's: a vocabulary term is a draft until reviewed, and a draft one filters nothing (the
        # benchmarks' `?abuse_type=` measured an empty list while they were drafts).
        for row in ABUSE_TYPES:
            AbuseType.objects.get_or_create(
                slug=row["slug"], defaults={"name": row["name"], "status": PublicationStatus.PUBLISHED}
            )
        return list(AbuseType.objects.values_list("pk", flat=True))

    def units(self, count: int) -> list[Unit]:
        """A chain of command: divisions, brigades under them and battalions (with unit numbers) under those."""
        divisions = self.unit_level(Unit.Kind.DIVISION, max(1, count // 10), parents=[None])
        brigades = self.unit_level(Unit.Kind.BRIGADE, max(1, count * 3 // 10), parents=divisions)
        battalions = self.unit_level(
            Unit.Kind.BATTALION, max(1, count - len(divisions) - len(brigades)), parents=brigades, numbered=True
        )
        return divisions + brigades + battalions

    def unit_level(self, kind: str, count: int, parents: list, numbered: bool = False) -> list[Unit]:
        return self.bulk(
            Unit,
            [
                Unit(
                    name=f"{i}th {Unit.Kind(kind).label}",
                    slug=f"gen-{self.tag}-{kind}-{i}",
                    kind=kind,
                    unit_number=f"{self.tag}{i}" if numbered else "",
                    parent=self.random.choice(parents),
                    status=self.status(),
                )
                for i in range(count)
            ],
        )

    def sites(self, count: int, units: list[Unit]) -> list[Site]:
        Region.objects.load_vocabulary()
        regions = list(Region.objects.filter(slug__in=REGIONS))
        sites, russian_names = [], []
        for i in range(count):
            located = self.random.random() < 0.7
            english, russian = self.random.choice(SITE_NAMES)
            russian_names.append(f"{russian} {i}")
            sites.append(
                Site(
                    name=f"{english} {i}",
                    slug=f"gen-{self.tag}-site-{i}",
                    kind=self.random.choice(Site.Kind.values),
                    region=self.random.choice(regions),
                    territory=self.random.choice(Site.Territory.values),
                    latitude=Decimal(f"{self.random.uniform(47, 50):.6f}") if located else None,
                    longitude=Decimal(f"{self.random.uniform(36, 40):.6f}") if located else None,
                    location_precision=Site.LocationPrecision.SETTLEMENT if located else "",
                    description=self.sentence(ENGLISH, 20),
                    first_reported=self.partial_date(datetime.date(2022, 3, 1), 900),
                    status=self.status(),
                )
            )
        for site, russian in zip(sites, russian_names, strict=True):
            site.search_names = site.build_search_names(aliases=[russian])
        sites = self.bulk(Site, sites)
        self.bulk(
            SiteAlias,
            [SiteAlias(site=site, name=name, language="ru") for site, name in zip(sites, russian_names, strict=True)],
        )
        self.bulk(
            SiteUnit,
            [
                SiteUnit(
                    site=site,
                    unit=unit,
                    role=SiteUnit.Role.OPERATED,
                    period=self.partial_date(datetime.date(2022, 3, 1), 900, periods=True),
                )
                for site in sites
                for unit in self.random.sample(units, k=min(len(units), self.random.randint(1, 2)))
            ],
        )
        return sites

    def testimonies(self, count, sites, units, abuse_ids, publications) -> None:
        created = self.bulk(
            Testimony,
            [
                Testimony(
                    witness_label=f"Witness {self.random.randrange(10**6)}, "
                    f"{self.random.choice(['former detainee', 'relative', 'fellow soldier'])}",
                    witness_role=self.random.choice(Testimony.WitnessRole.values),
                    quote=self.sentence(RUSSIAN, self.random.randint(20, 60)),
                    quote_language=Testimony.Language.RUSSIAN,
                    translation=self.sentence(ENGLISH, self.random.randint(20, 60)),
                    given_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=self.random.randrange(1000)),
                    events=self.partial_date(datetime.date(2022, 3, 1), 900, periods=True),
                    verification=self.random.choice(Testimony.Verification.values),
                    real_name=f"Synthetic Person {self.random.randrange(10**6)}",
                    status=self.status(),
                )
                for _ in range(count)
            ],
        )
        site_links, unit_links, abuse_links, citations = [], [], [], []
        for testimony in created:
            site_links += [
                Testimony.sites.through(testimony_id=testimony.pk, site_id=site.pk)
                for site in self.random.sample(sites, k=min(len(sites), self.random.randint(1, 3)))
            ]
            unit_links += [
                Testimony.units.through(testimony_id=testimony.pk, unit_id=unit.pk)
                for unit in self.random.sample(units, k=min(len(units), self.random.randint(1, 2)))
            ]
            abuse_links += [
                Testimony.abuse_types.through(testimony_id=testimony.pk, abusetype_id=abuse_id)
                for abuse_id in self.random.sample(abuse_ids, k=self.random.randint(1, 4))
            ]
            citations += [
                Citation(testimony_id=testimony.pk, publication=publication, locator=f"para. {index}")
                for index, publication in enumerate(self.random.sample(publications, k=self.random.randint(1, 2)))
            ]
        Testimony.sites.through.objects.bulk_create(site_links, batch_size=BATCH)
        Testimony.units.through.objects.bulk_create(unit_links, batch_size=BATCH)
        Testimony.abuse_types.through.objects.bulk_create(abuse_links, batch_size=BATCH)
        self.bulk(Citation, citations)
        self.result.add("Testimony–site links", len(site_links))
        self.result.add("Testimony–unit links", len(unit_links))
        self.result.add("Testimony–abuse links", len(abuse_links))
