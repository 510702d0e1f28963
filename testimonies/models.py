import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connections, models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.db.models.lookups import IsNull
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.curation import (
    CitedLinkModel,
    CitedLinkQuerySet,
    Confidence,
    CuratedModel,
    CuratedQuerySet,
    PublicQuerySet,
    SourceGap,
)
from core.dates import FirstOfMonth, PartialDateField, PartialDatesModel, bounds, to_month
from core.names import AliasModel, NamedModel
from core.public_ids import PublicIdModel
from core.search import SearchableQuerySet, Term, text_condition
from core.storage import PrivateStorage
from core.translations import (
    RecordTranslation,
    TranslatableModel,
    TranslatableQuerySet,
    TranslatedField,
    translation_unique,
)
from sites.models import Site, SiteQuerySet
from units.models import Person, PersonQuerySet, Unit

from .reidentification import blocked_message, caption_passages, identifying_passages
from .storage import EvidenceStorage


class SourceQuerySet(TranslatableQuerySet, SearchableQuerySet, CuratedQuerySet):
    SEARCH_TEXT_FIELDS = ("name", "description")

    def for_public_list(self):
        return self.public().with_translations(TranslatedField.NAME)

    def for_public_detail(self):
        return (
            self.public()
            .with_translations()
            .prefetch_related(
                "aliases",
                models.Prefetch(
                    "publications",
                    queryset=Publication.objects.public().prefetch_related(
                        models.Prefetch(
                            "cites",
                            queryset=Publication.objects.public().select_related("source"),
                            to_attr="public_cites",
                        )
                    ),
                    to_attr="public_publications",
                ),
            )
        )


class Source(TranslatableModel, NamedModel, CuratedModel):
    """An organisation or outlet whose publications the database rests on."""

    class Kind(models.TextChoices):
        MEDIA = "media", _("Media outlet")
        INITIATIVE = "initiative", _("Civil initiative")
        NGO = "ngo", _("NGO")
        PLATFORM = "platform", _("Platform or aggregator")
        OFFICIAL = "official", _("Official body")
        SOCIAL = "social", _("Social media")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True, help_text=_("For example: ru, en"))
    description = models.TextField(_("description"), blank=True)

    # Filled by a database trigger on PostgreSQL (core.search); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_vector", "search_names"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("testimonies:source_detail", kwargs={"slug": self.slug})

    def public_testimonies(self):
        """The public testimonies that cite a public publication of this source."""
        return Testimony.objects.public().cited_by_source(self)


class SourceTextQuerySet(PublicQuerySet):
    """A source's alias or translation: public exactly when the source is."""

    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return SourceQuerySet.public_condition(f"{prefix}source__")


class SourceAlias(AliasModel):
    PARENT_FIELD = "source"
    # An alias of a published or withheld source is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("source",)

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="aliases")

    objects = SourceTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(AliasModel.Meta):
        verbose_name = _("source alias")
        verbose_name_plural = _("source aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name"],
                name="sourcealias_unique_name",
                violation_error_message=_("This source already has this alias."),
            )
        ]


class SourceTranslation(RecordTranslation):
    """The name or description of a source in another language (core.translations)."""

    PARENT_FIELD = "source"
    # A translation of a published or withheld source is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("source",)

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="translations")

    objects = SourceTextQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(RecordTranslation.Meta):
        verbose_name = _("source translation")
        verbose_name_plural = _("source translations")
        constraints = [translation_unique("source", "sourcetranslation")]


class PublicationQuerySet(CuratedQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        # A publication of a source that is not public would reveal that source, so it is not public either.
        return super().public_condition(prefix) & SourceQuerySet.public_condition(f"{prefix}source__")


class Publication(PartialDatesModel, CuratedModel):
    """One article, video, report or post of a source."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        VIDEO = "video", _("Video")
        REPORT = "report", _("Report")
        POST = "post", _("Social media post")
        AUDIO = "audio", _("Audio")
        OTHER = "other", _("Other")

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="publications")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    archived_url = models.URLField(_("archived URL"), max_length=500, blank=True)
    published_on = PartialDateField(_("date published"))
    published_on_earliest = models.DateField(null=True, blank=True, editable=False, db_index=True)
    published_on_latest = models.DateField(null=True, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=12, blank=True, help_text=_("For example: ru, en"))
    author = models.CharField(_("author"), max_length=200, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)
    cites = models.ManyToManyField(
        "self",
        verbose_name=_("cites"),
        symmetrical=False,
        blank=True,
        related_name="cited_by",
        help_text=_("Publications this one reports or relies on."),
    )

    objects = PublicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("published_on_earliest").desc(nulls_last=True), "title"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return f"{self.title} ({self.source.name})" if self.source_id else self.title

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#publication-{self.pk}"

    def citing_records(self) -> list[tuple[type, models.QuerySet]]:
        """Every curated record that rests on this publication, by type: testimonies citing it, sites and units
        linked on its word or reported in it, units placed under a parent on its word, persons posted or named
        on its word. One article's records, listed and acted on together (PublicationAdmin.citing_view)."""
        return [
            (Testimony, Testimony.objects.filter(citations__publication=self)),
            (Site, Site.objects.filter(Q(site_units__publication=self) | Q(reported_in=self))),
            (
                Unit,
                Unit.objects.filter(
                    Q(site_units__publication=self) | Q(postings__publication=self) | Q(parent_links__publication=self)
                ),
            ),
            (Person, Person.objects.filter(Q(postings__publication=self) | Q(testimony_links__publication=self))),
        ]


class AbuseTypeQuerySet(TranslatableQuerySet, CuratedQuerySet):
    pass


class AbuseType(TranslatableModel, CuratedModel):
    """A term of the controlled vocabulary of abuses. A term an editor adds is a draft: it reaches the public
    filters, facets, exports and the API only once a reviewer publishes it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    objects = AbuseTypeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("abuse type")
        verbose_name_plural = _("abuse types")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('testimonies:testimony_list')}?abuse_type={self.slug}"


class AbuseTypeTranslationQuerySet(PublicQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return AbuseTypeQuerySet.public_condition(f"{prefix}abuse_type__")


class AbuseTypeTranslation(RecordTranslation):
    """The name or description of an abuse type in another language (core.translations)."""

    PARENT_FIELD = "abuse_type"
    # A translation of a published or withheld abuse type is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("abuse_type",)

    abuse_type = models.ForeignKey(
        AbuseType, verbose_name=_("abuse type"), on_delete=models.CASCADE, related_name="translations"
    )

    objects = AbuseTypeTranslationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta(RecordTranslation.Meta):
        verbose_name = _("abuse type translation")
        verbose_name_plural = _("abuse type translations")
        constraints = [translation_unique("abuse_type", "abusetypetranslation")]


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    LIMITED = "limited", _("Limited: month and region only")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def public_sort_day(field: str) -> models.Case:
    """The day `field` as the public may know it for sorting: the first of its month under limited consent.
    An immutable expression, so that the public list's order comes from an index (Testimony.Meta.indexes)."""
    return models.Case(
        models.When(consent=Consent.LIMITED, then=FirstOfMonth(field)),
        default=models.F(field),
        output_field=models.DateField(),
    )


class TestimonyQuerySet(SearchableQuerySet, CuratedQuerySet):
    # What the public page shows of the testimony itself; never a restricted field.
    SEARCH_TEXT_FIELDS = ("witness_label", "quote", "translation", "context")

    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        # A testimony whose witness withdrew consent is off every public output at once, whatever its status.
        return super().public_condition(prefix) & ~Q(**{f"{prefix}consent": Consent.WITHDRAWN})

    def with_public_date(self):
        """`public_given_on_sort` and `public_events_sort`: the date given and the events' earliest day as the public
        may know them (the month under limited consent), for public sorting: sorting by the exact day would place
        such a testimony among its neighbours."""
        if "public_given_on_sort" in self.query.annotations:
            return self
        return self.annotate(
            public_given_on_sort=public_sort_day("given_on"),
            # The same for the events' earliest day (core.dates).
            public_events_sort=public_sort_day("events_earliest"),
        )

    def with_corroboration(self):
        """`independent_sources`: how many independent sources the testimony's public citations rest on."""
        if "independent_sources" in self.query.annotations:
            return self
        return self.annotate(independent_sources=independent_sources())

    def corroborated_by(self, minimum: int):
        """Testimonies resting on at least `minimum` independent sources."""
        return self.with_corroboration().filter(independent_sources__gte=minimum)

    def public_with_site(self):
        """The public testimonies whose sites the public may know: not those with limited consent, which are
        shown at region level only (a site's page, its exports and the site filter leave them out)."""
        return self.public().exclude(consent=Consent.LIMITED)

    def for_public_list_with_site(self):
        return self.for_public_list().exclude(consent=Consent.LIMITED)

    def term_condition(self, term: Term, common: bool = False) -> Q:
        """A word of the testimony's own text, or of a name of a public site, unit or cited source of it.

        The linked records are read through their `.public()` at query time: a hidden record's name never finds
        a testimony, and a renamed or newly published record is found at once. One list of ids (a UNION), so
        that PostgreSQL can use an index for each part; `common`: the same test made row by row (its own text,
        then a link to a record of that name), so that a page of a word found in much of the archive is read in
        the list's order and stops when it is full.
        """
        own_text = text_condition(self, term, self.SEARCH_TEXT_FIELDS)
        own = Testimony.objects.filter(own_text).order_by()
        if not term.searches_names:
            return own_text if common else Q(pk__in=own.values("pk"))
        named_sites = Site.objects.public().named(term)
        named_units = Unit.objects.public().named(term)
        named_sources = Source.objects.public().named(term)
        named_persons = Person.objects.public().named(term)
        # Each kind of linked record: the public ones named by the term, and the links to testimonies through them.
        links = [
            (
                named_sites,
                Testimony.sites.through.objects.filter(site__in=named_sites).exclude(
                    testimony__consent=Consent.LIMITED
                ),
            ),
            (named_units, Testimony.units.through.objects.filter(unit__in=named_units)),
            (named_sources, Citation.objects.public().filter(publication__source__in=named_sources).order_by()),
            (named_persons, TestimonyPerson.objects.public().filter(person__in=named_persons).order_by()),
        ]
        if common:
            condition = own_text
            for named, link in links:
                # A scalar subquery rather than EXISTS, which PostgreSQL would turn into a hash of every linked
                # testimony, built in full before the first row.
                first_link = link.filter(testimony=OuterRef("pk")).values("testimony_id")[:1]
                # Whether a public record of the kind bears the name at all comes first: an uncorrelated EXISTS,
                # which PostgreSQL answers once per query, so that a kind no name of which matches costs nothing
                # per row tested (a common word at 1,000,000 testimonies: 32,000 -> 19,000 buffer reads for the
                # 2,000 matches the facets sample, 12,900 of them in the links of kinds that had no such name).
                condition |= Q(Exists(named)) & Q(IsNull(Subquery(first_link), False))
            return condition
        return Q(pk__in=own.values("pk").union(*(link.values("testimony_id") for _named, link in links)))

    def cited_by_source(self, source):
        """Testimonies with a public citation of a publication of `source`."""
        return self.cited_by_sources([source])

    def cited_by_sources(self, sources):
        """Testimonies with a public citation of a publication of any of `sources`."""
        return self.filter(
            pk__in=Citation.objects.public().filter(publication__source__in=sources).values("testimony")
        )

    def at_sites(self, sites):
        """Testimonies about any of `sites`, except those with limited consent, whose site the public may not know."""
        return self.filter(
            pk__in=Testimony.sites.through.objects.filter(site__in=sites)
            .exclude(testimony__consent=Consent.LIMITED)
            .values("testimony_id")
        )

    def in_regions(self, sites):
        """Testimonies about any of `sites`, limited consent included: for filters at the level of a region."""
        return self.filter(pk__in=Testimony.sites.through.objects.filter(site__in=sites).values("testimony_id"))

    def naming_units(self, units):
        """Testimonies that name any of `units`."""
        return self.filter(pk__in=Testimony.units.through.objects.filter(unit__in=units).values("testimony_id"))

    def naming_persons(self, persons):
        """Testimonies that name any of `persons` (by a link the public may see)."""
        return self.filter(pk__in=TestimonyPerson.objects.public().filter(person__in=persons).values("testimony_id"))

    def events_between(self, start, end):
        """Testimonies whose events may overlap [start, end]; either bound may be None (open).

        An open end of the events ("2022-11/..") overlaps every later period; undated events match no period.
        Limited consent: the public may only learn the month, so such a testimony is found by the whole months of
        its events (filtering by day would otherwise narrow its dates down).
        """
        if not (start or end):
            return self
        limited = Q(consent=Consent.LIMITED)
        queryset = self.filter(Q(events_earliest__isnull=False) | Q(events_latest__isnull=False))
        if start:
            queryset = queryset.annotate(
                events_latest_month=TruncMonth("events_latest", output_field=models.DateField())
            ).filter(
                Q(events_latest__isnull=True)
                | (~limited & Q(events_latest__gte=start))
                | (limited & Q(events_latest_month__gte=start.replace(day=1)))
            )
        if end:
            queryset = queryset.annotate(
                events_earliest_month=TruncMonth("events_earliest", output_field=models.DateField())
            ).filter(
                Q(events_earliest__isnull=True)
                | (~limited & Q(events_earliest__lte=end))
                | (limited & Q(events_earliest_month__lte=end))
            )
        return queryset

    def for_public_list(self):
        # Public pages never load restricted witness fields; touching one would cost an extra query per row,
        # which the query-count tests catch.
        return (
            self.public()
            .with_public_date()
            .order_by("-public_given_on_sort", "-id")
            .defer(*Testimony.RESTRICTED_FIELDS)
            .prefetch_related(
                models.Prefetch(
                    "sites",
                    queryset=Site.objects.public().with_public_region().with_translations(TranslatedField.NAME),
                    to_attr="public_sites",
                ),
                models.Prefetch(
                    "units",
                    queryset=Unit.objects.public().with_translations(TranslatedField.NAME),
                    to_attr="public_units",
                ),
                models.Prefetch(
                    "abuse_types",
                    queryset=AbuseType.objects.public().with_translations(TranslatedField.NAME),
                    to_attr="public_abuse_types",
                ),
                "translations",
            )
        )

    def for_public_detail(self):
        # The number of independent sources is shown on the testimony's page and in the API, not in lists: its
        # subquery per row made 20 testimonies of a list or a site's page cost 12 ms instead of 2 to read.
        return (
            self.for_public_list()
            .with_corroboration()
            .prefetch_related(
                models.Prefetch(
                    "citations",
                    queryset=Citation.objects.public().select_related("publication__source"),
                    to_attr="public_citations",
                ),
                models.Prefetch("evidence", queryset=EvidenceImage.objects.public(), to_attr="public_evidence"),
                models.Prefetch(
                    "person_links",
                    queryset=TestimonyPerson.objects.public().with_public_publication().select_related("person"),
                    to_attr="public_person_links",
                ),
            )
        )


class Testimony(PublicIdModel, PartialDatesModel, CuratedModel):
    """One person's account, with the public label under which it is shown."""

    class WitnessRole(models.TextChoices):
        FORMER_DETAINEE = "former_detainee", _("Former detainee")
        RELATIVE = "relative", _("Relative")
        FELLOW_SOLDIER = "fellow_soldier", _("Fellow soldier")
        VOLUNTEER = "volunteer", _("Volunteer")
        UNIT_INSIDER = "unit_insider", _("Source inside a unit")
        REPORTER = "reporter", _("Reporter or third party")
        OTHER = "other", _("Other")

    class Language(models.TextChoices):
        RUSSIAN = "ru", _("Russian")
        UKRAINIAN = "uk", _("Ukrainian")
        ENGLISH = "en", _("English")
        DUTCH = "nl", _("Dutch")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        SINGLE_SOURCE = "single_source", _("Single source")
        CORROBORATED = "corroborated", _("Corroborated by several independent sources")
        VERIFIED = "verified", _("Verified")

    witness_label = models.CharField(
        _("public witness label"),
        max_length=200,
        help_text=_(
            'Shown to the public, e.g. "Daniil, former platoon commander". Never the real name unless the '
            "witness went public."
        ),
    )
    witness_role = models.CharField(_("witness role"), max_length=20, choices=WitnessRole.choices, db_index=True)
    quote = models.TextField(_("quote (original language)"))
    quote_language = models.CharField(
        _("language of the quote"), max_length=5, choices=Language.choices, default=Language.RUSSIAN
    )
    translation = models.TextField(_("English translation"), blank=True)
    context = models.TextField(_("public context"), blank=True, help_text=_("What the sources say around the quote."))
    given_on = models.DateField(_("date given"), null=True, blank=True)
    events = PartialDateField(
        _("date or period of the events"),
        help_text=_(
            "As the source gives it: 2022-11-05 (a day), 2022-11 (a month), 2022-23 (autumn 2022; 21 spring, "
            "22 summer, 24 winter), 2022 (a year), 2022-11~ (about), 2022? (uncertain), 2022-11/2023-05 (a "
            "period, each end with its own precision), 2022-11/.. (still going on or end unknown). Words work "
            "too: “November 2022”, “autumn 2022”, “about November 2022”, “November 2022 to May 2023”."
        ),
    )
    events_earliest = models.DateField(null=True, blank=True, editable=False)
    events_latest = models.DateField(null=True, blank=True, editable=False)
    verification = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    sites = models.ManyToManyField("sites.Site", verbose_name=_("sites"), blank=True, related_name="testimonies")
    units = models.ManyToManyField("units.Unit", verbose_name=_("units"), blank=True, related_name="testimonies")
    abuse_types = models.ManyToManyField(
        AbuseType, verbose_name=_("abuse types"), blank=True, related_name="testimonies"
    )
    publications = models.ManyToManyField(
        Publication, through="Citation", verbose_name=_("publications"), related_name="testimonies"
    )

    # Consent of the witness (testimonies.consent): given, limited (dates to the month and sites to the region
    # on every public output) or withdrawn (off every public output; restricted fields and evidence erased).
    consent = models.CharField(
        _("consent"), max_length=10, choices=Consent.choices, default=Consent.GIVEN, db_index=True
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    consent_how = models.CharField(
        _("how consent was recorded"),
        max_length=300,
        blank=True,
        help_text=_("For example: signed form, recorded call, message kept by the source."),
    )

    # Restricted witness fields: staff with the "view_restricted_fields" permission only; never public.
    real_name = models.CharField(_("real name"), max_length=200, blank=True)
    contact = models.TextField(_("contact details"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    RESTRICTED_FIELDS = ("real_name", "contact", "internal_notes")

    # Filled by a database trigger on PostgreSQL (core.search); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TestimonyQuerySet.as_manager()
    # Restricted witness fields are kept out of history tables: fewer copies of an identity, fewer places to leak.
    history = HistoricalRecords(excluded_fields=[*RESTRICTED_FIELDS, "search_vector"])

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("testimony")
        verbose_name_plural = _("testimonies")
        permissions = [
            ("view_restricted_fields", _("Can view and change restricted witness fields")),
            ("publish_records", _("Can publish, withhold and unpublish records (reviewer)")),
        ]
        indexes = [
            models.Index(fields=["status", "-given_on", "-id"], name="testimony_public_order"),
            # The admin changelist's order over every status, and its date hierarchy's first and last day.
            models.Index(fields=["-given_on", "-id"], name="testimony_staff_order"),
            # The public lists' and exports' orders (TestimonyQuerySet.with_public_date), over the public testimonies
            # alone: the first page is read from the index instead of sorting every public testimony, and the keys
            # before a later page by number from the index alone (it holds the columns of the sort's expression):
            # the middle page at 100,000 testimonies read them in 5 ms instead of 100.
            models.Index(
                public_sort_day("given_on").desc(),
                models.F("id").desc(),
                condition=TestimonyQuerySet.public_condition(),
                include=["consent", "given_on"],
                name="testimony_public_given_sort",
            ),
            models.Index(
                public_sort_day("events_earliest").desc(),
                models.F("id").desc(),
                condition=TestimonyQuerySet.public_condition(),
                include=["consent", "events_earliest"],
                name="testimony_public_events_sort",
            ),
            models.Index(fields=["events_earliest"], name="testimony_events_earliest"),
            models.Index(fields=["events_latest"], name="testimony_events_latest"),
            models.Index(fields=["status", "witness_label"], name="testimony_public_label"),
            models.Index(fields=["verification"], name="testimony_verification"),
            # The keys of the public testimonies alone: a count or a join over them (a filtered list's bounded
            # count, a facet's sample) reads this small index instead of every row of the table.
            models.Index(fields=["id"], condition=TestimonyQuerySet.public_condition(), name="testimony_public_ids"),
        ]

    def __str__(self):
        return f"{self.witness_label}: {Truncator(self.quote).chars(60)}"

    def get_absolute_url(self):
        return reverse("testimonies:testimony_detail", kwargs={"public_id": self.public_id})

    def source_gaps(self, publishing=frozenset()):
        # A published testimony names at least one public publication: its page promises every statement does.
        cited = Publication.objects.filter(citations__testimony=self).distinct().order_by("pk")
        if self.pk and cited.filter(PublicationQuerySet.public_condition()).exists():
            return []
        return [SourceGap(f"{self._meta.verbose_name} “{self.witness_label}”", tuple(cited) if self.pk else ())]

    @property
    def is_limited(self) -> bool:
        return self.consent == Consent.LIMITED

    @property
    def has_public_links(self) -> bool:
        """Whether a public site (a region under limited consent), unit or abuse type is linked to it (needs
        `for_public_list()`)."""
        places = self.public_regions if self.is_limited else self.public_sites
        return bool(places or self.public_units or self.public_abuse_types)

    @property
    def role_unless_labelled(self) -> str:
        """The witness role for a card, or "" when the label already says it ("Former detainee")."""
        role = self.get_witness_role_display()
        return "" if role.casefold() == self.witness_label.strip().casefold() else role

    def public_date(self, name: str):
        """A date field as the public may see it: the first of its month under limited consent."""
        value = getattr(self, name)
        return value.replace(day=1) if value and self.is_limited else value

    @property
    def public_given_on(self):
        return self.public_date("given_on")

    @property
    def public_events(self) -> str:
        """The events' date as the public may see it: to the month at most under limited consent (core.dates)."""
        return to_month(self.events) if self.is_limited else self.events

    @property
    def public_events_bounds(self):
        return bounds(self.public_events)

    @property
    def public_regions(self) -> list[str]:
        """The regions of its public sites (needs `for_public_list()`): what limited consent shows instead."""
        return sorted({str(region) for region in self.public_region_terms})

    @property
    def public_region_terms(self) -> set:
        """The public regions of its public sites (needs `for_public_list()`)."""
        return {site.public_region for site in self.public_sites if site.public_region}

    @property
    def has_separate_translation(self) -> bool:
        return bool(self.translation) and self.quote_language != self.Language.ENGLISH

    def reading(self, language: str) -> dict:
        """What a reader in `language` is shown of the quote (uses the prefetched translations of
        `for_public_list()`): `translation`, the QuoteTranslation into that language when there is one, shown first
        with the original beside it; else `missing` (a one-line notice) and, beside the original, the English
        rendering when there is one and the reader's language is not the quote's."""
        if language == self.quote_language:
            return {"translation": None, "missing": False, "english": None}
        translations = {translation.language: translation for translation in self.translations.all()}
        if language in translations:
            return {"translation": translations[language], "missing": False, "english": None}
        english = translations.get(self.Language.ENGLISH)
        if english is None and self.translation and self.quote_language != self.Language.ENGLISH:
            # The older single English rendering, until it is moved into a QuoteTranslation with its translator.
            english = QuoteTranslation(testimony=self, language=self.Language.ENGLISH, text=self.translation)
        if language == self.Language.ENGLISH and english is not None:
            return {"translation": english, "missing": False, "english": None}
        return {"translation": None, "missing": True, "english": english}

    @classmethod
    def log_restricted_export(cls, user, queryset, fields) -> None:
        """The staff CSV export (core.csv_export) exported `fields` of these testimonies: the access log."""
        AccessLogEntry.record(user, AccessLogEntry.Action.EXPORT, fields, list(queryset.values_list("pk", flat=True)))

    def publish_blockers(self, user) -> list[str]:
        """The re-identification check (testimonies.reidentification): passages that block publishing."""
        findings = identifying_passages(self)
        return [blocked_message(self, findings, user)] if findings else []


class CitationQuerySet(PublicQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return TestimonyQuerySet.public_condition(f"{prefix}testimony__") & PublicationQuerySet.public_condition(
            f"{prefix}publication__"
        )


def sources_per_testimony(citations: models.QuerySet, every: models.QuerySet) -> models.QuerySet:
    """Rows of (testimony, sources) over `citations` (of `every`, the citations that count): the distinct sources of
    the cited publications, leaving out a citation whose publication merely reports another of the testimony's
    sources (it `cites` a publication of one); at least 1 for a testimony with any citation."""
    reports_another = Publication.cites.through.objects.filter(
        from_publication=OuterRef("publication"),
        to_publication__source__in=every.filter(testimony=OuterRef(OuterRef("testimony"))).values(
            "publication__source"
        ),
    ).exclude(to_publication__source=OuterRef("publication__source"))
    return (
        citations.order_by()
        .annotate(reports_another=Exists(reports_another))
        .values("testimony")
        .annotate(firsthand=Count("publication__source", distinct=True, filter=Q(reports_another=False)))
        .annotate(sources=Greatest(models.F("firsthand"), Value(1)))
        .values("testimony", "sources")
    )


def independent_sources(public: bool = True) -> models.Expression:
    """The number of independent sources behind the testimony of the enclosing query (`OuterRef("pk")`).

    Counted over its public citations: the distinct sources of the cited publications, leaving out a source whose
    every cited publication merely reports another of the testimony's sources (it `cites` a publication of one):
    a Platform Raam article that reports ASTRA's finding, cited beside ASTRA, is one source, not two. Sources
    that only cite each other still count as one. No public citation: 0. `public=False` counts every citation,
    public or not, for the curators (the admin).

    One scalar subquery per row, evaluated for the rows of a page only: an EXISTS test beside it was planned by
    PostgreSQL as a hash of every public citation, built in full for each page (250 ms at 100,000 testimonies).
    """
    every = Citation.objects.public() if public else Citation.objects.all()
    counted = sources_per_testimony(every.filter(testimony=OuterRef("pk")), every).values("sources")[:1]
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), Value(0))


def independent_sources_counts(testimonies, total: int | None = None) -> dict[int, int]:
    """{number of independent sources: how many of `testimonies` rest on that many}, as `independent_sources()`
    counts them, in one query over their public citations (grouped per testimony, then per number) instead of
    a correlated subquery per testimony: the overview's chart (archive/overview.py) at any number of rows.
    `total`, the number of `testimonies` when the caller knows it, saves counting them again."""
    every = Citation.objects.public()
    per_testimony = sources_per_testimony(every.filter(testimony__in=testimonies.order_by().values("pk")), every)
    try:
        sql, params = per_testimony.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an unknown site), which the ORM sends no query for
        sql = None
    counted = {}
    if sql:
        with connections[per_testimony.db].cursor() as cursor:
            # The number of testimonies per number of sources: an aggregate of the aggregate, which the ORM cannot
            # group by; the inner query is the ORM's own SQL with its parameters.
            cursor.execute(f"SELECT sources, COUNT(*) FROM ({sql}) per_testimony GROUP BY sources", params)  # noqa: S608
            counted = {int(sources): count for sources, count in cursor.fetchall()}
    without = (testimonies.order_by().count() if total is None else total) - sum(counted.values())
    return {**({0: without} if without else {}), **counted}


def overstated_corroboration(verification: str, sources: int) -> bool:
    """Whether the curators' label claims corroboration that the computed count does not bear out."""
    return verification == Testimony.Verification.CORROBORATED and sources < 2


class Citation(models.Model):
    """The publication a testimony rests on, where in it, and how far it can be trusted."""

    # Found by its testimony through the index below (Meta.indexes), which begins with it.
    testimony = models.ForeignKey(
        Testimony, verbose_name=_("testimony"), on_delete=models.CASCADE, related_name="citations", db_index=False
    )
    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.PROTECT, related_name="citations"
    )
    locator = models.CharField(
        _("page or timestamp"), max_length=100, blank=True, help_text=_('For example "p. 4" or "03:12"')
    )
    quoted_passage = models.TextField(_("quoted passage"), blank=True)
    accessed_on = models.DateField(_("date accessed"), null=True, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords()

    # A citation of a published or withheld testimony is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("testimony",)

    class Meta:
        ordering = ["publication__published_on_earliest", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(fields=["testimony", "publication", "locator"], name="citation_unique_per_locator")
        ]
        indexes = [
            # A testimony's citations with every column the export and the facets read of them (the included columns
            # are PostgreSQL's; SQLite builds the index on its key alone): the export's cells of a testimony's
            # citations came from a second index and the table, a third of its reads from outside PostgreSQL's
            # buffers at 1,000,000 testimonies (bench/RESULTS.md).
            models.Index(
                fields=["testimony", "publication", "locator"],
                include=["id", "confidence"],
                name="citation_by_testimony",
            ),
        ]

    def __str__(self):
        return f"{self.publication} {self.locator}".strip()


class QuoteTranslation(models.Model):
    """A testimony's quote in another language than the one it was given in, with who translated it and whether a
    machine did: readers see it in their language beside the original, marked as a translation."""

    testimony = models.ForeignKey(
        Testimony, verbose_name=_("testimony"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=5, choices=Testimony.Language.choices)
    text = models.TextField(_("translated text"))
    translator = models.CharField(
        _("translated by"),
        max_length=200,
        help_text=_(
            'Shown to readers, e.g. "Platform Raam (the article\'s author)" or "a volunteer of this project".'
        ),
    )
    machine = models.BooleanField(_("machine translation"), default=False)

    history = HistoricalRecords()

    # Read-only for editors once the testimony is published or withheld (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("testimony",)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation of the quote")
        verbose_name_plural = _("translations of the quote")
        constraints = [
            models.UniqueConstraint(fields=["testimony", "language"], name="quote_translation_one_per_language")
        ]

    def __str__(self):
        return f"{self.get_language_display()}: {Truncator(self.text).chars(40)}"

    def clean(self):
        super().clean()
        if self.testimony_id and self.language == self.testimony.quote_language:
            raise ValidationError({"language": _("The quote itself is in this language.")})


class TestimonyPersonQuerySet(CitedLinkQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        return TestimonyQuerySet.public_condition(f"{prefix}testimony__") & PersonQuerySet.public_condition(
            f"{prefix}person__"
        )


class TestimonyPerson(CitedLinkModel):
    """A person a testimony names, in what role, according to which publication and how surely."""

    class Role(models.TextChoices):
        PERPETRATOR = "perpetrator", _("Named as perpetrator")
        COMMANDER = "commander", _("Named as commander")
        WITNESS_OF_ACT = "witness_of_act", _("Named as witness of the act")

    testimony = models.ForeignKey(
        Testimony, verbose_name=_("testimony"), on_delete=models.CASCADE, related_name="person_links"
    )
    person = models.ForeignKey(
        "units.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="testimony_links"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    publication = models.ForeignKey(
        Publication,
        verbose_name=_("according to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person_links",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM
    )

    objects = TestimonyPersonQuerySet.as_manager()
    history = HistoricalRecords()

    # A link of a published or withheld testimony and person is read-only for editors (core.curation.link_locked_for).
    REVIEWED_PARENTS = ("testimony", "person")

    class Meta:
        ordering = ["person__name", "role"]
        verbose_name = _("person named in a testimony")
        verbose_name_plural = _("persons named in testimonies")
        constraints = [
            models.UniqueConstraint(fields=["testimony", "person", "role"], name="testimonyperson_unique_role")
        ]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} – {self.testimony.witness_label}"


class EvidenceImageQuerySet(CuratedQuerySet):
    @classmethod
    def public_condition(cls, prefix: str = "") -> Q:
        # Published itself, and attached to a public testimony or a public site. Not an image of a testimony with
        # limited consent: the witness allowed the quote at month and region precision, and an image can show the
        # place, the day or the person (issue 14).
        return super().public_condition(prefix) & (
            (
                TestimonyQuerySet.public_condition(f"{prefix}testimony__")
                & ~Q(**{f"{prefix}testimony__consent": Consent.LIMITED})
            )
            | SiteQuerySet.public_condition(f"{prefix}site__")
        )


class EvidenceImage(PublicIdModel, CuratedModel):
    """An image that documents a testimony or a site, stored stripped of its metadata (testimonies.evidence)."""

    class ContentType(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        WEBP = "image/webp", "WebP"

    # The file extension of each content type, for the names of stored and served files.
    EXTENSIONS = {ContentType.JPEG: "jpg", ContentType.PNG: "png", ContentType.WEBP: "webp"}

    testimony = models.ForeignKey(
        Testimony,
        verbose_name=_("testimony"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    caption = models.TextField(
        _("public caption"),
        blank=True,
        help_text=_("Shown with the image. Never a name, a face description or a place that identifies a witness."),
    )
    # What the record states about the uploaded file, filled by testimonies.evidence and never edited.
    sha256 = models.CharField(_("SHA-256 of the uploaded file"), max_length=64, editable=False, db_index=True)
    byte_size = models.PositiveBigIntegerField(_("size of the uploaded file (bytes)"), editable=False)
    width = models.PositiveIntegerField(_("width (pixels)"), editable=False)
    height = models.PositiveIntegerField(_("height (pixels)"), editable=False)
    content_type = models.CharField(_("content type"), max_length=20, choices=ContentType.choices, editable=False)
    # Looked up by name when a file URL is requested (testimonies.views.EvidenceFileView).
    display = models.FileField(
        _("display image"), storage=EvidenceStorage(), max_length=200, editable=False, db_index=True
    )
    thumbnail = models.FileField(
        _("thumbnail"), storage=EvidenceStorage(), max_length=200, editable=False, db_index=True
    )
    original = models.FileField(
        _("original file (private)"), storage=PrivateStorage(), max_length=200, blank=True, editable=False
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EvidenceImageQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence image")
        verbose_name_plural = _("evidence images")
        constraints = [
            models.CheckConstraint(
                condition=Q(testimony__isnull=False, site__isnull=True)
                | Q(testimony__isnull=True, site__isnull=False),
                name="evidence_exactly_one_parent",
                violation_error_message=_("Attach the image to a testimony or to a site (one of them, not both)."),
            ),
            models.UniqueConstraint(
                fields=["testimony", "sha256"],
                condition=Q(testimony__isnull=False),
                name="evidence_unique_per_testimony",
                violation_error_message=_("This image is already attached to this testimony."),
            ),
            models.UniqueConstraint(
                fields=["site", "sha256"],
                condition=Q(site__isnull=False),
                name="evidence_unique_per_site",
                violation_error_message=_("This image is already attached to this site."),
            ),
        ]

    def __str__(self):
        caption = Truncator(self.caption).chars(50) if self.caption else _("image")
        return f"{caption} ({self.sha256[:12]})"

    @property
    def parent(self):
        return self.testimony if self.testimony_id else self.site

    @property
    def extension(self) -> str:
        return self.EXTENSIONS[self.content_type]

    def publish_blockers(self, user) -> list[str]:
        """The re-identification check of the caption, against its testimony's restricted fields."""
        findings = caption_passages(self)
        return [blocked_message(self, findings, user)] if findings else []

    def save(self, *args, **kwargs):
        # Every path stores the files through testimonies.evidence, which checks and strips them first.
        if not (self.display and self.thumbnail and self.sha256):
            raise ValueError("Evidence images are added through testimonies.evidence, never saved without files.")
        super().save(*args, **kwargs)


class ReviewerNotice(models.Model):
    """Something reviewers must know at once (a withdrawn consent), shown in the admin; written by services only."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    testimony = models.ForeignKey(
        Testimony, verbose_name=_("testimony"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(_("message"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice for reviewers")
        verbose_name_plural = _("notices for reviewers")

    def __str__(self):
        return self.message


class AccessLogQuerySet(models.QuerySet):
    def prune(self, older_than_days: int) -> int:
        """Delete the rows older than `older_than_days` (manage.py prune_access_log); the only way rows go."""
        cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
        deleted, _counts = self.filter(at__lt=cutoff).delete()
        return deleted


class AccessLogEntry(models.Model):
    """Append-only: a staff user saw, searched, filtered on, changed or exported restricted witness fields.

    Who, when, which testimony (its record number, kept even if the testimony is deleted) and which fields;
    never their values, nor the words searched for.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CHANGE = "change", _("changed")
        SEARCH = "search", _("searched")
        FILTER = "filter", _("filtered on")
        EXPORT = "export", _("exported")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("what"), max_length=10, choices=Action.choices)
    testimony_id = models.PositiveIntegerField(_("testimony"), null=True, blank=True, db_index=True)
    fields = models.CharField(_("fields"), max_length=200)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access to restricted fields")
        verbose_name_plural = _("access log of restricted fields")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.testimony_id or ''} {self.fields}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The access log is append-only; manage.py prune_access_log removes old rows.")

    @classmethod
    def record(cls, user, action: str, fields, testimony_ids=(None,)) -> None:
        """Log that `user` did `action` on `fields` of each testimony in `testimony_ids` (None: many, unnamed)."""
        if user is None or not user.is_authenticated:
            return
        names = ", ".join(fields)
        cls.objects.bulk_create(
            [cls(user=user, action=action, testimony_id=pk, fields=names) for pk in testimony_ids], batch_size=1000
        )
