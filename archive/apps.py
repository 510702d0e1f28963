from django.db.models.signals import post_delete, post_save

from core.apps import ProjectAppConfig


class ArchiveConfig(ProjectAppConfig):
    """The composition layer: what spans every record type (home page, API schema, demo and synthetic data,
    benchmarks, open data and its releases). It may import every app; no app imports it."""

    name = "archive"

    def ready(self):
        # Not at the top: these modules import models, which cannot be imported before the app registry is ready.
        from .releases import released_models
        from .signals import amend_when_no_longer_public

        # A record that stops being public (withdrawn consent, withheld, deleted) leaves every stored release.
        for resource, model in released_models().items():
            for signal in (post_save, post_delete):
                signal.connect(
                    amend_when_no_longer_public,
                    sender=model,
                    dispatch_uid=f"archive.amend.{signal is post_save}.{resource}",
                )
