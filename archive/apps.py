from core.apps import ProjectAppConfig


class ArchiveConfig(ProjectAppConfig):
    """The composition layer: what spans every record type (home page, API schema, demo and synthetic data,
    benchmarks). It may import every app; no app imports it."""

    name = "archive"
