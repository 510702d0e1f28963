"""Likely duplicates of a record an editor is about to save: the same thing under another spelling, or the same
address or number.

Names are compared folded (core.search.fold: case, accents and script do not matter) with rapidfuzz's weighted
ratio, against every name and alias the other record is known by; names that differ in a number ("110th" and
"111th brigade") are never alike. Candidates are read from the database by a short prefix of each word of the name
(in `search_names` for named records, so that aliases count), so the cost does not grow with the table.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from .search import fold

# How alike two folded names must be (rapidfuzz WRatio, 0-100) to be shown as a likely duplicate.
SIMILAR = 88
# At most this many candidates are scored, and this many duplicates shown.
CANDIDATES = 200
SHOWN = 5
PREFIX = 4
DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Duplicate:
    record: models.Model
    reason: str


def names_alike(first: str, second: str) -> int:
    """How alike two names are (0-100), folded; 0 when they differ in a number."""
    first, second = fold(first), fold(second)
    if not first or not second or set(DIGITS.findall(first)) != set(DIGITS.findall(second)):
        return 0
    return round(fuzz.WRatio(first, second))


def url_key(url: str) -> str:
    """An address as it identifies a page: no scheme, no "www.", no fragment, no trailing slash, host lower-case."""
    parts = urlsplit((url or "").strip())
    host = parts.netloc.lower().removeprefix("www.")
    if not host:
        return ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def prefixes(name: str) -> list[str]:
    words = [word for word in fold(name).split() if len(word) >= 3 or word.isdigit()]
    return sorted({word[:PREFIX] for word in words})


def similar_names(queryset, name: str, name_field: str = "name") -> list[Duplicate]:
    """Records of `queryset` with a name (or alias) like `name`, most alike first."""
    words = prefixes(name)
    if not words:
        return []
    named = hasattr(queryset.model, "search_names")
    condition = Q()
    for word in words:
        condition |= Q(search_names__contains=f" {word}") if named else Q(**{f"{name_field}__icontains": word})
    candidates = queryset.filter(condition).order_by("-pk")[:CANDIDATES]
    if named and hasattr(queryset.model, "aliases"):
        candidates = candidates.prefetch_related("aliases")
    scored = []
    for record in candidates:
        names = [getattr(record, name_field)]
        if named and hasattr(record, "aliases"):
            names += [alias.name for alias in record.aliases.all()]
        best = max(names_alike(name, other) for other in names)
        if best >= SIMILAR:
            scored.append((best, record))
    scored.sort(key=lambda pair: -pair[0])
    return [Duplicate(record, _("a similar name (%(score)s%% alike)") % {"score": score}) for score, record in scored]


def same_url(queryset, url: str, field: str = "url") -> list[Duplicate]:
    key = url_key(url)
    if not key:
        return []
    host_and_path = key.split("?")[0]
    candidates = queryset.filter(**{f"{field}__icontains": host_and_path})[:CANDIDATES]
    return [
        Duplicate(record, _("the same web address")) for record in candidates if url_key(getattr(record, field)) == key
    ]


def same_number(queryset, number: str) -> list[Duplicate]:
    """Named records known by the number `number` (a unit number, in its own field or in an alias)."""
    digits = "".join(DIGITS.findall(number or ""))
    if not digits:
        return []
    candidates = queryset.filter(search_names__contains=f" {digits}")[:CANDIDATES]
    return [
        Duplicate(record, _("the same number %(number)s") % {"number": digits})
        for record in candidates
        if digits in record.search_names.split()
    ]


def combined(*groups: list[Duplicate]) -> list[Duplicate]:
    """Each record once, with its first (strongest) reason, at most SHOWN."""
    seen, result = set(), []
    for group in groups:
        for duplicate in group:
            if duplicate.record.pk not in seen:
                seen.add(duplicate.record.pk)
                result.append(duplicate)
    return result[:SHOWN]
