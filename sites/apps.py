from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate

from core.apps import ProjectAppConfig


def ensure_region_vocabulary(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """A data migration loads the region vocabulary; a flushed database (tests, `manage.py flush`) gets it back
    here, as the role groups are: flush sends post_migrate too."""
    from .models import Region

    if Region._meta.db_table in connections[using].introspection.table_names():
        Region.objects.using(using).load_vocabulary()


class SitesConfig(ProjectAppConfig):
    name = "sites"

    def ready(self):
        post_migrate.connect(ensure_region_vocabulary, sender=self, dispatch_uid="sites.ensure_region_vocabulary")
