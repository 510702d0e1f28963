"""Merging two records that turn out to be one (two persons, two spellings of a site).

Every reference to the merged record moves to the kept one, found through `_meta`, so the service knows no model:
the foreign keys of every model (those of history tables included) and the many-to-many links. The merged record's
own history rows stay, under its old number. The merged record's public address keeps working: a `MergedRecord` row
redirects it to the kept record. Both histories say who merged what, when and why.
"""

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpResponsePermanentRedirect
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .curation import may_publish
from .curation import related_model as model_of
from .models import MergedRecord


def references(model: type[models.Model]):
    """(model, field name) of every foreign key and many-to-many link table column that points at `model`."""
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        field = relation.field
        if field.many_to_many:
            yield field.remote_field.through, field.m2m_reverse_field_name()
        else:
            yield relation.related_model, field.name
    for field in model._meta.many_to_many:
        yield field.remote_field.through, field.m2m_field_name()


def move_references(model, merged_pk, kept_pk) -> None:
    for related_model, field_name in references(model):
        field = related_model._meta.get_field(field_name)
        attname = field.attname
        for pk in related_model._base_manager.filter(**{attname: merged_pk}).values_list("pk", flat=True):
            if related_model is model and pk == kept_pk:
                # The kept record pointed at the merged one (a unit under its duplicate): it would point at itself.
                if field.null:
                    related_model._base_manager.filter(pk=pk).update(**{attname: None})
                continue
            try:
                with transaction.atomic():
                    related_model._base_manager.filter(pk=pk).update(**{attname: kept_pk})
            except IntegrityError:
                # The kept record has this link already (both persons named in one testimony): keep one.
                related_model._base_manager.filter(pk=pk).delete()
    drop_links_to_itself(model, kept_pk)


def drop_links_to_itself(model, kept_pk) -> None:
    """A many-to-many link of the model to itself that the move made from the kept record to itself (a publication
    that cited its duplicate) is removed."""
    for field in model._meta.many_to_many:
        if field.remote_field.model is model:
            through = field.remote_field.through
            through._base_manager.filter(
                **{f"{field.m2m_field_name()}_id": kept_pk, f"{field.m2m_reverse_field_name()}_id": kept_pk}
            ).delete()


def keep_name_as_alias(kept, merged, user) -> None:
    """The merged record's name becomes another name of the kept one, so that searches for it still find it."""
    name = getattr(merged, "name", "")
    try:
        alias_model = model_of(type(kept), "aliases")
    except FieldDoesNotExist:
        return
    if not name or name == kept.name or kept.aliases.filter(name=name).exists():
        return
    alias = alias_model(**{alias_model.PARENT_FIELD: kept, "name": name})
    alias._history_user = user
    alias._change_reason = "Name of a merged record"
    alias.save()


HISTORY_REASON_LENGTH = 100


@transaction.atomic
def merge_records(kept, merged, user, reason: str = ""):
    """Move everything that refers to `merged` onto `kept`, delete `merged`, leave a redirect and history rows.

    Refuses (ValidationError) a record merged into itself or into a record of another kind, and
    (PermissionDenied) a user who is not a reviewer; nothing changes then.
    """
    if type(kept) is not type(merged):
        raise ValidationError(_("Only two records of the same kind can be merged."), code="different_kinds")
    if kept.pk == merged.pk:
        raise ValidationError(_("A record cannot be merged into itself."), code="same_record")
    if not may_publish(user):
        raise PermissionDenied(_("Only reviewers can merge records."))
    model = type(kept)
    note = _("Merged “%(merged)s” (%(slug)s) into “%(kept)s”.") % {
        "merged": merged,
        "slug": getattr(merged, "slug", merged.pk),
        "kept": kept,
    }
    if reason:
        note = f"{note} {reason}"
    # django-simple-history keeps a change reason in 100 characters (PostgreSQL refuses more); longer
    # reason is cut with an ellipsis rather than refused.
    note = Truncator(note).chars(HISTORY_REASON_LENGTH)
    move_references(model, merged.pk, kept.pk)
    keep_name_as_alias(kept, merged, user)
    MergedRecord.objects.create(
        model=model._meta.label_lower, old_slug=getattr(merged, "slug", ""), old_pk=merged.pk, kept_pk=kept.pk
    )
    # Nothing refers to it any more, so nothing cascades; its history stays, ending with a row that says where it
    # went (under its old number, which the MergedRecord row leads to the kept record).
    merged._change_reason = note
    merged._history_user = user
    merged.delete()
    kept = model._base_manager.get(pk=kept.pk)
    kept._change_reason = note
    kept._history_user = user
    kept.stamp_save(user)
    kept.save()
    if hasattr(kept, "refresh_search_names"):
        kept.refresh_search_names()
    return kept


def redirect_target(model: type[models.Model], *, slug: str | None = None, pk=None):
    """The public record that a merged record's old slug (or number) now stands for, following merges of merges."""
    label = model._meta.label_lower
    lookup = {"old_slug": slug} if slug else {"old_pk": pk}
    seen = set()
    merged = MergedRecord.objects.filter(model=label, **lookup).order_by("-merged_at").first()
    while merged is not None and merged.kept_pk not in seen:
        seen.add(merged.kept_pk)
        target = model.objects.public().filter(pk=merged.kept_pk).first()
        if target is not None or model._base_manager.filter(pk=merged.kept_pk).exists():
            return target
        merged = MergedRecord.objects.filter(model=label, old_pk=merged.kept_pk).order_by("-merged_at").first()
    return None


class RedirectMergedMixin:
    """A detail page whose record was merged into another answers with a permanent redirect to that one."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            target = redirect_target(self.model, slug=kwargs.get("slug"))
            if target is None:
                raise
            return HttpResponsePermanentRedirect(target.get_absolute_url())
