"""Record text in several languages (issue 16): the name and description of a site, unit, source or abuse type in
the site's other languages, each translation with who made it and whether a machine did.

A record's own fields are the original, written in English (`ORIGINAL_LANGUAGE`, the curators' working language
and the site's default). Each translatable model has a concrete `RecordTranslation` in its own app (foreign key
named by `PARENT_FIELD`, related name "translations", one row per record, field and language) whose public rule is
its record's: a translation is shown exactly where its record is. Pages read the translations that the public
queryset prefetched (`TranslatableQuerySet.with_translations`) through `TranslatableModel.text_in`, which never
queries: without a prefetch it gives the original. Exports and the API give every language, a column or field per
language (core.csv_export.record_translation_columns, core.json_api.translated_fields).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .curation import related_model

ORIGINAL_LANGUAGE = "en"


class TranslationLanguage(models.TextChoices):
    """The site's languages other than the records' own (settings.LANGUAGES)."""

    DUTCH = "nl", _("Dutch")
    RUSSIAN = "ru", _("Russian")
    UKRAINIAN = "uk", _("Ukrainian")


class TranslatedField(models.TextChoices):
    NAME = "name", _("name")
    DESCRIPTION = "description", _("description")


# English names of the languages, for the data dictionary and the API schema (which are in English).
LANGUAGE_NAMES = {"nl": "Dutch", "ru": "Russian", "uk": "Ukrainian"}


class RecordTranslation(models.Model):
    """The name or description of a record in another language, with who translated it and whether a machine did.

    Concrete translations add the foreign key named by PARENT_FIELD (related name "translations"), a queryset whose
    public rule is the record's, a history, REVIEWED_PARENTS (editors change a published record's translations only
    through a reviewer, like its aliases) and a unique constraint on (record, field, language).
    """

    PARENT_FIELD: str

    field = models.CharField(_("field"), max_length=20, choices=TranslatedField.choices)
    language = models.CharField(_("language"), max_length=5, choices=TranslationLanguage.choices)
    text = models.TextField(_("translated text"))
    translator = models.CharField(
        _("translated by"),
        max_length=200,
        help_text=_('Shown to readers, e.g. "the Testimony DB editors" or "a volunteer of this project".'),
    )
    machine = models.BooleanField(_("machine translation"), default=False)

    class Meta:
        abstract = True
        ordering = ["field", "language"]

    def __str__(self):
        return f"{self.get_field_display()}, {self.get_language_display()}: {self.text[:40]}"

    @property
    def parent(self):
        return getattr(self, self.PARENT_FIELD)

    def clean(self):
        super().clean()
        if self.field == TranslatedField.NAME:
            self.text = " ".join(self.text.split())
            limit = related_model(type(self), self.PARENT_FIELD)._meta.get_field("name").max_length
            if len(self.text) > limit:
                raise ValidationError(
                    {"text": _("A name has at most %(limit)d characters.") % {"limit": limit}}, code="max_length"
                )


def translation_unique(parent_field: str, model_name: str) -> models.UniqueConstraint:
    """The one translation of a record's field into a language."""
    return models.UniqueConstraint(
        fields=[parent_field, "field", "language"],
        name=f"{model_name}_one_per_language",
        violation_error_message=_("This text already has a translation into this language."),
    )


@dataclass(frozen=True)
class TextReading:
    """A record's field as a reader in one language sees it."""

    text: str
    # The language the text is in (for the HTML `lang` attribute).
    language: str
    # The translation shown, or None for the original.
    translation: RecordTranslation | None
    # The reader's language has no translation of this text: the original is shown in another language.
    missing: bool

    def __str__(self):
        return self.text


def reader_language(language: str | None = None) -> str:
    return (language or get_language() or ORIGINAL_LANGUAGE).split("-")[0]


# The attribute that holds a record's prefetched translations.
PREFETCHED_TRANSLATIONS = "translations_prefetched"


class TranslatableModel(models.Model):
    """A record whose name and description may be translated (its app adds the concrete RecordTranslation)."""

    ORIGINAL_LANGUAGE = ORIGINAL_LANGUAGE

    class Meta:
        abstract = True

    def prefetched_translations(self) -> list:
        """The translations the queryset prefetched (`with_translations`, `translations_of`); none (the original is
        shown) without a prefetch, so that a page that forgot it shows English rather than querying once per
        record."""
        return getattr(self, PREFETCHED_TRANSLATIONS, [])

    def text_in(self, field: str, language: str | None = None) -> TextReading:
        """`field` (name or description) in `language` (the reader's, by default): its translation when there is one,
        else the original."""
        language = reader_language(language)
        original = getattr(self, field)
        if language != ORIGINAL_LANGUAGE:
            for translation in self.prefetched_translations():
                if translation.field == field and translation.language == language:
                    return TextReading(translation.text, language, translation, False)
        missing = bool(original) and language != ORIGINAL_LANGUAGE
        return TextReading(original, ORIGINAL_LANGUAGE, None, missing)

    @property
    def reader_name(self) -> str:
        """The name in the language of the request being answered (the original without a translation)."""
        return self.text_in("name").text


def model_at(model: type[models.Model], relation: str) -> type[models.Model]:
    """The model that `model`'s `relation` ("unit", "publication__source"; "" for `model` itself) reaches."""
    for step in filter(None, relation.split("__")):
        model = related_model(model, step)
    return model


def translations_prefetch(model: type[models.Model], fields: tuple[str, ...], relation: str = "") -> models.Prefetch:
    """Prefetch the translations (of `fields` only, when given) of `model`'s records, or of the records its
    `relation` reaches."""
    translations = related_model(model_at(model, relation), "translations").objects.all()
    if fields:
        translations = translations.filter(field__in=fields)
    # A list on each record (to_attr), not the related manager's cache: Django would clone the queryset for each
    # record to hold it, a tenth of a millisecond each, for hundreds of records on a page.
    return models.Prefetch(
        f"{relation}__translations" if relation else "translations",
        queryset=translations,
        to_attr=PREFETCHED_TRANSLATIONS,
    )


class TranslatableQuerySet(models.QuerySet):
    def with_translations(self, *fields: str):
        """Prefetch the records' translations (of `fields` only, when given): one query, whatever the rows."""
        return self.prefetch_related(translations_prefetch(self.model, fields))


def translations_of(model: type[models.Model], relation: str, *fields: str) -> models.Prefetch:
    """Prefetch the translations (of `fields` only, when given) of the records that `model`'s `relation` reaches
    ("unit", "publication__source"), for querysets that select those records with `select_related`."""
    return translations_prefetch(model, fields, relation)


def reader_names(model: type[models.Model], path: str, keys) -> dict:
    """The names in the reader's language of the records that `path` ("abusetype__slug", on `model`) reaches with
    those `keys`, {key: translated name}, for the records that have a translation of their name: one query, none
    for a reader of the original language."""
    language = reader_language()
    relation, _separator, key = path.rpartition("__")
    target = model_at(model, relation)
    if language == ORIGINAL_LANGUAGE or not keys or not issubclass(target, TranslatableModel):
        return {}
    translation_model = related_model(target, "translations")
    by_key = f"{translation_model.PARENT_FIELD}__{key}"
    translations = translation_model.objects.filter(
        **{f"{by_key}__in": list(keys)}, field=TranslatedField.NAME, language=language
    )
    return dict(translations.values_list(by_key, "text"))
