"""System checks for the settings that keep evidence files private."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


def inside(path, parent) -> bool:
    return Path(path).resolve().is_relative_to(Path(parent).resolve())


@register()
def private_media_is_not_public(app_configs, **kwargs):
    """Originals kept by reviewers carry their metadata (GPS...): they must not lie where files are served."""
    private = settings.PRIVATE_MEDIA_ROOT
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name)
        if inside(private, public) or inside(public, private):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps {name} ({public}).",
                    hint="Point PRIVATE_MEDIA_ROOT at a directory outside every served directory.",
                    id="testimonies.E001",
                )
            )
    return errors
