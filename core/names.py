"""Records known by several names (sites, units, sources, persons), and their aliases.

A named record keeps every name it is known by, folded for search (core.search), in `search_names`: its own name
fields (`name_variants()`), its aliases and the translations of its name (core.translations). The field is written
on every save of the record, of its aliases and of its translations (`refresh_alias_parent`, connected in
core.apps), so a search never reads names by joining the alias tables.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .curation import related_model
from .search import name_index
from .translations import RecordTranslation, TranslatableModel, TranslatedField


class NamedModel(models.Model):
    # Every name of the record folded to ASCII words; kept by save() and by its aliases' saves.
    search_names = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_names = self.build_search_names()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_names"}
        super().save(*args, **kwargs)

    def name_variants(self) -> list[str]:
        """The names the record's own fields give (a unit adds its number written as "в/ч 40463")."""
        return [self.name]

    def alias_names(self) -> list[str]:
        """Its aliases and the translations of its name (a Russian reader's search finds it by its Russian name)."""
        if not self.pk:
            return []
        names = list(self.aliases.values_list("name", flat=True))
        if isinstance(self, TranslatableModel):
            names += self.translations.filter(field=TranslatedField.NAME).values_list("text", flat=True)
        return names

    @property
    def other_names(self) -> list:
        """Its aliases (prefetched by the page) but the name its heading shows: a Russian reader whose heading is the
        Russian translation of the name is not told it again as "also known as"."""
        shown = self.reader_name if isinstance(self, TranslatableModel) else self.name
        return [alias for alias in self.aliases.all() if alias.name != shown]

    def build_search_names(self, aliases=None) -> str:
        return name_index([*self.name_variants(), *(self.alias_names() if aliases is None else aliases)])

    def refresh_search_names(self) -> None:
        type(self)._base_manager.filter(pk=self.pk).update(search_names=self.build_search_names())


class AliasLanguage(models.TextChoices):
    RUSSIAN = "ru", _("Russian")
    UKRAINIAN = "uk", _("Ukrainian")
    ENGLISH = "en", _("English")
    DUTCH = "nl", _("Dutch")
    OTHER = "other", _("Other")


class AliasKind(models.TextChoices):
    ORIGINAL = "original", _("Name in the original language")
    TRANSLITERATION = "transliteration", _("Transliteration")
    TRANSLATION = "translation", _("Translation")
    FORMER = "former", _("Former name")
    SHORT = "short", _("Short name or abbreviation")
    UNIT_NUMBER = "unit_number", _("Military unit number")
    CALL_SIGN = "call_sign", _("Call sign")
    OTHER = "other", _("Other spelling")


class AliasModel(models.Model):
    """Another name or spelling of a record, with its language: a Cyrillic original, a transliteration, a former
    name, a unit number such as "в/ч 40463".

    Concrete aliases add the foreign key named by PARENT_FIELD (related name "aliases") and a queryset whose
    public rule is the parent's: an alias is shown only on its record's pages, so it is public exactly when the
    record is. Editors change the aliases of a published record only through a reviewer, like its other links
    (REVIEWED_PARENTS).
    """

    PARENT_FIELD: str

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=AliasLanguage.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AliasKind.choices, default=AliasKind.OTHER)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def parent(self):
        return getattr(self, self.PARENT_FIELD)

    @property
    def lang_code(self) -> str:
        """The language as an HTML `lang` value ("" when it is not one of the named languages)."""
        return self.language if self.language in AliasLanguage.values and self.language != AliasLanguage.OTHER else ""

    @property
    def script(self) -> str:
        """ "cyrillic", "latin" or "other", read from the name's letters."""
        letters = [char for char in self.name if char.isalpha()]
        if any("\u0400" <= char <= "\u04ff" for char in letters):
            return "cyrillic"
        if letters and all(char.isascii() or "\u00c0" <= char <= "\u024f" for char in letters):
            return "latin"
        return "other"


def refresh_alias_parent(sender, instance, **kwargs) -> None:
    """After an alias or a translation is saved or deleted, its record's `search_names` includes the change."""
    if isinstance(instance, AliasModel | RecordTranslation):
        parent_id = getattr(instance, f"{instance.PARENT_FIELD}_id")
        parent_model = related_model(type(instance), instance.PARENT_FIELD)
        parent = parent_model._base_manager.filter(pk=parent_id).first()
        if parent is not None and isinstance(parent, NamedModel):
            parent.refresh_search_names()
