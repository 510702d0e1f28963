from django.apps import AppConfig, apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save
from django.urls import register_converter
from django.utils.module_loading import autodiscover_modules

from . import checks  # noqa: F401 - registers the system checks
from .search import register_sqlite_functions


class ProjectAppConfig(AppConfig):
    """The configuration of each of this project's own apps (as opposed to Django's and third parties').

    Roles give their permissions and backups count their tables by asking which apps are project apps, so that
    the list lives in one place: the apps' own configurations.
    """

    default_auto_field = "django.db.models.BigAutoField"


def project_app_configs() -> list[AppConfig]:
    return [config for config in apps.get_app_configs() if isinstance(config, ProjectAppConfig)]


def project_app_labels() -> tuple[str, ...]:
    return tuple(config.label for config in project_app_configs())


class CoreConfig(ProjectAppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Not at the top: these modules define or import models, which cannot be imported before the app
        # registry is ready.
        from . import lookups  # noqa: F401 - registers `__any_of` (core.lookups)
        from .generation import install_triggers
        from .names import refresh_alias_parent
        from .public_ids import PublicIdConverter
        from .roles import ensure_roles

        # Aliases of every app keep their record's folded names current (core.names).
        post_save.connect(refresh_alias_parent, dispatch_uid="core.refresh_alias_parent.save")
        post_delete.connect(refresh_alias_parent, dispatch_uid="core.refresh_alias_parent.delete")
        # SQLite searches text folded like names (core.search).
        connection_created.connect(register_sqlite_functions, dispatch_uid="core.register_sqlite_functions")

        # `<public_id:public_id>` in the apps' URL patterns (core.public_ids).
        register_converter(PublicIdConverter, "public_id")
        # Each app's importers.py registers its CSV importers (core.csv_import), as admin.py registers ModelAdmins.
        autodiscover_modules("importers")
        # After migrate has created every permission, keep the role groups in step with them.
        post_migrate.connect(ensure_roles, dispatch_uid="core.ensure_roles")
        # Once, after every app has migrated: new tables get their publication-generation triggers.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="core.install_triggers")
