from core.apps import ProjectAppConfig


class SitesConfig(ProjectAppConfig):
    name = "sites"
