"""`site|name_in:LANGUAGE_CODE`, `site|description_in:LANGUAGE_CODE`: a record's text as a reader in that language
sees it (core.translations.TextReading: printed, it is the text)."""

from django import template

register = template.Library()


@register.filter
def name_in(record, language: str):
    return record.text_in("name", language)


@register.filter
def description_in(record, language: str):
    return record.text_in("description", language)
