import datetime
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify

from core.curation import PublicationStatus
from sites.models import Region, Site, SiteAlias, SiteTranslation, SiteUnit
from testimonies.evidence import attach_evidence
from testimonies.models import (
    AbuseType,
    AbuseTypeTranslation,
    Citation,
    EvidenceImage,
    Publication,
    QuoteTranslation,
    Source,
    SourceAlias,
    SourceTranslation,
    Testimony,
    TestimonyPerson,
)
from units.models import Person, PersonAlias, Posting, Unit, UnitAlias, UnitParent, UnitTranslation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"curator{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """`UserFactory(permissions=["testimonies.change_testimony"])` grants those permissions."""
        for dotted in extracted or ():
            app_label, codename = dotted.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class PublishedFactory(factory.django.DjangoModelFactory):
    status = PublicationStatus.PUBLISHED


class SourceFactory(PublishedFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    slug = factory.Sequence(lambda n: f"source-{n}")
    kind = Source.Kind.MEDIA
    country = "Latvia"
    languages = "ru, en"


class PublicationFactory(PublishedFactory):
    class Meta:
        model = Publication

    source = factory.SubFactory(SourceFactory)
    title = factory.Sequence(lambda n: f"Report number {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/report-{n}")
    published_on = factory.Sequence(
        lambda n: (datetime.date(2025, 1, 1) + datetime.timedelta(days=n % 300)).isoformat()
    )
    language = "en"


class AbuseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AbuseType
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Abuse {n}")
    slug = factory.Sequence(lambda n: f"abuse-{n}")
    status = PublicationStatus.PUBLISHED


class UnitFactory(PublishedFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"{n}th Motorized Rifle Brigade")
    slug = factory.Sequence(lambda n: f"unit-{n}")
    kind = Unit.Kind.BRIGADE


class PersonFactory(PublishedFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Officer {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class PersonAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonAlias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Sign{n}")
    language = "en"
    kind = "call_sign"


class PostingFactory(factory.django.DjangoModelFactory):
    """A person's posting to a unit (by default as its commander, period unknown)."""

    class Meta:
        model = Posting

    person = factory.SubFactory(PersonFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Posting.Role.COMMANDER
    title = "Battalion commander"


class UnitParentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitParent

    unit = factory.SubFactory(UnitFactory)
    parent = factory.SubFactory(UnitFactory, kind=Unit.Kind.DIVISION)


class SiteFactory(PublishedFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Basement {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    kind = Site.Kind.BASEMENT
    region = "Donetsk"
    territory = Site.Territory.OCCUPIED_UKRAINE
    settlement = "Donetsk"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # A region given as text ("Kharkiv", "Donetsk region") is read as the vocabulary reads it, or added as a
        # published term when it names none.
        if isinstance(kwargs.get("region"), str):
            kwargs["region"] = region_named(kwargs["region"])
        return kwargs


def region_named(text: str) -> Region:
    Region.objects.load_vocabulary()
    region = Region.objects.matching(text)
    if region is None:
        region = RegionFactory(name=text, slug=slugify(text))
    return region


class RegionFactory(PublishedFactory):
    class Meta:
        model = Region
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")


class SiteAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteAlias

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Подвал {n}")
    language = "ru"
    kind = "translation"


class UnitAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitAlias

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"{n}-я бригада")
    language = "ru"
    kind = "translation"


class SourceAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceAlias

    source = factory.SubFactory(SourceFactory)
    name = factory.Sequence(lambda n: f"Источник {n}")
    language = "ru"
    kind = "translation"


class SiteUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteUnit

    site = factory.SubFactory(SiteFactory)
    unit = factory.SubFactory(UnitFactory)
    role = SiteUnit.Role.OPERATED


class TestimonyFactory(PublishedFactory):
    class Meta:
        model = Testimony
        skip_postgeneration_save = True

    witness_label = factory.Sequence(lambda n: f"Witness {n}, former detainee")
    witness_role = Testimony.WitnessRole.FORMER_DETAINEE
    quote = factory.Sequence(lambda n: f"They kept us underground for days, account {n}.")
    quote_language = Testimony.Language.ENGLISH
    given_on = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(days=n % 600))
    verification = Testimony.Verification.SINGLE_SOURCE

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.set(extracted)

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)

    @factory.post_generation
    def abuse_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.abuse_types.set(extracted)


class TestimonyPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TestimonyPerson

    testimony = factory.SubFactory(TestimonyFactory)
    person = factory.SubFactory(PersonFactory)
    role = TestimonyPerson.Role.PERPETRATOR


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    testimony = factory.SubFactory(TestimonyFactory)
    publication = factory.SubFactory(PublicationFactory)
    locator = factory.Sequence(lambda n: f"para. {n}")
    quoted_passage = "They kept us underground."


class QuoteTranslationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteTranslation

    testimony = factory.SubFactory(TestimonyFactory)
    language = Testimony.Language.RUSSIAN
    text = factory.Sequence(lambda n: f"Нас держали под землёй, рассказ {n}.")
    translator = "a volunteer"
    machine = False


class RecordTranslationFactory(factory.django.DjangoModelFactory):
    """A translation of a record's name (core.translations); `field="description"` for its description."""

    class Meta:
        abstract = True

    field = "name"
    language = "ru"
    text = factory.Sequence(lambda n: f"Перевод {n}")
    translator = "the Testimony DB editors"
    machine = False


class SiteTranslationFactory(RecordTranslationFactory):
    class Meta:
        model = SiteTranslation

    site = factory.SubFactory(SiteFactory)


class UnitTranslationFactory(RecordTranslationFactory):
    class Meta:
        model = UnitTranslation

    unit = factory.SubFactory(UnitFactory)


class SourceTranslationFactory(RecordTranslationFactory):
    class Meta:
        model = SourceTranslation

    source = factory.SubFactory(SourceFactory)


class AbuseTypeTranslationFactory(RecordTranslationFactory):
    class Meta:
        model = AbuseTypeTranslation

    abuse_type = factory.SubFactory(AbuseTypeFactory)


def image_bytes(image_format="PNG", size=(48, 32), color=None, seed=0, **save_options) -> bytes:
    """A small real image; `seed` gives each call its own pixels (and so its own hash)."""
    from PIL import Image

    image = Image.new("RGB", size, color or (seed % 256, (seed // 256) % 256, 120))
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


def upload(content: bytes, name="photo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


class EvidenceImageFactory(factory.django.DjangoModelFactory):
    """Evidence through the real upload path (`attach_evidence`), as a reviewer would add it."""

    class Meta:
        model = EvidenceImage

    testimony = None
    site = None
    caption = factory.Sequence(lambda n: f"Photograph {n} of the basement")
    status = PublicationStatus.PUBLISHED
    content = factory.Sequence(lambda n: image_bytes(seed=n))

    @classmethod
    def _create(cls, model_class, testimony=None, site=None, content=b"", **kwargs):
        if testimony is None and site is None:
            testimony = TestimonyFactory()
        # Looked up first: creating a user hashes its password, which is slow.
        reviewer = get_user_model().objects.filter(username="evidence-factory").first() or UserFactory(
            username="evidence-factory", is_superuser=True
        )
        return attach_evidence(testimony or site, upload(content), reviewer, **kwargs)


def staff_user(username, *roles):
    """A staff user in the given role groups (core.roles)."""
    from django.contrib.auth.models import Group

    user = UserFactory(username=username)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user
