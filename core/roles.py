"""The staff roles, kept in step with the models after every migrate."""

from django.contrib.auth.models import Group, Permission

from .apps import project_app_labels

EDITOR = "editor"
REVIEWER = "reviewer"
WITNESS_IDENTITIES = "restricted-fields"


def ensure_roles(**kwargs) -> None:
    """editor: create, edit and view every record and its history; reviewer: also publish, withhold, delete
    and revert; restricted-fields: see and change witness identities (given on top of either role)."""
    app_permissions = Permission.objects.filter(content_type__app_label__in=project_app_labels())
    # History rows are written by the application only; staff read them.
    editing = app_permissions.filter(codename__regex=r"^(add|change|view)_").exclude(
        codename__regex=r"^(add|change)_historical|^view_restricted_fields$"
    )
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.set(editing)
    reviewer, _ = Group.objects.get_or_create(name=REVIEWER)
    reviewer.permissions.set(
        editing
        | app_permissions.filter(codename__startswith="delete_").exclude(codename__startswith="delete_historical")
        | app_permissions.filter(codename="publish_records")
    )
    identities, _ = Group.objects.get_or_create(name=WITNESS_IDENTITIES)
    identities.permissions.set(app_permissions.filter(codename="view_restricted_fields"))
