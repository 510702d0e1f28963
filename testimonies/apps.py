from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TestimoniesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "testimonies"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .roles import ensure_roles

        # After migrate has created every permission, keep the role groups in step with them.
        post_migrate.connect(ensure_roles, dispatch_uid="testimonies.ensure_roles")
