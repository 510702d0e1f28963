"""Opaque public ids: what the public sees of a record instead of its database number.

Sequential record numbers in public URLs, exports and the API told anyone how many hidden records lie between two
public ones, and let them watch for new ones. A record that has a public id (testimonies, evidence images) is
known to the public only by it: twelve characters drawn at random (`secrets`) from Crockford's base-32 alphabet in
lower case (no i, l, o, u: nothing to misread, nothing a spreadsheet takes for a formula or a number), the first a
letter. It is given when the record is made (the field's default, so bulk inserts get one too), never changes, and
is unique in the database.

The old numbered address of such a record (`/testimonies/<n>/`) answers with a permanent redirect only when the
record is public *and* existed before public ids did (`has_numbered_url`, set by the migration that gave them out);
any other number gets the same 404 as a number that never existed, so that a number tells nothing about hidden
records, nor about records made since.
"""

import re
import secrets

from django.db import models
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from .security import ReadOnlyViewMixin

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
LETTERS = "abcdefghjkmnpqrstvwxyz"
LENGTH = 12  # about 59.5 random bits
PATTERN = f"[{LETTERS}][{ALPHABET}]{{{LENGTH - 1}}}"
PUBLIC_ID_RE = re.compile(PATTERN)
# Described once for the data dictionary and the API schema.
DESCRIPTION = "random, never reused, 12 lower-case letters and digits"


def new_public_id() -> str:
    return secrets.choice(LETTERS) + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))


def is_public_id(value) -> bool:
    return isinstance(value, str) and PUBLIC_ID_RE.fullmatch(value) is not None


class PublicIdConverter:
    """`<public_id:public_id>` in URL patterns. A number never matches it (the first character is a letter)."""

    regex = PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class PublicIdModel(models.Model):
    public_id = models.CharField(
        _("public id"),
        max_length=LENGTH,
        unique=True,
        default=new_public_id,
        editable=False,
        help_text=_("The record's id in public addresses, exports and the API; random, never changes."),
    )
    # Only records made before public ids existed answer at their old numbered address (see the module docstring).
    has_numbered_url = models.BooleanField(_("answers at its old numbered address"), default=False, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id()
        super().save(*args, **kwargs)


class NumberedUrlRedirectView(ReadOnlyViewMixin, View):
    """An old numbered address (`/testimonies/<n>/`): 301 to the record's address by public id when the record is
    public and had that numbered address; otherwise the same 404 as an address that never existed."""

    queryset: models.QuerySet = None
    viewname = ""

    def get(self, request, pk):
        record = get_object_or_404(self.queryset.filter(has_numbered_url=True), pk=pk)
        return HttpResponsePermanentRedirect(reverse(self.viewname, kwargs={"public_id": record.public_id}))
