from core.apps import ProjectAppConfig


class UnitsConfig(ProjectAppConfig):
    name = "units"
