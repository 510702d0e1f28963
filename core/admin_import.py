"""The admin page of the CSV import: upload, a dry-run preview listing every error, then apply."""

import uuid
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .csv_import import decode, import_csv
from .database import longer_limits
from .storage import PrivateStorage

SESSION_KEY = "csv_imports"
PENDING_FOLDER = "imports"
# Files previewed but never applied are removed after this long.
PENDING_LIFETIME = timedelta(days=1)


class CsvImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


class PendingImports:
    """A previewed file, kept in private storage until applied, under a random name tied to the session."""

    def __init__(self, request):
        self.request = request
        self.storage = PrivateStorage()

    def add(self, kind: str, text: str) -> str:
        self.forget_old()
        token = uuid.uuid4().hex
        self.storage.save(f"{PENDING_FOLDER}/{token}.csv", ContentFile(text.encode()))
        pending = self.request.session.get(SESSION_KEY, {})
        pending[token] = kind
        self.request.session[SESSION_KEY] = pending
        return token

    def text(self, kind: str, token: str) -> str | None:
        if self.request.session.get(SESSION_KEY, {}).get(token) != kind:
            return None
        self.forget_old()  # a preview older than PENDING_LIFETIME is gone, whether or not another came since
        try:
            with self.storage.open(f"{PENDING_FOLDER}/{token}.csv", "rb") as handle:
                return handle.read().decode()
        except FileNotFoundError:
            return None

    def remove(self, token: str) -> None:
        self.storage.delete(f"{PENDING_FOLDER}/{token}.csv")
        pending = self.request.session.get(SESSION_KEY, {})
        pending.pop(token, None)
        self.request.session[SESSION_KEY] = pending

    def forget_old(self) -> None:
        if not self.storage.exists(PENDING_FOLDER):
            return
        for name in self.storage.listdir(PENDING_FOLDER)[1]:
            path = f"{PENDING_FOLDER}/{name}"
            if self.storage.get_modified_time(path) < timezone.now() - PENDING_LIFETIME:
                self.storage.delete(path)


class CsvImportAdminMixin:
    """Adds /import/ to a changelist (and a link to it): `import_kind` names the export file it reads."""

    import_kind: str
    change_list_template = "admin/csv_import_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) or self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"has_import_permission": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        kind, pending = self.import_kind, PendingImports(request)
        opts = self.model._meta
        form, result, token = CsvImportForm(), None, None
        if request.method == "POST" and "apply" in request.POST:
            token = request.POST.get("token", "")
            text = pending.text(kind, token)
            if text is None:
                messages.error(request, _("This preview has expired; upload the file again."))
                return redirect(request.path)
            # A file of thousands of rows is planned in Python between its statements for longer than a web
            # request may sit idle in a transaction: the import's limits are the import command's.
            with longer_limits():
                result = import_csv(kind, text, request.user)
            if result.applied:
                pending.remove(token)
                messages.success(request, _("Imported. %(summary)s") % {"summary": result.summary()})
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            token = None  # the errors are shown; the file is not offered again
        elif request.method == "POST":
            form = CsvImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    text = decode(form.cleaned_data["file"].read())
                except ValidationError as error:
                    form.add_error("file", error)
                else:
                    with longer_limits():
                        result = import_csv(kind, text, request.user, dry_run=True)
                    if not result.problems and (result.counts["create"] or result.counts["update"]):
                        token = pending.add(kind, text)
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Import %(records)s from CSV") % {"records": opts.verbose_name_plural},
            "kind": kind,
            "form": form,
            "result": result,
            "token": token,
            "changes": [outcome for outcome in result.outcomes if outcome.action != "unchanged"] if result else [],
        }
        return TemplateResponse(request, "admin/csv_import.html", context)
