"""A witness's consent: the one service that withdraws it, and the reviewer's restoration.

`withdraw_consent(testimony, user, reason)`, in one transaction:

- marks the consent withdrawn (and a published testimony withheld), which takes the testimony off every public
  page, list, count, search, export and API response at once: `Testimony.objects.public()` excludes withdrawn
  testimonies, and every public output goes through it;
- empties the restricted witness fields (real name, contact, internal notes);
- deletes the witness's evidence images: the records, their history (captions and file names), and, once the
  transaction has committed, their files from storage (display image, thumbnail and the private original);
- writes one history row of the testimony that says who withdrew consent, when and why, but not what was erased
  (the restricted fields are never in the history tables; the evidence history is gone);
- leaves a notice for reviewers in the admin (`ReviewerNotice`).

Restoring (`restore_consent`) needs a reviewer and a new consent record (date and how it was recorded); the
testimony comes back withheld, to be published again by a reviewer.
"""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.curation import PublicationStatus, may_publish
from core.storage import StorageUnavailable

from .models import Consent, EvidenceImage, ReviewerNotice, Testimony

logger = logging.getLogger(__name__)


def save_with_history(testimony: Testimony, user, reason: str, fields: list[str]) -> None:
    testimony.record_editor(user)
    testimony.version += 1
    testimony._history_user = user if user is not None and user.is_authenticated else None
    testimony._change_reason = reason
    testimony.save(update_fields=[*fields, "updated_by", "updated_at", "version"])


def delete_evidence(testimony: Testimony) -> None:
    """The testimony's evidence records and their history now, images deleted earlier included; their files once
    the transaction commits."""
    evidence = list(EvidenceImage.objects.filter(testimony=testimony))
    files = {
        (file.storage, file.name)
        for image in evidence
        for file in (image.display, image.thumbnail, image.original)
        if file
    }
    pks = [image.pk for image in evidence]
    # Deleting writes a last history row of each; then every history row (captions, file names) goes, with the
    # rows and files of the testimony's images that were deleted before (their history still names them).
    EvidenceImage.objects.filter(pk__in=pks).delete()
    history = EvidenceImage.history.model.objects.filter(Q(id__in=pks) | Q(testimony_id=testimony.pk))
    for row in history:
        for name in ("display", "thumbnail", "original"):
            stored = str(getattr(row, name) or "")
            if stored:
                files.add((EvidenceImage._meta.get_field(name).storage, stored))
    history.delete()

    def remove_files():
        # A file shared with another record (the same image attached to a site) stays.
        still_used = set(
            EvidenceImage.objects.filter(display__in=[name for _, name in files]).values_list("display", flat=True)
        ) | set(
            EvidenceImage.objects.filter(thumbnail__in=[name for _, name in files]).values_list("thumbnail", flat=True)
        )
        left = []
        for storage, name in sorted(files, key=lambda pair: pair[1]):
            try:
                if name not in still_used and storage.exists(name):
                    storage.delete(name)
            except StorageUnavailable:
                left.append(name)
        if left:
            # The withdrawal itself is committed; the files it could not delete are named to reviewers (and in the
            # log), to be deleted from the store by hand, rather than forgotten or answered with an error page.
            logger.error("Withdrawal of testimony %s: the object store did not delete %s", testimony.pk, left)
            ReviewerNotice.objects.create(
                testimony=testimony,
                message=_(
                    "The file store did not answer while the evidence of testimony %(id)s was erased: these files "
                    "are still stored and must be deleted from it by hand: %(names)s"
                )
                % {"id": testimony.pk, "names": ", ".join(left)},
            )

    transaction.on_commit(remove_files)


def withdraw_consent(testimony: Testimony, user, reason: str) -> Testimony:
    """Withdraw the witness's consent (see the module's docstring). Any staff member who may change testimonies
    may do it: it only takes things away from the public."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why consent is withdrawn (who asked, and how)."), code="reason")
    if user is None or not user.has_perm("testimonies.change_testimony"):
        raise PermissionDenied(_("You may not change testimonies."))
    with transaction.atomic():
        testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
        if testimony.consent == Consent.WITHDRAWN:
            raise ValidationError(_("Consent to this testimony is already withdrawn."), code="withdrawn")
        testimony.consent = Consent.WITHDRAWN
        testimony.consent_recorded_on = timezone.localdate()
        testimony.consent_how = ""
        for name in Testimony.RESTRICTED_FIELDS:
            setattr(testimony, name, "")
        fields = ["consent", "consent_recorded_on", "consent_how", *Testimony.RESTRICTED_FIELDS]
        if testimony.status == PublicationStatus.PUBLISHED:
            testimony.status = PublicationStatus.WITHHELD
            fields.append("status")
        delete_evidence(testimony)
        # How consent was recorded may name the witness: gone from every earlier version too.
        Testimony.history.filter(id=testimony.pk).update(consent_how="")
        save_with_history(testimony, user, f"Consent withdrawn: {reason}", fields)
        ReviewerNotice.objects.create(
            testimony=testimony,
            created_by=user,
            message=_("%(user)s withdrew the witness's consent to testimony %(id)s: %(reason)s")
            % {"user": user.get_username(), "id": testimony.pk, "reason": reason},
        )
    return testimony


def restore_consent(testimony: Testimony, user, consent: str, recorded_on: datetime.date, how: str) -> Testimony:
    """A reviewer records new consent to a withdrawn testimony; it comes back withheld."""
    if not may_publish(user):
        raise PermissionDenied(_("Only reviewers can restore a testimony whose consent was withdrawn."))
    if consent not in (Consent.GIVEN, Consent.LIMITED):
        raise ValidationError(_("Record the new consent as given or limited."), code="consent")
    if recorded_on is None or not (how or "").strip():
        raise ValidationError(_("A new consent record needs its date and how it was recorded."), code="record")
    with transaction.atomic():
        testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
        if testimony.consent != Consent.WITHDRAWN:
            raise ValidationError(_("Consent to this testimony is not withdrawn."), code="not_withdrawn")
        if testimony.consent_recorded_on and recorded_on < testimony.consent_recorded_on:
            raise ValidationError(_("The new consent cannot be older than its withdrawal."), code="older")
        testimony.consent, testimony.consent_recorded_on, testimony.consent_how = consent, recorded_on, how.strip()
        save_with_history(
            testimony,
            user,
            f"Consent restored ({consent}), recorded {recorded_on:%Y-%m-%d}: {how.strip()}",
            ["consent", "consent_recorded_on", "consent_how"],
        )
        ReviewerNotice.objects.create(
            testimony=testimony,
            created_by=user,
            message=_("%(user)s restored consent to testimony %(id)s (%(consent)s).")
            % {"user": user.get_username(), "id": testimony.pk, "consent": Consent(consent).label},
        )
    return testimony
