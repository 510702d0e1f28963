"""`{% with reading=testimony|reading_for:LANGUAGE_CODE %}`: the quote as a reader in that language sees it."""

from django import template

register = template.Library()


@register.filter
def reading_for(testimony, language: str) -> dict:
    return testimony.reading(language)
