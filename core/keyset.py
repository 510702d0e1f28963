"""Keyset ("cursor") pages: the records after a given record in a queryset's order, found through the order's
index instead of by reading and skipping every record before them (an offset grows with the depth of the page:
page 40,000 of the API at 1,000,000 testimonies read 1,000,000 rows).

A cursor is the sort key of the last record of a page (the values its order is made of, ending with the primary
key), signed so that only cursors this site made are read back: a forged or garbled one is refused, never turned
into a query. The values are those of the public order (a testimony's public date, never its exact day under
limited consent), so a cursor carries nothing a public page does not show.
"""

import hashlib
import re
from dataclasses import dataclass

from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Expression, F, OrderBy, Q

SALT = "core.keyset"
# What signing.dumps makes: a base64 payload ("." first when compressed), its base62 timestamp, a base64
# HMAC-SHA256.
CURSOR_PATTERN = r"^\.?[A-Za-z0-9_-]+:[0-9A-Za-z]+:[A-Za-z0-9_-]{43}$"


class MalformedCursor(ValueError):
    """Not of the form of a cursor."""


class UnknownCursor(ValueError):
    """Of the form of a cursor, but not made by this site for this order (or made with another secret key)."""


@dataclass(frozen=True)
class SortKey:
    """One term of a queryset's order, as an alias the keyset condition can compare."""

    alias: str
    expression: Expression
    descending: bool
    nulls_after: bool  # NULLs come after every value in this term's direction

    def described(self) -> str:
        return f"{'-' if self.descending else ''}{self.expression}"


def order_digest(keys: list[SortKey]) -> str:
    """A short name of an order, so that a cursor is read back only under the order it was made for."""
    return hashlib.sha256("|".join(key.described() for key in keys).encode()).hexdigest()[:16]


def sort_keys(queryset) -> list[SortKey]:
    """The terms of `queryset`'s order (which must end with a unique key), with where each puts NULLs: as the
    database does when the order does not say (PostgreSQL sorts NULL above every value, SQLite below)."""
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    keys = []
    for position, term in enumerate(queryset.query.order_by):
        if isinstance(term, str):
            descending = term.startswith("-")
            term = OrderBy(F(term.removeprefix("-")), descending=descending)
        elif not isinstance(term, OrderBy):
            term = OrderBy(term)
        if term.nulls_first or term.nulls_last:
            nulls_after = bool(term.nulls_last)
        else:
            nulls_after = nulls_largest != term.descending
        keys.append(SortKey(f"keyset_{position}", term.expression, term.descending, nulls_after))
    return keys


def cursor_after(queryset, record, page: int | None = None, per_page: int | None = None) -> str:
    """The cursor of the records after `record` in `queryset`'s order (one query by primary key); `page`, the
    number of the page it leads to with `per_page` records a page, is kept in it for the HTML lists to show
    (`page_number`)."""
    keys = sort_keys(queryset)
    values = list(
        queryset.filter(pk=record.pk)
        .annotate(**{key.alias: key.expression for key in keys})
        .values_list(*(key.alias for key in keys))
        .get()
    )
    payload = {"order": order_digest(keys), "after": values}
    if page is not None:
        payload["page"], payload["per_page"] = page, per_page
    return signing.dumps(
        payload,
        salt=SALT,
        compress=True,
        serializer=CursorSerializer,
    )


def records_after(queryset, cursor: str):
    """`queryset` from the record after the one `cursor` was made for, in the same order. The first term's bound
    stands alone as well as in the condition, so that the database reads the order's index from that point."""
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise MalformedCursor(cursor)
    keys = sort_keys(queryset)
    try:
        payload = signing.loads(cursor, salt=SALT, serializer=CursorSerializer)
    except signing.BadSignature as error:
        raise UnknownCursor("not a cursor of this site") from error
    if not isinstance(payload, dict) or payload.get("order") != order_digest(keys):
        raise UnknownCursor("a cursor of another order")
    keyed = queryset.alias(**{key.alias: key.expression for key in keys})
    values = [
        None if value is None else keyed.query.annotations[key.alias].output_field.to_python(value)
        for key, value in zip(keys, payload["after"], strict=True)
    ]
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        strictly = beyond(key, value)
        condition = strictly if condition is None else strictly | (equal_to(key, value) & condition)
    return keyed.filter(beyond(keys[0], values[0], inclusive=True) & condition)


def page_number(cursor: str, per_page: int) -> int | None:
    """The page number a cursor was made with (`cursor_after`), if any and if its pages had `per_page` records
    (another page size starts elsewhere): read after `records_after` accepted it."""
    payload = signing.loads(cursor, salt=SALT, serializer=CursorSerializer)
    page = payload.get("page")
    if payload.get("per_page") != per_page:
        return None
    return page if isinstance(page, int) and page > 1 else None


def equal_to(key: SortKey, value) -> Q:
    return Q(**{f"{key.alias}__isnull": True}) if value is None else Q(**{key.alias: value})


def beyond(key: SortKey, value, inclusive: bool = False) -> Q:
    """The rows after `value` in `key`'s direction, and those equal to it when `inclusive`."""
    is_null = Q(**{f"{key.alias}__isnull": True})
    if value is None:
        # Past the NULLs come the values, when the NULLs come first; nothing does when they come last.
        if inclusive:
            return is_null if key.nulls_after else Q()
        return Q(pk__in=[]) if key.nulls_after else ~is_null
    lookup = ("lt" if key.descending else "gt") + ("e" if inclusive else "")
    past_value = Q(**{f"{key.alias}__{lookup}": value})
    return past_value | is_null if key.nulls_after else past_value


class CursorSerializer(signing.JSONSerializer):
    """JSON with dates, times and decimals (as Django's JSON encoder writes them: read back by the fields)."""

    def dumps(self, obj):
        return DjangoJSONEncoder(separators=(",", ":")).encode(obj).encode("latin-1")
