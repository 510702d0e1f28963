"""Dates as the sources give them: a day, a month, a season, a year, approximate or uncertain, open-ended periods.

A partial date is stored as its Extended Date/Time Format text (EDTF, the Library of Congress standard, read by the
maintained `edtf` library): `2022-11`, `2022-11~` (about November 2022), `2022-23` (autumn 2022), `2022?`,
`2022-11-05/2023-05` (a period, each end with its own precision), `2022-11/..` (until now or unknown). Beside it,
two plain date columns hold the earliest and latest day it can mean, for filtering, sorting and overlap tests:
`<name>_earliest` and `<name>_latest` (None for an open end). Curators may also type plain language that the
library understands ("November 2022", "autumn 2022"); it is stored as EDTF.
"""

import datetime
import functools
import math
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from edtf import parse_edtf as parse_edtf_afresh
from edtf import text_to_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(struct) -> datetime.date | None:
    if struct is None or (isinstance(struct, float) and math.isinf(struct)):
        return None
    return datetime.date(struct.tm_year, struct.tm_mon, struct.tm_mday)


# What a date in words may be written with; anything else (markup, quotes, brackets) is not a date at all, although
# the library would find a day in "alert(1)".
WORDS_OF_A_DATE = re.compile(r"^[\w\s,./~?–—-]+$")
PERIOD_IN_WORDS = re.compile(r"^(?:from\s+)?(.+?)\s+(?:to|until|till|–|—|-)\s+(.+)$", re.IGNORECASE)


def _from_words(text: str) -> str | None:
    """EDTF for plain language: what the edtf library reads, and a period "<date> to <date>" of two such dates.

    Only a reading with a year counts: "the 1st" or "spring" alone say nothing the archive can place.
    """
    if not WORDS_OF_A_DATE.match(text):
        return None
    period = PERIOD_IN_WORDS.match(text)
    if period:
        ends = [".." if end.lower() in ("..", "now", "today") else _from_words(end) for end in period.groups()]
        if all(ends) and "/" not in "".join(ends):
            return "/".join(ends)
    try:
        candidate = text_to_edtf(text)
    except (EDTFParseException, ValueError, TypeError, OverflowError, AttributeError, IndexError):
        return None
    if not candidate or candidate.startswith("X"):
        return None
    return candidate


@functools.lru_cache(maxsize=8192)
def parse_edtf(text: str):
    """The edtf library's parse of `text`, remembered: its pyparsing grammar takes milliseconds a text, and the same
    few thousand texts (days, months, periods) recur on every save, import row and bulk insert. Parsed values are
    never changed in place, so one may be shared."""
    return parse_edtf_afresh(text)


def normalise(text: str) -> str:
    """`text` as EDTF: EDTF as it is, else plain language the edtf library understands; ValidationError if neither.

    An interval that ends before it starts is refused.
    """
    text = (text or "").strip()
    if not text:
        return ""
    try:
        parsed = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError, OverflowError):
        candidate = _from_words(text)
        if not candidate:
            raise ValidationError(
                _(
                    "“%(value)s” is not a date this archive can read. Write it as the source gives it: 2022-11-05, "
                    "2022-11 (a month), 2022-23 (autumn 2022), 2022 (a year), 2022-11~ (about), 2022? (uncertain), "
                    "2022-11/2023-05 (a period), 2022-11/.. (open end), or in words such as “November 2022”."
                )
                % {"value": text[:100]},
                code="invalid_date",
            ) from None
        try:
            parsed = parse_edtf(candidate)
        except (EDTFParseException, ValueError, TypeError, OverflowError):
            raise ValidationError(
                _("“%(value)s” is not a date this archive can read."),
                params={"value": text[:100]},
                code="invalid_date",
            ) from None
    earliest, latest = bounds_of(parsed)
    if earliest and latest and latest < earliest:
        raise ValidationError(_("The period ends before it starts."), code="end_before_start")
    return str(parsed)


DAY_OF_MONTH = re.compile(r"(\d{4}-\d{2})-\d{2}")


def to_month(text: str) -> str:
    """`text` with every day made its month ("2024-11-05~/2024-12-01" is "2024-11~/2024-12"): what may be shown
    of a date whose day must not be (a witness's limited consent). A period within one month becomes that month."""
    coarse = DAY_OF_MONTH.sub(r"\1", text or "")
    first, slash, last = coarse.partition("/")
    if slash and first == last:
        coarse = first
    return coarse


def bounds_of(parsed) -> tuple[datetime.date | None, datetime.date | None]:
    try:
        return _day(parsed.lower_strict()), _day(parsed.upper_strict())
    except (ValueError, OverflowError, AttributeError):
        return None, None


def bounds(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest day an EDTF text can mean (None for an open or unknown end)."""
    if not text:
        return None, None
    try:
        return bounds_of(parse_edtf(text))
    except (EDTFParseException, ValueError, TypeError):
        return None, None


def validate_edtf(value: str) -> None:
    if value and normalise(value) != value:
        # Stored values are always normalised EDTF (the form field normalises what a curator types).
        raise ValidationError(_("“%(value)s” is not EDTF."), params={"value": value}, code="invalid_date")


class FirstOfMonth(models.Func):
    """The first day of a date's month, as a date. Unlike TruncMonth on PostgreSQL (which goes through a timestamp
    with time zone, so depends on the session's time zone), it is immutable: an index can hold it."""

    output_field = models.DateField()
    template = "(DATE_TRUNC('month', %(expressions)s::timestamp))::date"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="DATE(%(expressions)s, 'start of month')", **extra_context)


class PartialDateFormField(forms.CharField):
    def to_python(self, value):
        return normalise(super().to_python(value))


class PartialDateField(models.CharField):
    """An EDTF date or period; the model keeps `<name>_earliest`/`<name>_latest` (PartialDatesModel)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault(
            "help_text",
            _(
                "As the source gives it: 2022-11-05, 2022-11, 2022-23 (autumn), 2022, 2022-11~ (about), 2022? "
                "(uncertain), 2022-11/2023-05 (a period), 2022-11/.. (open end), or “November 2022”."
            ),
        )
        super().__init__(*args, **kwargs)
        self.validators.append(validate_edtf)

    def to_python(self, value):
        # So that full_clean and the CSV import store what a curator typed ("November 2022") as EDTF.
        return normalise(super().to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PartialDateFormField, **kwargs})


class PartialDatesModel(models.Model):
    """Keeps the earliest and latest day of each PartialDateField in its `<name>_earliest`/`<name>_latest` fields."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.set_date_bounds()
        if kwargs.get("update_fields") is not None:
            names = {field.name for field in self._meta.concrete_fields if isinstance(field, PartialDateField)}
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                *(f"{name}_{end}" for name in names & set(kwargs["update_fields"]) for end in ("earliest", "latest")),
            }
        super().save(*args, **kwargs)

    def set_date_bounds(self) -> None:
        for field in self._meta.concrete_fields:
            if isinstance(field, PartialDateField):
                earliest, latest = bounds(getattr(self, field.attname))
                setattr(self, f"{field.name}_earliest", earliest)
                setattr(self, f"{field.name}_latest", latest)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=exclude)
        # So that constraints on the earliest/latest columns are validated against what will be saved.
        self.set_date_bounds()


def overlapping(prefix: str, start: datetime.date | None, end: datetime.date | None) -> models.Q:
    """Records whose partial date `prefix` may overlap [start, end] (open ends on either side overlap)."""
    condition = models.Q()
    if start:
        condition &= models.Q(**{f"{prefix}_latest__isnull": True}) | models.Q(**{f"{prefix}_latest__gte": start})
    if end:
        condition &= models.Q(**{f"{prefix}_earliest__isnull": True}) | models.Q(**{f"{prefix}_earliest__lte": end})
    return condition


def earliest_and_latest(prefix: str) -> tuple[str, str]:
    return f"{prefix}_earliest", f"{prefix}_latest"
